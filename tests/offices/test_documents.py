"""The office's document settings (letterhead, signatory, town, numbering) and the register of numbers."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.urls import reverse
from PIL import Image

from offices.models import IssuedNumber, OfficeSettings
from offices.services import DocumentNumberError, document_number_issue, number_format
from toolkit.versions import content_version

from . import SUKABUMI_DOCUMENTS, documents_set

pytestmark = pytest.mark.django_db


def page_url(regency):
    return reverse("offices:documents", kwargs={"code": regency.code})


def posted(regency, **changes):
    office = OfficeSettings.objects.filter(regency=regency).first() or OfficeSettings(regency=regency)
    data = {**SUKABUMI_DOCUMENTS, "version": content_version(office), "head_nip": "19700101 200003 2 001"}
    data.update(changes)
    return data


def picture(kind="PNG", size=(900, 600)) -> SimpleUploadedFile:
    image = Image.new("RGBA" if kind == "PNG" else "RGB", size, (200, 30, 30) + ((255,) if kind == "PNG" else ()))
    out = io.BytesIO()
    if kind == "JPEG":
        image.save(out, kind, comment=b"secret comment")
    else:
        image.save(out, kind)
    return SimpleUploadedFile(f"logo.{kind.lower()}", out.getvalue(), content_type=f"image/{kind.lower()}")


def test_the_form_proposes_the_office_name_from_the_regency_and_asks_for_the_town(admin_client, sukabumi):
    page = admin_client.get(page_url(sukabumi))
    assert page.status_code == 200
    assert "Dinas Koperasi, Usaha Kecil, dan Menengah Kabupaten Sukabumi" in page.text
    refused = admin_client.post(page_url(sukabumi), posted(sukabumi, sign_town=""))
    assert refused.status_code == 200 and "tidak boleh kosong" in refused.text
    assert not OfficeSettings.objects.filter(regency=sukabumi).exists()


def test_an_admin_saves_the_documents_settings_and_the_nip_is_kept_without_spaces(admin_client, sukabumi):
    response = admin_client.post(page_url(sukabumi), posted(sukabumi))
    assert response.status_code == 302
    office = OfficeSettings.objects.get(regency=sukabumi)
    assert office.sign_town == "Pelabuhanratu" and office.head_nip == "197001012000032001"
    assert office.nip_spaced == "19700101 200003 2 001"
    assert office.ba_target == (7, 15)  # the limits keep their values


@pytest.mark.parametrize(
    "nip, message",
    [
        ("12345", "18 angka"),
        ("19701301200003200A", "18 angka"),
        ("197013012000032001", "bukan NIP"),  # month 13
        ("197001012000033001", "bukan NIP"),  # neither 1 nor 2 for the sex
    ],
)
def test_a_wrong_nip_is_refused_with_a_message_and_nothing_is_saved(admin_client, sukabumi, nip, message):
    response = admin_client.post(page_url(sukabumi), posted(sukabumi, head_nip=nip))
    assert response.status_code == 200 and message in response.text
    assert not OfficeSettings.objects.filter(regency=sukabumi).exists()


@pytest.mark.parametrize(
    "pattern, message",
    [
        ("500.3/DKUKM/{year}", "{seq}"),
        ("500.3/{seq}/{seq}/{year}", "{seq}"),
        ("500.3/{seq}/DKUKM", "{year}"),
        ("500.3/{seq}/{bulan}/{year}", "{bulan}"),
        ("500.3/{seq}/{year}/{x", "tidak ditutup"),
        ("{seq.__class__}/{year}", "tidak dikenal"),
    ],
)
def test_a_number_pattern_without_its_parts_is_refused(admin_client, sukabumi, pattern, message):
    response = admin_client.post(page_url(sukabumi), posted(sukabumi, number_pattern=pattern))
    assert response.status_code == 200 and message in response.text
    assert not OfficeSettings.objects.filter(regency=sukabumi).exists()


def test_the_logo_is_stored_re_encoded_as_a_small_png(admin_client, sukabumi):
    response = admin_client.post(page_url(sukabumi), {**posted(sukabumi), "logo_upload": picture("JPEG", (2400, 1600))})
    assert response.status_code == 302
    office = OfficeSettings.objects.get(regency=sukabumi)
    with office.logo.open("rb") as stored:
        content = stored.read()
    assert b"secret comment" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "PNG" and max(image.size) == 480
    page = admin_client.get(page_url(sukabumi))
    assert 'src="data:image/png;base64,' in page.text
    removed = admin_client.post(page_url(sukabumi), {**posted(sukabumi), "logo_remove": "on"})
    assert removed.status_code == 302 and not OfficeSettings.objects.get(regency=sukabumi).logo


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "harus berupa gambar"),
        (SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "harus berupa gambar"),
        (SimpleUploadedFile("logo.png", b"\0" * (2 * 1024 * 1024 + 10)), "paling besar 2 MB"),
    ],
)
def test_a_logo_that_is_not_a_picture_is_refused_and_nothing_is_saved(admin_client, sukabumi, upload, message):
    response = admin_client.post(page_url(sukabumi), {**posted(sukabumi), "logo_upload": upload})
    assert response.status_code == 200 and message in response.text
    assert not OfficeSettings.objects.filter(regency=sukabumi).exists()


def test_settings_saved_by_another_admin_meanwhile_are_not_overwritten(admin_client, sukabumi):
    documents_set(sukabumi)
    stale = posted(sukabumi)
    documents_set(sukabumi, head_name="Kepala Baru")
    response = admin_client.post(page_url(sukabumi), {**stale, "head_name": "Kepala Lama"}, follow=True)
    assert "Admin lain mengubah pengaturan ini" in response.text
    assert OfficeSettings.objects.get(regency=sukabumi).head_name == "Kepala Baru"


def test_staff_may_not_change_the_documents_settings(office_client, sukabumi):
    assert office_client.get(page_url(sukabumi)).status_code == 403
    assert office_client.post(page_url(sukabumi), posted(sukabumi)).status_code == 403
    assert not OfficeSettings.objects.filter(regency=sukabumi).exists()


# --- numbers ------------------------------------------------------------------------------------------------------


def test_numbers_follow_the_pattern_one_after_another_and_start_again_each_year(admin_user, sukabumi):
    documents_set(sukabumi, number_pattern="500.3/{seq}/DKUKM/{month_roman}/{year}")
    first = document_number_issue(actor=admin_user, regency=sukabumi, document="SK A", on=date(2026, 12, 7))
    second = document_number_issue(actor=admin_user, regency=sukabumi, document="SK B", on=date(2026, 12, 8))
    next_year = document_number_issue(actor=None, regency=sukabumi, document="SK C", on=date(2027, 1, 2))
    assert [first.number, second.number, next_year.number] == [
        "500.3/1/DKUKM/XII/2026",
        "500.3/2/DKUKM/XII/2026",
        "500.3/1/DKUKM/I/2027",
    ]
    register = IssuedNumber.objects.get(number="500.3/2/DKUKM/XII/2026")
    assert register.document == "SK B" and register.issued_by == admin_user and register.issued_on == date(2026, 12, 8)


def test_the_numbers_of_one_office_do_not_take_from_another(sukabumi, other_regency):
    documents_set(sukabumi)
    documents_set(other_regency, office_name="Dinas Koperasi dan UKM Kabupaten Cianjur", sign_town="Cianjur")
    day = date(2026, 12, 7)
    document_number_issue(actor=None, regency=sukabumi, document="a", on=day)
    assert document_number_issue(actor=None, regency=other_regency, document="b", on=day).sequence == 1
    assert document_number_issue(actor=None, regency=sukabumi, document="c", on=day).sequence == 2


def test_without_a_pattern_no_number_is_given(sukabumi):
    documents_set(sukabumi, number_pattern="")
    with pytest.raises(DocumentNumberError):
        document_number_issue(actor=None, regency=sukabumi, document="a", on=date(2026, 12, 7))
    assert not IssuedNumber.objects.exists()


def test_another_regencys_admin_cannot_take_a_number(other_admin, sukabumi):
    from django.core.exceptions import PermissionDenied

    documents_set(sukabumi)
    with pytest.raises(PermissionDenied):
        document_number_issue(actor=other_admin, regency=sukabumi, document="a", on=date(2026, 12, 7))
    assert not IssuedNumber.objects.filter(Q(regency=sukabumi)).exists()


def test_the_register_lists_the_numbers_given(admin_client, admin_user, sukabumi):
    documents_set(sukabumi)
    document_number_issue(actor=admin_user, regency=sukabumi, document="Keputusan tentang X", on=date(2026, 12, 7))
    page = admin_client.get(page_url(sukabumi))
    assert "500.3/1/DKUKM/2026" in page.text and "Keputusan tentang X" in page.text and "7 Desember 2026" in page.text


def test_number_format_fills_every_part():
    assert number_format("{seq}-{year}-{month}-{month_roman}", sequence=12, on=date(2026, 4, 1)) == "12-2026-04-IV"
