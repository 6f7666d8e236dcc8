from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cooperatives import selectors, services
from cooperatives.models import Cooperative, MonthlyReport, Stage
from tests.factories import cooperative_to_stage

pytestmark = pytest.mark.django_db


def this_month():
    return selectors.month_start(timezone.localdate())


def report_url(split, month=None):
    return reverse("cooperatives:report_detail", kwargs={"mentor_pk": split.ba_mentor.pk,
                                                          "month": f"{month or this_month():%Y-%m}"})


def test_the_report_compiles_the_months_visits_stage_changes_and_follow_ups(client_for, split, admin_user):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    today = timezone.localdate()
    services.visit_create(actor=split.ba, mentor=split.ba_mentor, cooperative=cooperative, date=today,
                          mode="phone", focus_areas=["markets"], summary="Akses pasar hasil tani",
                          follow_ups=[("Hubungi pembeli", today + timedelta(days=3))])
    services.visit_create(actor=split.ba, mentor=split.ba_mentor, cooperative=cooperative,
                          date=this_month() - timedelta(days=2), mode="phone", focus_areas=["markets"],
                          summary="Bulan lalu")
    cooperative_to_stage(cooperative, Stage.NOTARY_DEED, stage_reached_on=today)
    page = client_for(split.ba).get(report_url(split))
    assert [v.summary for v in page.context["visits"]] == ["Akses pasar hasil tani"]
    assert [c.stage for c in page.context["stage_changes"]] == [Stage.NOTARY_DEED]
    assert [f.action for f in page.context["opened"]] == ["Hubungi pembeli"]
    assert "Akses pasar hasil tani" in page.text and "Bulan lalu" not in page.text


def test_submit_return_resubmit_accept(client_for, split):
    ba = client_for(split.ba)
    ba.post(report_url(split), {"action": "submit", "obstacles": "Jalan rusak", "next_month_plan": "Rapat"})
    report = MonthlyReport.objects.get()
    assert report.status == "submitted" and report.obstacles == "Jalan rusak"

    pmo = client_for(split.pmo)
    refused = pmo.post(report_url(split), {"action": "return", "comment": ""}, follow=True)
    assert "Tuliskan apa yang perlu diperbaiki" in refused.text
    pmo.post(report_url(split), {"action": "return", "comment": "Tambahkan jumlah anggota"})
    report.refresh_from_db()
    assert (report.status, report.review_comment) == ("returned", "Tambahkan jumlah anggota")

    ba = client_for(split.ba)
    page = ba.get(report_url(split))
    assert "Tambahkan jumlah anggota" in page.text
    ba.post(report_url(split), {"action": "submit", "obstacles": "Jalan rusak; anggota 120",
                                "next_month_plan": "Rapat", "version": page.context["version"]})
    pmo = client_for(split.pmo)
    pmo.post(report_url(split), {"action": "accept", "comment": ""})
    report.refresh_from_db()
    assert report.status == "accepted" and report.reviewed_by == split.pmo and report.history.count() == 4


def test_a_submitted_report_cannot_be_changed_by_the_ba_and_only_their_pmo_reviews(client_for, split, admin_user):
    client_for(split.ba).post(report_url(split), {"action": "submit", "obstacles": "A", "next_month_plan": "B"})
    ba = client_for(split.ba)
    version = ba.get(report_url(split)).context["version"]
    again = ba.post(report_url(split), {"action": "save", "obstacles": "Ubah", "next_month_plan": "",
                                        "version": version}, follow=True)
    assert "sudah dikirim" in again.text
    assert client_for(admin_user).post(report_url(split), {"action": "accept"}).status_code == 403
    assert client_for(split.other_ba).get(report_url(split)).status_code == 404
    assert MonthlyReport.objects.get().obstacles == "A"


def test_a_report_for_a_future_month_cannot_be_written(client_for, split):
    future = selectors.next_month(this_month())
    response = client_for(split.ba).post(report_url(split, future), {"action": "save", "obstacles": "x",
                                                                     "next_month_plan": ""}, follow=True)
    assert not MonthlyReport.objects.exists() and response.status_code == 200


def test_the_office_sees_missing_submitted_returned_and_accepted_reports(office_client, split):
    month = this_month()
    bas = list(selectors.report_rows(split.ba, month)) or None
    assert bas == [split.ba_mentor]
    MonthlyReport.objects.create(mentor=split.ba_mentor, month=month, status="submitted")
    MonthlyReport.objects.create(mentor=split.other_territory.mentor, month=month, status="accepted")
    page = office_client.get(reverse("cooperatives:report_list"), {"month": f"{month:%Y-%m}"})
    assert page.context["counts"] == {"missing": 37, "submitted": 1, "returned": 0, "accepted": 1, "late": 0,
                                      "late_sent": 0, "late_unsent": 0}


def test_the_printable_report_is_a_standalone_page(client_for, split):
    page = client_for(split.pmo).get(reverse("cooperatives:report_print", kwargs={
        "mentor_pk": split.ba_mentor.pk, "month": f"{this_month():%Y-%m}"}))
    assert page.status_code == 200 and "annex.css" in page.text and split.ba_mentor.full_name in page.text


def test_home_pages_show_cooperatives_for_a_ba_and_the_team_for_a_pmo(client_for, split):
    ba_home = client_for(split.ba).get("/")
    assert len(ba_home.context["cooperatives"]) == len(split.villages)
    pmo_home = client_for(split.pmo).get("/")
    assert split.ba_mentor.pk in {row["territory"].mentor_id for row in pmo_home.context["team"]}


def test_home_and_report_pages_use_a_constant_number_of_queries(client_for, split, count_queries):
    client = client_for(split.ba)
    first = Cooperative.objects.get(village_id=split.villages[0])
    services.visit_create(actor=split.ba, mentor=split.ba_mentor, cooperative=first, date=timezone.localdate(),
                          mode="online", focus_areas=["training"], summary="Satu",
                          follow_ups=[("Tindak", timezone.localdate())])
    client.get("/")
    with count_queries() as before:
        count_queries.get(client, "/")
        count_queries.get(client, report_url(split))
    cooperatives = Cooperative.objects.filter(village_id__in=split.villages)
    for index, cooperative in enumerate(cooperatives):
        for day in range(3):
            services.visit_create(actor=split.ba, mentor=split.ba_mentor, cooperative=cooperative,
                                  date=timezone.localdate() - timedelta(days=day), mode="online",
                                  focus_areas=["training"], summary=f"Kunjungan {index}-{day}",
                                  follow_ups=[("Tindak", timezone.localdate() + timedelta(days=index))])
    with count_queries() as after:
        count_queries.get(client, "/")
        count_queries.get(client, report_url(split))
    # the home page, and the report page with its snapshot (each reads the office's settings once; the report
    # loads its visits' photos; the home reads the handovers the BA received)
    count_queries.assert_same(before, after, most=36)


@pytest.fixture
def month():
    return date(2026, 1, 1)
