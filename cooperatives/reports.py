"""The reporting chain: BA → PMO → regency office. Due dates and lateness, who reviews a report (the PMO in
force in the report's month, or the office when there is none), the month-end snapshot of a BA's
cooperatives and the PMO report compiled from their BAs' reports. (The office's month-end recap, which reads
these, is the reporting app's: `reporting/recap.py`.)
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Sum, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone, translation

from mentors.models import Mentor
from offices.models import OfficeSettings
from regions.timezones import regency_day, regency_today
from territories import coverage

from .integrity import READINESS
from .models import Cooperative, FollowUp, MonthlyReport, Stage, StageChange, UnitKind, UnitStatus, Visit
from .selectors import day_start, due_on, members_at, month_start, next_month

SENT = (MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.RETURNED, MonthlyReport.Status.ACCEPTED)


def month_end(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def due_date(regency, month: date) -> date:
    return due_on(OfficeSettings.of(regency).report_due_day, month)


def day_in_regency(regency, moment: datetime) -> date:
    """The day a moment falls on in the regency's time."""
    return regency_day(regency, moment)


def lateness(report_status: str | None, regency, month: date, *, sent_late: bool = False,
             today: date | None = None) -> str:
    """"sent" for a report sent after its due day (kept as decided when it was first sent), "unsent" for one not
    sent (no report, or a draft) after its due day, "" otherwise. A returned report counts as sent."""
    if report_status in SENT:
        return "sent" if sent_late else ""
    today = today or regency_today(regency)
    return "unsent" if today > due_date(regency, month) else ""


def is_late(report_status: str | None, regency, month: date, today: date | None = None, *,
            sent_late: bool = False) -> bool:
    """Sent after its due day, or not sent (no report, or a draft) and past it."""
    return bool(lateness(report_status, regency, month, sent_late=sent_late, today=today))


def sending_record(report: MonthlyReport, regency, now: datetime) -> None:
    """Decide lateness when a report is first sent, and keep it: sent again after a return, it stays as it was."""
    if report.first_submitted_at is not None:
        return
    report.first_submitted_at = now
    report.due_on = due_date(regency, report.month)
    report.sent_late = day_in_regency(regency, now) > report.due_on


def bas_of_pmo(pmo: Mentor, month: date) -> list[Mentor]:
    """The BAs a PMO supervised at the end of the month (the plan in force then). Who reviews a report is
    `territories.coverage.reviewer_of`."""
    return coverage.bas_under(pmo, coverage.review_day(month))


# --- the BA's month-end snapshot -----------------------------------------------------------------------------


def stages_at(cooperatives, end: date) -> dict[int, str]:
    """Each cooperative's stage at the end of a month: the last stage change before `end` (the first day of the
    next month), or its present stage when the portal has recorded no change for it."""
    # One pass over the cooperatives' changes, each ranked within its cooperative (newest first), instead of one
    # correlated lookup per cooperative: the planner reads the changes once, in the order of their index.
    ranked = StageChange.objects.filter(cooperative__in=cooperatives.values("pk"), reached_on__lt=end).annotate(
        rank=Window(RowNumber(), partition_by=[F("cooperative_id")], order_by=[F("reached_on").desc(), F("id").desc()]))
    then = dict(ranked.filter(rank=1).values_list("cooperative_id", "stage"))
    return {pk: then.get(pk) or current for pk, current in cooperatives.values_list("pk", "stage")}


def stages_moved_since(cooperatives, end: date) -> list[tuple[str, str]]:
    """(present stage, stage at the end of the month) of each cooperative whose last change before `end` is not its
    present stage: counted by present stage, a place's stages at month end are those counts moved by these pairs
    (the same figures as `stages_at`, without reading every cooperative apart)."""
    ranked = StageChange.objects.filter(cooperative__in=cooperatives.values("pk"), reached_on__lt=end).annotate(
        rank=Window(RowNumber(), partition_by=[F("cooperative_id")], order_by=[F("reached_on").desc(), F("id").desc()]))
    return [(now, then) for then, now in ranked.filter(rank=1).values_list("stage", "cooperative__stage")
            if then != now]


