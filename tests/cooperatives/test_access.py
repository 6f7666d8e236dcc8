"""The predicates of `cooperatives/access.py` are right on their own, and the services refuse with them."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cooperatives import services
from cooperatives.access import can_correct_visit, can_edit_cooperative, can_record_visit
from cooperatives.models import Cooperative, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(split):
    inside = Cooperative.objects.select_related("village__district").get(village_id=split.villages[0])
    elsewhere = Cooperative.objects.select_related("village__district").get(
        village_id=split.other_territory.village_links.values_list("village_id", flat=True)[0])
    return inside, elsewhere


def test_only_the_ba_whose_territory_holds_the_village_and_the_office_may_edit_a_cooperative(
    split, places, office_user, other_admin
):
    inside, elsewhere = places
    assert can_edit_cooperative(split.ba, inside)
    assert not can_edit_cooperative(split.ba, elsewhere)  # another territory's cooperative, even in hand
    assert not can_edit_cooperative(split.other_ba, inside)
    assert not can_edit_cooperative(split.pmo, inside)  # a PMO reads, the BA and the office edit
    assert can_edit_cooperative(office_user, inside) and can_edit_cooperative(office_user, elsewhere)
    assert not can_edit_cooperative(other_admin, inside)


def test_a_pmo_records_visits_in_their_districts_only(split, places):
    inside, elsewhere = places
    assert can_record_visit(split.pmo, inside)
    assert can_record_visit(split.other_ba, elsewhere) and not can_record_visit(split.other_ba, inside)


def test_the_author_corrects_a_visit_for_seven_days_and_an_admin_afterwards(split, places, admin_user):
    inside, _ = places
    visit = services.visit_create(actor=split.ba, mentor=split.ba_mentor, cooperative=inside,
                                  date=timezone.localdate(), mode="phone", focus_areas=["training"], summary="Uji")
    assert can_correct_visit(split.ba, visit) and not can_correct_visit(split.pmo, visit)
    Visit.objects.filter(pk=visit.pk).update(created_at=timezone.now() - timedelta(days=8))
    visit.refresh_from_db()
    assert not can_correct_visit(split.ba, visit) and can_correct_visit(admin_user, visit)


def test_services_refuse_a_change_the_actor_may_not_make_and_write_nothing(split, places):
    inside, elsewhere = places
    with pytest.raises(PermissionDenied):
        services.cooperative_update(actor=split.ba, cooperative=elsewhere, version=None, name="Diubah")
    with pytest.raises(PermissionDenied):
        services.visit_create(actor=split.ba, mentor=split.ba_mentor, cooperative=elsewhere,
                              date=timezone.localdate(), mode="phone", focus_areas=["training"], summary="Uji")
    elsewhere.refresh_from_db()
    assert elsewhere.name != "Diubah" and not Visit.objects.filter(cooperative=elsewhere).exists()
