"""Writes of the cooperative registry, visits, follow-ups and monthly reports. Every change is audited."""

import copy
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from mentors.models import Mentor
from regions.models import Village
from regions.signals import past_changed
from regions.timezones import in_time_of, latest_today
from toolkit.phones import phone_normalize
from toolkit.spreadsheets import (
    ImportPreview,
    RowResult,
    Sheet,
    apply_all_or_nothing,
    change_details,
    row_form,
)
from toolkit.versions import StaleEdit, check_version

from . import evidence, notifications, reports
from .access import can_correct_visit, can_edit_cooperative, can_record_visit, can_review_report, can_write_report
from .forms import CooperativeRowForm, clean_other_units
from .integrity import PROGRAMME_START, land_problems, stage_facts, stage_problems
from .models import (
    PROGRAMME_LENDERS,
    BoardMember,
    BusinessUnit,
    Cooperative,
    FinancingProposal,
    FollowUp,
    Instalment,
    LandPlot,
    Lender,
    MemberCount,
    MonthlyReport,
    Stage,
    StageChange,
    UnitKind,
    UnitStatus,
    Visit,
    VisitFile,
    sk_ahu_normalize,
)

COOPERATIVE_FIELDS = ["name", "stage", "notary_deed_number", "notary_deed_date", "notary_name",
                      "legal_entity_number", "legal_entity_date", "member_count", "chair_name",
                      "chair_phone", "manager_name", "manager_phone", "address", "notes"]
READINESS_FIELDS = ["nik_number", "nik_date", "npwp", "npwp_date", "nib", "nib_date", "bank_name",
                    "bank_account_number", "bank_account_name", "bank_account_date", "proposal_date"]
SIMKOPDES_FIELDS = ["simkopdes_status", "simkopdes_updated_on", "microsite_status"]
RECORD_FIELDS = COOPERATIVE_FIELDS + READINESS_FIELDS + SIMKOPDES_FIELDS
# Fields the record's forms do not edit, written by `cooperative_update` too: the national registry's identifier,
# accepted from an export (reconciliation.py).
UPDATE_FIELDS = RECORD_FIELDS + ["simkopdes_id"]
NUMBER_FIELDS = ["nik_number", "npwp", "nib", "bank_account_number"]


def lenders_ensure() -> dict[str, Lender]:
    """The programme's lenders by name (PMK 49/2025: the Himbara banks, and BSI for the outlets), created where
    missing: the list the demo and the scenes of the tests start from (a migration makes it on a new database)."""
    for name in PROGRAMME_LENDERS:
        Lender.objects.get_or_create(name=name)
    return {lender.name: lender for lender in Lender.objects.all()}


def _tidy(cooperative: Cooperative) -> None:
    """Numbers as stored: an SK AHU number in its upper-case form, registration and account numbers without
    the spaces, dots and dashes people type between their digits (anything else stays, to be refused)."""
    cooperative.legal_entity_number = sk_ahu_normalize(cooperative.legal_entity_number)
    for field in NUMBER_FIELDS:
        setattr(cooperative, field, "".join(ch for ch in getattr(cooperative, field) or "" if ch not in " .-"))


class ReportError(Exception):
    """A report step that is not allowed now; the message says why."""


def _audited_save(instance, *, actor, reason: str):
    instance.full_clean()
    instance._history_user = actor
    instance._change_reason = reason
    instance.save()
    return instance


def _set_units(cooperative: Cooperative, kinds: list[str], others: list[str], *, actor=None,
               statuses: dict | None = None) -> None:
    """Make the cooperative's units these; each added or removed unit is kept in the unit history. `statuses`
    ({(kind, name): status}, from a sheet) sets the status of the units it names."""
    wanted = {(kind, "") for kind in kinds if kind != UnitKind.OTHER}
    wanted |= {(UnitKind.OTHER, name) for name in clean_other_units(others)}
    current = {(u.kind, u.name): u for u in cooperative.units.all()}
    statuses = statuses or {}
    for key, unit in current.items():
        if key not in wanted:
            unit._history_user = actor
            unit.delete()
        elif statuses.get(key) and statuses[key] != unit.status:
            unit.status = statuses[key]
            _audited_save(unit, actor=actor, reason="edited")
    for kind, name in sorted(wanted - set(current)):
        _audited_save(BusinessUnit(cooperative=cooperative, kind=kind, name=name,
                                   status=statuses.get((kind, name)) or UnitStatus.PLANNED),
                      actor=actor, reason="added")


