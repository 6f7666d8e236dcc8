"""The decree annex of a territory plan as an office signs it: headed by the decree (issuing official, number, date,
subject), signed by the head of the office with name, rank and NIP; the decree's number typed or given from the
office's register; what the office has not set named, never guessed."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from offices.models import DocumentSequence, IssuedNumber
from offices.services import document_number_issue
from territories import publishing
from territories.models import TerritoryPlan
from territories.services import PlanError

from ..factories import MentorFactory
from ..offices import documents_set
from .test_plans import START, proposed_draft, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(sukabumi):
    """2 PMOs and 39 BAs of Kabupaten Sukabumi."""
    pmos = [MentorFactory(regency=sukabumi, role="pmo", full_name=f"PMO {i}") for i in (1, 2)]
    return pmos, [MentorFactory(regency=sukabumi, role="ba", full_name=f"BA {i:02d}") for i in range(1, 40)]


@pytest.fixture
def published(sukabumi, team):
    """The plan in force, published with the decree number 800/1/2026 (and no decree date or subject yet)."""
    return publish(proposed_draft(sukabumi, team, name="Rencana pertama"), START)


def annex(client, plan):
    return client.get(reverse("territories:plan_annex", kwargs={"pk": plan.pk}))


def record(client, plan, **data):
    plan.refresh_from_db()
    return client.post(
        reverse("territories:plan_decree", kwargs={"pk": plan.pk}),
        {
            "version": plan.version,
            "decree_date": "2026-12-07",
            "decree_subject": "Pembagian Wilayah Kerja PMO dan Business Assistant",
            **data,
        },
    )


def test_the_annex_is_headed_by_the_decree_and_signed_by_the_head_of_the_office(admin_client, published):
    documents_set(published.regency)
    assert record(admin_client, published, decree_number="800/1/2026").status_code == 302
    text = annex(admin_client, published).text
    assert (
        "LAMPIRAN" in text and "KEPUTUSAN KEPALA DINAS KOPERASI, USAHA KECIL, DAN MENENGAH KABUPATEN SUKABUMI" in text
    )
    assert "800/1/2026" in text and "7 Desember 2026" in text
    assert "TENTANG" in text and "PEMBAGIAN WILAYAH KERJA PMO DAN BUSINESS ASSISTANT" in text
    assert "KEPALA DINAS KOPERASI, USAHA KECIL, DAN MENENGAH KABUPATEN SUKABUMI," in text  # the signature's title
    assert "Dra. Hj. Siti Rahmawati, M.Si." in text and "Pembina Utama Muda (IV/c)" in text
    assert "NIP. 19700101 200003 2 001" in text
    assert "belum dapat ditandatangani" not in text


def unnumbered(sukabumi, team, on=START):
    """A plan published (in force from `on`) with no decree number yet."""
    draft = proposed_draft(sukabumi, team)
    active = TerritoryPlan.objects.filter(regency=sukabumi, status="active").first()
    return publishing.plan_publish(actor=None, plan=draft, version=draft.version, effective_from=on,
                                   reviewed_active_id=active.pk if active else None)


def test_an_admin_gives_the_decree_the_offices_next_number_once(admin_client, admin_user, sukabumi, team):
    documents_set(sukabumi)
    plan = unnumbered(sukabumi, team)
    response = record(admin_client, plan, issue="on")
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.decree_number == "500.3/1/DKUKM/2026" and str(plan.decree_date) == "2026-12-07"
    issued = IssuedNumber.objects.get()
    assert issued.number == plan.decree_number and issued.issued_by == admin_user and not issued.typed
    assert issued.document == "Keputusan tentang Pembagian Wilayah Kerja PMO dan Business Assistant"
    again = record(admin_client, plan, issue="on")
    assert again.status_code == 400 and "sudah bernomor 500.3/1/DKUKM/2026" in again.text
    assert IssuedNumber.objects.count() == 1
    assert "500.3/1/DKUKM/2026" in annex(admin_client, plan).text


def test_without_a_pattern_the_office_gives_no_number_and_says_so(admin_client, sukabumi, team):
    documents_set(sukabumi, number_pattern="")
    plan = unnumbered(sukabumi, team)
    response = record(admin_client, plan, issue="on")
    assert response.status_code == 400 and "belum memiliki pola nomor naskah" in response.text
    plan.refresh_from_db()
    assert plan.decree_number == "" and plan.decree_date is None and not IssuedNumber.objects.exists()


@pytest.mark.parametrize("data", [{"issue": "on"}, {"decree_number": "500.3/4/DKUKM/2026"}])
def test_a_draft_takes_no_decree_number_and_says_when_it_may(admin_client, sukabumi, team, data):
    documents_set(sukabumi)
    draft = proposed_draft(sukabumi, team)
    response = record(admin_client, draft, **data)
    assert response.status_code == 400 and "Draf tidak diberi nomor keputusan" in response.text
    draft.refresh_from_db()
    assert draft.decree_number == "" and draft.decree_date is None
    assert not IssuedNumber.objects.exists() and not DocumentSequence.objects.filter(last__gt=0).exists()


def test_a_draft_may_note_the_decrees_date_and_subject_without_a_number(admin_client, sukabumi, team):
    draft = proposed_draft(sukabumi, team)
    assert record(admin_client, draft).status_code == 302
    draft.refresh_from_db()
    assert draft.decree_number == "" and str(draft.decree_date) == "2026-12-07"


def test_a_scheduled_plan_takes_the_decree_number(admin_client, sukabumi, team):
    documents_set(sukabumi)
    unnumbered(sukabumi, team)
    scheduled = unnumbered(sukabumi, team, on=timezone.localdate() + timedelta(days=10))
    assert scheduled.status == TerritoryPlan.Status.SCHEDULED
    assert record(admin_client, scheduled, issue="on").status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.decree_number == "500.3/1/DKUKM/2026"


def test_a_typed_number_in_the_pattern_is_entered_and_the_next_number_comes_after_it(admin_client, sukabumi, team):
    documents_set(sukabumi)
    first = unnumbered(sukabumi, team)
    assert record(admin_client, first, decree_number="500.3/007/DKUKM/2026").status_code == 302
    typed = IssuedNumber.objects.get()
    assert (typed.number, typed.year, typed.sequence, typed.typed) == ("500.3/007/DKUKM/2026", 2026, 7, True)
    second = unnumbered(sukabumi, team, on=date(2026, 6, 1))
    assert record(admin_client, second, issue="on").status_code == 302
    second.refresh_from_db()
    assert second.decree_number == "500.3/8/DKUKM/2026"


@pytest.mark.parametrize("typed", ["500.3/001/DKUKM/2026", "500.3/1/DKUKM/2026", " 500.3 / 01/dkukm/2026"])
def test_a_typed_number_that_repeats_a_given_one_is_refused_whatever_its_zeros(admin_client, sukabumi, team, typed):
    documents_set(sukabumi)
    first = unnumbered(sukabumi, team)
    assert record(admin_client, first, issue="on").status_code == 302  # 500.3/1/DKUKM/2026
    second = unnumbered(sukabumi, team, on=date(2026, 6, 1))
    response = record(admin_client, second, decree_number=typed)
    assert response.status_code == 400 and "mengulang 500.3/1/DKUKM/2026" in response.text
    second.refresh_from_db()
    assert second.decree_number == "" and IssuedNumber.objects.count() == 1


def test_a_typed_number_that_repeats_a_typed_one_is_refused(admin_client, sukabumi, team):
    documents_set(sukabumi)
    first = unnumbered(sukabumi, team)
    assert record(admin_client, first, decree_number="500.3/012/DKUKM/2026").status_code == 302
    second = unnumbered(sukabumi, team, on=date(2026, 6, 1))
    response = record(admin_client, second, decree_number="500.3/12/DKUKM/2026")
    assert response.status_code == 400 and "mengulang 500.3/012/DKUKM/2026" in response.text
    assert IssuedNumber.objects.count() == 1


def test_the_same_sequence_in_another_year_or_outside_the_pattern_is_another_number(admin_client, sukabumi, team):
    documents_set(sukabumi)
    first = unnumbered(sukabumi, team)
    assert record(admin_client, first, decree_number="500.3/1/DKUKM/2025").status_code == 302
    second = unnumbered(sukabumi, team, on=date(2026, 6, 1))
    assert record(admin_client, second, decree_number="800/1/2026").status_code == 302  # the regent's agenda
    third = unnumbered(sukabumi, team, on=date(2026, 7, 1))
    assert record(admin_client, third, decree_number="500.3/1/DKUKM/2026").status_code == 302
    assert sorted(IssuedNumber.objects.values_list("year", "sequence")) == [(2025, 1), (2026, 1)]


def test_a_plan_typed_again_with_its_own_number_is_not_refused(admin_client, sukabumi, team):
    documents_set(sukabumi)
    plan = unnumbered(sukabumi, team)
    assert record(admin_client, plan, decree_number="500.3/3/DKUKM/2026").status_code == 302
    assert record(admin_client, plan, decree_number="500.3/003/DKUKM/2026", decree_subject="Lain").status_code == 302
    assert IssuedNumber.objects.count() == 1


def test_a_number_typed_at_publishing_is_entered_and_a_repeat_refuses_the_publish(sukabumi, team):
    documents_set(sukabumi)
    document_number_issue(actor=None, regency=sukabumi, document="SK lain", on=date(2026, 3, 1))  # 500.3/1/…
    draft = proposed_draft(sukabumi, team)
    with pytest.raises(PlanError, match="500.3/1/DKUKM/2026"):
        publishing.plan_publish(actor=None, plan=draft, version=draft.version, effective_from=START,
                                decree_number="500.3/0001/DKUKM/2026", reviewed_active_id=None)
    draft.refresh_from_db()
    assert draft.status == TerritoryPlan.Status.DRAFT and IssuedNumber.objects.count() == 1
    plan = publishing.plan_publish(actor=None, plan=draft, version=draft.version, effective_from=START,
                                   decree_number="500.3/2/DKUKM/2026", reviewed_active_id=None)
    assert plan.status == TerritoryPlan.Status.ACTIVE
    assert IssuedNumber.objects.get(sequence=2).typed
    assert document_number_issue(actor=None, regency=sukabumi, document="x", on=date(2026, 12, 1)).sequence == 3


@pytest.mark.parametrize(
    "data, message",
    [
        ({"decree_number": "800/2/2026", "issue": "on"}, "jangan keduanya"),
        ({"decree_date": "7 Desember"}, "tanggal"),
        ({"decree_subject": ""}, "tidak boleh kosong"),
    ],
)
def test_bad_decree_input_is_refused_with_a_message_and_changes_nothing(admin_client, published, data, message):
    response = record(admin_client, published, **data)
    assert response.status_code == 400 and message in response.text.lower()
    published.refresh_from_db()
    assert published.decree_number == "800/1/2026" and published.decree_date is None


def test_a_stale_decree_form_changes_nothing(admin_client, published):
    response = admin_client.post(
        reverse("territories:plan_decree", kwargs={"pk": published.pk}),
        {
            "version": published.version - 1 or 99,
            "decree_date": "2026-12-07",
            "decree_subject": "X",
            "decree_number": "1/2026",
        },
        follow=True,
    )
    assert "Admin lain mengubah rencana ini" in response.text
    published.refresh_from_db()
    assert published.decree_number == "800/1/2026"


def test_staff_see_the_annex_but_cannot_record_the_decree(office_client, published):
    assert annex(office_client, published).status_code == 200
    assert record(office_client, published, decree_number="9/2026").status_code == 403
    assert TerritoryPlan.objects.get(pk=published.pk).decree_number == "800/1/2026"


def test_missing_settings_are_named_with_a_link_for_admins_and_nothing_is_guessed(
    client_for, admin_user, office_user, published
):
    documents_set(published.regency, sign_town="", head_nip="")
    for user, link in ((admin_user, True), (office_user, False)):
        text = annex(client_for(user), published).text
        assert "belum dapat ditandatangani" in text and "NIP kepala dinas" in text
        assert ('href="/offices/32.02/documents/"' in text) is link
        assert "Kepala Dinas Koperasi, Kabupaten Sukabumi" not in text


def test_the_migration_enters_the_decree_numbers_typed_before_in_the_register(sukabumi, team):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("territories.migrations.0006_decree_numbers_in_register")
    documents_set(sukabumi)
    first = unnumbered(sukabumi, team)
    second = unnumbered(sukabumi, team, on=date(2026, 6, 1))
    draft = proposed_draft(sukabumi, team)
    # as the rows stood before the register knew typed numbers: two plans repeating one number, a draft with one
    TerritoryPlan.objects.filter(pk__in=[first.pk, second.pk]).update(decree_number="500.3/005/DKUKM/2026")
    TerritoryPlan.objects.filter(pk=draft.pk).update(decree_number="500.3/9/DKUKM/2026")
    migration.forward(apps, None)
    assert list(IssuedNumber.objects.values_list("number", "sequence", "typed")) == [("500.3/005/DKUKM/2026", 5, True)]
    assert document_number_issue(actor=None, regency=sukabumi, document="x", on=date(2026, 12, 7)).sequence == 6
