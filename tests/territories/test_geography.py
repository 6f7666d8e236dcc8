"""The proposal keeps territories in one piece on the real village polygons, re-proposes without reshuffling,
and the draft checks see geography."""

import gzip
import io
import json
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from mentors.models import Mentor
from regions.models import Boundary, District, Regency, Village
from regions.services import geometry_import, regions_import
from territories import publishing, selectors, services
from territories.models import BaTerritory, PmoTerritory, TerritoryPlan
from territories.planning import ProposalError, check_numbers, diff, propose
from tests.factories import MentorFactory

SHIPPED = Path(__file__).resolve().parents[2] / "regions" / "data"


def polygon_neighbours() -> dict[str, set[str]]:
    """Villages whose polygons share a border segment, read straight from the shipped GeoJSON: independent of
    the portal's own neighbour graph (which counts shared points, or uses the villages' points)."""
    collection = json.loads(gzip.decompress((SHIPPED / "sukabumi_villages.geojson.gz").read_bytes()))
    by_segment = defaultdict(set)
    for feature in collection["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        for ring in (ring for polygon in polygons for ring in polygon):
            for a, b in zip(ring, ring[1:], strict=False):
                key = tuple(sorted([(round(a[0], 6), round(a[1], 6)), (round(b[0], 6), round(b[1], 6))]))
                by_segment[key].add(feature["properties"]["code"])
    result = defaultdict(set)
    for codes in by_segment.values():
        for code in codes:
            result[code] |= codes - {code}
    return result


def pieces(codes, graph) -> int:
    codes, seen, count = set(codes), set(), 0
    for start in codes:
        if start in seen:
            continue
        count += 1
        stack = [start]
        seen.add(start)
        while stack:
            for other in graph[stack.pop()] & codes:
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
    return count


@pytest.fixture(scope="module")
def polygons():
    return polygon_neighbours()


def mentors(regency, bas, pmos=2):
    return ([MentorFactory(regency=regency, role=Mentor.Role.PMO, full_name=f"PMO {i}") for i in range(1, pmos + 1)],
            [MentorFactory(regency=regency, role=Mentor.Role.BA, full_name=f"BA {i:02d}") for i in range(1, bas + 1)])


def measured(plan, polygons):
    """BA territories and PMO areas in pieces on the polygons, and the BA sizes."""
    code = dict(Village.objects.filter(district__regency=plan.regency).values_list("id", "code"))
    district_villages = defaultdict(list)
    for village_id, district_id in Village.objects.filter(district__regency=plan.regency).values_list(
            "id", "district_id"):
        district_villages[district_id].append(code[village_id])
    snapshot = selectors.plan_snapshot(plan)
    ba = [pieces([code[v] for v in t.members], polygons) for t in snapshot.ba.values()]
    pmo = [pieces([c for d in t.members for c in district_villages[d]], polygons) for t in snapshot.pmo.values()]
    return sum(n > 1 for n in ba), sum(n > 1 for n in pmo), sorted(len(t.members) for t in snapshot.ba.values())


@pytest.mark.parametrize("count", [30, 39, 45])
def test_with_the_shipped_boundaries_no_territory_is_in_pieces(sukabumi, polygons, count):
    collection = json.loads(gzip.decompress((SHIPPED / "sukabumi_villages.geojson.gz").read_bytes()))
    geometry_import(collection=collection)
    assert Boundary.objects.exclude(neighbours=[]).count() == 386
    pmos, bas = mentors(sukabumi, count)
    plan = services.plan_create(actor=None, regency=sukabumi, name="Geografis")
    services.plan_propose(actor=None, plan=plan, version=plan.version, ba_mentors=bas, pmo_mentors=pmos)
    ba_split, pmo_split, sizes = measured(plan, polygons)
    assert (ba_split, pmo_split) == (0, 0)
    assert len(sizes) == count and 7 <= sizes[0] and sizes[-1] <= 15
    assert not {i.code for i in selectors.plan_validation(plan, selectors.plan_snapshot(plan)).warnings} & {
        "pieces", "without_point"}


def test_with_the_shipped_centroids_only_at_most_one_territory_is_in_pieces(sukabumi, polygons):
    assert not Boundary.objects.exists() and not Village.objects.filter(latitude__isnull=True).exists()
    pmos, bas = mentors(sukabumi, 39)
    plan = services.plan_create(actor=None, regency=sukabumi, name="Titik")
    services.plan_propose(actor=None, plan=plan, version=plan.version, ba_mentors=bas, pmo_mentors=pmos)
    ba_split, pmo_split, sizes = measured(plan, polygons)
    assert ba_split <= 1 and pmo_split == 0
    assert 7 <= sizes[0] and sizes[-1] <= 15


def test_aceh_utara_splits_852_villages_between_78_bas_within_the_target(db):
    regions_import(regency_code="11.08")
    aceh_utara = Regency.objects.get(code="11.08")
    villages, _districts = selectors.regency_places(aceh_utara)
    assert len(villages) == 852
    geo = selectors.regency_geography(aceh_utara, villages)
    proposal = propose(list(villages.values()), ba_ids=list(range(1, 79)), pmo_ids=[100, 101, 102],
                       target=(7, 15), geo=geo)
    sizes = sorted(len(ba.village_ids) for ba in proposal.ba)
    assert len(sizes) == 78 and sum(sizes) == 852 and 7 <= sizes[0] and sizes[-1] <= 15
    # Connected on the portal's own graph (the points: no boundaries of Aceh Utara are shipped).
    assert all(pieces(ba.village_ids, geo.graph) == 1 for ba in proposal.ba)


# --- stable re-proposal ------------------------------------------------------------------------------------


@pytest.fixture
def in_force(sukabumi):
    pmos, bas = mentors(sukabumi, 39)
    plan = services.plan_create(actor=None, regency=sukabumi, name="Berlaku")
    services.plan_propose(actor=None, plan=plan, version=plan.version, ba_mentors=bas, pmo_mentors=pmos)
    plan.refresh_from_db()
    publishing.plan_publish(actor=None, plan=plan, version=plan.version, effective_from=date(2026, 1, 1))
    return plan, pmos, bas


def _names(plan):
    return {t.name: t.mentor_id for t in BaTerritory.objects.filter(plan=plan)}


def test_removing_one_ba_moves_only_their_villages_and_a_few_more(in_force):
    published, pmos, bas = in_force
    gone = BaTerritory.objects.get(plan=published, mentor=bas[7])
    gone_villages = gone.village_links.count()
    draft = services.plan_create(actor=None, regency=published.regency, name="Tanpa satu BA")
    proposal, _pmo_rows, _ba_rows = services.proposal_for(draft, ba_mentors=bas[:7] + bas[8:], pmo_mentors=pmos)
    assert proposal.kept
    services.plan_propose(actor=None, plan=draft, version=draft.version, ba_mentors=bas[:7] + bas[8:],
                          pmo_mentors=pmos)
    changes = diff(selectors.plan_snapshot(published), selectors.plan_snapshot(draft))
    assert gone_villages <= len(changes.moves) <= gone_villages + 10
    before, after = _names(published), _names(draft)
    # Every other territory keeps its name (and number) and its BA; only the removed one is gone.
    assert after == {name: mentor for name, mentor in before.items() if name != gone.name}
    assert changes.territories_removed == [f"BA · {gone.name}"] and not changes.territories_added
    assert {t.name for t in PmoTerritory.objects.filter(plan=draft)} == {"PMO 1", "PMO 2"}
    sizes = [len(t.members) for t in selectors.plan_snapshot(draft).ba.values()]
    assert len(sizes) == 38 and min(sizes) >= 7 and max(sizes) <= 15


def test_an_added_ba_takes_villages_from_the_neighbours_that_hold_most(in_force, polygons):
    published, pmos, bas = in_force
    newcomer = MentorFactory(regency=published.regency, role=Mentor.Role.BA, full_name="Zaenal Baru")
    draft = services.plan_create(actor=None, regency=published.regency, name="Tambah satu BA")
    services.plan_propose(actor=None, plan=draft, version=draft.version, ba_mentors=[*bas, newcomer],
                          pmo_mentors=pmos)
    new = BaTerritory.objects.get(plan=draft, mentor=newcomer)
    assert new.name.startswith("BA 40 · ")
    before, after = _names(published), _names(draft)
    assert {name: m for name, m in after.items() if m != newcomer.pk} == before
    changes = diff(selectors.plan_snapshot(published), selectors.plan_snapshot(draft))
    taken = new.village_links.count()
    assert 7 <= taken <= 15 and len(changes.moves) == taken
    assert measured(draft, polygons)[0] <= 1


def test_replacing_a_ba_hands_over_the_territory_whole(in_force):
    published, pmos, bas = in_force
    newcomer = MentorFactory(regency=published.regency, role=Mentor.Role.BA, full_name="Pengganti")
    draft = services.plan_create(actor=None, regency=published.regency, name="Ganti BA")
    services.plan_propose(actor=None, plan=draft, version=draft.version, ba_mentors=[*bas[1:], newcomer],
                          pmo_mentors=pmos)
    old = BaTerritory.objects.get(plan=published, mentor=bas[0])
    new = BaTerritory.objects.get(plan=draft, mentor=newcomer)
    assert new.name == old.name
    assert set(new.village_links.values_list("village_id", flat=True)) == set(
        old.village_links.values_list("village_id", flat=True))


def test_the_propose_page_shows_the_villages_that_change_hands_before_applying(admin_client, in_force):
    published, pmos, bas = in_force
    draft = services.plan_create(actor=None, regency=published.regency, name="Pratinjau")
    url = f"/plans/{draft.pk}/propose/"
    data = {"version": draft.version, "ba_mentors": [b.pk for b in bas[1:]], "pmo_mentors": [p.pk for p in pmos],
            "mode": "keep"}
    preview = admin_client.post(url, data)
    assert preview.status_code == 200
    summary = preview.context["preview"]
    gone = BaTerritory.objects.get(plan=published, mentor=bas[0]).village_links.count()
    assert gone <= summary["moves"] <= gone + 10
    assert f"{summary['moves']} desa/kelurahan" in preview.content.decode()
    draft.refresh_from_db()
    assert draft.version == 1 and BaTerritory.objects.filter(plan=draft).count() == 39  # nothing written yet
    applied = admin_client.post(url, {**data, "apply": summary["token"]})
    assert applied.status_code == 302
    assert BaTerritory.objects.filter(plan=draft).count() == 38
    # A choice changed after the preview is previewed again, not applied.
    again = admin_client.post(url, {**data, "version": 2, "ba_mentors": [b.pk for b in bas[2:]],
                                    "apply": summary["token"]})
    assert again.status_code == 200 and BaTerritory.objects.filter(plan=draft).count() == 38


def test_numbers_that_cannot_make_a_plan_are_refused_naming_the_numbers_chosen():
    with pytest.raises(ProposalError, match="400.*386"):
        check_numbers(386, 47, bas=400, pmos=2, target=(7, 15))
    with pytest.raises(ProposalError, match=r"\b5\b.*386.*\b13\b"):
        check_numbers(386, 47, bas=5, pmos=2, target=(7, 15))
    with pytest.raises(ProposalError, match="50.*47"):
        check_numbers(386, 47, bas=60, pmos=50, target=(7, 15))
    check_numbers(386, 47, bas=13, pmos=2, target=(7, 15))


# --- the draft checks see geography and contracts ---------------------------------------------------------


def test_the_draft_checks_name_the_pieces_the_wide_territories_and_the_villages_without_a_point(in_force):
    published, pmos, bas = in_force
    draft = services.plan_create(actor=None, regency=published.regency, name="Berantakan")
    first, second = BaTerritory.objects.filter(plan=draft).order_by("name")[:2]
    far = [v for v in second.village_links.values_list("village_id", flat=True)][:1]
    # A village of a far-away territory makes the first one two pieces (unless they touch: pick one far off).
    villages, _ = selectors.regency_places(draft.regency)
    geo = selectors.regency_geography(draft.regency, villages)
    mine = set(first.village_links.values_list("village_id", flat=True))
    far = [max((v for v in villages if v not in mine and not geo.graph[v] & mine),
               key=lambda v: min(abs(geo.xy[v][0] - geo.xy[m][0]) + abs(geo.xy[v][1] - geo.xy[m][1]) for m in mine))]
    services.villages_move(actor=None, plan=draft, version=draft.version, village_ids=far, to=first)
    Village.objects.filter(pk=next(iter(mine))).update(latitude=None, longitude=None)
    validation = selectors.plan_validation(draft, selectors.plan_snapshot(draft))
    warnings = {issue.code: issue for issue in validation.warnings}
    far_name = Village.objects.get(pk=far[0]).name
    assert any(first.name in item and far_name in item for item in warnings["pieces"].items)
    assert any(first.name in item and "km" in item for item in warnings["span"].items)
    assert Village.objects.get(pk=next(iter(mine))).name in " ".join(warnings["without_point"].items)


def test_a_contract_ending_within_30_days_is_flagged_on_the_checks_and_the_plan_in_force(admin_client, in_force):
    published, pmos, bas = in_force
    today = date.today()
    Mentor.objects.filter(pk=bas[3].pk).update(contract_start=None, contract_end=today + timedelta(days=5))
    draft = services.plan_create(actor=None, regency=published.regency, name="Kontrak")
    validation = selectors.plan_validation(draft, selectors.plan_snapshot(draft))
    ending = next(issue for issue in validation.warnings if issue.code == "contract_ending")
    assert ending.items == [f"{bas[3].full_name}: {(today + timedelta(days=5)):%d-%m-%Y}"]
    draft_page = admin_client.get(f"/plans/{draft.pk}/").content.decode()
    in_force_page = admin_client.get(f"/plans/{published.pk}/").content.decode()
    for page in (draft_page, in_force_page):
        assert "kontrak" in page.lower() and bas[3].full_name in page


def test_district_graph_and_districts_stay_whole_where_they_fit(in_force):
    published, _pmos, _bas = in_force
    snapshot = selectors.plan_snapshot(published)
    sizes = defaultdict(int)
    for district_id in Village.objects.filter(district__regency=published.regency).values_list("district_id",
                                                                                                flat=True):
        sizes[district_id] += 1
    # A district that fits one BA (at most 15 villages) is seldom cut: most are whole in one territory.
    holders = defaultdict(set)
    for territory in snapshot.ba.values():
        for village in territory.members:
            holders[snapshot.villages[village].district_id].add(territory.id)
    fitting = [d for d in District.objects.filter(regency=published.regency).values_list("id", flat=True)
               if sizes[d] <= 15]
    whole = sum(1 for d in fitting if len(holders[d]) == 1)
    assert whole >= 0.7 * len(fitting)


def test_the_demo_plan_in_force_is_the_geographic_split(sukabumi, polygons):
    call_command("demo", stdout=io.StringIO())
    plan = TerritoryPlan.objects.get(regency=sukabumi, status="active")
    assert Boundary.objects.filter(code__startswith="32.02.").count() >= 386  # imported before the proposal
    ba_split, pmo_split, sizes = measured(plan, polygons)
    assert (ba_split, pmo_split) == (0, 0)
    assert 7 <= sizes[0] and sizes[-1] <= 15
