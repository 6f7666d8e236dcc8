"""Writes of the cooperative registry, visits, follow-ups and monthly reports. Every change is audited."""

import copy
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from mentors.models import Mentor
from regions.models import Village
from regions.phones import phone_normalize
from regions.spreadsheets import ImportPreview, RowResult, Sheet, apply_all_or_nothing, row_form

from .access import can_correct_visit, can_edit_cooperative, can_record_visit, can_review_report, can_write_report
from .forms import CooperativeRowForm, clean_other_units
from .models import BusinessUnit, Cooperative, FollowUp, MonthlyReport, StageChange, UnitKind, Visit
from .selectors import reviewer_of

COOPERATIVE_FIELDS = ["name", "stage", "legal_entity_number", "legal_entity_date", "member_count", "chair_name",
                      "chair_phone", "manager_name", "manager_phone", "address", "notes"]


class StaleEdit(Exception):
    """The record changed since the form was opened; nothing was saved."""


class ReportError(Exception):
    """A report step that is not allowed now; the message says why."""


def _audited_save(instance, *, actor, reason: str):
    instance.full_clean()
    instance._history_user = actor
    instance._change_reason = reason
    instance.save()
    return instance


def _set_units(cooperative: Cooperative, kinds: list[str], others: list[str], *, actor=None) -> None:
    """Make the cooperative's units these; each added or removed unit is kept in the unit history."""
    wanted = {(kind, "") for kind in kinds if kind != UnitKind.OTHER}
    wanted |= {(UnitKind.OTHER, name) for name in clean_other_units(others)}
    current = {(u.kind, u.name): u for u in cooperative.units.all()}
    for key, unit in current.items():
        if key not in wanted:
            unit._history_user = actor
            unit.delete()
    for kind, name in sorted(wanted - set(current)):
        _audited_save(BusinessUnit(cooperative=cooperative, kind=kind, name=name), actor=actor, reason="added")


def _record_stage(cooperative: Cooperative, old_stage: str | None, *, reached_on: date | None, actor) -> None:
    if cooperative.stage != old_stage:
        StageChange.objects.create(cooperative=cooperative, stage=cooperative.stage,
                                   reached_on=reached_on or timezone.localdate(), recorded_by=actor)


@transaction.atomic
def cooperative_create(*, actor, village: Village, **values) -> Cooperative:
    cooperative = Cooperative(village=village, name=values.pop("name", "") or Cooperative.default_name(village))
    for name, value in values.items():
        if name in COOPERATIVE_FIELDS:
            setattr(cooperative, name, value)
    # The stage a record starts with was reached before the portal knew of it: the timeline starts with the
    # first change recorded here.
    _audited_save(cooperative, actor=actor, reason="created")
    return cooperative


@transaction.atomic
def cooperatives_ensure(*, actor, regency) -> int:
    """Create the record of every village of the regency that has none yet (stage: deliberation held), in bulk,
    each with its first history entry."""
    missing = Village.objects.filter(district__regency=regency, cooperative__isnull=True).order_by("code")
    records = [Cooperative(village=village, name=Cooperative.default_name(village)) for village in missing]
    for record in records:
        record.full_clean(exclude=["village"], validate_unique=False, validate_constraints=False)
    bulk_create_with_history(records, Cooperative, batch_size=1000, default_user=actor,
                             default_change_reason="created")
    return len(records)


@transaction.atomic
def cooperative_update(*, actor, cooperative: Cooperative, version: str | None, units: list[str] | None = None,
                       other_units: list[str] | None = None, stage_reached_on: date | None = None,
                       **values) -> Cooperative:
    if actor is not None and not can_edit_cooperative(actor, cooperative):
        raise PermissionDenied
    current = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    if version is not None and current.updated_at.isoformat() != version:
        raise StaleEdit
    old_stage = current.stage
    for name, value in values.items():
        if name in COOPERATIVE_FIELDS:
            setattr(current, name, value)
    for name in ("chair_phone", "manager_phone"):
        if name in values:
            setattr(current, name, phone_normalize(getattr(current, name)))
    _audited_save(current, actor=actor, reason="edited")
    if units is not None:
        _set_units(current, units, other_units or [], actor=actor)
    _record_stage(current, old_stage, reached_on=stage_reached_on, actor=actor)
    return current


# --- visits and follow-ups ------------------------------------------------------------------------


