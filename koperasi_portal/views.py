from datetime import timedelta

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from cooperatives import selectors as registry
from cooperatives.models import Stage
from mentors import selectors as people
from mentors.access import access_for
from territories import selectors as regions

from .figures import figures_for, regency_rows


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
    """Counts come from the pre-aggregated figures (koperasi_portal/figures.py), never from the raw rows."""
    regency_ids = None if access.is_superuser else sorted(access.office_regency_ids)
    figures = figures_for(regency_ids)
    reports = {status: figures.reports.get(status, 0) for status in ("submitted", "returned", "accepted")}
    reports["missing"] = max(0, figures.ba_active - sum(reports.values()))
    context = {
        "figures": figures,
        "regency_rows": regency_rows(figures, regency_ids),
        "overview": people.office_overview(request.user, today=timezone.localdate()),
        "stages": [(value, label, figures.stages.get(value, 0)) for value, label in Stage.choices],
        "month": figures.month or registry.month_start(timezone.localdate()),
        "reports": reports,
    }
    return render(request, "home.html", context)


@login_not_required
@never_cache
def health(request):
    """For load balancers and the load test: the process answers. It reads nothing."""
    return HttpResponse("ok", content_type="text/plain")
