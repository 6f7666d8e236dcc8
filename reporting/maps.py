"""The map's data: the villages a user may see, as polygons where boundaries are imported and as points where
only coordinates are, with what the map colours them by (BA territory, stage, visit recency).

Only villages inside the caller's scope are read, so the data holds no name or code from outside it.
"""

from datetime import date

from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from cooperatives.models import Cooperative, Stage
from cooperatives.selectors import last_visit_date
from offices.models import OfficeSettings
from regions.models import Boundary, Regency
from territories import coverage
from territories.selectors import villages_visible_to

from .figures import recency_bucket, recency_labels

COLOURINGS = ["territory", "stage", "recency"]


def map_data(villages, *, regency: Regency, today: date, plan=None) -> dict:
    """{"villages": [...], "territories": [...], "stages": [...], "missing": n} for the given villages (already
    limited to the user's scope), with territories from `plan` (default: the plan in force)."""
    # The other reads take the villages as a subquery: a list of a regency's 852 ids or codes costs more to send
    # (each value prepared and quoted) than the database takes to read them again.
    ids, codes = villages.values("id"), villages.values("code")
    villages = list(villages.select_related("district").order_by("code").values(
        "id", "code", "name", "kind", "latitude", "longitude", "district__name"))
    links = coverage.territory_of_villages(ids, regency=regency, plan=plan)
    cooperatives = {row[0]: row[1:] for row in Cooperative.objects.filter(village_id__in=ids).annotate(
        last=last_visit_date()).values_list("village_id", "pk", "stage", "last")}
    shapes = dict(Boundary.objects.filter(code__in=codes, outline__isnull=False).values_list("code", "outline"))
    named = sorted({(link[1], link[0]) for link in links.values()})
    territory_index = {pk: index for index, (_name, pk) in enumerate(named)}
    territories = {}
    features, missing = [], 0
    stage_labels = dict(Stage.choices)
    stage_index = {value: index for index, value in enumerate(Stage.values)}
    shown_dates: dict[date, str] = {}  # each date formatted once (a regency's visits share a few hundred dates)
    limits = OfficeSettings.of(regency)
    for village in villages:
        link = links.get(village["id"])
        cooperative = cooperatives.get(village["id"])
        shape = shapes.get(village["code"])
        point = ([float(village["latitude"]), float(village["longitude"])]
                 if village["latitude"] is not None and village["longitude"] is not None else None)
        if shape is None and point is None:
            missing += 1
            continue
        if link is not None:
            territories.setdefault(link[0], {"index": territory_index[link[0]], "name": link[1],
                                             "mentor": link[2] or ""})
        last = cooperative[2] if cooperative else None
        if last is not None and last not in shown_dates:
            shown_dates[last] = date_format(last, "j F Y")
        features.append({
            "id": village["id"], "code": village["code"], "name": village["name"],
            "district": village["district__name"],
            "point": point, "shape": shape,
            "territory": territory_index[link[0]] if link else None,
            "stage": stage_index[cooperative[1]] if cooperative else None,
            "cooperative": cooperative[0] if cooperative else None,
            "last_visit": shown_dates[last] if last else "",
            "recency": None if cooperative is None else recency_bucket(
                last, today=today, amber_days=limits.recency_amber_days, red_days=limits.recency_red_days),
        })
    return {
        "villages": features,
        # Links are made in the browser from these (one reverse() each, not two per village).
        "urls": {
            "village": reverse("regions:village_detail", args=["00.00.00.0000"]).replace("00.00.00.0000", "{code}"),
            "cooperative": reverse("cooperatives:cooperative_detail", args=[0]).replace("/0/", "/{id}/"),
        },
        "territories": sorted(territories.values(), key=lambda t: t["index"]),
        "stages": [stage_labels[value] for value in Stage.values],
        "recency": recency_labels(limits.recency_amber_days, limits.recency_red_days),
        "labels": {"no_territory": _("no BA territory"), "no_cooperative": _("no cooperative"),
                   "village": _("Village page"), "cooperative": _("Cooperative"), "last_visit": _("Last visit"),
                   "never": _("never")},
        "missing": missing,
    }


def map_villages(user, *, regency: Regency, district=None):
    """The villages of the map: a district's or a regency's, within what the user may see."""
    villages = villages_visible_to(user)
    if district is not None:
        return villages.filter(district=district)
    return villages.filter(district__regency=regency)

