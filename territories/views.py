from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render

from . import selectors
from .filters import DistrictFilter, RegencyFilter, VillageFilter
from .geometry import outline_from_geometry


def _page(request, queryset):
    return Paginator(queryset, settings.PAGE_SIZE).get_page(request.GET.get("page"))


def _render_list(request, template, fragment, context):
    """Render the whole page, or only the results fragment for an htmx search request."""
    return render(request, fragment if request.htmx and not request.htmx.boosted else template, context)


def regency_list(request):
    regencies = RegencyFilter(request.GET, queryset=selectors.regencies_with_counts(request.user))
    context = {"filter": regencies, "page_obj": _page(request, regencies.qs)}
    return _render_list(request, "territories/regency_list.html", "territories/_regency_table.html", context)


def regency_detail(request, code):
    regency = selectors.regency_get_for_user(request.user, code)
    districts = DistrictFilter(request.GET, queryset=selectors.districts_with_counts(request.user, regency=regency))
    context = {"regency": regency, "filter": districts, "page_obj": _page(request, districts.qs)}
    return _render_list(request, "territories/regency_detail.html", "territories/_district_table.html", context)


def district_detail(request, code):
    district = selectors.district_get_for_user(request.user, code)
    villages = VillageFilter(request.GET, queryset=selectors.villages_of_district(request.user, district=district))
    context = {"district": district, "filter": villages, "page_obj": _page(request, villages.qs)}
    return _render_list(request, "territories/district_detail.html", "territories/_village_table.html", context)


def village_detail(request, code):
    village = selectors.village_get_for_user(request.user, code)
    boundary = selectors.boundary_of(village.code)
    outline = outline_from_geometry(boundary.geometry) if boundary else None
    return render(request, "territories/village_detail.html", {"village": village, "outline": outline})