def _record_stage(cooperative: Cooperative, old_stage: str | None, *, reached_on: date | None, actor,
                  reason: str = "") -> None:
    """Check the stage change against the rules that read beyond the record, then keep it in the timeline."""
    if cooperative.stage == old_stage:
        return
    errors = stage_problems(old_stage=old_stage, new_stage=cooperative.stage, reason=reason,
                            **stage_facts(cooperative))
    if errors:
        raise ValidationError(errors)
    change = StageChange.objects.create(cooperative=cooperative, stage=cooperative.stage,
                                        reason=(reason or "").strip(), reached_on=reached_on or timezone.localdate(),
                                        recorded_by=actor)
    _past_changed(cooperative, change.reached_on, None)  # every month's end from that day on reads it


def _record_members(cooperative: Cooperative, old_count: int | None, *, actor) -> None:
    """A member count typed on the profile (or imported) is also a dated count of today."""
    if cooperative.member_count is not None and cooperative.member_count != old_count:
        MemberCount.objects.update_or_create(cooperative=cooperative, counted_on=timezone.localdate(),
                                             defaults={"count": cooperative.member_count, "recorded_by": actor})


@transaction.atomic
def cooperative_create(*, actor, village: Village, **values) -> Cooperative:
    cooperative = Cooperative(village=village, name=values.pop("name", "") or Cooperative.default_name(village))
    for name, value in values.items():
        if name in RECORD_FIELDS:
            setattr(cooperative, name, value)
    _tidy(cooperative)
    # The stage a record starts with was reached before the portal knew of it: the timeline starts with the
    # first change recorded here. "Operating" still needs a unit that operates (given with the record).
    _audited_save(cooperative, actor=actor, reason="created")
    _record_members(cooperative, None, actor=actor)
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
                       stage_reason: str = "", unit_statuses: dict | None = None, reason: str = "edited",
                       **values) -> Cooperative:
    """Change the record. Refused whole (ValidationError, nothing written) when a rule of `integrity.py` breaks:
    a step back without a reason, "operating" without an operating unit, a bad or duplicate SK AHU number…
    `reason` is what the record's history says of the change (an accepted export names its run)."""
    if actor is not None and not can_edit_cooperative(actor, cooperative):
        raise PermissionDenied
    current = check_version(Cooperative.objects.select_for_update().get(pk=cooperative.pk), version, locked=True)
    old_stage, old_count = current.stage, current.member_count
    for name, value in values.items():
        if name in UPDATE_FIELDS:
            setattr(current, name, value)
    for name in ("chair_phone", "manager_phone"):
        if name in values:
            setattr(current, name, phone_normalize(getattr(current, name)))
    _tidy(current)
    _audited_save(current, actor=actor, reason=reason)
    if units is not None:
        operating_before = current.units.filter(status=UnitStatus.OPERATING).exists()
        _set_units(current, units, other_units or [], actor=actor, statuses=unit_statuses)
        if current.stage == Stage.OPERATING and operating_before \
                and not current.units.filter(status=UnitStatus.OPERATING).exists():
            raise ValidationError({"units": _("This cooperative is “operating”: keep at least one unit operating, "
                                              "or move its stage back first.")})
    _record_stage(current, old_stage, reached_on=stage_reached_on, actor=actor, reason=stage_reason)
    _record_members(current, old_count, actor=actor)
    return current


# --- the parts of the record: units, financing, land, board, member counts --------------------------------


def _sync_member_count(cooperative: Cooperative, *, actor) -> None:
    latest = cooperative.member_counts.order_by("-counted_on", "-id").values_list("count", flat=True).first()
    if latest is not None and latest != cooperative.member_count:
        cooperative.member_count = latest
        cooperative._history_user, cooperative._change_reason = actor, "member count"
        cooperative.save(update_fields=["member_count", "updated_at"])


@transaction.atomic
def part_save(*, actor, cooperative: Cooperative, part, values: dict, version: str | None = None):
    """Create or change a unit, financing proposal, land plot, board member or member count of the cooperative
    (refused with the rule's message, nothing written, when one breaks). With `version` (the form's copy of the
    row, `toolkit.versions`), a row someone else changed or deleted since is refused with StaleEdit."""
    if actor is not None and not can_edit_cooperative(actor, cooperative):
        raise PermissionDenied
    if part.pk and part.cooperative_id != cooperative.pk:
        raise PermissionDenied
    check_version(part, version)
    if isinstance(part, MemberCount) and part.pk is None:
        # One count a day: a second count of the same day corrects the first.
        part = MemberCount.objects.filter(cooperative=cooperative, counted_on=values.get("counted_on")).first() or part
    created = part.pk is None
    dated_before = _part_dates(part)
    holds_before = isinstance(part, BusinessUnit | LandPlot) and _stage_holds(cooperative)
    part.cooperative = cooperative
    for name, value in values.items():
        setattr(part, name, value)
    if isinstance(part, BoardMember):
        part.phone = phone_normalize(part.phone)
    if isinstance(part, MemberCount) and created:
        part.recorded_by = actor
    _audited_save(part, actor=actor, reason="created" if created else "edited")
    if isinstance(part, MemberCount):
        _sync_member_count(cooperative, actor=actor)
    if isinstance(part, FinancingProposal):
        instalments_schedule(proposal=part, actor=actor)
    if isinstance(part, BusinessUnit) and cooperative.stage == Stage.OPERATING \
            and not cooperative.units.filter(status=UnitStatus.OPERATING).exists():
        raise ValidationError({"status": _("This cooperative is “operating”: keep at least one unit operating, or "
                                           "move its stage back first.")})
    _keep_stage(cooperative, holds_before)
    _part_past_changed(cooperative, dated_before + _part_dates(part))
    return part


