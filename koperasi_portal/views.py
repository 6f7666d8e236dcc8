from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from mentors import selectors as people
from territories import selectors as regions
from territories.models import Village


def home(request):
    """The start page, by role: the office overview for admins and staff, "my page" for mentors."""
    access = people.access_for(request.user)
    if access.is_office:
        return _office_home(request, access)
    mentor = access.mentor
    context = {"mentor": mentor}
    if mentor is not None and mentor.role == mentor.Role.BA:
        context["territory"] = regions.ba_territory_of(mentor)
        context["villages"] = regions.mentor_villages(mentor)
    elif mentor is not None:
        context["team"] = regions.pmo_team(mentor)
    return render(request, "home_mentor.html", context)


def _office_home(request, access):
    villages = regions.villages_visible_to(request.user).aggregate(
        total=Count("id"),
        desa=Count("id", filter=Q(kind__in=[Village.Kind.DESA, Village.Kind.DESA_ADAT])),
        kelurahan=Count("id", filter=Q(kind=Village.Kind.KELURAHAN)),
    )
    context = {
        "regencies": regions.regencies_with_counts(request.user)[:12],
        "regency_count": regions.regencies_visible_to(request.user).count(),
        "district_count": regions.districts_visible_to(request.user).count(),
        "villages": villages,
        "overview": people.office_overview(request.user, today=timezone.localdate()),
    }
    return render(request, "home.html", context)
