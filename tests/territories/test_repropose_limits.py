"""A re-proposal that keeps the current split still finds a publishable one when leavers cluster in one PMO area
(issue 23, item 5): Business Assistants move between PMO areas with the fewest villages changing hands, the
preview says why and shows the fresh split beside it, and a proposal that would not publish is not applied."""

from datetime import date

import pytest

from territories import publishing, selectors, services
from territories.geography import components
from territories.models import BaTerritory, PmoTerritory
from territories.planning import Geography, Place, Snapshot, TerritoryInfo, adjust, changed_hands
from tests.territories.test_geography import mentors


@pytest.fixture
def published(sukabumi):
    """The real Sukabumi (386 villages) split between 39 BAs under 2 PMOs, in force."""
    pmos, bas = mentors(sukabumi, 39)
    plan = services.plan_create(actor=None, regency=sukabumi, name="Berlaku")
    services.plan_propose(actor=None, plan=plan, version=plan.version, ba_mentors=bas, pmo_mentors=pmos)
    plan.refresh_from_db()
    publishing.plan_publish(actor=None, plan=plan, version=plan.version, effective_from=date(2026, 1, 1))
    return plan, pmos, bas


def _without_nine_of_one_area(plan, bas, area_name):
    """The chosen BAs once 9 of the BAs of the PMO area `area_name` leave, and the leavers' ids."""
    area = PmoTerritory.objects.get(plan=plan, name=area_name)
    leaving = set(BaTerritory.objects.filter(plan=plan, pmo_territory=area).order_by("name")
                  .values_list("mentor_id", flat=True)[:9])
    return [b for b in bas if b.pk not in leaving], leaving


@pytest.mark.parametrize("area_name", ["PMO 1", "PMO 2"])
def test_nine_leavers_in_one_pmo_area_still_give_a_publishable_split_moving_fewer_villages_than_afresh(
        published, area_name):
    plan, pmos, bas = published
    staying, leaving = _without_nine_of_one_area(plan, bas, area_name)
    draft = services.plan_create(actor=None, regency=plan.regency, name="Sembilan keluar")
    start = selectors.plan_snapshot(plan)
    kept, pmo_rows, ba_rows = services.proposal_for(draft, ba_mentors=staying, pmo_mentors=pmos, keep=True)
    fresh, _pmo_rows, _ba_rows = services.proposal_for(draft, ba_mentors=staying, pmo_mentors=pmos, keep=False)

    sizes = sorted(len(ba.village_ids) for ba in kept.ba)
    assert len(sizes) == 30 and 7 <= sizes[0] and sizes[-1] <= 15
    assert kept.kept and kept.fits and kept.bas_moved  # Business Assistants moved into the area the leavers left
    proposed = selectors.rows_snapshot(selectors.regency_places(plan.regency), selectors.mentor_infos(plan.regency),
                                       pmo_rows, ba_rows)
    assert selectors.plan_validation(draft, proposed).ok
    geo = selectors.regency_geography(plan.regency, start.villages)
    assert all(len(components(ba.village_ids, geo.graph)) == 1 for ba in kept.ba)
    left = sum(len(t.members) for t in start.ba.values() if t.mentor_id in leaving)
    assert left <= changed_hands(start, kept) < changed_hands(start, fresh)
    # Everyone who stays in their PMO area keeps their territory's name; most keep most of their villages, many all.
    before = {t.mentor_id: t for t in start.ba.values()}
    staying_put = [ba for ba in kept.ba if ba.mentor_id not in kept.bas_moved]
    assert all(ba.name == before[ba.mentor_id].name for ba in staying_put)
    share = [len(set(ba.village_ids) & before[ba.mentor_id].members) / len(before[ba.mentor_id].members)
             for ba in staying_put]
    assert sum(s >= 0.5 for s in share) >= 0.75 * len(share) and sum(s == 1 for s in share) >= 0.5 * len(share)


def test_the_preview_says_why_bas_moved_and_shows_the_fresh_split_beside_it(admin_client, published):
    plan, pmos, bas = published
    staying, _leaving = _without_nine_of_one_area(plan, bas, "PMO 1")
    draft = services.plan_create(actor=None, regency=plan.regency, name="Pratinjau")
    url = f"/plans/{draft.pk}/propose/"
    data = {"version": draft.version, "ba_mentors": [b.pk for b in staying], "pmo_mentors": [p.pk for p in pmos],
            "mode": "keep"}
    page = admin_client.post(url, data)
    preview, fresh = page.context["preview"], page.context["fresh"]
    text = page.content.decode()
    moved = len(preview["bas_moved"])
    assert moved >= 1 and preview["publishable"] and preview["in_target"]
    assert (f"Pembagian saat ini tidak bisa memenuhi batas 7–15 desa per BA; {moved} BA dipindah ke wilayah PMO lain"
            in text)
    assert "Pratinjau pembagian baru" in text and fresh["moves"] > preview["moves"]
    for split in (preview, fresh):
        assert f"{split['sizes'][0]}–{split['sizes'][-1]}" in text
    assert f'name="apply" value="{preview["token"]}"' in text
    # The districts that one BA could hold but the re-proposal shares are named.
    assert preview["districts_shared"] and "terbagi di antara beberapa BA" in text
    assert all(name in text for name in preview["districts_shared"])
    # The fresh split previewed from the button beside it, then applied.
    switched = admin_client.post(url, {**data, "switch": "fresh"})
    assert switched.context["form"].cleaned_data["mode"] == "fresh" and switched.context["fresh"] is None
    assert not switched.context["preview"]["kept"]
    applied = admin_client.post(url, {**data, "mode": "fresh", "apply": switched.context["preview"]["token"]})
    assert applied.status_code == 302
    assert BaTerritory.objects.filter(plan=draft).count() == 30