# The dates of a part the month-end recap reads (its land, outlet and financing figures): a part written or deleted
# with one of them in a closed month changes that month's end and every one after it.
PART_DATES = {
    FinancingProposal: ("submitted_on", "decided_on", "disbursed_on"),
    LandPlot: ("recorded_on", "handed_over_on"),
    BusinessUnit: ("construction_started_on", "opened_on"),
}


def _part_dates(part) -> list[date]:
    if part.pk is None:
        return []
    return [day for name in PART_DATES.get(type(part), ()) if (day := getattr(part, name))]


def _part_past_changed(cooperative: Cooperative, dates: list[date]) -> None:
    if dates:
        _past_changed(cooperative, min(dates), None)


def _stage_holds(cooperative: Cooperative) -> bool:
    return not stage_problems(old_stage=None, new_stage=cooperative.stage, reason="", **stage_facts(cooperative))


def _keep_stage(cooperative: Cooperative, held: bool) -> None:
    """A change of a unit or a land plot may not take away what the cooperative's stage rests on (a record that
    already broke the rule may still be corrected bit by bit)."""
    if not held:
        return
    errors = stage_problems(old_stage=None, new_stage=cooperative.stage, reason="", **stage_facts(cooperative))
    if errors:
        raise ValidationError({"__all__": [message for messages in errors.values() for message in messages]
                               + [_("Move the stage back first (with its reason).")]})


@transaction.atomic
def part_delete(*, actor, cooperative: Cooperative, part, version: str | None = None) -> None:
    if actor is not None and not can_edit_cooperative(actor, cooperative):
        raise PermissionDenied
    if part.cooperative_id != cooperative.pk:
        raise PermissionDenied
    check_version(part, version)
    holds_before = isinstance(part, BusinessUnit | LandPlot) and _stage_holds(cooperative)
    dated = _part_dates(part)
    part._history_user = actor
    part.delete()
    if isinstance(part, MemberCount):
        _sync_member_count(cooperative, actor=actor)
    if isinstance(part, BusinessUnit) and cooperative.stage == Stage.OPERATING \
            and not cooperative.units.filter(status=UnitStatus.OPERATING).exists():
        raise ValidationError({"__all__": _("This cooperative is “operating”: keep at least one unit operating, "
                                            "or move its stage back first.")})
    _keep_stage(cooperative, holds_before)
    _part_past_changed(cooperative, dated)


# --- the loan after disbursement: grace, instalments, arrears ---------------------------------------------


def _month_day(day: date, months: int, on: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, on)


def instalments_schedule(*, proposal: FinancingProposal, actor=None) -> list[Instalment]:
    """The monthly instalments of a disbursed loan (PMK 49/2025): after the grace period, on the instalment day
    (settings FINANCING_INSTALMENT_DAY) of each month to the end of the tenor, the principal in equal parts (the
    last takes the rest; interest is the bank's to compute). Made once, at disbursement; a schedule with a payment
    is never rewritten, an unpaid one follows a corrected disbursement."""
    existing = list(proposal.instalments.all())
    if proposal.status != FinancingProposal.Status.DISBURSED or not proposal.disbursed_amount:
        if existing and not any(i.paid_amount for i in existing):
            proposal.instalments.all().delete()
        return []
    if any(i.paid_amount for i in existing):
        return existing
    grace = proposal.grace_months or 0
    count = max(1, proposal.tenor_months - grace)
    share, rest = divmod(proposal.disbursed_amount, count)
    wanted = [(n, _month_day(proposal.disbursed_on, grace + n, settings.FINANCING_INSTALMENT_DAY),
               share + (rest if n == count else 0)) for n in range(1, count + 1)]
    if [(i.number, i.due_on, i.amount) for i in existing] == wanted:
        return existing
    proposal.instalments.all().delete()
    return bulk_create_with_history([Instalment(proposal=proposal, number=n, due_on=due, amount=amount)
                                     for n, due, amount in wanted], Instalment, default_user=actor,
                                    default_change_reason="scheduled")


