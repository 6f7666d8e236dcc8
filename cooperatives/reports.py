"""The reporting chain: BA → PMO → regency office. Due dates and lateness, who reviews a report (the PMO in
force in the report's month, or the office when there is none), the month-end snapshot of a BA's
cooperatives and the PMO report compiled from their BAs' reports. (The office's month-end recap, which reads
these, is the reporting app's: `reporting/recap.py`.)
"""

from datetime import date, timedelta

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from mentors.models import Mentor
from territories import coverage

from .models import Cooperative, FollowUp, MonthlyReport, Stage, StageChange, UnitStatus, Visit
from .selectors import due_on, members_at, month_start, next_month

SENT = (MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.RETURNED, MonthlyReport.Status.ACCEPTED)


def month_end(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def due_date(regency, month: date) -> date:
    return due_on(regency.report_due_day, month)


def is_late(report_status: str | None, regency, month: date, today: date | None = None) -> bool:
    """Not sent (no report, or a draft) after its due date. A returned report counts as sent."""
    today = today or timezone.localdate()
    return (report_status in (None, MonthlyReport.Status.DRAFT)) and today > due_date(regency, month)


def bas_of_pmo(pmo: Mentor, month: date) -> list[Mentor]:
    """The BAs a PMO supervised at the end of the month (the plan in force then). Who reviews a report is
    `territories.coverage.reviewer_of`."""
    return coverage.bas_under(pmo, coverage.review_day(month))


# --- the BA's month-end snapshot -----------------------------------------------------------------------------


def stages_at(cooperatives, end: date) -> dict[int, str]:
    """Each cooperative's stage at the end of a month: the last stage change before `end` (the first day of the
    next month), or its present stage when the portal has recorded no change for it."""
    last = StageChange.objects.filter(cooperative=OuterRef("pk"), reached_on__lt=end).order_by(
        "-reached_on", "-id").values("stage")[:1]
    return {pk: stage or current for pk, stage, current in
            cooperatives.annotate(then=Subquery(last)).values_list("pk", "then", "stage")}


def pmo_snapshot(pmo: Mentor, month: date) -> dict:
    """A PMO's report as it stands when it is sent: the totals and a row per BA."""
    compiled = pmo_compilation(pmo, month)
    return {"totals": compiled["totals"], "taken": timezone.now().isoformat(),
            "bas": [{"id": row["ba"].pk, "name": row["ba"].full_name, "status": row["status"] or "",
                     "late": row["late"], "villages": row["villages"], "visits": row["visits"],
                     "visited": row["visited"], "opened": row["opened"], "closed": row["closed"],
                     "obstacles": row["obstacles"]}
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
    labels = dict(Stage.choices)
    for entry in members_at(cooperatives.prefetch_related("units"), end):
        cooperative = entry["cooperative"]
        readiness = cooperative.readiness
        rows.append({
            "id": cooperative.pk, "code": cooperative.village.code, "village": cooperative.village.name,
            "stage": stage.get(cooperative.pk, cooperative.stage),
            "stage_label": str(labels.get(stage.get(cooperative.pk, cooperative.stage), "")),
            "members": entry["count"], "members_change": entry["change"],
            "ready": readiness.ready, "missing": readiness.missing,
            "units": [f"{u} ({u.get_status_display()})" for u in cooperative.units.all()],
            "operating_units": sum(1 for u in cooperative.units.all() if u.status == UnitStatus.OPERATING),
            "visited": cooperative.pk in visited,
        })
    return {"cooperatives": rows, "not_visited": [r for r in rows if not r["visited"]],
            "taken": timezone.now().isoformat()}


# --- the PMO report -------------------------------------------------------------------------------------------


def pmo_compilation(pmo: Mentor, month: date) -> dict:
    """A PMO's month: each BA's report (status, late or not), their figures summed, and the obstacles they
    raised."""
    end = next_month(month)
    bas = bas_of_pmo(pmo, month)
    reports = {r.mentor_id: r for r in MonthlyReport.objects.filter(mentor__in=bas, month=month)}
    visits = dict(Visit.objects.filter(mentor__in=bas, date__gte=month, date__lt=end).order_by()
                  .values_list("mentor").annotate(n=Count("id")))
    visited = dict(Visit.objects.filter(mentor__in=bas, date__gte=month, date__lt=end).order_by()
                   .values_list("mentor").annotate(n=Count("cooperative", distinct=True)))
    opened = dict(FollowUp.objects.filter(visit__mentor__in=bas, visit__date__gte=month, visit__date__lt=end)
                  .order_by().values_list("visit__mentor").annotate(n=Count("id")))
    closed = dict(FollowUp.objects.filter(visit__mentor__in=bas, done=True, done_at__date__gte=month,
                                          done_at__date__lt=end).order_by().values_list("visit__mentor")
                  .annotate(n=Count("id")))
    holds = coverage.village_counts_on(bas, regency_id=pmo.regency_id, on=coverage.review_day(month))
    rows = []
    for ba in bas:
        report = reports.get(ba.pk)
        status = report.status if report else None
        rows.append({
            "ba": ba, "report": report, "status": status, "late": is_late(status, pmo.regency, month),
            "villages": holds.get(ba.pk, 0), "visits": visits.get(ba.pk, 0), "visited": visited.get(ba.pk, 0),
            "opened": opened.get(ba.pk, 0), "closed": closed.get(ba.pk, 0),
            "obstacles": report.obstacles if report and status in SENT else "",
        })
    totals = {key: sum(row[key] for row in rows) for key in ("villages", "visits", "visited", "opened", "closed")}
    totals["sent"] = sum(1 for row in rows if row["status"] in SENT)
    totals["accepted"] = sum(1 for row in rows if row["status"] == MonthlyReport.Status.ACCEPTED)
    totals["late"] = sum(1 for row in rows if row["late"])
    return {"ba_rows": rows, "totals": totals}


__all__ = ["month_start", "ba_snapshot", "pmo_compilation", "is_late", "due_date"]
