"""territories.coverage: who covers which village on which day, the BAs under a PMO, the reviewer of a month."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mentors.models import Mentor
from regions.models import Village
from territories import coverage, publishing, services
from territories.models import BaTerritory, PmoTerritory

pytestmark = pytest.mark.django_db


def _moved_to_the_other_pmo(split, on):
    """A second plan, in force from `on`, that moves the first of the BA's villages to their neighbour and gives
    the neighbour's PMO territory to the other PMO (the two PMOs swap territories)."""
    draft = services.plan_create(actor=None, regency=split.plan.regency, name="Rencana kedua")
    to = BaTerritory.objects.get(plan=draft, mentor=split.neighbour.mentor)
    services.villages_move(actor=None, plan=draft, version=draft.version, village_ids=[split.villages[0]], to=to)
    first, second = list(PmoTerritory.objects.filter(plan=draft).order_by("pk"))
    PmoTerritory.objects.filter(pk=first.pk).update(mentor=second.mentor)
    PmoTerritory.objects.filter(pk=second.pk).update(mentor=first.mentor)
    draft.refresh_from_db()
    return publishing.plan_publish(actor=None, plan=draft, version=draft.version, effective_from=on,
                                   decree_number="800/2/2026", reviewed_active_id=split.plan.pk)


def test_a_villages_ba_and_pmo_follow_the_plan_in_force_on_each_day(split):
    today = timezone.localdate()
    village = Village.objects.get(pk=split.villages[0])
    change = today - timedelta(days=30)
    _moved_to_the_other_pmo(split, change)
    other_pmo = split.other_territory.pmo_territory.mentor

    before, after = change - timedelta(days=1), change
    assert coverage.ba_of(village, before) == split.ba_mentor
    assert coverage.pmo_of(village, before) == split.pmo_mentor
    assert coverage.ba_of(village, after) == split.neighbour.mentor
    assert coverage.pmo_of(village, after) == other_pmo
    assert coverage.ba_of(village, today - timedelta(days=91)) is None
    assert [h["ba"] for h in coverage.village_history(village)] == [split.neighbour.mentor, split.ba_mentor]


def test_the_villages_a_ba_covers_on_a_day_and_now(split):
    today = timezone.localdate()
    change = today - timedelta(days=30)
    _moved_to_the_other_pmo(split, change)
    before = set(coverage.ba_village_ids_on(split.ba_mentor, change - timedelta(days=1)).values_list(
        "village_id", flat=True))
    assert before == set(split.villages)
    now = set(coverage.mentor_villages(split.ba_mentor).values_list("id", flat=True))
    assert now == set(split.villages) - {split.villages[0]}
    assert set(Village.objects.filter(coverage.villages_of_ba(split.ba_mentor, "")).values_list(
        "id", flat=True)) == now


def test_the_bas_under_a_pmo_are_those_of_their_territories(split):
    today = timezone.localdate()
    team = coverage.bas_under(split.pmo_mentor, today)
    expected = set(BaTerritory.objects.filter(plan=split.plan, pmo_territory__mentor=split.pmo_mentor)
                   .values_list("mentor_id", flat=True))
    assert {ba.pk for ba in team} == expected and split.ba_mentor in team
    assert split.other_territory.mentor not in team
    assert set(Mentor.objects.filter(coverage.bas_under_pmo(split.pmo_mentor)).values_list("pk", flat=True)) \
        == expected
    assert coverage.bas_under(split.pmo_mentor, today - timedelta(days=91)) == []


def test_the_reviewer_of_a_bas_report_is_the_pmo_in_force_at_the_end_of_the_month(split):
    today = timezone.localdate()
    month = today.replace(day=1)
    assert coverage.reviewer_of(split.ba_mentor, month) == split.pmo_mentor
    assert coverage.reviewer_of(split.pmo_mentor, month) is None  # the office reviews a PMO's report
    long_ago = (today - timedelta(days=200)).replace(day=1)
    assert coverage.reviewer_of(split.ba_mentor, long_ago) is None  # no plan then: the office reviews
    split.pmo_mentor.is_active = False
    split.pmo_mentor.save()
    assert coverage.reviewer_of(split.ba_mentor, month) is None


def test_the_registry_reads_a_villages_ba_through_an_expression(split):
    village = Village.objects.annotate(ba=coverage.ba_name_of_village("pk")).get(pk=split.villages[0])
    assert village.ba == split.ba_mentor.full_name
