"""Every page's frame (navigation, the field app's words) and the roles read on every request: written once per
process where they cannot change, and the same as when they were worked out on each request."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentors.access import access_for
from mentors.models import Membership, Mentor, ReadingGrant

from .factories import MembershipFactory, MentorFactory, ReadingGrantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_bas_page_carries_the_field_apps_words_in_the_pages_language(client_for, ba_user):
    client = client_for(ba_user)
    page = client.get("/").content.decode()
    assert 'data-send-now="Kirim sekarang"' in page
    assert f'data-worker="{reverse("service_worker")}"' in page and f'data-user="{ba_user.pk}"' in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/").content.decode()
    assert 'data-send-now="Send now"' in page
    assert "data-discard-question=\"Discard this visit? It has not been sent and will be lost.\"" in page


def test_the_menu_links_to_the_sections_the_person_may_open(client_for, admin_user, ba_user):
    page = client_for(admin_user).get("/").content.decode()
    for name in ("home", "reporting:dashboard", "mentors:mentor_list", "territories:plan_list",
                 "cooperatives:cooperative_list", "cooperatives:report_list", "profile", "account_logout"):
        assert f'href="{reverse(name)}"' in page or f'action="{reverse(name)}"' in page, name
    assert "data-send-now" not in page  # the field app is a BA's
    page = client_for(ba_user).get("/").content.decode()
    assert f'href="{reverse("territories:plan_list")}"' not in page


def test_every_kind_of_role_is_read_from_one_statement_and_the_mentor_with_a_second(sukabumi, other_regency):
    user = UserFactory()
    MembershipFactory(user=user, regency=sukabumi, role=Membership.Role.ADMIN)
    MembershipFactory(user=user, regency=other_regency, role=Membership.Role.STAFF)
    ReadingGrantFactory(user=user, province=other_regency.province, role=ReadingGrant.Role.STAFF)
    MentorFactory(user=None, regency=sukabumi, role=Mentor.Role.BA)  # someone else's record
    mentor = MentorFactory(user=user, regency=sukabumi, role=Mentor.Role.PMO,
                           contract_end=datetime.date(2099, 12, 31))
    fresh = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as queries:
        access = access_for(fresh)
        assert access.mentor.regency.name == sukabumi.name  # read with the mentor, not after
        assert access.mentor.contract_end == datetime.date(2099, 12, 31)  # a date, on SQLite as well
    assert len(queries.captured_queries) == 3  # roles, the mentor, the read province's regencies
    assert access.admin_regency_ids == {sukabumi.pk} and access.staff_regency_ids == {other_regency.pk}
    assert access.reader_province_ids == {other_regency.province_id} and not access.reads_country
    assert other_regency.pk in access.reader_regency_ids
    assert access.mentor.pk == mentor.pk and access.is_pmo and not access.contract_ended


def test_an_inactive_mentor_record_gives_no_mentor_role_and_no_second_statement(sukabumi):
    user = UserFactory()
    MembershipFactory(user=user, regency=sukabumi, role=Membership.Role.STAFF)
    MentorFactory(user=user, regency=sukabumi, role=Mentor.Role.BA, is_active=False)
    fresh = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as queries:
        access = access_for(fresh)
    assert len(queries.captured_queries) == 1
    assert access.mentor is None and access.staff_regency_ids == {sukabumi.pk} and access.time_zone == "Asia/Jakarta"


def test_a_mentor_whose_contract_ended_has_no_mentor_role(sukabumi):
    user = UserFactory()
    MentorFactory(user=user, regency=sukabumi, role=Mentor.Role.BA, contract_start=datetime.date(2020, 1, 1),
                  contract_end=datetime.date(2021, 1, 1))
    access = access_for(type(user).objects.get(pk=user.pk))
    assert access.mentor is None and access.contract_ended
