"""A report's snapshot keeps codes, not labels: each reader sees it in their own language, also one sent before
(when it kept the sender's labels)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cooperatives import reports, services
from cooperatives.models import BusinessUnit, Cooperative
from cooperatives.selectors import month_start

pytestmark = pytest.mark.django_db


def last_month():
    return month_start(month_start(timezone.localdate()) - timedelta(days=1))


def report_url(mentor, month):
    return reverse("cooperatives:report_detail", kwargs={"mentor_pk": mentor.pk, "month": f"{month:%Y-%m}"})


def test_a_snapshot_sent_in_indonesian_reads_in_english(split, client_for):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    BusinessUnit.objects.create(cooperative=cooperative, kind="sembako", status="operating")
    month = last_month()
    with translation.override("id"):
        services.report_save(actor=split.ba, mentor=split.ba_mentor, month=month, obstacles="", next_month_plan="",
                             submit=True)
    client = client_for(split.pmo)
    client.cookies["django_language"] = "en"
    page = client.get(report_url(split.ba_mentor, month), HTTP_ACCEPT_LANGUAGE="en")
    row = next(r for r in page.context["snapshot"]["cooperatives"] if r["id"] == cooperative.pk)
    assert row["units"] == ["groceries (sembako) (operating)"]
    assert "bank account in the cooperative's name" in row["missing"]
    assert row["stage_label"] == "village deliberation held"
    assert "musyawarah desa" not in page.text.lower()


def test_an_older_snapshot_that_kept_indonesian_labels_reads_in_english():
    kept = {"cooperatives": [{"id": 1, "stage": "operating", "stage_label": "beroperasi",
                              "missing": ["NPWP", "rekening bank atas nama koperasi"],
                              "units": ["sembako (beroperasi)", "Toko tani (direncanakan)", "tanpa status"],
                              "visited": False}]}
    with translation.override("id"):
        kept["cooperatives"][0]["units"][0] = f"{translation.gettext('groceries (sembako)')} (beroperasi)"
        kept["cooperatives"][0]["missing"][1] = translation.gettext("bank account in the cooperative's name")
    with translation.override("en"):
        row = reports.snapshot_in_language(kept)["cooperatives"][0]
    assert row["stage_label"] == "operating"
    assert row["missing"] == ["NPWP", "bank account in the cooperative's name"]
    assert row["units"] == ["groceries (sembako) (operating)", "Toko tani (planned)", "tanpa status"]