def test_apply_is_not_offered_for_a_proposal_that_would_not_publish_and_a_forced_one_changes_nothing(
        admin_client, published):
    plan, pmos, bas = published
    draft = services.plan_create(actor=None, regency=plan.regency, name="Terlalu sedikit")
    url = f"/plans/{draft.pk}/propose/"
    # 13 of 39 BAs left: kept, some territories pass twice the most of 15 villages, which blocks publishing.
    data = {"version": draft.version, "ba_mentors": [b.pk for b in bas[::3]], "pmo_mentors": [p.pk for p in pmos],
            "mode": "keep"}
    page = admin_client.post(url, data)
    preview = page.context["preview"]
    text = page.content.decode()
    assert not preview["publishable"]
    assert 'name="apply"' not in text
    assert "Tidak ditawarkan: usulan ini tidak akan bisa diterbitkan" in text
    assert "Pembagian saat ini tidak bisa memenuhi batas 7–15 desa per BA" in text
    assert page.context["fresh"] is not None and "Pratinjau pembagian baru" in text

    forced = admin_client.post(url, {**data, "apply": preview["token"]})
    assert forced.status_code == 200
    assert "Usulan ini tidak akan bisa diterbitkan, jadi tidak diterapkan" in forced.content.decode()
    draft.refresh_from_db()
    assert draft.version == 1 and BaTerritory.objects.filter(plan=draft).count() == 39


def _strip(columns: int, pmo_columns: list[range], ba_columns: list[tuple[int, range]]):
    """A strip two villages high and `columns` wide on plain data: each column a district, PMO areas and BA
    territories by columns (BA territories as (PMO index, columns))."""
    villages = {c * 2 + r + 1: Place(c * 2 + r + 1, f"V{c:02d}{r}", f"Desa {c}-{r}", district_id=1000 + c)
                for c in range(columns) for r in range(2)}
    graph = {v: set() for v in villages}
    for c in range(columns):
        for r in range(2):
            here = c * 2 + r + 1
            for other in ([c * 2 + (1 - r) + 1] + ([(c + 1) * 2 + r + 1] if c + 1 < columns else [])):
                graph[here].add(other)
                graph[other].add(here)
    geo = Geography(graph, {v: ((v - 1) // 2 * 1.0, (v - 1) % 2 * 1.0) for v in villages})
    districts = {1000 + c: Place(1000 + c, f"D{c:02d}", f"Kecamatan {c}") for c in range(columns)}
    pmo = {i + 1: TerritoryInfo(i + 1, f"PMO {i + 1}", 100 + i, {1000 + c for c in cols})
           for i, cols in enumerate(pmo_columns)}
    ba = {i + 1: TerritoryInfo(i + 1, f"BA {i + 1:02d}", 200 + i, {c * 2 + r + 1 for c in cols for r in range(2)},
                               pmo_id=area + 1)
          for i, (area, cols) in enumerate(ba_columns)}
    return Snapshot(villages=villages, districts=districts, mentors={}, pmo=pmo, ba=ba), geo


def test_with_no_ba_to_spare_the_pmo_border_moves_whole_districts_instead():
    # PMO 1: 34 villages and, once BA 02 leaves, 2 BAs (at most 30); PMO 2: 40 villages and 3 BAs, none to spare
    # (it needs all 3) but room for 5 more villages.
    start, geo = _strip(37, [range(0, 17), range(17, 37)],
                        [(0, range(0, 6)), (0, range(6, 12)), (0, range(12, 17)),
                         (1, range(17, 24)), (1, range(24, 31)), (1, range(31, 37))])
    chosen = [200, 202, 203, 204, 205]
    proposal = adjust(start, ba_ids=chosen, pmo_ids=[100, 101], target=(7, 15), geo=geo)
    sizes = sorted(len(ba.village_ids) for ba in proposal.ba)
    assert proposal.fits and 7 <= sizes[0] and sizes[-1] <= 15 and len(sizes) == 5
    assert not proposal.bas_moved and proposal.districts_moved
    # Whole districts moved across the border, from the end of PMO 1 that touches PMO 2.
    assert all(1000 + 12 <= d <= 1000 + 16 for d in proposal.districts_moved)
    areas = {tuple(pmo.district_ids) for pmo in proposal.pmo}
    assert sum(len(a) for a in areas) == 37 and all(len(components(ba.village_ids, geo.graph)) == 1
                                                    for ba in proposal.ba)
    # Everyone keeps their territory's name; BA 01, far from the border, keeps all of their villages.
    before = {t.mentor_id: t for t in start.ba.values()}
    assert all(ba.name == before[ba.mentor_id].name for ba in proposal.ba)
    first = next(ba for ba in proposal.ba if ba.mentor_id == 200)
    assert before[200].members <= set(first.village_ids)
