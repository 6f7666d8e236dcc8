"""Exports are made per regency: someone who sees several regencies chooses one, and gets a clear message."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name, title", [("cooperatives:cooperative_export", "Koperasi"),
                                         ("mentors:mentor_export", "Pendamping")])
def test_the_national_operator_exports_one_regency_at_a_time(client, superuser, split, other_regency, name, title):
    client.force_login(superuser)
    refused = client.get(reverse(name), follow=True)
    assert "Pilih kabupaten/kota lebih dulu" in refused.text and "Pilih kabupaten/kota untuk" in refused.text

    workbook = client.get(reverse(name), {"regency": split.plan.regency_id})
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content)).worksheets[0]
    assert sheet.title == title and sheet.max_row > 1
