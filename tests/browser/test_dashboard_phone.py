"""On the demo data, in Chromium at 1280×800 and 360×740: a dashboard a phone can read (key figures first, long
tables folded with their count), sorting that keeps the reader at the table, and the recap's cooperatives not
visited grouped by district. The helpers here serve the other browser tests of issue 26's forms too."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from cooperatives.selectors import month_start
from operations.management.commands.demo import DEMO_TOTP_SECRET
from reporting.recap import regency_recap

from .conftest import screenshot, sign_in
from .test_dashboards import AXE, SIZES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-koperasi-2025"


@pytest.fixture
def logins(sukabumi):
    output = io.StringIO()
    call_command("demo", stdout=output)
    return dict(line.split()[:2] for line in output.getvalue().splitlines()
                if line.startswith("  ") and "@" in line and not line.strip().startswith("("))


def _signed_in(browser, live_server, email, *, javascript=True):
    """One tab for both sizes (a second sign-in of an admin would wait for the next authenticator code)."""
    context = browser.new_context(viewport=SIZES["desk"], locale="id-ID", java_script_enabled=javascript)
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.base_url = live_server.url
    sign_in(tab, email, PASSWORD, secret=DEMO_TOTP_SECRET)
    return tab


def _clean(tab, what):
    """No sideways scrolling and no serious or critical axe-core violation."""
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= tab.viewport_size["width"], f"{what} scrolls sideways ({width} px)"
    tab.evaluate(AXE.read_text(encoding="utf-8"))
    result = tab.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], [(n["target"], n["html"][:120], n["failureSummary"][:200]) for n in v["nodes"]][:3])
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{what}: {serious}"


def _height(tab):
    return tab.evaluate("document.documentElement.scrollHeight")


def _heading_top(tab, selector):
    """Where a heading is in the window, in px from its top."""
    return tab.evaluate(f"document.querySelector('{selector}').getBoundingClientRect().top")


# --- the dashboard ------------------------------------------------------------------------------------------------


def test_the_phone_dashboard_shows_the_key_figures_first_and_folds_its_long_tables(browser, live_server, logins):
    tab = _signed_in(browser, live_server, logins["admin"])
    tab.goto(tab.base_url + "/dashboard/")
    tab.wait_for_load_state("networkidle")
    tables = tab.locator("details[data-phone-closed]")
    assert tables.count() >= 4
    assert all(tables.nth(i).get_attribute("open") is not None for i in range(tables.count())), "desk: all open"
    expect(tab.locator("#breakdown tbody tr")).to_have_count(47)
    desk = _height(tab)
    _clean(tab, "the desk dashboard")
    screenshot(tab, "dashboard-folded-desk")

    tab.set_viewport_size(SIZES["phone"])
    tab.goto(tab.base_url + "/dashboard/")
    tab.wait_for_load_state("networkidle")
    phone = _height(tab)
    print(f"\ndashboard height: desk {desk} px, phone {phone} px")
    assert phone < 6_000, f"the phone dashboard is {phone} px tall"  # 30,550 px before the tables folded
    key_figures = tab.locator(".key-figures").bounding_box()
    first_section = tab.locator("section.dash-section").first.bounding_box()
    assert key_figures["y"] < first_section["y"] and key_figures["y"] < 740, "the key figures come first"
    assert all(tables.nth(i).get_attribute("open") is None for i in range(tables.count())), "phone: tables closed"
    # Each folded table says how long it is; opening one shows its rows, closing a section hides it all.
    summary = tab.locator("#breakdown details.dash-table > summary")
    expect(summary).to_have_text("Tabel: 47 kecamatan")
    expect(tab.locator("#breakdown tbody tr").first).to_be_hidden()
    summary.click()
    expect(tab.locator("#breakdown tbody tr").first).to_be_visible()
    tab.locator("#trend > details > summary").click()
    expect(tab.locator("#trend canvas")).to_be_hidden()
    _clean(tab, "the phone dashboard")
    screenshot(tab, "dashboard-folded-phone")


def test_sorting_the_breakdown_keeps_the_reader_at_the_table_on_desk_and_phone(browser, live_server, logins):
    tab = _signed_in(browser, live_server, logins["admin"])
    tab.goto(tab.base_url + "/dashboard/")
    tab.wait_for_load_state("networkidle")
    tab.locator("#breakdown-title").scroll_into_view_if_needed()
    tab.evaluate("window.scrollBy(0, -100)")
    before, scrolled = _heading_top(tab, "#breakdown-title"), tab.evaluate("window.scrollY")
    link = tab.locator("#sort-villages")
    assert link.get_attribute("href").endswith("sort=-villages#breakdown")  # without JavaScript: back at the table
    link.click()
    expect(tab.locator("th[aria-sort=descending] #sort-villages")).to_be_visible()
    counts = [int(text) for text in tab.locator("#breakdown tbody tr td:nth-child(2)").all_inner_texts()]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    assert abs(_heading_top(tab, "#breakdown-title") - before) < 2, "the table stayed where it was"
    assert tab.evaluate("window.scrollY") == scrolled
    assert "sort=-villages" in tab.url
    expect(tab.locator("#sort-villages")).to_be_focused()
    _clean(tab, "the sorted desk dashboard")

    # A sort link opened anew (a bookmark, or a browser without JavaScript) opens the page at the table.
    tab.goto(tab.base_url + "/dashboard/?sort=-follow_ups_overdue#breakdown")
    tab.wait_for_load_state("networkidle")
    assert tab.evaluate("window.scrollY") > 500
    assert abs(_heading_top(tab, "#breakdown")) < 5

    # On a phone the headings are hidden: a sort form does it, and the table stays open and in place.
    tab.set_viewport_size(SIZES["phone"])
    tab.goto(tab.base_url + "/dashboard/")
    tab.wait_for_load_state("networkidle")
    tab.locator("#breakdown details.dash-table > summary").click()
    tab.locator("#breakdown-sort").scroll_into_view_if_needed()
    before, scrolled = _heading_top(tab, "#breakdown-sort"), tab.evaluate("window.scrollY")
    tab.select_option("#breakdown-sort", "-visits_30_days")
    tab.get_by_role("button", name="Urutkan", exact=True).click()
    expect(tab.locator("th[aria-sort=descending] #sort-visits_30_days")).to_be_attached()
    visits = [int(text.split()[-1]) for text in tab.locator("#breakdown tbody tr td:nth-child(7)").all_inner_texts()]
    assert visits == sorted(visits, reverse=True) and visits[0] > visits[-1]
    expect(tab.locator("#breakdown details.dash-table")).to_have_attribute("open", "")
    assert abs(_heading_top(tab, "#breakdown-sort") - before) < 2
    assert tab.evaluate("window.scrollY") == scrolled
    expect(tab.locator("#breakdown-sort")).to_have_value("-visits_30_days")
    _clean(tab, "the sorted phone dashboard")
    screenshot(tab, "dashboard-sorted-phone")


# --- the recap ----------------------------------------------------------------------------------------------------


def test_the_recap_lists_the_cooperatives_not_visited_by_district_folded_when_long(browser, live_server, logins,
                                                                                 sukabumi):
    month = month_start(timezone.localdate())
    figures = regency_recap(sukabumi, month)
    assert figures["not_visited_count"] > 20  # the demo's current month has just begun
    districts = {c.district for c in figures["not_visited"]}
    tab = _signed_in(browser, live_server, logins["admin"])
    for size, viewport in SIZES.items():
        tab.set_viewport_size(viewport)
        tab.goto(f"{tab.base_url}/reports/recap/?month={month:%Y-%m}")
        listing = tab.locator("details.recap-unvisited")
        expect(listing).not_to_have_attribute("open", "")
        expect(listing.locator("summary")).to_contain_text(f"per kecamatan ({len(districts)} kecamatan)")
        listing.locator("summary").click()
        rows = listing.locator("tbody tr")
        expect(rows).to_have_count(len(districts))
        counted = sum(int(text) for text in listing.locator("tbody td.num").all_inner_texts())
        assert counted == figures["not_visited_count"]
        assert listing.locator("ul.recap-villages li").count() == figures["not_visited_count"]
        _clean(tab, f"the recap ({size})")
        screenshot(tab, f"recap-unvisited-{size}")
    # Printed, the list is always there in full, open or not.
    tab.reload()
    tab.emulate_media(media="print")
    expect(tab.locator("table.recap-unvisited-table")).to_be_visible()