@transaction.atomic
def instalment_pay(*, actor, cooperative: Cooperative, instalment: Instalment, amount: int, paid_on: date):
    """Record what was paid of an instalment (a later payment adds to it). Refused when it is more than is still
    due, dated in the future or before the disbursement."""
    if actor is not None and not can_edit_cooperative(actor, cooperative):
        raise PermissionDenied
    instalment = Instalment.objects.select_for_update().select_related("proposal").get(pk=instalment.pk)
    if instalment.proposal.cooperative_id != cooperative.pk:
        raise PermissionDenied
    if amount <= 0 or amount > instalment.outstanding:
        raise ValidationError({"amount": _("Pay between Rp 1 and the Rp %(due)s still due.")
                               % {"due": f"{instalment.outstanding:,}".replace(",", ".")}})
    if paid_on > timezone.localdate() or (instalment.proposal.disbursed_on
                                          and paid_on < instalment.proposal.disbursed_on):
        raise ValidationError({"paid_on": _("A payment is dated between the disbursement and today.")})
    instalment.paid_amount += amount
    instalment.paid_on = paid_on
    saved = _audited_save(instalment, actor=actor, reason="paid")
    _part_past_changed(cooperative, [paid_on])  # the arrears at the month ends since the payment
    return saved


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


@in_time_of(lambda **kw: kw["mentor"].regency)
@transaction.atomic
def visit_create(*, actor, mentor: Mentor, cooperative: Cooperative, date: date, mode: str,
                 focus_areas: list[str], summary: str, follow_ups: list[tuple[str, date]] = (),
                 member_count: int | None = None, files=(), **details) -> Visit:
    """Record a visit, with its follow-ups, the members counted and its evidence (photos, PDFs: every file is
    checked before anything is written). `details`: time, place, participants, latitude, longitude."""
    if actor is not None and not can_record_visit(actor, cooperative):
        raise PermissionDenied
    submission = details.pop("submission", None) or None
    if actor is None:
        submission = None  # a token belongs to the person who posted the form
    once = Visit.objects.filter(created_by=actor, submission=submission)  # the author's own visit with the token
    if submission and (earlier := once.first()) is not None:
        return earlier  # the same form posted again: recorded once
    _check_visit(date, focus_areas, mentor)
    prepared = _prepare_files(files)
    visit = Visit(cooperative=cooperative, mentor=mentor, date=date, mode=mode, focus_areas=list(focus_areas),
                  summary=summary.strip(), created_by=actor, submission=submission,
                  **{k: v for k, v in details.items() if k in VISIT_DETAILS})
    visit.full_clean(exclude=["submission"])  # the token's uniqueness is the database's to decide, below
    visit._history_user, visit._change_reason = actor, "created"
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        # The same form posted at the same moment: the other request recorded it (this one waited for it).
        earlier = once.first() if submission else None
        if earlier is None:
            raise
        return earlier
    _store_files(visit, prepared, actor=actor)
    for action, due in follow_ups:
        _audited_save(FollowUp(visit=visit, action=action.strip(), due_date=due), actor=actor, reason="created")
    if member_count is not None:  # the members counted at the visit
        count = MemberCount.objects.filter(cooperative=cooperative, counted_on=date).first() or MemberCount(
            cooperative=cooperative, counted_on=date, recorded_by=actor)
        count.count = member_count
        _audited_save(count, actor=actor, reason="visit")
        _sync_member_count(cooperative, actor=actor)
    _past_changed(cooperative, visit.date)
    return visit


def _past_changed(cooperative: Cooperative, first: date, last: date | None | bool = False) -> None:
    """Figures kept of the cooperative's regency's past months read what was just written from `first` (to `last`;
    by default the same month; None: every month since)."""
    if first >= latest_today().replace(day=1):
        return  # the month is still open (in every zone): nothing kept of it yet
    regency_id = Village.objects.filter(pk=cooperative.village_id).values_list("district__regency_id", flat=True)[0]
    past_changed(sender=Cooperative, regency_id=regency_id, first=first, last=first if last is False else last)


