"""What cannot be undone asks first, in Chromium at 1280×800 and 360×740, with and without JavaScript: Cancel
changes nothing, the confirmation does it."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from cooperatives.models import Cooperative, LandPlot, MonthlyReport
from cooperatives.selectors import month_start
from mentors.models import Mentor
from territories.models import BaTerritory

from .conftest import screenshot
from .test_dashboard_phone import SIZES, _clean, _signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def logins(sukabumi):
    output = io.StringIO()
    call_command("demo", stdout=output)
    return dict(line.split()[:2] for line in output.getvalue().splitlines()
                if line.startswith("  ") and "@" in line and not line.strip().startswith("("))


def _ba01_cooperative_with_land():
    territory = BaTerritory.objects.get(plan__status="active", mentor__email="ba01@demo.koperasi.invalid")
    villages = territory.village_links.values_list("village_id", flat=True)
    cooperative = Cooperative.objects.filter(village_id__in=villages).first()
    for _n in range(3):
        LandPlot.objects.create(cooperative=cooperative, latitude="-6.95", longitude="106.92", area_m2=1500,
                                notes="uji")
    return cooperative


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_deleting_a_record_entry_asks_first_and_cancel_changes_nothing(browser, live_server, logins, javascript):
    cooperative = _ba01_cooperative_with_land()
    plots = LandPlot.objects.filter(cooperative=cooperative).count()
    tab = _signed_in(browser, live_server, logins["ba"], javascript=javascript)
    for size, viewport in SIZES.items():
        tab.set_viewport_size(viewport)
        tab.goto(f"{tab.base_url}/cooperatives/{cooperative.pk}/land/")
        confirm = tab.locator("main table details.confirm").first
        question = confirm.locator(".confirm-question")
        expect(question).to_be_hidden()
        confirm.locator("summary").click()
        expect(question).to_have_text("Hapus data ini? Penghapusan tidak dapat dibatalkan.")
        if javascript:
            expect(question).to_be_focused()
            _clean(tab, f"the delete confirmation ({size})")
            screenshot(tab, f"confirm-delete-{size}")
            confirm.get_by_role("button", name="Batal").click()
            expect(question).to_be_hidden()
            expect(confirm.locator("summary")).to_be_focused()
        else:
            expect(confirm.get_by_role("button", name="Batal")).to_be_hidden()  # nothing to do without JavaScript
            confirm.locator("summary").click()  # the summary closes it
            expect(question).to_be_hidden()
        assert LandPlot.objects.filter(cooperative=cooperative).count() == plots
        confirm.locator("summary").click()
        confirm.get_by_role("button", name="Ya, hapus").click()
        expect(tab.locator(".message-success")).to_be_visible()
        plots -= 1
        assert LandPlot.objects.filter(cooperative=cooperative).count() == plots


def test_sending_a_report_asks_first_and_cancel_keeps_it_a_draft(browser, live_server, logins):
    ba = Mentor.objects.get(email="ba01@demo.koperasi.invalid")
    month = month_start(timezone.localdate())
    MonthlyReport.objects.filter(mentor=ba, month=month).delete()
    tab = _signed_in(browser, live_server, logins["ba"])
    path = f"/reports/{ba.pk}/{month:%Y-%m}/"
    for size, viewport in SIZES.items():
        tab.set_viewport_size(viewport)
        tab.goto(tab.base_url + path)
        tab.fill("#id_obstacles", f"Jalan rusak ({size}).")
        send = tab.locator("details.confirm:has(button[value=submit])")
        expect(send.locator("button[value=submit]")).to_be_hidden()
        send.locator("summary").click()
        expect(send.locator(".confirm-question")).to_contain_text("Kirim laporan ke PMO Anda?")
        _clean(tab, f"the send confirmation ({size})")
        screenshot(tab, f"confirm-send-{size}")
        send.get_by_role("button", name="Batal").click()
        expect(send.locator("button[value=submit]")).to_be_hidden()
        assert not MonthlyReport.objects.filter(mentor=ba, month=month, status="submitted").exists()
    send.locator("summary").click()
    send.get_by_role("button", name="Ya, kirim").click()
    expect(tab.locator(".message-success")).to_be_visible()
    report = MonthlyReport.objects.get(mentor=ba, month=month)
    assert report.status == "submitted" and report.obstacles == "Jalan rusak (phone)."
