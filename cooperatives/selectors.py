"""Reads of cooperatives, visits, follow-ups and monthly reports, always through the user's scope.

Scopes come from `territories.selectors` already resolved to ids, and figures per cooperative are
correlated subqueries, so a BA's or PMO's page reads only their own cooperatives' rows.
"""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentors.access import access_for, require
from mentors.models import Mentor
from offices.models import setting
from territories import coverage
from territories.coverage import mentor_scope
from territories.selectors import mentor_get_for_user, mentor_ids_openable_by, mentors_visible_to, village_scope
from toolkit.phones import phone_display

from .access import can_close_follow_up, can_correct_visit, can_edit_cooperative, can_review_report
from .integrity import ready_query, record_warnings
from .models import (
    BusinessUnit,
    Cooperative,
    FollowUp,
    LandPlot,
    MemberCount,
    MicrositeStatus,
    MonthlyReport,
    SimkopdesStatus,
    Stage,
    StageChange,
    UnitKind,
    UnitStatus,
    Visit,
    VisitFile,
)


def cooperatives_visible_to(user) -> QuerySet[Cooperative]:
    scope = village_scope(user, prefix="village")
    return Cooperative.objects.all() if scope is None else Cooperative.objects.filter(scope)


def cooperative_get_for_user(user, pk) -> Cooperative:
    return get_object_or_404(
        cooperatives_visible_to(user).select_related("village__district__regency"), pk=pk
    )


def cooperative_of_village_for_user(user, village) -> Cooperative | None:
    """The village's cooperative when the user may open it, else None (no link to it)."""
    return cooperatives_visible_to(user).filter(village=village).first()


def cooperative_get_for_editor(user, pk) -> Cooperative:
    cooperative = cooperative_get_for_user(user, pk)  # 404 outside the scope
    require(can_edit_cooperative(user, cooperative))
    return cooperative


def current_ba_name():
    """The name of the village's BA under the plan in force, as a subquery for annotations."""
    return coverage.ba_name_of_village("village_id")


def last_visit_date():
    """The date of the cooperative's latest visit, as a subquery for annotations."""
    return Subquery(Visit.objects.filter(cooperative=OuterRef("pk")).order_by("-date").values("date")[:1])


def next_due_date():
    """The due date of the cooperative's next open follow-up, as a subquery for annotations."""
    open_ones = FollowUp.objects.filter(visit__cooperative=OuterRef("pk"), done=False).order_by("due_date")
    return Subquery(open_ones.values("due_date")[:1])


PART_TITLES = {
    "units": gettext_lazy("Business units"),
    "land": gettext_lazy("Land for the outlet and warehouse"),
    "board": gettext_lazy("Board and supervisors"),
    "members": gettext_lazy("Members over time"),
    "financing": gettext_lazy("Financing proposals"),
}
# The state banks (Himbara) that lend to the cooperatives; offered as suggestions, any bank may be typed.
BANKS = ["BRI", "BNI", "Bank Mandiri", "BSI", "BTN"]


