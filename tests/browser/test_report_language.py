"""A BA sends the month in Indonesian; their PMO reads the report in English, at the desk and on a phone: the
snapshot of the cooperatives (stages, missing papers, business units) is in English, with no Indonesian term."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from cooperatives import services
from cooperatives.models import BusinessUnit, Cooperative
from cooperatives.selectors import month_start

from .conftest import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Rahasia-Bahasa-3"
SIZES = {"desk": {"viewport": {"width": 1280, "height": 800}},
         "phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}}


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_a_snapshot_sent_in_indonesian_reads_in_english(browser, live_server, split, size):
    month = month_start(month_start(timezone.localdate()) - timedelta(days=1))
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    BusinessUnit.objects.create(cooperative=cooperative, kind="sembako", status="operating")
    with translation.override("id"):
        services.report_save(actor=split.ba, mentor=split.ba_mentor, month=month, obstacles="-",
                             next_month_plan="-", submit=True)
    split.pmo.set_password(PASSWORD)
    split.pmo.save()
    context = browser.new_context(locale="id-ID", **SIZES[size])
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.base_url = live_server.url
    sign_in(tab, split.pmo.email, PASSWORD)
    tab.goto(f"{tab.base_url}/reports/{split.ba_mentor.pk}/{month:%Y-%m}/")
    tab.get_by_role("button", name="English").click()
    snapshot = tab.locator("section.snapshot")
    expect(snapshot).to_contain_text("groceries (sembako) (operating)")
    expect(snapshot).to_contain_text("village deliberation held")
    expect(snapshot).to_contain_text("bank account in the cooperative's name")
    text = snapshot.inner_text().lower()
    assert not [term for term in ("beroperasi", "musyawarah desa", "rekening bank", "direncanakan") if term in text]
    snapshot.screenshot(path=str(ARTIFACTS / f"snapshot-english-{size}.png"))
    context.close()
