"""Writes of the cooperative registry, visits, follow-ups and monthly reports. Every change is audited."""

import copy
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mentors.models import Mentor
from mentors.services import phone_normalize
from territories.models import Village

from .models import BusinessUnit, Cooperative, FollowUp, MonthlyReport, Stage, StageChange, UnitKind, Visit

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


OTHER_WORDS = {"lainnya", "lain-lain", "other", "others"}


def clean_other_units(names) -> list[str]:
    """“Other” business units as stored: trimmed, at most 100 characters, one per name whatever its case."""
    result = {}
    for name in names:
        name = " ".join(name.split())[:100]
        if name and name.casefold() not in OTHER_WORDS:
            result.setdefault(name.casefold(), name)
    return sorted(result.values(), key=str.casefold)


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
    """Create the record of every village of the regency that has none yet (stage: deliberation held)."""
    missing = Village.objects.filter(district__regency=regency, cooperative__isnull=True)
    created = 0
    for village in missing:
        cooperative_create(actor=actor, village=village)
        created += 1
    return created


@transaction.atomic
def cooperative_update(*, actor, cooperative: Cooperative, version: str | None, units: list[str] | None = None,
                       other_units: list[str] | None = None, stage_reached_on: date | None = None,
                       **values) -> Cooperative:
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

COLUMNS = {
    "village_code": {"kode desa", "kode desa/kelurahan", "village code", "kode wilayah"},
    "name": {"nama koperasi", "nama", "name", "cooperative", "koperasi"},
    "stage": {"tahap", "tahapan", "stage", "status"},
    "legal_entity_number": {"nomor badan hukum", "no badan hukum", "nomor sk ahu", "sk ahu", "legal entity number"},
    "legal_entity_date": {"tanggal badan hukum", "tanggal sk ahu", "legal entity date"},
    "member_count": {"jumlah anggota", "anggota", "members", "member count"},
    "chair_name": {"ketua", "nama ketua", "chair"},
    "chair_phone": {"telepon ketua", "hp ketua", "chair phone"},
    "manager_name": {"manajer", "pengelola", "nama manajer", "manager"},
    "manager_phone": {"telepon manajer", "hp manajer", "manager phone"},
    "address": {"alamat", "address"},
    "units": {"unit usaha", "gerai", "business units"},
    "notes": {"catatan", "keterangan", "notes"},
}
STAGE_WORDS = {
    "musyawarah": Stage.MUSYAWARAH, "musdesus": Stage.MUSYAWARAH, "musyawarah desa": Stage.MUSYAWARAH,
    "akta notaris": Stage.NOTARY_DEED, "akta": Stage.NOTARY_DEED, "notary deed": Stage.NOTARY_DEED,
    "badan hukum": Stage.LEGAL_ENTITY, "sk ahu": Stage.LEGAL_ENTITY, "legal entity": Stage.LEGAL_ENTITY,
    "simkopdes": Stage.SIMKOPDES, "akun simkopdes": Stage.SIMKOPDES,
    "rencana bisnis": Stage.BUSINESS_PLAN, "business plan": Stage.BUSINESS_PLAN,
    "lahan": Stage.LAND_SECURED, "lahan tersedia": Stage.LAND_SECURED, "land secured": Stage.LAND_SECURED,
    "gerai dibangun": Stage.OUTLETS_BUILT, "gerai": Stage.OUTLETS_BUILT, "outlets built": Stage.OUTLETS_BUILT,
    "beroperasi": Stage.OPERATING, "operasional": Stage.OPERATING, "operating": Stage.OPERATING,
}
UNIT_WORDS = {
    "kantor": UnitKind.OFFICE, "kantor koperasi": UnitKind.OFFICE, "office": UnitKind.OFFICE,
    "sembako": UnitKind.SEMBAKO, "gerai sembako": UnitKind.SEMBAKO,
    "simpan pinjam": UnitKind.SAVINGS_LOANS, "usp": UnitKind.SAVINGS_LOANS,
    "klinik": UnitKind.CLINIC, "klinik desa": UnitKind.CLINIC,
    "apotek": UnitKind.PHARMACY, "apotek desa": UnitKind.PHARMACY,
    "gudang": UnitKind.WAREHOUSE, "cold storage": UnitKind.WAREHOUSE, "pergudangan": UnitKind.WAREHOUSE,
    "logistik": UnitKind.LOGISTICS,
}
MAX_ROWS = 5000


