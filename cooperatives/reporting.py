"""The reporting chain: BA → PMO → regency office. Due dates and lateness, who reviews a report (the PMO in
force in the report's month, or the office when there is none), the month-end snapshot of a BA's
cooperatives, the PMO report compiled from their BAs' reports, and the office's month-end recap.
"""

import hashlib
from collections import Counter, defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone, translation

from mentors.models import Mentor
from regions.models import Village
from territories.models import BaTerritory, BaVillage, TerritoryPlan

from .integrity import READINESS, ready_query
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


def plans_in_force_on(regency_ids, day: date):
    """The plans (published) that were in force on a day."""
    return TerritoryPlan.objects.filter(
        regency_id__in=regency_ids, status__in=[TerritoryPlan.Status.ACTIVE, TerritoryPlan.Status.ARCHIVED],
        effective_from__lte=day).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))


def _review_day(month: date) -> date:
    """The day whose plan decides a report's reviewer: the month's last day (today, for the running month)."""
    return min(month_end(month), timezone.localdate())


def reviewer_of(mentor: Mentor, month: date) -> Mentor | None:
    """The PMO over a BA in the plan in force at the end of the report's month, if still active. None: the
    regency office reviews (also every PMO report)."""
    if mentor.role != Mentor.Role.BA:
        return None
    plans = plans_in_force_on([mentor.regency_id], _review_day(month))
    return Mentor.objects.filter(
        is_active=True, pmo_territories__plan__in=plans, pmo_territories__ba_territories__mentor=mentor,
    ).first()


def bas_of_pmo(pmo: Mentor, month: date) -> list[Mentor]:
    """The BAs a PMO supervised at the end of the month (the plan in force then)."""
    plans = plans_in_force_on([pmo.regency_id], _review_day(month))
    return list(Mentor.objects.filter(
        ba_territories__plan__in=plans, ba_territories__pmo_territory__mentor=pmo).distinct()
        .order_by("full_name", "id"))


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
            "bas": [{"name": row["ba"].full_name, "status": row["status"] or "", "late": row["late"],
                     "villages": row["villages"], "visits": row["visits"], "visited": row["visited"],
                     "opened": row["opened"], "closed": row["closed"], "obstacles": row["obstacles"]}
                    for row in compiled["ba_rows"]]}


def ba_snapshot(mentor: Mentor, month: date) -> dict:
    """Every cooperative the BA held at the end of the month: stage then, members then, readiness and units now,
    visited that month or not."""
    end = next_month(month)
    plans = plans_in_force_on([mentor.regency_id], _review_day(month))
    villages = BaVillage.objects.filter(plan__in=plans, ba_territory__mentor=mentor).values("village_id")
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
    holds = dict(BaVillage.objects.filter(plan__in=plans_in_force_on([pmo.regency_id], _review_day(month)),
                                          ba_territory__mentor__in=bas).order_by()
                 .values_list("ba_territory__mentor").annotate(n=Count("id")))
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


# --- the office's month-end recap ---------------------------------------------------------------------------


SHOWN_NOT_VISITED = 500  # the printable page names this many; the Excel download names them all


