"""Two admins at once, for real: threads with their own database connections (PostgreSQL)."""

import threading
from datetime import date

import pytest
from django.db import connection, connections

from mentors.models import Mentor
from territories import publishing, selectors, services
from territories.models import BaTerritory, BaVillage, TerritoryPlan

from ..factories import MentorFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs concurrent writers: SQLite serialises them (CI runs this on PostgreSQL)"),
]


def run_together(*actions):
    """Start the actions at the same moment in threads; return what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def worker(index, action):
        barrier.wait()
        try:
            results[index] = action()
        except Exception as error:  # noqa: BLE001 - the test looks at what was raised
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def draft(sukabumi):
    pmos = [MentorFactory(regency=sukabumi, role=Mentor.Role.PMO) for _ in range(2)]
    bas = [MentorFactory(regency=sukabumi, role=Mentor.Role.BA) for _ in range(39)]
    plan = services.plan_create(actor=None, regency=sukabumi, name="Draf")
    services.plan_propose(actor=None, plan=plan, version=plan.version, ba_mentors=bas, pmo_mentors=pmos)
    return plan


def test_two_admins_saving_the_same_draft_one_wins_and_the_draft_stays_consistent(draft):
    first, second = BaTerritory.objects.filter(plan=draft).order_by("name")[:2]
    village = BaVillage.objects.filter(ba_territory=first).first().village_id
    version = draft.version
    results = run_together(
        lambda: services.villages_move(actor=None, plan=draft, version=version, village_ids=[village], to=second),
        lambda: services.villages_move(actor=None, plan=draft, version=version, village_ids=[village], to=None),
    )
    assert sorted(type(r).__name__ for r in results) == ["StaleEdit", "int"]
    draft.refresh_from_db()
    assert draft.version == version + 1
    links = BaVillage.objects.filter(plan=draft, village_id=village)
    assert (links.get().ba_territory == second) if isinstance(results[0], int) else not links.exists()


def test_two_concurrent_publishes_leave_exactly_one_plan_in_force(draft, sukabumi):
    other = services.plan_create(actor=None, regency=sukabumi, name="Draf kedua")
    services.plan_propose(actor=None, plan=other, version=other.version,
                          ba_mentors=list(Mentor.objects.filter(role="ba")),
                          pmo_mentors=list(Mentor.objects.filter(role="pmo")))
    results = run_together(
        lambda: publishing.plan_publish(actor=None, plan=draft, version=draft.version,
                                      effective_from=date(2026, 2, 1), reviewed_active_id=None),
        lambda: publishing.plan_publish(actor=None, plan=other, version=other.version,
                                      effective_from=date(2026, 2, 1), reviewed_active_id=None),
    )
    assert sorted(type(r).__name__ for r in results) == ["PlanError", "TerritoryPlan"]
    assert TerritoryPlan.objects.filter(regency=sukabumi, status="active").count() == 1
    assert TerritoryPlan.objects.filter(regency=sukabumi, status="draft").count() == 1
    assert selectors.active_plan(sukabumi).effective_to is None