def pmo_snapshot(pmo: Mentor, month: date, compiled: dict | None = None) -> dict:
    """A PMO's report as it stands when it is sent: the totals and a row per BA."""
    compiled = compiled or pmo_compilation(pmo, month)
    return {"totals": compiled["totals"], "taken": timezone.now().isoformat(),
            "bas": [{"id": row["ba"].pk, "name": row["ba"].full_name, "status": row["status"] or "",
                     "late": row["late"],
                     "villages": row["villages"], "visits": row["visits"], "visited": row["visited"],
                     "opened": row["opened"], "closed": row["closed"], "obstacles": row["obstacles"]}
                    for row in compiled["ba_rows"]]}


def ba_snapshot(mentor: Mentor, month: date) -> dict:
    """Every cooperative the BA held at the end of the month: stage then, members then, readiness and units now,
    visited that month or not."""
    end = next_month(month)
    villages = coverage.ba_village_ids_on(mentor, coverage.review_day(month))
    cooperatives = Cooperative.objects.filter(village_id__in=villages)
    stage = stages_at(cooperatives, end)
    visited = set(Visit.objects.filter(mentor=mentor, date__gte=month, date__lt=end)
                  .values_list("cooperative_id", flat=True))
    rows = []
    for entry in members_at(cooperatives.prefetch_related("units"), end):
        cooperative = entry["cooperative"]
        readiness = cooperative.readiness
        # Codes, not labels: each reader sees the snapshot in their own language (`snapshot_in_language`).
        rows.append({
            "id": cooperative.pk, "code": cooperative.village.code, "village": cooperative.village.name,
            "stage": stage.get(cooperative.pk, cooperative.stage),
            "members": entry["count"], "members_change": entry["change"],
            "ready": readiness.ready, "missing_codes": [item.code for item, done in readiness.items if not done],
            "unit_list": [{"kind": u.kind, "name": u.name if u.kind == UnitKind.OTHER else "", "status": u.status}
                          for u in cooperative.units.all()],
            "operating_units": sum(1 for u in cooperative.units.all() if u.status == UnitStatus.OPERATING),
            "visited": cooperative.pk in visited,
        })
    return {"cooperatives": rows, "not_visited": [r for r in rows if not r["visited"]],
            "taken": timezone.now().isoformat()}