def recap(regency_ids: list[int], month: date, today: date | None = None, *, full: bool = False) -> dict:
    """The figures an office forwards upward for a month, from the rows as they stood at month end:
    coverage by the plan in force then, stages then, readiness now, visits per BA, cooperatives not visited,
    follow-ups overdue at month end, reports sent and late."""
    today = today or timezone.localdate()
    end = next_month(month)
    last_day = end - timedelta(days=1)
    plans = plans_in_force_on(regency_ids, min(last_day, today))
    villages = Village.objects.filter(district__regency_id__in=regency_ids)
    covered = BaVillage.objects.filter(plan__in=plans).values("village_id")
    cooperatives = Cooperative.objects.filter(village__district__regency_id__in=regency_ids)
    stage = Counter(stages_at(cooperatives, end).values())
    visits = Visit.objects.filter(cooperative__in=cooperatives, date__gte=month, date__lt=end)
    per_ba = {}
    for mentor_id, name, n, places in (visits.order_by().values_list("mentor", "mentor__full_name")
                                       .annotate(n=Count("id"), places=Count("cooperative", distinct=True))):
        per_ba[mentor_id] = {"name": name, "visits": n, "cooperatives": places}
    territories = BaTerritory.objects.filter(plan__in=plans, mentor__isnull=False).select_related("mentor").annotate(
        villages=Count("village_links"))
    ba_rows = []
    for territory in sorted(territories, key=lambda t: (t.mentor.full_name, t.mentor_id)):
        done = per_ba.get(territory.mentor_id, {"visits": 0, "cooperatives": 0})
        ba_rows.append({"ba": territory.mentor, "territory": territory.name, "villages": territory.villages,
                        "visits": done["visits"], "cooperatives": done["cooperatives"]})
    unvisited = cooperatives.exclude(Exists(visits.filter(cooperative=OuterRef("pk"))))
    not_visited_count = unvisited.count()
    unvisited = unvisited.select_related("village__district").order_by("village__code")
    not_visited = list(unvisited if full else unvisited[:SHOWN_NOT_VISITED])
    overdue = FollowUp.objects.filter(visit__cooperative__in=cooperatives, due_date__lt=end).filter(
        Q(done=False) | Q(done_at__date__gte=end)).count()
    mentors = Mentor.objects.filter(regency_id__in=regency_ids, is_active=True,
                                    role__in=[Mentor.Role.BA, Mentor.Role.PMO]).select_related("regency")
    statuses = dict(MonthlyReport.objects.filter(month=month, mentor__in=mentors).values_list("mentor", "status"))
    reports = defaultdict(Counter)
    for mentor in mentors:
        status = statuses.get(mentor.pk)
        bucket = reports[mentor.role]
        bucket["expected"] += 1
        bucket["sent"] += status in SENT
        bucket["accepted"] += status == MonthlyReport.Status.ACCEPTED
        bucket["late"] += is_late(status, mentor.regency, month, today)
    readiness = {item.code: cooperatives.filter(item.query).count() for item in READINESS}
    return {
        "month": month, "last_day": last_day,
        "villages": villages.count(), "covered": villages.filter(id__in=covered).count(),
        "cooperatives": cooperatives.count(),
        "stages": [(value, label, stage.get(value, 0)) for value, label in Stage.choices],
        "ready": cooperatives.filter(ready_query()).count(),
        "readiness": [(item.label, readiness[item.code]) for item in READINESS],
        "visits": visits.count(), "ba_rows": ba_rows,
        "not_visited": not_visited, "not_visited_count": not_visited_count, "overdue": overdue,
        "reports": {role: dict(counts) for role, counts in reports.items()},
    }


def recap_kept(regency_ids: list[int], month: date) -> dict:
    """The recap of a place and month, the same for everyone who sees it: kept FIGURES_MAX_AGE seconds in the
    default cache (shared by every worker and node when the cache is Redis)."""
    if not settings.FIGURES_MAX_AGE:
        return recap(regency_ids, month)
    digest = hashlib.sha256(",".join(map(str, sorted(regency_ids))).encode()).hexdigest()[:16]
    key = f"recap:{month:%Y-%m}:{digest}:{translation.get_language()}"
    figures = cache.get(key)
    if figures is None:
        figures = recap(regency_ids, month)
        cache.set(key, figures, settings.FIGURES_MAX_AGE)
    return figures


def recap_rows(figures: dict) -> list[tuple[str, list, list]]:
    """The recap as workbook sheets: (title, headers, rows)."""
    from django.utils.translation import gettext as _

    summary = [
        [_("Villages"), figures["villages"]], [_("Villages with a BA"), figures["covered"]],
        [_("Cooperatives"), figures["cooperatives"]], [_("Ready for financing"), figures["ready"]],
        [_("Visits"), figures["visits"]], [_("Cooperatives not visited"), figures["not_visited_count"]],
        [_("Follow-ups overdue at month end"), figures["overdue"]],
    ]
    summary += [[str(label), count] for _value, label, count in figures["stages"]]
    for role, label in (("ba", _("BA reports")), ("pmo", _("PMO reports"))):
        counts = figures["reports"].get(role, {})
        summary += [[f"{label}: {_('expected')}", counts.get("expected", 0)],
                    [f"{label}: {_('sent')}", counts.get("sent", 0)],
                    [f"{label}: {_('accepted')}", counts.get("accepted", 0)],
                    [f"{label}: {_('late')}", counts.get("late", 0)]]
    bas = [[row["ba"].full_name, row["territory"], row["villages"], row["visits"], row["cooperatives"]]
           for row in figures["ba_rows"]]
    unvisited = [[c.village.code, c.village.name, c.village.district.name, c.name, c.get_stage_display()]
                 for c in figures["not_visited"]]
    return [
        (_("Recap"), [_("Figure"), _("Count")], summary),
        (_("Visits per BA"), [_("Business Assistant"), _("BA territory"), _("Villages"), _("Visits"),
                              _("Cooperatives visited")], bas),
        (_("Not visited"), [_("Village code"), _("Village"), _("District"), _("Cooperative"), _("Stage")], unvisited),
    ]


__all__ = ["month_start", "recap", "recap_rows", "reviewer_of", "ba_snapshot", "pmo_compilation", "is_late",
           "due_date"]