def _rupiah(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def record_parts(cooperative: Cooperative) -> dict:
    """The parts of a cooperative's record for its page: readiness, units, financing, land, the board (current
    and past) and the member counts (oldest first, for the trend)."""
    today = timezone.localdate()
    board = list(cooperative.board.all())
    land = list(cooperative.land.all())
    financing = list(cooperative.financing.select_related("lender").prefetch_related("instalments"))
    arrears = {"count": 0, "amount": 0, "since": None}
    for proposal in financing:
        late = [i for i in proposal.instalments.all() if i.in_arrears(today)]
        proposal.arrears = sum(i.outstanding for i in late)
        proposal.next_instalment = next((i for i in proposal.instalments.all() if i.outstanding and not
                                         i.in_arrears(today)), None)
        arrears["count"] += len(late)
        arrears["amount"] += proposal.arrears
        if late and (arrears["since"] is None or late[0].due_on < arrears["since"]):
            arrears["since"] = late[0].due_on
    counts = list(cooperative.member_counts.order_by("counted_on", "id"))
    trend = []
    for earlier, later in zip([None, *counts], counts, strict=False):
        trend.append({"count": later, "change": later.count - earlier.count if earlier else None})
    return {
        "readiness": cooperative.readiness,
        "unit_list": list(cooperative.units.all()),
        "financing_list": financing,
        "arrears": arrears,
        "warnings": record_warnings(cooperative, board=board, land=land, financing=financing, day=today),
        "land_list": land,
        "board_now": [m for m in board if m.serving_on(today)],
        "board_past": [m for m in board if not m.serving_on(today)],
        "member_trend": trend[-24:],
        "member_peak": max((c.count for c in counts), default=0) or 1,
        "land_minimum": settings.LAND_MIN_AREA_M2,
        "part_titles": list(PART_TITLES.items()),
        "banks": BANKS,
        "financing_limits": {"total": _rupiah(settings.FINANCING_MAX_TOTAL),
                             "operational": _rupiah(settings.FINANCING_MAX_OPERATIONAL),
                             "tenor": settings.FINANCING_MAX_TENOR_MONTHS,
                             "grace_least": settings.FINANCING_GRACE_MIN_MONTHS,
                             "grace_most": settings.FINANCING_GRACE_MAX_MONTHS,
                             "effective": settings.FINANCING_EFFECTIVE_FROM},
    }


def registry_for(user) -> QuerySet[Cooperative]:
    return (
        cooperatives_visible_to(user)
        .select_related("village__district")
        .annotate(ba_name=current_ba_name(), last_visit=last_visit_date())
        .order_by("village__code")
    )


REGISTRY_EXPORT_FIELDS = [
    "nik_number", "nik_date", "npwp", "npwp_date", "nib", "nib_date", "bank_name", "bank_account_number",
    "bank_account_name", "bank_account_date", "proposal_date", "simkopdes_status", "simkopdes_updated_on",
    "microsite_status", "notary_deed_number", "notary_deed_date", "notary_name"]


def registry_export_headers() -> list[str]:
    """The registry workbook's headings: the same words the import reads back."""
    return [_("Village code"), _("Village"), _("District"), _("Cooperative"), _("Stage"), _("Legal entity number"),
            _("Legal entity date"), _("Members"), _("Chair"), _("Chair's phone"), _("Manager"), _("Manager's phone"),
            _("Business units"), _("Cooperative NIK"), _("NIK date"), _("NPWP"), _("NPWP date"), _("NIB"),
            _("NIB date"), _("Bank"), _("Account number"), _("Account name"), _("Account opened on"),
            _("Business proposal ready on"), _("SIMKOPDES account"), _("Last updated in SIMKOPDES"), _("Microsite"),
            _("Notary deed number"), _("Notary deed date"), _("Notary"), _("Land area (m²)"), _("Land latitude"),
            _("Land longitude"), _("Land title"), _("Land recorded on"), _("Ready for financing"),
            _("Business Assistant"), _("Last visit")]


def registry_export_rows(registry: QuerySet[Cooperative]) -> list[list]:
    """The registry (as `registry_for` annotates it) as workbook rows, read as plain values: labels translated
    once, the business units (with their status in brackets) in one more query. It imports back unchanged."""
    stages, kinds = {k: str(v) for k, v in Stage.choices}, {k: str(v) for k, v in UnitKind.choices}
    unit_statuses = {k: str(v) for k, v in UnitStatus.choices}
    simkopdes = {k: str(v) for k, v in SimkopdesStatus.choices}
    microsite = {k: str(v) for k, v in MicrositeStatus.choices}
    ready = set(registry.filter(ready_query()).values_list("pk", flat=True))
    records = list(registry.values_list(
        "pk", "village__code", "village__name", "village__district__name", "name", "stage", "legal_entity_number",
        "legal_entity_date", "member_count", "chair_name", "chair_phone", "manager_name", "manager_phone",
        *REGISTRY_EXPORT_FIELDS, "ba_name", "last_visit"))
    ids = registry.values("pk")  # a subquery: a regency's 852 ids as a list cost more to send than to read again
    units: dict[int, list[str]] = {}
    for cooperative_id, kind, name, status in BusinessUnit.objects.filter(
            cooperative_id__in=ids).order_by("kind", "name").values_list(
            "cooperative_id", "kind", "name", "status"):
        label = name if kind == UnitKind.OTHER and name else kinds.get(kind, kind)
        units.setdefault(cooperative_id, []).append(f"{label} ({unit_statuses.get(status, status)})")
    titles = {k: str(v) for k, v in LandPlot.Title.choices}
    plots: dict[int, list] = {}  # each cooperative's latest plot, as the import reads it back
    for cooperative_id, area, latitude, longitude, title, recorded_on in LandPlot.objects.filter(
            cooperative_id__in=ids).order_by("cooperative_id", "-recorded_on", "-id").values_list(
            "cooperative_id", "area_m2", "latitude", "longitude", "title", "recorded_on"):
        plots.setdefault(cooperative_id, [area, str(latitude), str(longitude), titles.get(title, title), recorded_on])
    rows = []
    for record in records:
        (pk, code, village, district, name, stage, number, dated, members, chair, chair_phone, manager,
         manager_phone) = record[:13]
        extra = list(record[13:13 + len(REGISTRY_EXPORT_FIELDS)])
        extra[11] = simkopdes.get(extra[11], extra[11])
        extra[13] = microsite.get(extra[13], extra[13])
        ba, last_visit = record[-2:]
        rows.append([code, village, district, name, stages.get(stage, stage), number, dated, members, chair,
                     phone_display(chair_phone), manager, phone_display(manager_phone), ", ".join(units.get(pk, [])),
                     *extra, *plots.get(pk, ["", "", "", "", None]), _("yes") if pk in ready else _("no"), ba or "",
                     last_visit])
    return rows


def visits_visible_to(user) -> QuerySet[Visit]:
    access = access_for(user)
    if access.sees_everything:
        return Visit.objects.all()
    scope = access.office_scope("cooperative__village__district__regency")
    if access.mentor is not None:
        scope |= Q(mentor=access.mentor) | mentor_scope(access.mentor).villages_via("cooperative__village")
    return Visit.objects.filter(scope)


def visit_file_get_for_user(user, pk) -> VisitFile:
    """A visit's photo or document, only within the cooperatives the user sees (404 for anyone else)."""
    return get_object_or_404(VisitFile.objects.filter(visit__cooperative__in=cooperatives_visible_to(user)), pk=pk)


def visit_get_for_editor(user, pk) -> Visit:
    """A visit in the user's scope (else 404) that they may correct (else 403)."""
    visit = get_object_or_404(visits_visible_to(user).select_related("cooperative__village__district", "mentor"),
                              pk=pk)
    require(can_correct_visit(user, visit))
    return visit


def cooperative_visits(cooperative: Cooperative) -> QuerySet[Visit]:
    return (
        cooperative.visits.select_related("mentor", "created_by")
        .prefetch_related("follow_ups__done_by", "files")
        .order_by("-date", "-id")
    )


def cooperative_open_follow_ups(cooperative: Cooperative) -> QuerySet[FollowUp]:
    """The follow-ups still open at a cooperative, from every visit (the page shows the visits a page at a time)."""
    return FollowUp.objects.filter(visit__cooperative=cooperative, done=False).order_by("due_date", "id")


def follow_ups_held_by(mentor: Mentor) -> Q:
    """A filter on FollowUp: the follow-ups that are the mentor's work today, whoever wrote them. Work follows the
    village: a BA holds every follow-up at the cooperatives of the villages the plan in force gives them; a PMO
    holds those written on a PMO's visit in their districts (the BAs' are their BAs' work). Whatever changed the
    plan, the successor holds them from the day it takes effect and the leaver no longer does."""
    held = coverage.villages_held_by(mentor, "visit__cooperative__village")
    if mentor.role == Mentor.Role.PMO:
        return held & Q(visit__mentor__role=Mentor.Role.PMO)
    return held


def open_follow_ups(mentor: Mentor) -> QuerySet[FollowUp]:
    """A mentor's open follow-ups (see `follow_ups_held_by`) by due date: the overdue ones come first."""
    return (
        FollowUp.objects.filter(follow_ups_held_by(mentor), done=False)
        .select_related("visit__cooperative__village")
        .order_by("due_date", "id")
    )


def office_open_follow_ups(user) -> QuerySet[FollowUp]:
    """The open follow-ups of the regencies the office user sees, by due date (overdue first), with their
    cooperative and the mentor who opened them."""
    return (
        FollowUp.objects.filter(access_for(user).office_scope("visit__cooperative__village__district__regency"),
                                done=False)
        .select_related("visit__cooperative__village__district", "visit__mentor")
        .order_by("due_date", "id")
    )


def follow_up_get_for_user(user, pk) -> FollowUp:
    follow_up = get_object_or_404(
        FollowUp.objects.filter(visit__in=visits_visible_to(user)).select_related(
            "visit__mentor", "visit__cooperative__village__district"), pk=pk)
    require(can_close_follow_up(user, follow_up))
    return follow_up


def mentor_cooperatives(mentor: Mentor) -> QuerySet[Cooperative]:
    """The cooperatives of the villages the plan in force gives the mentor."""
    return Cooperative.objects.filter(mentor_scope(mentor).villages_via("village"))


def my_cooperatives(mentor: Mentor) -> QuerySet[Cooperative]:
    """A mentor's cooperatives with their last visit and the next due follow-up."""
    return (
        mentor_cooperatives(mentor)
        .select_related("village__district")
        .annotate(last_visit=last_visit_date(), next_due=next_due_date())
        .order_by("village__district__name", "village__name")
    )


# --- monthly reports ------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def day_start(day: date) -> datetime:
    """The first moment of a day in the current time zone (what a `__date` lookup compares with), as a bound an
    index or a plan can use."""
    return timezone.make_aware(datetime.combine(day, time.min))


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_from_text(text: str) -> date:
    """The first day of the month written "YYYY-MM" in a URL; 404 for anything else."""
    try:
        year, month = (int(part) for part in text.split("-"))
        if not 2000 <= year <= 2100:
            raise ValueError(year)
        return date(year, month, 1)
    except ValueError as error:
        raise Http404 from error


def due_on(due_day: int, month: date) -> date:
    """A month's reports are due on the regency's due day of the following month."""
    return next_month(month).replace(day=due_day)


def report_mentor_get_for_user(user, mentor_pk) -> Mentor:
    """The BA or PMO whose reports the user may read: themselves, the BAs of a PMO, the office's mentors."""
    mentor = mentor_get_for_user(user, mentor_pk)
    require(mentor.role in (Mentor.Role.BA, Mentor.Role.PMO))
    return mentor


def report_or_new(mentor: Mentor, month: date) -> MonthlyReport:
    return MonthlyReport.objects.filter(mentor=mentor, month=month).first() or MonthlyReport(mentor=mentor, month=month)


def visit_locked_by(visit: Visit) -> MonthlyReport | None:
    """The submitted or accepted monthly report that holds the visit (then it can no longer be corrected)."""
    return MonthlyReport.objects.filter(mentor_id=visit.mentor_id, month=month_start(visit.date), status__in=[
        MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED]).first()


def locked_visits(visits: list[Visit]) -> set[int]:
    """Which of these visits are in a submitted or accepted monthly report (one query)."""
    if not visits:
        return set()
    closed = set(MonthlyReport.objects.filter(
        mentor_id__in={v.mentor_id for v in visits}, month__in={month_start(v.date) for v in visits},
        status__in=[MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED]).values_list("mentor_id", "month"))
    return {v.pk for v in visits if (v.mentor_id, month_start(v.date)) in closed}


def members_at(cooperatives: QuerySet[Cooperative], end: date) -> list[dict]:
    """Each cooperative's members at the end of a month (the last count before `end`, the first day of the next
    month) and the change over the month: the figure monthly reports use. One query."""
    start = month_start(end - timedelta(days=1))

    def last_count(before):
        return Subquery(MemberCount.objects.filter(cooperative=OuterRef("pk"), counted_on__lt=before)
                        .order_by("-counted_on", "-id").values("count")[:1])

    rows = cooperatives.select_related("village").annotate(at_end=last_count(end), at_start=last_count(start))
    return [{"cooperative": c, "count": c.at_end,
             "change": c.at_end - c.at_start if c.at_end is not None and c.at_start is not None else None}
            for c in rows.order_by("village__code")]


def report_compilation(mentor: Mentor, month: date) -> dict:
    """What the BA did in the month: visits per cooperative, stage changes, follow-ups opened and closed."""
    end = next_month(month)
    visits = list(
        Visit.objects.filter(mentor=mentor, date__gte=month, date__lt=end)
        .select_related("cooperative__village__district")
        .prefetch_related("follow_ups", "files")
        .order_by("cooperative__village__code", "date", "id")
    )
    by_cooperative: dict[int, dict] = {}
    for visit in visits:
        entry = by_cooperative.setdefault(visit.cooperative_id, {"cooperative": visit.cooperative, "visits": []})
        entry["visits"].append(visit)
    # The cooperatives of the BA's villages and those they visited, as one list of ids: an OR across the village
    # and the cooperative would make PostgreSQL read every stage change of the country (100 ms) instead of the
    # few of these cooperatives (their index).
    held = Cooperative.objects.filter(
        mentor_scope(mentor).villages_via("village") | Q(pk__in={v.cooperative_id for v in visits})).values("pk")
    stage_changes = list(
        StageChange.objects.filter(cooperative_id__in=held, reached_on__gte=month, reached_on__lt=end)
        .select_related("cooperative__village", "recorded_by")
        .order_by("reached_on", "id")
    )
    follow_ups = FollowUp.objects.filter(visit__mentor=mentor).select_related("visit__cooperative__village")
    # Those opened in the month and those closed in it, in one statement (split below).
    month_follow_ups = list(follow_ups.filter(
        Q(visit__date__gte=month, visit__date__lt=end)
        | Q(done=True, done_at__gte=day_start(month), done_at__lt=day_start(end))).order_by("id"))
    members = members_at(Cooperative.objects.filter(mentor_scope(mentor).villages_via("village")), end)
    return {
        "members": members,
        "visits": visits,
        "by_cooperative": list(by_cooperative.values()),
        "stage_changes": stage_changes,
        "opened": sorted((f for f in month_follow_ups if month <= f.visit.date < end), key=lambda f: f.due_date),
        "closed": sorted((f for f in month_follow_ups if f.done and f.done_at and
                          month <= timezone.localtime(f.done_at).date() < end), key=lambda f: f.done_at),
        "month_end": end - timedelta(days=1),
    }


def _bas_of(user, pmo: Mentor | None, regency_code: str = "", month: date | None = None) -> QuerySet[Mentor]:
    """The active BAs the user sees; with `month`, only those whose territory in the plan in force at the month's
    end (today, for the running month) holds villages: a BA without one is not expected to report; with `pmo`,
    only those the plan in force puts under that PMO; with a regency code, only that regency's."""
    bas = mentors_visible_to(user).filter(role=Mentor.Role.BA, is_active=True)
    if month is not None:
        bas = bas.filter(coverage.bas_covering_on(coverage.review_day(month)))
    if regency_code:
        bas = bas.filter(regency__code=regency_code)
    if pmo is not None:
        bas = bas.filter(coverage.bas_under_pmo(pmo))
    return bas


def report_pmo_get_for_user(user, pk) -> Mentor | None:
    """The PMO whose BAs a report list is narrowed to (?pmo=): one the user sees, else no narrowing."""
    if not str(pk or "").isdigit():
        return None
    return mentors_visible_to(user).filter(pk=pk, role=Mentor.Role.PMO).first()


def report_rows(user, month: date, pmo: Mentor | None = None, regency_code: str = "") -> QuerySet[Mentor]:
    """For the office (or a PMO): every active BA in scope (of one PMO's team when `pmo` is given) with
    `report_status` (None: no report yet) and `visit_count` for the month. A queryset, so that lists paginate
    it."""
    reports = MonthlyReport.objects.filter(mentor=OuterRef("pk"), month=month)
    visits = (Visit.objects.filter(mentor=OuterRef("pk"), date__gte=month, date__lt=next_month(month))
              .order_by().values("mentor").annotate(n=Count("id")).values("n"))
    return (
        _bas_of(user, pmo, regency_code, month)
        .select_related("regency__office_settings")
        .annotate(report_status=Subquery(reports.values("status")[:1]),
                  report_sent_late=Subquery(reports.values("sent_late")[:1]), visit_count=Subquery(visits))
        .order_by("full_name", "id")
    )


def report_status_counts(user, month: date, pmo: Mentor | None = None, regency_code: str = "") -> dict[str, int]:
    """How many active BAs in scope (expected to report) have no report (or a draft), and how many submitted,
    returned, accepted; how many are late: sent after the due day (`late_sent`) or not sent past it
    (`late_unsent`)."""
    bas = _bas_of(user, pmo, regency_code, month)
    by_status = dict(MonthlyReport.objects.filter(month=month, mentor__in=bas).order_by().values_list("status")
                     .annotate(n=Count("id")))
    total = bas.count()
    counts = {status: by_status.get(status, 0) for status in ("submitted", "returned", "accepted")}
    counts["missing"] = total - sum(counts.values())
    # Late, not sent: no report (or a draft) after the due day of their regency (one row per BA). Late, sent: as
    # recorded when the report was first sent.
    today = timezone.localdate()
    sent = MonthlyReport.objects.filter(month=month, mentor__in=bas).exclude(status="draft")
    counts["late_sent"] = sent.filter(sent_late=True).count()
    sent_ids = set(sent.values_list("mentor_id", flat=True))
    counts["late_unsent"] = sum(1 for pk, due_day in bas.values_list("pk", setting("report_due_day", "regency"))
                                if pk not in sent_ids and today > due_on(due_day, month))
    counts["late"] = counts["late_sent"] + counts["late_unsent"]
    return counts


def next_report_to_review(user, after: MonthlyReport | None = None) -> MonthlyReport | None:
    """The report that has waited longest for this user's review (another than `after`), or None. The candidates
    are the submitted reports of the mentors the user sees; the reviewer rule picks theirs among the first few."""
    waiting = (MonthlyReport.objects.filter(status=MonthlyReport.Status.SUBMITTED, mentor__in=mentors_visible_to(user))
               .select_related("mentor__regency").order_by("submitted_at", "month", "id"))
    if after is not None and after.pk:
        waiting = waiting.exclude(pk=after.pk)
    return next((report for report in waiting[:10] if can_review_report(user, report.mentor, report.month)), None)


def office_report_counts(user, month: date) -> dict[str, int]:
    """{status: how many reports of the month} of the active BAs the office user sees (one grouped query)."""
    return dict(MonthlyReport.objects.filter(month=month, mentor__in=_bas_of(user, None)).order_by()
                .values_list("status").annotate(n=Count("id")))


def pmo_report_rows(user, month: date, regency_code: str = "") -> QuerySet[Mentor]:
    """For the office: every active PMO in scope with the status of their report for the month."""
    pmos = mentors_visible_to(user).filter(role=Mentor.Role.PMO, is_active=True)
    if regency_code:
        pmos = pmos.filter(regency__code=regency_code)
    reports = MonthlyReport.objects.filter(mentor=OuterRef("pk"), month=month)
    return pmos.select_related("regency__office_settings").annotate(
        report_status=Subquery(reports.values("status")[:1]),
        report_sent_late=Subquery(reports.values("sent_late")[:1])).order_by("full_name", "id")


def village_history_for(user, village) -> list[dict]:
    """Who mentored the village when (newest first), each BA and PMO marked `ba_link` / `pmo_link` when the reader
    may open their page (one query)."""
    history = coverage.village_history(village)
    openable = mentor_ids_openable_by(
        user, {p["ba"].pk for p in history if p["ba"]} | {p["pmo"].pk for p in history if p["pmo"]})
    for period in history:
        period["ba_link"] = period["ba"] is not None and period["ba"].pk in openable
        period["pmo_link"] = period["pmo"] is not None and period["pmo"].pk in openable
    return history