@in_time_of(lambda **kw: kw["visit"].mentor.regency)
@transaction.atomic
def visit_update(*, actor, visit: Visit, date: date, mode: str, focus_areas: list[str], summary: str,
                 follow_ups: list[tuple[str, date]] = (), version: str | None = None, **details) -> Visit:
    """Correct a visit. With `version` (the one the form was opened with), a visit changed by someone else
    since the form was opened is refused (StaleEdit) instead of overwritten."""
    if actor is not None and not can_correct_visit(actor, visit):
        raise PermissionDenied
    check_version(Visit.objects.select_for_update().get(pk=visit.pk), version, locked=True)
    _check_visit(date, focus_areas, visit.mentor)
    moved_from = visit.date
    if MonthlyReport.objects.filter(mentor=visit.mentor, month=visit.date.replace(day=1), status__in=[
            MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED]).exists():
        raise ValidationError({"date": _("This visit is in a monthly report that has already been submitted; "
                                         "it can no longer be changed.")})
    visit.date, visit.mode, visit.focus_areas, visit.summary = date, mode, list(focus_areas), summary.strip()
    for name, value in details.items():
        if name in VISIT_DETAILS:
            setattr(visit, name, value)
    _audited_save(visit, actor=actor, reason="corrected")
    for action, due in follow_ups:
        _audited_save(FollowUp(visit=visit, action=action.strip(), due_date=due), actor=actor, reason="created")
    _past_changed(visit.cooperative, min(moved_from, visit.date), max(moved_from, visit.date))
    return visit


VISIT_DETAILS = ["time", "place", "participants", "latitude", "longitude"]


def _prepare_files(files):
    if len(files) > settings.VISIT_FILES_MAX:
        raise ValidationError({"files": _("At most %(count)d files per visit.") % {"count": settings.VISIT_FILES_MAX}})
    prepared, budget = [], evidence.PixelBudget()
    for upload in files:
        try:
            prepared.append(evidence.prepare(upload, budget))
        except ValidationError as error:
            raise ValidationError({"files": error.messages}) from error
    return prepared


def _store_files(visit: Visit, prepared, *, actor) -> None:
    for item in prepared:
        record = VisitFile(visit=visit, kind=item.kind, name=item.name, size=len(item.content),
                           taken_at=item.taken_at, latitude=item.latitude, longitude=item.longitude,
                           uploaded_by=actor)
        record.file.save("x", ContentFile(item.content), save=False)
        if item.thumbnail:
            record.thumbnail.save("x", ContentFile(item.thumbnail), save=False)
        record.save()


@in_time_of(lambda **kw: kw["visit"].mentor.regency)
@transaction.atomic
def visit_files_add(*, actor, visit: Visit, files) -> int:
    """More evidence on a visit, by whoever may correct it."""
    if actor is not None and not can_correct_visit(actor, visit):
        raise PermissionDenied
    if visit.files.count() + len(files) > settings.VISIT_FILES_MAX:
        raise ValidationError({"files": _("At most %(count)d files per visit.") % {"count": settings.VISIT_FILES_MAX}})
    _store_files(visit, _prepare_files(files), actor=actor)
    return len(files)


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


@in_time_of(lambda **kw: kw["mentor"].regency)
@transaction.atomic
def report_save(*, actor, mentor: Mentor, month: date, obstacles: str, next_month_plan: str,
                submit: bool = False, version: str | None = None, send_reason: str = "") -> MonthlyReport:
    """The BA or PMO writes (and optionally submits) their report. A submitted or accepted report is not editable.
    With `version`, a draft saved meanwhile from another device is not overwritten (StaleEdit). A PMO report is
    sent while some of the team's reports are not accepted (waiting, returned, missing) only with `send_reason`,
    which it keeps; the first sending decides and keeps whether it was late."""
    if actor is not None and not can_write_report(actor, mentor):
        raise PermissionDenied
    if month > timezone.localdate().replace(day=1):
        raise ReportError(_("A report for a month that has not started cannot be written yet."))
    report = _report_for_update(mentor, month)
    check_version(report, version, locked=True)
    if report.status in (MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED):
        raise ReportError(_("This report has already been submitted; it can be changed only if its reviewer "
                            "returns it."))
    report.obstacles, report.next_month_plan = obstacles.strip(), next_month_plan.strip()
    report.send_reason = send_reason.strip()
    if submit:
        compiled = reports.pmo_compilation(mentor, month) if mentor.role == Mentor.Role.PMO else None
        if compiled is not None:
            open_reports = reports.pmo_open_reports(mentor, month, compiled)
            if open_reports and not report.send_reason:
                raise ReportError(_("Nothing was sent: the reports of %(names)s are not accepted yet. Give a reason "
                                    "to send your report anyway, or wait for them.")
                                  % {"names": ", ".join(row["ba"].full_name for row in open_reports)})
            if not open_reports:
                report.send_reason = ""
        now = timezone.now()
        report.status, report.submitted_at = MonthlyReport.Status.SUBMITTED, now
        reports.sending_record(report, mentor.regency, now)
        # A new round of review: the earlier comment stays in the report's history.
        report.review_comment, report.reviewed_by, report.reviewed_at = "", None, None
        # The figures as they stand when it is sent: the report no longer changes afterwards.
        report.snapshot = (reports.ba_snapshot(mentor, month) if compiled is None
                           else reports.pmo_snapshot(mentor, month, compiled))
    if report.pk is None:
        _report_first_save(report, actor=actor, reason="submitted" if submit else "saved")
    else:
        _audited_save(report, actor=actor, reason="submitted" if submit else "saved")
    if submit:
        notifications.notify("submitted", report)
    past_changed(sender=MonthlyReport, regency_id=mentor.regency_id, first=month)
    return report


