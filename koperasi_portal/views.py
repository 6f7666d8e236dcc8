from datetime import timedelta

from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from cooperatives import selectors as registry
from cooperatives.models import Stage
from mentors import selectors as people
from mentors.access import access_for
from regions.models import Village
from territories import selectors as regions


def home(request):
    """The start page, by role: the office overview for admins and staff, "my page" for mentors."""
    access = access_for(request.user)
    if access.is_office:
        return _office_home(request, access)
    mentor = access.mentor
    today = timezone.localdate()
    context = {"mentor": mentor, "today": today, "month": registry.month_start(today)}
    if mentor is not None and mentor.role == mentor.Role.BA:
        context["territory"] = regions.ba_territory_of(mentor)
        context["villages"] = regions.mentor_villages(mentor)
        context["cooperatives"] = registry.my_cooperatives(mentor)
        context["follow_ups"] = registry.open_follow_ups(mentor)[:5]
        # Early in a month the report still to write is usually last month's.
        previous = registry.month_start(context["month"] - timedelta(days=1))
        last = registry.report_or_new(mentor, previous)
        if today.day <= 10 and last.status in ("draft", "returned"):
            context["month"] = previous
        context["report"] = registry.report_or_new(mentor, context["month"])
    elif mentor is not None:
        team = regions.pmo_team(mentor)
        statuses = {row["mentor"].pk: row for row in registry.report_statuses(request.user, context["month"])}
        context["team"] = [{"territory": t, "report": statuses.get(t.mentor_id)} for t in team]
        context["follow_ups"] = registry.open_follow_ups(mentor)[:5]
    return render(request, "home_mentor.html", context)


def _office_home(request, access):
    villages = regions.villages_visible_to(request.user).aggregate(
        total=Count("id"),
        desa=Count("id", filter=Q(kind__in=[Village.Kind.DESA, Village.Kind.DESA_ADAT])),
        kelurahan=Count("id", filter=Q(kind=Village.Kind.KELURAHAN)),
    )
    stage_counts = dict(registry.cooperatives_visible_to(request.user).values_list("stage").annotate(n=Count("id")))
    month = registry.month_start(timezone.localdate())
    statuses = [row["status"] for row in registry.report_statuses(request.user, month)]
    context = {
        "regencies": regions.regencies_with_counts(request.user)[:12],
        "regency_count": regions.regencies_visible_to(request.user).count(),
        "district_count": regions.districts_visible_to(request.user).count(),
        "villages": villages,
        "overview": people.office_overview(request.user, today=timezone.localdate()),
        "stages": [(value, label, stage_counts.get(value, 0)) for value, label in Stage.choices],
        "month": month,
        "reports": {status: statuses.count(status) for status in ("submitted", "returned", "accepted")}
        | {"missing": statuses.count("missing") + statuses.count("draft")},
    }
    return render(request, "home.html", context)
