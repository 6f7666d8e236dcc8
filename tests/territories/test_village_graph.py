"""The village graph of a regency is stored: the plan checks read it instead of building it, it is exactly the
graph built from the points and boundaries, and every import or edit of a point or a boundary makes the next read
build it again."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from mentors.models import Mentor
from regions.models import Boundary, District, Village
from regions.services import geometry_import, regions_import
from territories import planning, selectors, services
from territories.models import VillageGraph
from tests.factories import MentorFactory

pytestmark = pytest.mark.django_db


def built(regency) -> planning.Geography:
    """The graph built from scratch, as the checks saw it before it was stored."""
    villages, _ = selectors.regency_places(regency)
    by_code = {v.code: v.id for v in villages.values()}
    touching = {by_code[b.code]: {by_code[o] for o in b.neighbours if o in by_code}
                for b in Boundary.objects.filter(code__startswith=regency.code + ".") if b.code in by_code}
    return planning.geography_of(villages, touching or None)


@pytest.fixture
def builds(monkeypatch):
    """How many times the selector built the graph instead of reading it."""
    counted = []
    original = selectors.geography_of

    def counting(*args, **kwargs):
        counted.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(selectors, "geography_of", counting)
    return counted


def read(regency) -> planning.Geography:
    villages, _ = selectors.regency_places(regency)
    return selectors.regency_geography(regency, villages)


def same(geo: planning.Geography, other: planning.Geography) -> bool:
    return geo.graph == other.graph and geo.xy == other.xy and geo.unlocated == other.unlocated


def stored_first(regency, builds) -> VillageGraph:
    read(regency)
    read(regency)
    assert len(builds) == 1, "the second read builds nothing"
    return VillageGraph.objects.get(regency=regency)


def rebuilt_on_next_read(regency, builds, before: VillageGraph) -> planning.Geography:
    count = len(builds)
    geo = read(regency)
    assert len(builds) == count + 1, "the read after the change builds the graph again"
    assert same(geo, built(regency))
    row = VillageGraph.objects.get(regency=regency)
    assert row.fingerprint != before.fingerprint and row.edges == planning.graph_edges(geo.graph)
    assert same(read(regency), geo) and len(builds) == count + 1, "and stores it for the reads after"
    return geo


def _square(lng, lat, size=0.01):
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


# --- the stored graph is the built graph ------------------------------------------------------------------


def test_the_stored_graph_of_the_points_is_the_graph_built_from_them(sukabumi, builds):
    two = Village.objects.filter(district__regency=sukabumi).order_by("code").values_list("pk", flat=True)[:2]
    Village.objects.filter(pk__in=list(two)).update(latitude=None, longitude=None)
    first = read(sukabumi)
    again = read(sukabumi)
    expected = built(sukabumi)
    assert len(builds) == 1
    assert same(first, expected) and same(again, expected)
    assert len(again.unlocated) == 2
    assert VillageGraph.objects.get(regency=sukabumi).edges == planning.graph_edges(expected.graph)


def test_the_stored_graph_of_the_boundaries_is_the_graph_built_from_them(sukabumi, builds, shared_data):
    for name in ("sukabumi_villages.geojson", "sukabumi_districts.geojson"):
        geometry_import(collection=json.loads((shared_data / name).read_text()))
    assert Boundary.objects.exclude(neighbours=[]).exists()
    first = read(sukabumi)
    again = read(sukabumi)
    expected = built(sukabumi)
    assert len(builds) == 1
    assert same(first, expected) and same(again, expected)
    # The outlines, not the points, decide: some neighbours differ from the points' graph.
    villages, _ = selectors.regency_places(sukabumi)
    assert expected.graph != planning.geography_of(villages).graph


def test_the_edges_give_back_the_same_graph_for_villages_at_one_spot(sukabumi):
    villages, _ = selectors.regency_places(sukabumi)
    district = next(iter(villages.values())).district_id
    spot = {pk: v for pk, v in villages.items() if v.district_id == district}
    same_spot = {pk: planning.Place(v.id, v.code, v.name, v.district_id, -7.0, 106.9) for pk, v in spot.items()}
    geo = planning.geography_of(same_spot)
    assert same(planning.geography_from_edges(same_spot, planning.graph_edges(geo.graph)), geo)


# --- every writer of a point or a boundary makes the next read build it again ------------------------------


def test_the_region_import_locating_villages_makes_the_next_read_build_the_graph(sukabumi, builds):
    Village.objects.filter(code__startswith="32.02.01.").update(latitude=None, longitude=None)
    before = stored_first(sukabumi, builds)
    regions_import(regency_code="32.02")  # gives them the shipped centroids again
    geo = rebuilt_on_next_read(sukabumi, builds, before)
    assert not geo.unlocated


def test_the_geometry_import_of_points_makes_the_next_read_build_the_graph(sukabumi, builds):
    before = stored_first(sukabumi, builds)
    village = Village.objects.order_by("code").first()
    geometry_import(collection={"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": village.code, "lat": -7.5, "lng": 106.2}, "geometry": None}]})
    rebuilt_on_next_read(sukabumi, builds, before)


def test_the_geometry_import_of_boundaries_makes_the_next_read_build_the_graph(sukabumi, builds):
    before = stored_first(sukabumi, builds)
    a, b = Village.objects.filter(district__regency=sukabumi).order_by("code")[:2]
    geometry_import(collection={"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": a.code}, "geometry": _square(106.0, -7.0)},
        {"type": "Feature", "properties": {"code": b.code}, "geometry": _square(106.01, -7.0)}]})
    geo = rebuilt_on_next_read(sukabumi, builds, before)
    assert b.pk in geo.graph[a.pk]


def _admin_save(client, url, **changes):
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()} | changes
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def test_an_admin_edit_of_a_villages_point_makes_the_next_read_build_the_graph(client, superuser, sukabumi, builds):
    client.force_login(superuser)
    before = stored_first(sukabumi, builds)
    village = Village.objects.order_by("code").first()
    _admin_save(client, reverse("admin:regions_village_change", args=[village.pk]), latitude="-7.5",
                longitude="106.2")
    assert Village.objects.get(pk=village.pk).latitude == Decimal("-7.5")
    rebuilt_on_next_read(sukabumi, builds, before)


def test_an_admin_edit_of_a_districts_point_makes_the_next_read_build_the_graph(client, superuser, sukabumi,
                                                                                 builds):
    client.force_login(superuser)
    village = Village.objects.order_by("code").first()
    Village.objects.filter(pk=village.pk).update(latitude=None, longitude=None)  # planned at its district's point
    before = stored_first(sukabumi, builds)
    _admin_save(client, reverse("admin:regions_district_change", args=[village.district_id]), latitude="-7.5",
                longitude="106.2")
    assert District.objects.get(pk=village.district_id).latitude == Decimal("-7.5")
    geo = rebuilt_on_next_read(sukabumi, builds, before)
    assert village.pk in geo.unlocated


def test_an_admin_edit_of_a_boundarys_neighbours_makes_the_next_read_build_the_graph(client, superuser, sukabumi,
                                                                                      builds):
    client.force_login(superuser)
    a, b, c = Village.objects.filter(district__regency=sukabumi).order_by("code")[:3]
    geometry_import(collection={"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": a.code}, "geometry": _square(106.0, -7.0)},
        {"type": "Feature", "properties": {"code": b.code}, "geometry": _square(106.01, -7.0)},
        {"type": "Feature", "properties": {"code": c.code}, "geometry": _square(106.05, -7.0)}]})
    before = stored_first(sukabumi, builds)
    assert [min(a.pk, c.pk), max(a.pk, c.pk)] not in before.edges
    boundary = Boundary.objects.get(code=a.code)
    _admin_save(client, reverse("admin:regions_boundary_change", args=[boundary.pk]),
                neighbours=json.dumps([b.code, c.code]), outline="")
    geo = rebuilt_on_next_read(sukabumi, builds, before)
    assert c.pk in geo.graph[a.pk]


# --- the pages read it -------------------------------------------------------------------------------------


def test_the_draft_editor_computed_reads_the_stored_graph_in_as_many_queries_as_before(
    admin_client, sukabumi, builds, count_queries
):
    pmos = [MentorFactory(regency=sukabumi, role=Mentor.Role.PMO, full_name=f"PMO {i}") for i in (1, 2)]
    bas = [MentorFactory(regency=sukabumi, role=Mentor.Role.BA, full_name=f"BA {i:02d}") for i in range(1, 40)]
    draft = services.plan_create(actor=None, regency=sukabumi, name="Draf")
    services.plan_propose(actor=None, plan=draft, version=draft.version, ba_mentors=bas, pmo_mentors=pmos)
    assert len(builds) == 1  # the proposal built it and stored it
    admin_client.get("/")
    url = reverse("territories:plan_detail", kwargs={"pk": draft.pk})
    with count_queries() as first:
        response = count_queries.get(admin_client, url)
    assert len(builds) == 1 and "39" in response.text
    # The same count when the page has to build the graph (a point changed), and a few statements at most.
    Village.objects.filter(pk=Village.objects.order_by("code").first().pk).update(latitude=Decimal("-7.5"))
    with count_queries() as rebuilding:
        count_queries.get(admin_client, url)
    assert len(builds) == 2
    with count_queries() as again:
        count_queries.get(admin_client, url)
    assert len(builds) == 2
    count_queries.assert_same(first, again, most=15)
    assert len(rebuilding.captured_queries) == len(first.captured_queries) + 1  # the one that stores it
