from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cooperatives import services as registry
from cooperatives.models import MonthlyReport, Visit
from mentors.models import Mentor
from territories import publishing
from territories import services as plans
from territories.models import BaTerritory

from ..factories import MentorFactory, UserFactory
from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def field_team(sukabumi):
    pmos = [MentorFactory(regency=sukabumi, role=Mentor.Role.PMO, full_name=f"PMO Uji {i}") for i in (1, 2)]
    bas = [MentorFactory(regency=sukabumi, role=Mentor.Role.BA, full_name=f"BA Uji {i:02d}",
                         contract_start=date(2025, 1, 1)) for i in range(1, 40)]
    plan = plans.plan_create(actor=None, regency=sukabumi, name="Rencana")
    plans.plan_propose(actor=None, plan=plan, version=plan.version, ba_mentors=bas, pmo_mentors=pmos)
    publishing.plan_publish(actor=None, plan=plan, version=plan.version, effective_from=date(2026, 1, 1))
    registry.cooperatives_ensure(actor=None, regency=sukabumi)
    territory = BaTerritory.objects.filter(plan=plan).select_related("mentor", "pmo_territory__mentor").first()
    for mentor, email in ((territory.mentor, "ba@contoh.test"), (territory.pmo_territory.mentor, "pmo@contoh.test")):
        mentor.user = UserFactory(email=email, full_name=mentor.full_name, password="Rahasia-Lapangan-1")
        mentor.save()
    return territory


def phone_page(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.base_url = live_server.url
    return tab


def test_a_ba_records_a_visit_on_a_phone_and_the_monthly_report_goes_round_with_the_pmo(
    browser, live_server, field_team
):
    ba = phone_page(browser, live_server)
    sign_in(ba, "ba@contoh.test", "Rahasia-Lapangan-1")
    village = field_team.village_links.order_by("village__code").first().village

    # From "my cooperatives" to a recorded visit: a few taps.
    ba.get_by_role("link", name=village.name, exact=True).first.click()
    ba.locator("a[href$='/visits/new/']").click()
    ba.locator("input[name=focus_areas][value=institutions]").check()
    ba.locator("input[name=focus_areas][value=capital]").check()
    ba.fill("textarea[name=summary]", "Rapat pengurus tentang modal awal gerai sembako.")
    ba.fill("input[name='follow-0-action']", "Kirim draf proposal pembiayaan")
    ba.fill("input[name='follow-0-due_date']", timezone.localdate().replace(day=28).isoformat())
    screenshot(ba, "visit-form-phone")
    ba.locator("main form button[type=submit]").click()
    expect(ba.locator("article.message-success[role=status]")).to_be_visible()
    expect(ba.locator("article.visit").first).to_contain_text("Rapat pengurus tentang modal awal")
    assert ba.evaluate("document.documentElement.scrollWidth") <= 360
    visit = Visit.objects.get()
    assert visit.focus_areas == ["institutions", "capital"] and visit.follow_ups.count() == 1

    # The visit is in this month's report draft; the BA submits it. (The home page's report button leads to last
    # month's report while that one is not sent, so this month's is opened from the list of reports.)
    ba.goto(f"{live_server.url}/reports/")
    ba.locator(f"main a[href$='/{timezone.localdate():%Y-%m}/']").first.click()
    expect(ba.locator("main")).to_contain_text("Rapat pengurus tentang modal awal")
    ba.fill("textarea[name=obstacles]", "Sinyal lemah di desa.")
    ba.fill("textarea[name=next_month_plan]", "Pendampingan rencana bisnis.")
    ba.locator("details.confirm:has(button[value=submit]) > summary").click()  # the confirmation step
    ba.locator("button[value=submit]").click()
    expect(ba.locator("article.message-success[role=status]")).to_be_visible()
    report_url = ba.url
    screenshot(ba, "report-submitted-phone")

    # The PMO returns it with a comment.
    pmo = phone_page(browser, live_server)
    sign_in(pmo, "pmo@contoh.test", "Rahasia-Lapangan-1")
    pmo.goto(report_url)
    pmo.fill("textarea[name=comment]", "Tambahkan jumlah anggota koperasi.")
    pmo.locator("button[value=return]").click()
    expect(pmo.locator("article.message-success[role=status]")).to_be_visible()
    assert MonthlyReport.objects.get().status == "returned"

    # The BA sees the comment, revises and resubmits; the PMO accepts.
    ba.goto(report_url)
    expect(ba.locator("main")).to_contain_text("Tambahkan jumlah anggota koperasi.")
    ba.fill("textarea[name=obstacles]", "Sinyal lemah di desa. Anggota: 120 orang.")
    ba.locator("details.confirm:has(button[value=submit]) > summary").click()  # the confirmation step
    ba.locator("button[value=submit]").click()
    expect(ba.locator("article.message-success[role=status]")).to_be_visible()
    pmo.goto(report_url)
    pmo.locator("details.confirm:has(button[value=accept]) > summary").click()  # the confirmation step
    pmo.locator("button[value=accept]").click()
    expect(pmo.locator("article.message-success[role=status]")).to_be_visible()
    report = MonthlyReport.objects.get()
    assert report.status == "accepted" and "120" in report.obstacles
    screenshot(pmo, "report-accepted-phone")
    ba.context.close()
    pmo.context.close()
