from datetime import date
from types import SimpleNamespace

import pytest

from cooperatives import services as registry
from mentors.models import Mentor
from territories import services as plans
from territories.models import BaTerritory

from ..factories import MentorFactory, UserFactory


@pytest.fixture
def split(sukabumi, admin_user):
    """A published split of Sukabumi for 2 PMOs and 39 BAs, a cooperative in every village, and sign-in
    accounts for one BA (`ba`), their PMO (`pmo`) and a BA elsewhere (`other_ba`)."""
    pmos = [MentorFactory(regency=sukabumi, role=Mentor.Role.PMO, full_name=f"PMO {i}") for i in (1, 2)]
    bas = [MentorFactory(regency=sukabumi, role=Mentor.Role.BA, full_name=f"BA {i:02d}") for i in range(1, 40)]
    plan = plans.plan_create(actor=None, regency=sukabumi, name="Rencana")
    plans.plan_propose(actor=None, plan=plan, version=plan.version, ba_mentors=bas, pmo_mentors=pmos)
    plans.plan_publish(actor=None, plan=plan, version=plan.version, effective_from=date(2026, 1, 1))
    registry.cooperatives_ensure(actor=admin_user, regency=sukabumi)
    territory = BaTerritory.objects.filter(plan=plan).select_related("mentor", "pmo_territory__mentor").order_by(
        "name").first()
    other = BaTerritory.objects.filter(plan=plan).exclude(pmo_territory=territory.pmo_territory).select_related(
        "mentor").first()

    def account(mentor, email):
        mentor.user = UserFactory(email=email, full_name=mentor.full_name)
        mentor.save()
        return mentor.user

    return SimpleNamespace(
        plan=plan, territory=territory, ba_mentor=territory.mentor, pmo_mentor=territory.pmo_territory.mentor,
        ba=account(territory.mentor, "ba.satu@contoh.test"),
        pmo=account(territory.pmo_territory.mentor, "pmo.satu@contoh.test"),
        other_ba=account(other.mentor, "ba.lain@contoh.test"), other_territory=other,
        villages=list(territory.village_links.values_list("village_id", flat=True)),
    )