def _legacy_labels() -> tuple[dict, dict, dict]:
    """{label in any of the portal's languages: code} of readiness items, unit kinds and unit statuses: snapshots
    sent before they kept codes stored the labels of the sender's language."""
    readiness, kinds, statuses = {}, {}, {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            readiness.update({str(item.label): item.code for item in READINESS})
            kinds.update({str(label): value for value, label in UnitKind.choices})
            statuses.update({str(label): value for value, label in UnitStatus.choices})
    return readiness, kinds, statuses


def _unit_from_text(text: str, kinds: dict, statuses: dict) -> dict:
    name, _sep, status = text.rpartition(" (")
    status = status.removesuffix(")")
    if not name or status not in statuses:
        return {"text": text}
    return {"kind": kinds.get(name, UnitKind.OTHER), "name": "" if name in kinds else name,
            "status": statuses[status]}


def snapshot_in_language(snapshot: dict) -> dict:
    """A BA report's snapshot with its labels in the reader's language: stages, missing readiness items and business
    units are kept as codes and labelled here (older snapshots kept labels: they are read back to codes)."""
    if not snapshot.get("cooperatives"):
        return {**snapshot, "cooperatives": [], "not_visited": []}
    stages, kind_labels, status_labels = dict(Stage.choices), dict(UnitKind.choices), dict(UnitStatus.choices)
    item_labels = {item.code: item.label for item in READINESS}
    legacy = None
    rows = []
    for row in snapshot["cooperatives"]:
        if "missing_codes" not in row and legacy is None:
            legacy = _legacy_labels()
        missing = row.get("missing_codes")
        if missing is None:
            missing = [legacy[0].get(text, text) for text in row.get("missing", [])]
        units = row.get("unit_list")
        if units is None:
            units = [_unit_from_text(text, legacy[1], legacy[2]) for text in row.get("units", [])]
        rows.append({
            **row, "stage_label": str(stages.get(row.get("stage"), row.get("stage_label", ""))),
            "missing": [str(item_labels.get(code, code)) for code in missing],
            "units": [unit["text"] if "text" in unit else
                      f"{unit['name'] or kind_labels.get(unit['kind'], unit['kind'])} "
                      f"({status_labels.get(unit['status'], unit['status'])})" for unit in units],
        })
    return {**snapshot, "cooperatives": rows, "not_visited": [row for row in rows if not row.get("visited")]}


# --- the PMO report -------------------------------------------------------------------------------------------


def pmo_compilation(pmo: Mentor, month: date) -> dict:
    """A PMO's month: each BA's report (status, late or not), their figures summed, and the obstacles they
    raised."""
    end = next_month(month)
    bas = bas_of_pmo(pmo, month)
    reports = {r.mentor_id: r for r in MonthlyReport.objects.filter(mentor__in=bas, month=month)}
    # Visits and cooperatives visited in one pass over the month's visits.
    counted = {mentor: (n, distinct) for mentor, n, distinct in
               Visit.objects.filter(mentor__in=bas, date__gte=month, date__lt=end).order_by().values("mentor")
               .annotate(n=Count("id"), distinct=Count("cooperative", distinct=True))
               .values_list("mentor", "n", "distinct")}
    visits = {mentor: n for mentor, (n, _distinct) in counted.items()}
    visited = {mentor: distinct for mentor, (_n, distinct) in counted.items()}
    opened = dict(FollowUp.objects.filter(visit__mentor__in=bas, visit__date__gte=month, visit__date__lt=end)
                  .order_by().values_list("visit__mentor").annotate(n=Count("id")))
    # Counted per visit of the BAs (the index of follow-ups by visit), then summed per BA: filtered on the day
    # each was done, PostgreSQL read every follow-up of the country (300 ms on the national data). No HAVING on the
    # sum: it evaluated the lookup a second time for every visit (a BA without one is 0 below all the same).
    closed_of_visit = (FollowUp.objects.filter(visit=OuterRef("pk"), done=True, done_at__gte=day_start(month),
                                               done_at__lt=day_start(end))
                       .order_by().values("visit").annotate(n=Count("pk")).values("n"))
    closed = dict(Visit.objects.filter(mentor__in=bas).order_by().values_list("mentor")
                  .annotate(n=Sum(Coalesce(Subquery(closed_of_visit, output_field=IntegerField()), 0))))
    holds = coverage.village_counts_on(bas, regency_id=pmo.regency_id, on=coverage.review_day(month))
    rows = []
    for ba in bas:
        report = reports.get(ba.pk)
        status = report.status if report else None
        rows.append({
            "ba": ba, "report": report, "status": status,
            "late": lateness(status, pmo.regency, month, sent_late=bool(report and report.sent_late)),
            "villages": holds.get(ba.pk, 0), "visits": visits.get(ba.pk, 0), "visited": visited.get(ba.pk, 0),
            "opened": opened.get(ba.pk, 0), "closed": closed.get(ba.pk, 0),
            "obstacles": report.obstacles if report and status in SENT else "",
        })
    totals = {key: sum(row[key] for row in rows) for key in ("villages", "visits", "visited", "opened", "closed")}
    totals["sent"] = sum(1 for row in rows if row["status"] in SENT)
    totals["accepted"] = sum(1 for row in rows if row["status"] == MonthlyReport.Status.ACCEPTED)
    totals["late"] = sum(1 for row in rows if row["late"])
    return {"ba_rows": rows, "totals": totals}


OPEN_STATES = {MonthlyReport.Status.SUBMITTED: "waiting", MonthlyReport.Status.RETURNED: "returned"}


def pmo_open_reports(pmo: Mentor, month: date, compiled: dict | None = None) -> list[dict]:
    """The team's reports a PMO report would be sent over without: waiting for review ("waiting"), returned and not
    sent again ("returned"), or not sent at all ("missing"). Empty when every BA's report is accepted."""
    compiled = compiled or pmo_compilation(pmo, month)
    return [{"ba": row["ba"], "report": row["report"], "state": OPEN_STATES.get(row["status"], "missing")}
            for row in compiled["ba_rows"] if row["status"] != MonthlyReport.Status.ACCEPTED]


__all__ = ["month_start", "ba_snapshot", "pmo_compilation", "pmo_open_reports", "is_late", "lateness", "due_date"]
