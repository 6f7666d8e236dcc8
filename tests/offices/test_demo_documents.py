"""The demo's office has its document settings: the printed recap and decree annex carry a full letterhead."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from mentors.models import User
from offices.models import OfficeSettings
from operations.management.commands.demo import DOMAIN
from territories.models import TerritoryPlan

pytestmark = pytest.mark.django_db


def test_the_demo_fills_sukabumis_document_settings_and_keeps_the_offices_own(client_for, sukabumi):
    call_command("demo", stdout=io.StringIO())
    office = OfficeSettings.objects.get(regency=sukabumi)
    office.full_clean()  # the NIP and the numbering pattern pass their validators
    assert office.office_name == "Dinas Koperasi, Usaha Kecil, dan Menengah Kabupaten Sukabumi"
    assert (
        office.sign_town == "Pelabuhanratu" and "(fiktif)" in office.head_name and "(alamat fiktif)" in office.address
    )
    client = client_for(User.objects.get(email=f"staf@{DOMAIN}"))
    plan = TerritoryPlan.objects.get(regency=sukabumi, status=TerritoryPlan.Status.ACTIVE)
    for page in (client.get(reverse("reporting:recap")), client.get(reverse("territories:plan_annex", args=[plan.pk]))):
        assert page.status_code == 200
        assert "belum dapat ditandatangani" not in page.text  # nothing missing from the letterhead
        assert "DINAS KOPERASI, USAHA KECIL, DAN MENENGAH KABUPATEN SUKABUMI" in page.text
        assert "NIP. 19680512 199403 1 003" in page.text
    # Run again, the demo keeps what the office changed meanwhile.
    OfficeSettings.objects.filter(regency=sukabumi).update(head_name="Nama Baru (fiktif)")
    call_command("demo", stdout=io.StringIO())
    assert OfficeSettings.objects.get(regency=sukabumi).head_name == "Nama Baru (fiktif)"
