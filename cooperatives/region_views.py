"""The village page (`regions:village_detail`): the village, its cooperative and who mentored it when. It is the
cooperatives app's, so that it can link the cooperative; the other region pages are `territories/region_views.py`."""

from django.shortcuts import render

from regions.geometry import outline_from_geometry
from territories import selectors as places

from . import selectors


def village_detail(request, code):
    village = places.village_get_for_user(request.user, code)
    boundary = places.boundary_of(village.code)
    history = selectors.village_history_for(request.user, village)
    context = {"village": village, "outline": outline_from_geometry(boundary.geometry) if boundary else None,
               "history": history, "cooperative": selectors.cooperative_of_village_for_user(request.user, village)}
    return render(request, "regions/village_detail.html", context)
