"""Every name of a record in a report is a link for a reader who may open it, and a reviewer who is done with
one report is offered the next one waiting for them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cooperatives import services
from cooperatives.models import Cooperative, MonthlyReport
from cooperatives.selectors import month_start
from reporting import dashboards

from ..factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
MONTH = month_start(month_start(timezone.localdate()) - timedelta(days=1))


def report_url(mentor, month=MONTH):
    return reverse("cooperatives:report_detail", kwargs={"mentor_pk": mentor.pk, "month": f"{month:%Y-%m}"})


def team(split):
    return [row["mentor"] for row in dashboards.team_rows(split.pmo_mentor, timezone.localdate()) if row["mentor"]]


def test_the_cooperatives_of_a_ba_report_link_to_their_pages(split, client_for):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    services.visit_create(actor=split.ba, mentor=split.ba_mentor, cooperative=cooperative, date=MONTH + timedelta(5),
                          mode="on_site", focus_areas=["outlets"], summary="Gerai", follow_ups=[])
    for user in (split.ba, split.pmo):
        page = client_for(user).get(report_url(split.ba_mentor)).content.decode()
        visits = page.split("<h2>Kunjungan")[1].split("</section>")[0]
        assert f'<a href="{cooperative.get_absolute_url()}">{cooperative.name}</a>' in visits
        members = page.split("Anggota pada akhir bulan")[1].split("</table>")[0]
        assert f'<a href="{cooperative.get_absolute_url()}">{cooperative.village.name}</a>' in members
        snapshot = page.split('class="snapshot"')[1]
        assert f'<a href="{cooperative.get_absolute_url()}">{cooperative.village.name}</a>' in snapshot


def test_the_bas_of_a_pmo_report_link_to_their_page_and_report_before_and_after_sending(split, client_for):
    ba = split.ba_mentor
    mentor_link = f'<a href="{ba.get_absolute_url()}">{ba.full_name}</a>'
    page = client_for(split.pmo).get(report_url(split.pmo_mentor)).content.decode()
    assert mentor_link in page and f'<a href="{report_url(ba)}"><span class="badge' in page
    client_for(split.pmo).post(report_url(split.pmo_mentor), {"action": "submit", "obstacles": "Analisis",
                                                              "next_month_plan": "Rencana",
                                                              "send_reason": "Tenggat dinas"})  # the team is open
    assert MonthlyReport.objects.get(mentor=split.pmo_mentor, month=MONTH).snapshot["bas"]
    office = UserFactory(email="staf.dinas@contoh.test")
    MembershipFactory(user=office, regency=split.plan.regency, role="staff")
    sent = client_for(office).get(report_url(split.pmo_mentor)).content.decode()
    assert mentor_link in sent
    # A BA does not read the PMO report at all.
    assert client_for(split.ba).get(report_url(split.pmo_mentor)).status_code == 404


def test_after_a_review_the_pmo_is_offered_the_next_waiting_report(split, client_for):
    first, second = team(split)[:2]
    for mentor in (first, second):
        services.report_save(actor=None, mentor=mentor, month=MONTH, obstacles="-", next_month_plan="-",
                             submit=True)
    pmo = client_for(split.pmo)
    waiting = pmo.get(report_url(first)).content.decode()
    assert "Laporan berikutnya" not in waiting  # the review form comes first
    done = pmo.post(report_url(first), {"action": "accept", "comment": ""}, follow=True).content.decode()
    assert "Laporan berikutnya" in done and f'href="{report_url(second)}"' in done
    pmo.post(report_url(second), {"action": "accept", "comment": ""})
    assert "Laporan berikutnya" not in pmo.get(report_url(second)).content.decode()
    # The BA, who reviews nothing, is never offered one.
    assert "Laporan berikutnya" not in client_for(split.ba).get(report_url(split.ba_mentor)).content.decode()


def test_the_bas_of_the_report_list_link_to_their_pages(split, client_for):
    page = client_for(split.pmo).get("/reports/").content.decode()
    assert f'<a href="{split.ba_mentor.get_absolute_url()}">{split.ba_mentor.full_name}</a>' in page


def test_the_reviewer_of_a_ba_report_is_a_link_for_the_office_not_for_the_ba(split, client_for, office_user):
    link = f'<a href="{split.pmo_mentor.get_absolute_url()}">{split.pmo_mentor.full_name}</a>'
    assert link in client_for(office_user).get(report_url(split.ba_mentor)).content.decode()
    assert link not in client_for(split.ba).get(report_url(split.ba_mentor)).content.decode()


def test_the_office_lists_link_each_pmo_and_ba_to_their_page(split, admin_user, client_for):
    client = client_for(admin_user)
    listing = client.get(reverse("cooperatives:report_list"), {"month": f"{MONTH:%Y-%m}"}).content.decode()
    pmos = listing.split("Laporan PMO")[1]
    assert f'<a href="{split.pmo_mentor.get_absolute_url()}">{split.pmo_mentor.full_name}</a>' in pmos
    assert f'<a href="{split.pmo_mentor.regency.get_absolute_url()}">' in pmos
    recap = client.get(reverse("reporting:recap"), {"month": f"{MONTH:%Y-%m}"}).content.decode()
    bas = recap.split('class="recap-bas')[1].split("</table>")[0]
    assert f'<a href="{split.ba_mentor.get_absolute_url()}">{split.ba_mentor.full_name}</a>' in bas


def test_the_cooperative_page_links_who_mentors_it_for_a_reader_who_may_open_them(split, admin_user, client_for):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    link = f'<a href="{split.ba_mentor.get_absolute_url()}">{split.ba_mentor.full_name}</a>'
    assert link in client_for(admin_user).get(cooperative.get_absolute_url()).content.decode()
    # A BA may not open a colleague's page: the name is there, as text.
    other = client_for(split.neighbour.mentor.user).get(cooperative.get_absolute_url())
    if other.status_code == 200:
        assert link not in other.content.decode() and split.ba_mentor.full_name in other.content.decode()
