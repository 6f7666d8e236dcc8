"""The decree annex of a territory plan as an office signs it: headed by the decree (issuing official, number, date,
subject), signed by the head of the office with name, rank and NIP; the decree's number typed or given from the
office's register; what the office has not set named, never guessed."""

import pytest
from django.urls import reverse

from offices.models import IssuedNumber
from territories.models import TerritoryPlan

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


def test_an_admin_gives_the_decree_the_offices_next_number_once(admin_client, admin_user, sukabumi, team):
    documents_set(sukabumi)
    draft = proposed_draft(sukabumi, team)
    response = record(admin_client, draft, issue="on")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.decree_number == "500.3/1/DKUKM/2026" and str(draft.decree_date) == "2026-12-07"
    issued = IssuedNumber.objects.get()
    assert issued.number == draft.decree_number and issued.issued_by == admin_user
    assert issued.document == "Keputusan tentang Pembagian Wilayah Kerja PMO dan Business Assistant"
    again = record(admin_client, draft, issue="on")
    assert again.status_code == 400 and "sudah bernomor 500.3/1/DKUKM/2026" in again.text
    assert IssuedNumber.objects.count() == 1
    assert "500.3/1/DKUKM/2026" in annex(admin_client, draft).text


def test_without_a_pattern_the_office_gives_no_number_and_says_so(admin_client, sukabumi, team):
    documents_set(sukabumi, number_pattern="")
    draft = proposed_draft(sukabumi, team)
    response = record(admin_client, draft, issue="on")
    assert response.status_code == 400 and "belum memiliki pola nomor naskah" in response.text
    draft.refresh_from_db()
    assert draft.decree_number == "" and draft.decree_date is None and not IssuedNumber.objects.exists()


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
