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


@pytest.mark.parametrize("name, list_name", [("cooperatives:cooperative_export", "cooperatives:cooperative_list"),
                                              ("mentors:mentor_export", "mentors:mentor_list")])
@pytest.mark.parametrize("who, query", [("office", {"stage": "bogus"}), ("superuser", {"regency": "32.02"})],
                         ids=["unknown-stage", "regency-code-not-id"])
def test_an_export_with_an_invalid_filter_says_so_and_exports_nothing(client, superuser, office_user, split,
                                                                      other_regency, name, list_name, who, query):
    client.force_login(superuser if who == "superuser" else office_user)
    query = {"role": "bogus"} if name.startswith("mentors") and "stage" in query else query
    response = client.get(reverse(name), query)
    assert response.status_code == 302 and response["Location"] == reverse(list_name)
    assert "Filter tidak valid" in client.get(response["Location"]).text