def _report_first_save(report: MonthlyReport, *, actor, reason: str) -> None:
    """The first save of a month's report. Two at once (a double click, two devices) both find no report to lock:
    the one that comes second meets the first's row (uniqueness in the form's check, or in the database) and is
    answered as a save over someone else's change, not with an error page."""
    try:
        with transaction.atomic():
            _audited_save(report, actor=actor, reason=reason)
    except IntegrityError as error:
        raise StaleEdit from error
    except ValidationError as error:
        if MonthlyReport.objects.filter(mentor=report.mentor_id, month=report.month).exists():
            raise StaleEdit from error
        raise


@in_time_of(lambda **kw: kw["report"].mentor.regency)
@transaction.atomic
def report_review(*, actor, report: MonthlyReport, accept: bool, comment: str = "") -> MonthlyReport:
    if actor is not None and not can_review_report(actor, report.mentor, report.month):
        raise PermissionDenied
    report = MonthlyReport.objects.select_for_update(of=("self",)).select_related(
        "mentor__user", "mentor__regency").get(pk=report.pk)
    if report.status != MonthlyReport.Status.SUBMITTED:
        raise ReportError(_("Only a submitted report can be accepted or returned."))
    if not accept and not comment.strip():
        raise ReportError(_("Say what must be improved when you return a report."))
    report.status = MonthlyReport.Status.ACCEPTED if accept else MonthlyReport.Status.RETURNED
    report.review_comment, report.reviewed_by, report.reviewed_at = comment.strip(), actor, timezone.now()
    _audited_save(report, actor=actor, reason="accepted" if accept else "returned")
    notifications.notify("accepted" if accept else "returned", report)
    past_changed(sender=MonthlyReport, regency_id=report.mentor.regency_id, first=report.month)
    return report


# --- bulk import of the registry ------------------------------------------------------------------

COOPERATIVE_SHEET = Sheet(
    columns={
        "village_code": {"kode desa", "kode desa/kelurahan", "village code", "kode wilayah"},
        "name": {"nama koperasi", "nama", "name", "cooperative", "koperasi"},
        "stage": {"tahap", "tahapan", "stage", "status"},
        "notary_deed_number": {"nomor akta", "nomor akta pendirian", "notary deed number"},
        "notary_deed_date": {"tanggal akta", "tanggal akta pendirian", "notary deed date"},
        "notary_name": {"notaris", "nama notaris", "notary"},
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
        "nik_number": {"nik koperasi", "nomor induk koperasi", "cooperative nik", "nik"},
        "nik_date": {"tanggal nik", "nik date"},
        "npwp": {"npwp"},
        "npwp_date": {"tanggal npwp", "npwp date"},
        "nib": {"nib"},
        "nib_date": {"tanggal nib", "nib date"},
        "bank_name": {"bank"},
        "bank_account_number": {"nomor rekening", "no rekening", "account number"},
        "bank_account_name": {"nama rekening", "atas nama rekening", "account name"},
        "bank_account_date": {"tanggal rekening", "rekening dibuka", "account opened on"},
        "proposal_date": {"proposal bisnis", "proposal bisnis siap", "business proposal ready on"},
        "simkopdes_status": {"status simkopdes", "akun simkopdes", "simkopdes account"},
        "simkopdes_updated_on": {"simkopdes diperbarui", "pembaruan simkopdes", "last updated in simkopdes"},
        "microsite_status": {"microsite", "status microsite"},
        "stage_reason": {"alasan perubahan tahap", "alasan", "why the stage moves back"},
        "land_area_m2": {"luas lahan (m2)", "luas lahan (m²)", "luas lahan", "luas lahan m2", "land area (m²)",
                         "land area (m2)", "land area"},
        "land_latitude": {"lintang lahan", "latitude lahan", "land latitude"},
        "land_longitude": {"bujur lahan", "longitude lahan", "land longitude"},
        "land_title": {"status hak lahan", "alas hak lahan", "hak lahan", "land title"},
        "land_recorded_on": {"tanggal lahan dicatat", "lahan dicatat", "land recorded on"},
    },
    required=("village_code",),
    max_rows=5000,
    missing_message=gettext_lazy("The first row must name the columns and include “kode desa”. Missing: %(columns)s."),
)


