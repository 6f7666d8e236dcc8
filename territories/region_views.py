"""The region pages (`regions:`): the regencies, districts and villages a user may see, each with who covers it
under the plan in force."""



from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render

from regions.filters import DistrictFilter, RegencyFilter, VillageFilter

from . import selectors


def page_of(request, queryset):
    return Paginator(queryset, settings.PAGE_SIZE).get_page(request.GET.get("page"))


def render_list(request, template, fragment, context):
    """Render the whole page, or only the results fragment for an htmx search request."""
    return render(request, fragment if request.htmx and not request.htmx.boosted else template, context)


def regency_list(request):
    regencies = RegencyFilter(request.GET, queryset=selectors.regencies_with_counts(request.user))
    context = {"filter": regencies, "page_obj": page_of(request, regencies.qs)}
    return render_list(request, "regions/regency_list.html", "regions/_regency_table.html", context)


def regency_detail(request, code):
    regency = selectors.regency_get_for_user(request.user, code)
    districts = DistrictFilter(request.GET, queryset=selectors.districts_with_counts(request.user, regency=regency))
    context = {"regency": regency, "filter": districts, "page_obj": page_of(request, districts.qs)}
    return render_list(request, "regions/regency_detail.html", "regions/_district_table.html", context)


def district_detail(request, code):
    district = selectors.district_get_for_user(request.user, code)
    villages = VillageFilter(request.GET, queryset=selectors.villages_of_district(request.user, district=district))
    context = {"district": district, "filter": villages, "page_obj": page_of(request, villages.qs),
               "map_source": f"?district={district.code}", "has_geometry": district.has_location}
    return render_list(request, "regions/district_detail.html", "regions/_village_table.html", context)