class ImportFileError(Exception):
    pass


@dataclass
class ImportRow:
    number: int
    code: str
    action: str = ""
    errors: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    units: tuple[list[str], list[str]] | None = None
    cooperative: Cooperative | None = None
    village: Village | None = None


@dataclass
class ImportPlan:
    rows: list[ImportRow]

    @property
    def errors(self):
        return [row for row in self.rows if row.action == "error"]

    @property
    def summary(self):
        return {a: sum(1 for r in self.rows if r.action == a) for a in ("create", "update", "unchanged", "error")}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return str(value).strip()


def rows_from_table(table: list[list]) -> list[dict]:
    if not table:
        raise ImportFileError(_("The file is empty."))
    mapping = {}
    for index, title in enumerate(table[0]):
        key = " ".join(str(title or "").strip().lower().split())
        for name, aliases in COLUMNS.items():
            if key in aliases:
                mapping[index] = name
    if "village_code" not in mapping.values():
        raise ImportFileError(_("The first row must name the columns and include “kode desa”."))
    rows = []
    for number, raw in enumerate(table[1:], start=2):
        values = {name: raw[i] if i < len(raw) else None for i, name in mapping.items()}
        if any(_text(v) for v in values.values()):
            rows.append({**{k: _text(v) for k, v in values.items()}, "_row": number})
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_("At most %(max)d rows can be imported at once.") % {"max": MAX_ROWS})
    return rows


def _words(choices, extra: dict) -> dict[str, str]:
    """Every way a sheet may name a choice: its code, its label in Indonesian and English, and common words."""
    words = {key.casefold(): value for key, value in extra.items()}
    for code, label in choices.choices:
        words[code.casefold()] = code
        for language in ("id", "en"):
            with translation.override(language):
                words[str(label).casefold()] = code
    return words


def _parse_date(text: str, label: str, problems: list) -> date | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    problems.append(_("%(column)s: “%(value)s” is not a date (use YYYY-MM-DD or DD/MM/YYYY).")
                    % {"column": label, "value": text})
    return None


def _clean(values: dict) -> tuple[dict, tuple | None, list[str]]:
    problems, cleaned = [], {}
    if values.get("name"):
        cleaned["name"] = values["name"]
    if values.get("stage"):  # a blank stage leaves the stage as it is
        stage = _words(Stage, STAGE_WORDS).get(values["stage"].strip().casefold())
        if stage is None:
            problems.append(_("unknown stage “%(stage)s”") % {"stage": values["stage"]})
        cleaned["stage"] = stage
    if "legal_entity_number" in values:
        cleaned["legal_entity_number"] = values["legal_entity_number"]
    if "legal_entity_date" in values:
        cleaned["legal_entity_date"] = _parse_date(values["legal_entity_date"], _("legal entity date"), problems)
    if cleaned.get("legal_entity_number") and "legal_entity_date" in values and not values["legal_entity_date"]:
        problems.append(_("a legal entity number needs its date"))  # without the column, the record's date counts
    if "member_count" in values:
        text = values["member_count"]
        if text:
            try:
                count = int(text)
            except ValueError:
                count = None
            if count is None or count < 0:
                problems.append(_("member count “%(value)s” must be a whole number of 0 or more") % {"value": text})
            cleaned["member_count"] = count if count is not None and count >= 0 else None
        else:
            cleaned["member_count"] = None
    for name in ("chair_name", "manager_name", "address", "notes"):
        if name in values:
            cleaned[name] = values[name]
    for name in ("chair_phone", "manager_phone"):
        if name in values:
            try:
                cleaned[name] = phone_normalize(values[name])
            except ValidationError:
                problems.append(_("“%(phone)s” is not a valid Indonesian phone number (e.g. 0812-3456-7890).")
                                % {"phone": values[name]})
    units = None
    if "units" in values:
        kinds, others = [], []
        words = _words(UnitKind, UNIT_WORDS)
        for part in [p.strip() for p in values["units"].replace(";", ",").split(",") if p.strip()]:
            kind = words.get(part.casefold())
            if kind and kind != UnitKind.OTHER:
                kinds.append(kind)
            else:
                others.append(part)
        units = (sorted(set(kinds)), clean_other_units(others))
    return cleaned, units, problems


