"""The office's month-end recap: the figures an office forwards upward for a month, from the rows as they stood
at month end (coverage by the plan in force then, stages then, visits, reports sent and late)."""

import hashlib
from collections import Counter, defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone, translation

from cooperatives.integrity import READINESS, ready_query
from cooperatives.models import Cooperative, FollowUp, MonthlyReport, Stage, Visit
from cooperatives.reports import SENT, lateness, stages_at
from cooperatives.selectors import next_month
from mentors.models import Mentor
from regions.models import Village
from territories import coverage

SHOWN_NOT_VISITED = 500  # the printable page names this many; the Excel download names them all


def recap(regency_ids: list[int], month: date, today: date | None = None, *, full: bool = False) -> dict:
    """The figures an office forwards upward for a month, from the rows as they stood at month end:
    coverage by the plan in force then, stages then, readiness now, visits per BA, cooperatives not visited,
    follow-ups overdue at month end, reports sent and late."""
    today = today or timezone.localdate()
    end = next_month(month)
    last_day = end - timedelta(days=1)
    plans = coverage.plans_in_force_on(regency_ids, min(last_day, today))
    villages = Village.objects.filter(district__regency_id__in=regency_ids)
    covered = coverage.covered_village_ids(plans)
    cooperatives = Cooperative.objects.filter(village__district__regency_id__in=regency_ids)
    stage = Counter(stages_at(cooperatives, end).values())
    visits = Visit.objects.filter(cooperative__in=cooperatives, date__gte=month, date__lt=end)
    per_ba = {}
    for mentor_id, name, n, places in (visits.order_by().values_list("mentor", "mentor__full_name")
                                       .annotate(n=Count("id"), places=Count("cooperative", distinct=True))):
        per_ba[mentor_id] = {"name": name, "visits": n, "cooperatives": places}
    territories = coverage.staffed_ba_territories_of(plans)
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
    # Expected to report: active PMOs, and active BAs whose territory held villages at month end (a BA without
    # one is not expected). Late counts apart those sent after the due day and those not sent past it.
    mentors = Mentor.objects.filter(Q(role=Mentor.Role.PMO) | Q(
        coverage.bas_covering_on(min(last_day, today)), role=Mentor.Role.BA),
        regency_id__in=regency_ids, is_active=True).select_related("regency__office_settings")
    statuses = {mentor: (status, sent_late) for mentor, status, sent_late in MonthlyReport.objects.filter(
        month=month, mentor__in=mentors).values_list("mentor", "status", "sent_late")}
    reports = defaultdict(Counter)
    for mentor in mentors:
        status, sent_late = statuses.get(mentor.pk, (None, False))
        bucket = reports[mentor.role]
        bucket["expected"] += 1
        bucket["sent"] += status in SENT
        bucket["accepted"] += status == MonthlyReport.Status.ACCEPTED
        late = lateness(status, mentor.regency, month, sent_late=sent_late, today=today)
        bucket["late_sent"] += late == "sent"
        bucket["late_unsent"] += late == "unsent"
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
                    [f"{label}: {_('late, sent')}", counts.get("late_sent", 0)],
                    [f"{label}: {_('late, not sent')}", counts.get("late_unsent", 0)]]
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


