"""The month-end recap as an office signs it: its letterhead and the head's signature block, from the regency's
settings; missing settings named, never guessed."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import override

from . import documents_set

pytestmark = pytest.mark.django_db


def recap(client):
    return client.get(reverse("reporting:recap"))


def test_the_recap_carries_the_letterhead_and_the_heads_signature_block(office_client, sukabumi):
    documents_set(sukabumi)
    text = recap(office_client).text
    assert "DINAS KOPERASI, USAHA KECIL, DAN MENENGAH KABUPATEN SUKABUMI" in text  # the kop, in capitals
    assert "Jalan Raya Jampang Kulon, Pelabuhanratu" in text
    assert "Mengetahui," in text and "Kepala Dinas Koperasi, Usaha Kecil, dan Menengah Kabupaten Sukabumi," in text
    assert "Dra. Hj. Siti Rahmawati, M.Si." in text and "NIP. 19700101 200003 2 001" in text
    with override("id"):
        today = date_format(timezone.localdate(), "j F Y")
    assert f"Pelabuhanratu, {today}" in text
    assert "belum dapat ditandatangani" not in text


def test_without_settings_the_recap_says_what_is_missing_and_guesses_nothing(
    client_for, admin_user, office_user, sukabumi
):
    for user, link in ((admin_user, True), (office_user, False)):
        text = recap(client_for(user)).text
        assert "belum dapat ditandatangani" in text and "nama resmi dinas" in text
        assert "kota tempat naskah ditandatangani" in text
        assert ('href="/offices/32.02/documents/"' in text) is link
        assert "Kepala Dinas Koperasi, Kabupaten Sukabumi" not in text and "Kabupaten Sukabumi, ....." not in text


def test_a_recap_of_several_regencies_has_no_office_letterhead(client_for, superuser, sukabumi, other_regency):
    documents_set(sukabumi)
    text = recap(client_for(superuser)).text
    assert "DINAS KOPERASI, USAHA KECIL, DAN MENENGAH KABUPATEN SUKABUMI" not in text
    assert "belum dapat ditandatangani" not in text and "Mengetahui," in text