def cooperatives_import_plan(*, regency, rows: list[dict]) -> ImportPlan:
    """What importing the sheet into the regency would do, row by row (keyed by village code)."""
    villages = {v.code: v for v in Village.objects.filter(district__regency=regency)}
    existing = {c.village.code: c for c in Cooperative.objects.filter(village__district__regency=regency)
                .select_related("village").prefetch_related("units")}
    seen: dict[str, int] = {}
    plan = ImportPlan(rows=[])
    for values in rows:
        code = values.get("village_code", "")
        row = ImportRow(number=values["_row"], code=code)
        plan.rows.append(row)
        cleaned, units, problems = _clean(values)
        if code not in villages:
            problems.insert(0, _("unknown village code “%(code)s”") % {"code": code})
        elif code in seen:
            problems.insert(0, _("village %(code)s appears twice (also row %(row)d)") % {"code": code,
                                                                                         "row": seen[code]})
        if problems:
            row.action, row.errors = "error", problems
            continue
        seen[code] = row.number
        row.village, row.values, row.units = villages[code], cleaned, units
        cooperative = existing.get(code)
        candidate = copy.copy(cooperative) if cooperative else Cooperative(
            village=villages[code], name=Cooperative.default_name(villages[code]))
        row.changes = [k for k, v in cleaned.items() if getattr(candidate, k) != v]
        for name in row.changes:
            setattr(candidate, name, cleaned[name])
        try:
            candidate.full_clean(exclude=["village"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            row.action, row.errors = "error", error.messages
            continue
        if cooperative is not None and units is not None:
            have = sorted({u.kind for u in cooperative.units.all() if u.kind != UnitKind.OTHER}), clean_other_units(
                [u.name for u in cooperative.units.all() if u.kind == UnitKind.OTHER])
            if have != units:
                row.changes.append("units")
        row.cooperative = cooperative
        row.action = "create" if cooperative is None else ("update" if row.changes else "unchanged")
    return plan


@transaction.atomic
def cooperatives_import_apply(*, actor, regency, rows: list[dict]) -> ImportPlan:
    """All or nothing: any row error (checked again now) and nothing is written."""
    plan = cooperatives_import_plan(regency=regency, rows=rows)
    if plan.errors:
        return plan
    try:
        with transaction.atomic():
            for row in plan.rows:
                if row.action == "create":
                    cooperative = cooperative_create(actor=actor, village=row.village, **row.values)
                    if row.units:
                        _set_units(cooperative, *row.units, actor=actor)
                elif row.action == "update":
                    fields = {k: row.values[k] for k in row.changes if k != "units"}
                    cooperative_update(actor=actor, cooperative=row.cooperative, version=None,
                                       units=row.units[0] if row.units else None,
                                       other_units=row.units[1] if row.units else None, **fields)
    except (ValidationError, IntegrityError) as error:
        why = "; ".join(error.messages) if isinstance(error, ValidationError) else _("another change got there first")
        plan.rows[0].action, plan.rows[0].errors = "error", [_("the registry changed during the import: %(why)s")
                                                              % {"why": why}]
    return plan
