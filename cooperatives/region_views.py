"""The village page (`regions:village_detail`): the village, its cooperative and who mentored it when. It is the
cooperatives app's, so that it can link the cooperative; the other region pages are `territories/region_views.py`."""

from django.shortcuts import render

from regions.geometry import outline_from_geometry
from territories import selectors as places

from . import selectors


def village_detail(request, code):
    village = places.village_get_for_user(request.user, code)
    boundary = places.boundary_of(village.code)
    history = places.village_history(village)
    openable = places.mentor_ids_openable_by(
        request.user, {p["ba"].pk for p in history if p["ba"]} | {p["pmo"].pk for p in history if p["pmo"]})
    for period in history:
        period["ba_link"] = period["ba"] is not None and period["ba"].pk in openable
        period["pmo_link"] = period["pmo"] is not None and period["pmo"].pk in openable
    context = {"village": village, "outline": outline_from_geometry(boundary.geometry) if boundary else None,
               "history": history, "cooperative": selectors.cooperative_of_village_for_user(request.user, village)}
    return render(request, "regions/village_detail.html", context)
