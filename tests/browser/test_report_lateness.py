"""In a browser at the desk (1280 × 800) and on a phone (360 × 740): a report sent two days after its due day reads
late on the report, in the office's list and in the month-end recap; a PMO is told, before sending, which of the
team's reports are still open and sends only with a reason, which the report keeps."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cooperatives import reports, services
from cooperatives.models import MonthlyReport
from cooperatives.selectors import month_start

from ..factories import MembershipFactory, UserFactory
from .conftest import ARTIFACTS, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Rahasia-Telat-2"
SIZES = {"desk": {"viewport": {"width": 1280, "height": 800}},
         "phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}}


def _tab(browser, live_server, size, user):
    user.set_password(PASSWORD)
    user.save()
    context = browser.new_context(locale="id-ID", **SIZES[size])
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.base_url = live_server.url
    sign_in(tab, user.email, PASSWORD)
    return tab


def _fits(tab, size, what):
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["viewport"]["width"], f"{what} scrolls sideways ({width} px)"


def _last_month():
    return month_start(month_start(timezone.localdate()) - timedelta(days=1))


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_a_report_sent_two_days_late_reads_late_on_the_report_the_office_list_and_the_recap(
        browser, live_server, split, sukabumi, monkeypatch, size):
    month = _last_month()
    due = reports.due_date(sukabumi, month)
    sent = timezone.make_aware(datetime.combine(due + timedelta(days=2), time(9)))
    with monkeypatch.context() as travel:  # the BA sends it on the second day after the due day
        travel.setattr(timezone, "now", lambda: sent)
        services.report_save(actor=split.ba, mentor=split.ba_mentor, month=month, obstacles="Hujan deras",
                             next_month_plan="-", submit=True)
    services.report_review(actor=split.pmo, report=MonthlyReport.objects.get(mentor=split.ba_mentor, month=month),
                           accept=True)
    staff = UserFactory(email="staf.telat@contoh.test", full_name="Staf Dinas")
    MembershipFactory(user=staff, regency=sukabumi, role="staff")
    office = _tab(browser, live_server, size, staff)

    office.goto(f"{office.base_url}/reports/{split.ba_mentor.pk}/{month:%Y-%m}/")
    expect(office.locator("hgroup .report-late")).to_have_text("dikirim terlambat")
    expect(office.locator("hgroup")).to_contain_text(f"pertama dikirim {sent.day}")
    _fits(office, size, "the report")
    screenshot(office, f"lateness-report-{size}")

    office.goto(f"{office.base_url}/reports/?month={month:%Y-%m}")
    row = office.locator("tbody tr", has_text=split.ba_mentor.full_name).first
    expect(row.locator(".report-late")).to_have_text("dikirim terlambat")
    expect(row.locator(".report-accepted")).to_be_visible()
    expect(office.locator(".stats")).to_contain_text("terlambat, sudah dikirim")
    _fits(office, size, "the office's list")
    screenshot(office, f"lateness-list-{size}")

    office.goto(f"{office.base_url}/reports/recap/?month={month:%Y-%m}")
    expect(office.locator("#recap-late-sent td").first).to_have_text("1")  # BA reports
    expected = int(office.locator("#recap-expected td").first.inner_text())
    late_unsent = int(office.locator("#recap-late-unsent td").first.inner_text())
    assert late_unsent == (expected - 1 if timezone.localdate() > due else 0)
    _fits(office, size, "the recap")
    screenshot(office, f"lateness-recap-{size}")
    office.context.close()


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_the_pmo_is_told_which_team_reports_are_open_and_sends_only_with_a_reason(
        browser, live_server, split, size):
    month = _last_month()
    services.report_save(actor=split.ba, mentor=split.ba_mentor, month=month, obstacles="-", next_month_plan="-",
                         submit=True)
    pmo = _tab(browser, live_server, size, split.pmo)
    pmo.goto(f"{pmo.base_url}/reports/{split.pmo_mentor.pk}/{month:%Y-%m}/")
    warning = pmo.locator("#open-reports")
    expect(warning.locator("dt.open-waiting + dd")).to_have_text(split.ba_mentor.full_name)
    expect(warning.locator("dt.open-missing + dd")).to_contain_text(split.neighbour.mentor.full_name)
    expect(warning.locator("dt.open-missing")).to_contain_text("belum dikirim")
    _fits(pmo, size, "the PMO report")
    warning.scroll_into_view_if_needed()
    pmo.screenshot(path=str(ARTIFACTS / f"pmo-warning-{size}.png"))

    pmo.fill("#id_obstacles", "Separuh tim belum mengirim.")
    pmo.locator("details.confirm:has(button[value=submit]) > summary").click()  # the confirmation step
    pmo.locator("button[value=submit]").click()
    expect(pmo.locator(".message-error")).to_contain_text("Tidak ada yang dikirim")
    assert not MonthlyReport.objects.filter(mentor=split.pmo_mentor).exists()

    pmo.fill("#id_send_reason", "Rapat evaluasi dinas hari Senin.")
    pmo.locator("details.confirm:has(button[value=submit]) > summary").click()
    pmo.locator("button[value=submit]").click()
    expect(pmo.locator(".message-success")).to_be_visible()
    expect(pmo.locator("#send-reason")).to_contain_text("Rapat evaluasi dinas hari Senin.")
    report = MonthlyReport.objects.get(mentor=split.pmo_mentor, month=month)
    assert (report.status, report.send_reason) == ("submitted", "Rapat evaluasi dinas hari Senin.")
    screenshot(pmo, f"pmo-warning-sent-{size}")
    pmo.context.close()
