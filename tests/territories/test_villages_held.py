"""A BA territory's stored number of villages follows every service that moves villages, and it decides which BAs
must report for a month."""

from datetime import date

from django.db.models import Count

from mentors.models import Mentor
from territories import coverage, services
from territories.models import BaTerritory

from .test_plans import proposed_draft, publish, team  # noqa: F401  (the fixture)

START = date(2026, 1, 1)


def stored_and_counted(plan) -> tuple[dict, dict]:
    territories = BaTerritory.objects.filter(plan=plan)
    stored = dict(territories.values_list("pk", "villages_held"))
    counted = dict(territories.annotate(n=Count("village_links")).values_list("pk", "n"))
    return stored, counted


def test_every_service_that_moves_villages_keeps_the_stored_count(sukabumi, team):  # noqa: F811
    draft = proposed_draft(sukabumi, team)
    stored, counted = stored_and_counted(draft)
    assert stored == counted and sum(stored.values()) == 386

    first, second = BaTerritory.objects.filter(plan=draft).order_by("name")[:2]
    moved = list(first.village_links.values_list("village_id", flat=True)[:3])
    services.villages_move(actor=None, plan=draft, version=draft.version, village_ids=moved, to=second)
    stored, counted = stored_and_counted(draft)
    assert stored == counted and stored[second.pk] == counted[second.pk]

    services.villages_move(actor=None, plan=draft, version=draft.version, village_ids=moved, to=None)
    stored, counted = stored_and_counted(draft)
    assert stored == counted and sum(stored.values()) == 383
    services.villages_move(actor=None, plan=draft, version=draft.version, village_ids=moved, to=first)

    published = publish(draft, START)
    copy = services.plan_create(actor=None, regency=sukabumi, name="Salinan", clone=True)
    stored, counted = stored_and_counted(copy)
    assert stored == counted and sum(stored.values()) == 386
    assert sorted(stored.values()) == sorted(stored_and_counted(published)[0].values())


def test_the_bas_expected_to_report_are_those_whose_territory_holds_villages(sukabumi, team):  # noqa: F811
    draft = proposed_draft(sukabumi, team)
    publish(draft, START)
    expected = set(Mentor.objects.filter(coverage.bas_covering_on(date(2026, 1, 31))).values_list("pk", flat=True))
    holding = set(BaTerritory.objects.filter(plan=draft, village_links__isnull=False)
                  .values_list("mentor_id", flat=True))
    assert expected == holding and len(expected) == 39
    assert not Mentor.objects.filter(coverage.bas_covering_on(date(2025, 12, 31))).exists()  # before the plan