def _check_visit(day: date, focus_areas: list[str], mentor: Mentor) -> None:
    if day > timezone.localdate():
        raise ValidationError({"date": _("A visit cannot be dated in the future.")})
    closed = MonthlyReport.objects.filter(mentor=mentor, month=day.replace(day=1), status__in=[
        MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED]).exists()
    if closed:
        raise ValidationError({"date": _("The monthly report for this month has already been submitted: a visit "
                                         "cannot be added to it or moved into it.")})
    unknown = set(focus_areas) - set(Visit.Focus.values)
    if not focus_areas or unknown:
        raise ValidationError({"focus_areas": _("Choose at least one focus area.")})


@transaction.atomic
def visit_create(*, actor, mentor: Mentor, cooperative: Cooperative, date: date, mode: str,
                 focus_areas: list[str], summary: str, follow_ups: list[tuple[str, date]] = ()) -> Visit:
    if actor is not None and not can_record_visit(actor, cooperative):
        raise PermissionDenied
    _check_visit(date, focus_areas, mentor)
    visit = Visit(cooperative=cooperative, mentor=mentor, date=date, mode=mode, focus_areas=list(focus_areas),
                  summary=summary.strip(), created_by=actor)
    _audited_save(visit, actor=actor, reason="created")
    for action, due in follow_ups:
        _audited_save(FollowUp(visit=visit, action=action.strip(), due_date=due), actor=actor, reason="created")
    return visit


@transaction.atomic
def visit_update(*, actor, visit: Visit, date: date, mode: str, focus_areas: list[str], summary: str,
                 follow_ups: list[tuple[str, date]] = ()) -> Visit:
    if actor is not None and not can_correct_visit(actor, visit):
        raise PermissionDenied
    _check_visit(date, focus_areas, visit.mentor)
    if MonthlyReport.objects.filter(mentor=visit.mentor, month=visit.date.replace(day=1), status__in=[
            MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED]).exists():
        raise ValidationError({"date": _("This visit is in a monthly report that has already been submitted; "
                                         "it can no longer be changed.")})
    visit.date, visit.mode, visit.focus_areas, visit.summary = date, mode, list(focus_areas), summary.strip()
    _audited_save(visit, actor=actor, reason="corrected")
    for action, due in follow_ups:
        _audited_save(FollowUp(visit=visit, action=action.strip(), due_date=due), actor=actor, reason="created")
    return visit


@transaction.atomic
def follow_up_done(*, actor, follow_up: FollowUp) -> FollowUp:
    if not follow_up.done:
        follow_up.done, follow_up.done_at, follow_up.done_by = True, timezone.now(), actor
        _audited_save(follow_up, actor=actor, reason="done")
    return follow_up


# --- monthly reports ------------------------------------------------------------------------------


def _report_for_update(mentor: Mentor, month: date) -> MonthlyReport:
    report = MonthlyReport.objects.select_for_update().filter(mentor=mentor, month=month).first()
    return report or MonthlyReport(mentor=mentor, month=month)


@transaction.atomic
def report_save(*, actor, mentor: Mentor, month: date, obstacles: str, next_month_plan: str,
                submit: bool = False) -> MonthlyReport:
    """The BA writes (and optionally submits) their report. A submitted or accepted report is not editable."""
    if actor is not None and not can_write_report(actor, mentor):
        raise PermissionDenied
    if month > timezone.localdate().replace(day=1):
        raise ReportError(_("A report for a month that has not started cannot be written yet."))
    report = _report_for_update(mentor, month)
    if report.status in (MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED):
        raise ReportError(_("This report has already been submitted; it can be changed only if the PMO returns it."))
    report.obstacles, report.next_month_plan = obstacles.strip(), next_month_plan.strip()
    if submit:
        report.status, report.submitted_at = MonthlyReport.Status.SUBMITTED, timezone.now()
        # A new round of review: the earlier comment stays in the report's history.
        report.review_comment, report.reviewed_by, report.reviewed_at = "", None, None
    _audited_save(report, actor=actor, reason="submitted" if submit else "saved")
    return report


@transaction.atomic
def report_review(*, actor, report: MonthlyReport, accept: bool, comment: str = "") -> MonthlyReport:
    if actor is not None and not can_review_report(actor, reviewer_of(report.mentor)):
        raise PermissionDenied
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if report.status != MonthlyReport.Status.SUBMITTED:
        raise ReportError(_("Only a submitted report can be accepted or returned."))
    if not accept and not comment.strip():
        raise ReportError(_("Say what must be improved when you return a report."))
    report.status = MonthlyReport.Status.ACCEPTED if accept else MonthlyReport.Status.RETURNED
    report.review_comment, report.reviewed_by, report.reviewed_at = comment.strip(), actor, timezone.now()
    _audited_save(report, actor=actor, reason="accepted" if accept else "returned")
    return report