def unit_state(cooperative: Cooperative) -> tuple[list[str], list[str], dict]:
    """A cooperative's units as a sheet gives them: kinds, other units' names, {(kind, name): status}."""
    units = list(cooperative.units.all())
    return (sorted({u.kind for u in units if u.kind != UnitKind.OTHER}),
            clean_other_units([u.name for u in units if u.kind == UnitKind.OTHER]),
            {(u.kind, u.name): u.status for u in units})


def _statuses_after(cooperative: Cooperative | None, units) -> set[str]:
    """The statuses the cooperative's units will have once the row is applied."""
    have = unit_state(cooperative)[2] if cooperative is not None else {}
    if units is None:
        return set(have.values())
    kinds, others, statuses = units
    keys = {(kind, "") for kind in kinds} | {(UnitKind.OTHER, name) for name in others}
    return {statuses.get(key) or have.get(key, UnitStatus.PLANNED) for key in keys}


IMPORT_ROWS_MARGIN = 200  # blank, repeated or mistyped rows beyond one per village, each reported


def cooperative_import_max_rows(regency) -> int:
    """The most rows a registry workbook of the regency may have: one cooperative per village, and a margin (the
    sheet's own limit, 5,000, stays the ceiling)."""
    villages = Village.objects.filter(district__regency=regency).count()
    return min(COOPERATIVE_SHEET.max_rows, villages + IMPORT_ROWS_MARGIN)


