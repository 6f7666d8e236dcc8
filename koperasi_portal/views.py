from django.db.models import Count, Q
from django.shortcuts import render

from territories import selectors as regions
from territories.models import Village


def home(request):
    """The start page: the regions the signed-in user can reach, with the headline counts."""
    villages = regions.villages_visible_to(request.user).aggregate(
        total=Count("id"),
        desa=Count("id", filter=Q(kind=Village.Kind.DESA)),
        kelurahan=Count("id", filter=Q(kind=Village.Kind.KELURAHAN)),
    )
    context = {
        "regencies": regions.regencies_with_counts(request.user)[:12],
        "regency_count": regions.regencies_visible_to(request.user).count(),
        "district_count": regions.districts_visible_to(request.user).count(),
        "villages": villages,
    }
    return render(request, "home.html", context)