# --- bulk import of the registry ------------------------------------------------------------------

COOPERATIVE_SHEET = Sheet(
    columns={
        "village_code": {"kode desa", "kode desa/kelurahan", "village code", "kode wilayah"},
        "name": {"nama koperasi", "nama", "name", "cooperative", "koperasi"},
        "stage": {"tahap", "tahapan", "stage", "status"},
        "legal_entity_number": {"nomor badan hukum", "no badan hukum", "nomor sk ahu", "sk ahu",
                                "legal entity number"},
        "legal_entity_date": {"tanggal badan hukum", "tanggal sk ahu", "legal entity date"},
        "member_count": {"jumlah anggota", "anggota", "members", "member count"},
        "chair_name": {"ketua", "nama ketua", "chair"},
        "chair_phone": {"telepon ketua", "hp ketua", "chair phone"},
        "manager_name": {"manajer", "pengelola", "nama manajer", "manager"},
        "manager_phone": {"telepon manajer", "hp manajer", "manager phone"},
        "address": {"alamat", "address"},
        "units": {"unit usaha", "gerai", "business units"},
        "notes": {"catatan", "keterangan", "notes"},
    },
    required=("village_code",),
    max_rows=5000,
    missing_message=gettext_lazy("The first row must name the columns and include “kode desa”. Missing: %(columns)s."),
)


def cooperatives_import_check(*, regency, rows: list[dict]) -> ImportPreview:
    """What importing the sheet into the regency would do, row by row (keyed by village code). Writes nothing."""
    villages = {v.code: v for v in Village.objects.filter(district__regency=regency)}
    existing = {c.village.code: c for c in Cooperative.objects.filter(village__district__regency=regency)
                .select_related("village").prefetch_related("units")}
    seen: dict[str, int] = {}
    preview = ImportPreview()
    for values in rows:
        code = values.get("village_code", "")
        row = RowResult(number=values["_row"], key=code)
        preview.rows.append(row)
        cleaned, problems = row_form(CooperativeRowForm, {k: v for k, v in values.items() if k != "village_code"})
        if code not in villages:
            problems.insert(0, _("unknown village code “%(code)s”") % {"code": code})
        elif (earlier := preview.seen_before(row, code, seen)) is not None:
            problems.insert(0, _("village %(code)s appears twice (also row %(row)d)") % {"code": code, "row": earlier})
        if problems:
            row.fail(*problems)
            continue
        units = cleaned.pop("units", None)
        village = villages[code]
        cooperative = existing.get(code)
        candidate = copy.copy(cooperative) if cooperative else Cooperative(
            village=village, name=Cooperative.default_name(village))
        row.changes = [k for k, v in cleaned.items() if getattr(candidate, k) != v]
        for name in row.changes:
            setattr(candidate, name, cleaned[name])
        try:
            candidate.full_clean(exclude=["village"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            row.fail(*error.messages)
            continue
        if cooperative is not None and units is not None:
            have = (sorted({u.kind for u in cooperative.units.all() if u.kind != UnitKind.OTHER}),
                    clean_other_units([u.name for u in cooperative.units.all() if u.kind == UnitKind.OTHER]))
            if have != units:
                row.changes.append("units")
        row.change_labels = [str(_("Business units")) if name == "units"
                             else str(Cooperative._meta.get_field(name).verbose_name) for name in row.changes]
        row.values, row.instance = cleaned, cooperative
        row.extra = {"village": village, "units": units}
        row.action = "create" if cooperative is None else ("update" if row.changes else "unchanged")
    return preview


@transaction.atomic
def cooperatives_import_apply(*, actor, regency, rows: list[dict]) -> ImportPreview:
    """All or nothing: any row error (checked again now) and nothing is written."""

    def write(row):
        units = row.extra["units"]
        if row.action == "create":
            cooperative = cooperative_create(actor=actor, village=row.extra["village"], **row.values)
            if units:
                _set_units(cooperative, *units, actor=actor)
        elif row.action == "update":
            fields = {k: row.values[k] for k in row.changes if k != "units"}
            cooperative_update(actor=actor, cooperative=row.instance, version=None,
                               units=units[0] if units else None, other_units=units[1] if units else None, **fields)

    return apply_all_or_nothing(cooperatives_import_check(regency=regency, rows=rows), write,
                                changed=_("the registry changed during the import: %(why)s"))