def cooperatives_import_check(*, regency, rows: list[dict]) -> ImportPreview:
    """What importing the sheet into the regency would do, row by row (keyed by village code). Writes nothing."""
    villages = {v.code: v for v in Village.objects.filter(district__regency=regency)}
    # SK AHU numbers are unique across the country: those held anywhere, by village.
    numbers = dict(Cooperative.objects.exclude(legal_entity_number="").values_list("legal_entity_number",
                                                                                   "village_id"))
    numbers_in_sheet: dict[str, str] = {}
    existing = {c.village.code: c for c in Cooperative.objects.filter(village__district__regency=regency)
                .select_related("village").prefetch_related("units")}
    with_land = set(Cooperative.objects.filter(village__district__regency=regency, land__isnull=False)
                    .values_list("pk", flat=True))
    latest_plots: dict[int, LandPlot] = {}  # each cooperative's latest plot: the one a sheet's land columns give
    for plot in LandPlot.objects.filter(cooperative__village__district__regency=regency).order_by(
            "cooperative_id", "-recorded_on", "-id"):
        latest_plots.setdefault(plot.cooperative_id, plot)
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
        stage_reason = cleaned.pop("stage_reason", "")
        land = cleaned.pop("land", None)
        village = villages[code]
        cooperative = existing.get(code)
        candidate = copy.copy(cooperative) if cooperative else Cooperative(
            village=village, name=Cooperative.default_name(village))
        tidied = Cooperative(**{k: v for k, v in cleaned.items() if k in RECORD_FIELDS})
        _tidy(tidied)
        cleaned.update({k: getattr(tidied, k) for k in ["legal_entity_number", *NUMBER_FIELDS] if k in cleaned})
        row.changes = [k for k, v in cleaned.items() if getattr(candidate, k) != v]
        for name in row.changes:
            setattr(candidate, name, cleaned[name])
        try:
            candidate.full_clean(exclude=["village"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            row.fail(*error.messages)
            continue
        number = candidate.legal_entity_number
        if number and (numbers.get(number, village.pk) != village.pk or numbers_in_sheet.get(number, code) != code):
            row.fail(_("SK AHU number %(number)s belongs to another cooperative") % {"number": number})
            continue
        if number:
            numbers_in_sheet[number] = code
        plot = None
        if land is not None:
            plot, land_changed, problems = _land_candidate(land, cooperative, village, latest_plots)
            if problems:
                row.fail(*problems)
                continue
            if land_changed:
                row.changes.append("land")
            else:
                plot = None
        if units is not None:
            have = unit_state(cooperative) if cooperative is not None else ([], [], {})
            if (have[0], have[1]) != (units[0], units[1]) or any(
                    have[2].get(key, UnitStatus.PLANNED) != status for key, status in units[2].items()):
                row.changes.append("units")
        old_stage = cooperative.stage if cooperative else None
        if candidate.stage != old_stage or {"units", "land"} & set(row.changes):  # a change's rules, not the past's
            after = _statuses_after(cooperative, units)
            problems = stage_problems(old_stage=old_stage, new_stage=candidate.stage, reason=stage_reason,
                                      has_operating_unit=UnitStatus.OPERATING in after,
                                      has_finished_unit=bool(after & {UnitStatus.BUILT, UnitStatus.OPERATING}),
                                      has_land=plot is not None or (cooperative is not None
                                                                    and cooperative.pk in with_land))
            if problems:
                row.fail(*[message for messages in problems.values() for message in messages])
                continue
        parts = {"units": str(_("Business units")), "land": str(_("Land plot"))}
        row.change_labels = [parts[name] if name in parts
                             else str(Cooperative._meta.get_field(name).verbose_name) for name in row.changes]
        row.details = change_details(Cooperative, cooperative, cleaned, [n for n in row.changes if n not in parts])
        if "units" in row.changes:
            row.details.append({"label": parts["units"], "old": "", "new": ""})
        if "land" in row.changes:
            row.details.append({"label": parts["land"], "old": str(latest_plots.get(cooperative.pk, "")
                                                                     if cooperative else ""), "new": str(plot)})
        row.values, row.instance = cleaned, cooperative
        row.extra = {"village": village, "units": units, "stage_reason": stage_reason, "land": plot}
        row.action = "create" if cooperative is None else ("update" if row.changes else "unchanged")
    return preview


@transaction.atomic
def cooperatives_import_apply(*, actor, regency, rows: list[dict]) -> ImportPreview:
    """All or nothing: any row error (checked again now) and nothing is written."""

    def write(row):
        units, plot = row.extra["units"], row.extra.get("land")
        if row.action == "create":
            cooperative = cooperative_create(actor=actor, village=row.extra["village"], **row.values)
            if units:
                _set_units(cooperative, units[0], units[1], statuses=units[2], actor=actor)
            if plot is not None:
                _land_write(cooperative, plot, actor=actor)
            created.append(cooperative)
        elif row.action == "update":
            if plot is not None:  # first: the stage it brings may rest on it
                _land_write(row.instance, plot, actor=actor)
            fields = {k: row.values[k] for k in row.changes if k not in ("units", "land")}
            cooperative_update(actor=actor, cooperative=row.instance, version=None,
                               units=units[0] if units else None, other_units=units[1] if units else None,
                               unit_statuses=units[2] if units else None,
                               stage_reason=row.extra.get("stage_reason", ""), **fields)

    created: list[Cooperative] = []
    preview = apply_all_or_nothing(cooperatives_import_check(regency=regency, rows=rows), write,
                                   changed=_("the registry changed during the import: %(why)s"))
    if created and not preview.errors:
        # The recap counts a record at its stage in every month it keeps (a record has no date of its own): new
        # records change each kept month's figures (told once for the import; a plot is told by its own dates).
        _past_changed(created[0], PROGRAMME_START, None)
    return preview


LAND_SHEET_FIELDS = {"land_area_m2": "area_m2", "land_latitude": "latitude", "land_longitude": "longitude",
                     "land_title": "title", "land_recorded_on": "recorded_on"}


def _land_candidate(land: dict, cooperative: Cooperative | None, village: Village,
                    latest_plots: dict) -> tuple[LandPlot, bool, list[str]]:
    """The plot a sheet's land columns give (the cooperative's latest plot changed, or a new one), whether it
    changes anything, and what the land form's rules (`integrity.land_problems`, the model's fields) refuse."""
    current = latest_plots.get(cooperative.pk) if cooperative is not None else None
    plot = copy.copy(current) if current is not None else LandPlot()
    changed = current is None
    for column, field in LAND_SHEET_FIELDS.items():
        value = land.get(column)
        if value in (None, ""):
            continue  # a blank title or date keeps the plot's own (a new plot: the form's default)
        if getattr(plot, field) != value:
            setattr(plot, field, value)
            changed = True
    if not changed:
        return plot, False, []  # the plot as it is (a plot kept before a rule is not refused for it here)
    problems = [f"{LandPlot._meta.get_field(field).verbose_name}: {message}"
                for field, messages in land_problems(plot, village=village).items() for message in messages]
    try:
        plot.full_clean(exclude=["cooperative"], validate_constraints=True)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            problems += [f"{LandPlot._meta.get_field(field).verbose_name}: {message}" if field != "__all__"
                         else message for field, messages in error.message_dict.items() for message in messages
                         if message not in " ".join(problems)]
        else:
            problems += error.messages
    return plot, changed, problems


def _land_write(cooperative: Cooperative, plot: LandPlot, *, actor) -> None:
    """Write a plot the sheet gave, through the land form's service (its rules, history and recap marks)."""
    values = {field: getattr(plot, field) for field in LAND_SHEET_FIELDS.values()}
    part = LandPlot.objects.get(pk=plot.pk) if plot.pk else LandPlot()
    part_save(actor=actor, cooperative=cooperative, part=part, values=values)
