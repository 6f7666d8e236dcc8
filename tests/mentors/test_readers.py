"""Province and national readers: they see every regency of their province (or of the country) as its office does,
and change nothing. The authorisation matrix checks every URL for them; these check what they see."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperatives.models import Cooperative
from mentors.access import access_for
from mentors.models import ReadingGrant
from territories import services as plans

from ..factories import UserFactory
from ..test_authorisation_matrix import MATRIX, PERSONAS

pytestmark = pytest.mark.django_db

READERS = ("province_reader", "national_reader")


def test_a_province_reader_of_jawa_barat_sees_sukabumi_and_not_a_regency_of_another_province(
    client_for, province_reader, other_province_reader, split
):
    client = client_for(province_reader)
    assert client.get("/regions/32.02/").status_code == 200
    assert client.get("/dashboard/", {"regency": "32.02"}).status_code == 200
    assert client.get("/reports/recap/", {"regency": "32.02"}).status_code == 200
    coop = Cooperative.objects.filter(village_id__in=split.villages).first()
    assert client.get(reverse("cooperatives:cooperative_detail", kwargs={"pk": coop.pk})).status_code == 200
    # Jawa Tengah (33) and its regency are another province's.
    assert client.get("/regions/33.01/").status_code == 404
    assert client.get("/dashboard/", {"regency": "33.01"}).status_code == 404
    assert client.get("/dashboard/", {"province": "33"}).status_code == 404
    assert client.get("/reports/recap/", {"regency": "33.01"}).status_code == 404
    assert client.get("/reports/recap/", {"province": "33"}).status_code == 404
    codes = {row.code for row in client.get("/regions/").context["page_obj"]}
    assert "32.02" in codes and "33.01" not in codes


def test_a_province_reader_starts_on_the_table_of_their_province(client_for, province_reader, split):
    client = client_for(province_reader)
    assert client.get("/").status_code == 200
    place = client.get("/dashboard/").context["place"]
    assert (place.level, place.province.code) == ("province", "32")
    recap = client.get("/reports/recap/")
    assert recap.context["level"] == "province"
    assert [row["code"] for row in recap.context["figures"]["table"]] == ["32.02"]


def test_a_national_reader_starts_on_the_nation_and_may_choose_any_province(
    client_for, national_reader, other_province_reader, split
):
    client = client_for(national_reader)
    assert client.get("/").status_code == 200
    assert client.get("/dashboard/").context["place"].level == "nation"
    assert client.get("/dashboard/", {"province": "33"}).context["place"].province.code == "33"
    assert client.get("/reports/recap/").context["level"] == "nation"
    assert client.get("/regions/33.01/").status_code == 200


def test_every_write_in_the_matrix_refuses_the_readers_inside_their_scope():
    """A guard on the matrix itself: no POST answers a reader with a redirect (a change made) or a page."""
    index = {persona: PERSONAS.index(persona) for persona in READERS}
    for name, (method, _path, expected) in MATRIX.items():
        if method != "post":
            continue
        for persona, at in index.items():
            assert expected[at] in (403, 404), f"{name}: {persona} gets {expected[at]}"


def test_readers_get_403_on_a_write_and_nothing_changes(client_for, province_reader, national_reader, split):
    coop = Cooperative.objects.filter(village_id__in=split.villages).first()
    for reader in (province_reader, national_reader):
        client = client_for(reader)
        response = client.post(reverse("cooperatives:cooperative_update", kwargs={"pk": coop.pk}),
                               {"name": "Diubah pembaca", "stage": coop.stage})
        assert response.status_code == 403
        assert client.post(reverse("mentors:mentor_deactivate", kwargs={"pk": split.ba_mentor.pk})).status_code == 403
    coop.refresh_from_db()
    split.ba_mentor.refresh_from_db()
    assert coop.name != "Diubah pembaca" and split.ba_mentor.is_active


def test_buttons_for_writes_are_hidden_from_readers(client_for, province_reader, national_reader, admin_user, split,
                                                    sukabumi):
    coop = Cooperative.objects.filter(village_id__in=split.villages).first()
    draft = plans.plan_create(actor=None, regency=sukabumi, name="Draf", clone=False)
    pages = {
        reverse("cooperatives:cooperative_detail", kwargs={"pk": coop.pk}):
            reverse("cooperatives:cooperative_update", kwargs={"pk": coop.pk}),
        reverse("territories:plan_detail", kwargs={"pk": draft.pk}):
            reverse("territories:plan_publish", kwargs={"pk": draft.pk}),
        reverse("mentors:mentor_detail", kwargs={"pk": split.ba_mentor.pk}):
            reverse("mentors:mentor_update", kwargs={"pk": split.ba_mentor.pk}),
        reverse("mentors:mentor_list"): reverse("mentors:mentor_create"),
    }
    for page, write in pages.items():
        assert write in client_for(admin_user).get(page).content.decode(), f"{page}: the admin's button"
        for reader in (province_reader, national_reader):
            response = client_for(reader).get(page)
            assert response.status_code == 200
            assert write not in response.content.decode(), f"{page}: a reader sees {write}"
    menu = client_for(national_reader).get("/").content.decode()
    assert reverse("api:token_list") not in menu


def test_a_readers_roles_are_read_in_at_most_two_queries(province_reader, national_reader, admin_user):
    for user, most in ((province_reader, 2), (national_reader, 1), (admin_user, 1)):
        fresh = UserFactory._meta.model.objects.get(pk=user.pk)
        with CaptureQueriesContext(connection) as queries:
            access = access_for(fresh)
        assert len(queries.captured_queries) <= most, [q["sql"] for q in queries.captured_queries]
        assert not (access.is_reader and (access.is_office or access.is_admin))


def test_no_write_predicate_holds_for_a_reader(province_reader, national_reader, sukabumi):
    for user in (province_reader, national_reader):
        access = access_for(user)
        assert access.sees(sukabumi.pk) and access.sees_regencies
        assert not (access.manages(sukabumi.pk) or access.is_office_of(sukabumi.pk) or access.is_office
                    or access.is_admin or access.is_superuser)


def test_a_national_grant_has_no_province_and_a_province_grant_needs_one(sukabumi):
    user = UserFactory()
    with pytest.raises(ValidationError):
        ReadingGrant(user=user, province=sukabumi.province, role=ReadingGrant.Role.NATIONAL).full_clean()
    with pytest.raises(ValidationError):
        ReadingGrant(user=user, province=None, role=ReadingGrant.Role.STAFF).full_clean()
    ReadingGrant(user=user, province=None, role=ReadingGrant.Role.NATIONAL).full_clean()


def test_only_a_superuser_grants_reading_rights_in_the_django_admin(client_for, superuser):
    operator = UserFactory(email="operator@example.test", is_staff=True)
    assert client_for(superuser).get("/admin/mentors/readinggrant/add/").status_code == 200
    assert client_for(operator).get("/admin/mentors/readinggrant/add/").status_code == 403


def test_a_readers_home_lists_no_work_to_act_on_while_the_office_home_does(client_for, province_reader, split,
                                                                          admin_user):
    reader = client_for(province_reader).get("/")
    assert reader.status_code == 200 and 'id="needs-title"' not in reader.text
    assert "Kabupaten Sukabumi" in reader.text  # the overview of the regencies they read is still there
    assert 'id="needs-title"' in client_for(admin_user).get("/").text
