"""In a browser at the desk (1280 × 800) and on a phone (360 × 740): the PMO reviewing a BA's month sees each visit's
photos as thumbnails beside the visit, their distance to the village's point, and the flags in words with an icon;
the office dashboard's BA rows count the month's visits with and without evidence."""

import pytest
from playwright.sync_api import expect

from ..cooperatives.test_visit_evidence import month_visits  # noqa: F401 (the fixture: four visits, every flag)
from ..factories import MembershipFactory, UserFactory
from .conftest import ARTIFACTS, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Rahasia-Bukti-4"
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


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_the_pmo_reviews_a_month_with_each_visits_photos_and_flags(browser, live_server, split, month_visits,  # noqa: F811
                                                                   size):
    tab = _tab(browser, live_server, size, split.pmo)
    tab.goto(f"{tab.base_url}/reports/{split.ba_mentor.pk}/{month_visits['month']:%Y-%m}/")
    summary = tab.locator(".evidence-summary")
    expect(summary).to_contain_text("Dengan foto atau dokumen: 3 · tanpa: 1.")
    expect(summary).to_contain_text("3 kunjungan perlu diperiksa")
    thumbnails = tab.locator(".visit-evidence img")
    expect(thumbnails).to_have_count(3)
    for index in range(3):
        thumbnails.nth(index).scroll_into_view_if_needed()
        tab.wait_for_function("image => image.complete && image.naturalWidth > 0",
                              arg=thumbnails.nth(index).element_handle())
    far = tab.locator(f"#visit-{month_visits['too_far'].pk}")
    expect(far.locator(".flag-far").first).to_contain_text("km dari titik desa")
    expect(far.locator(".flag-far").first.locator("[aria-hidden=true]")).to_have_text("⚠")
    expect(tab.locator(f"#visit-{month_visits['wrong_day'].pk} .flag-other_day")).to_contain_text(
        "diambil pada hari lain")
    expect(tab.locator(f"#visit-{month_visits['late'].pk} .flag-late")).to_contain_text(
        "dicatat 9 hari setelah kunjungan")
    expect(tab.locator(f"#visit-{month_visits['late'].pk}")).to_contain_text("Tanpa foto atau dokumen.")
    good = tab.locator(f"#visit-{month_visits['good'].pk}")
    expect(good.locator(".flag")).to_have_count(0)
    expect(good).to_contain_text("0,8 km dari titik desa")
    _fits(tab, size, "the report with its evidence")
    screenshot(tab, f"evidence-review-{size}")
    ARTIFACTS.mkdir(exist_ok=True)  # the visits with their evidence alone, to look at
    summary.locator("xpath=..").screenshot(path=str(ARTIFACTS / f"evidence-review-visits-{size}.png"))


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_the_office_dashboard_counts_each_bas_visits_with_and_without_evidence(browser, live_server, split,
                                                                               sukabumi, month_visits,  # noqa: F811
                                                                               size):
    staff = UserFactory(email="staf.bukti@contoh.test", full_name="Staf Dinas")
    MembershipFactory(user=staff, regency=sukabumi, role="staff")
    tab = _tab(browser, live_server, size, staff)
    tab.goto(f"{tab.base_url}/dashboard/?regency=32.02")
    workload = tab.locator("#workload")
    if size == "phone":  # the long tables start closed on a phone
        workload.locator("details.dash-table > summary").click()
    row = workload.locator("tr", has_text=split.ba_mentor.full_name)
    expect(row.locator(".evidence-with")).to_have_text("3")
    expect(row.locator(".evidence-without")).to_have_text("1")
    _fits(tab, size, "the dashboard")
    screenshot(tab, f"evidence-dashboard-{size}")
    workload.screenshot(path=str(ARTIFACTS / f"evidence-dashboard-workload-{size}.png"))
