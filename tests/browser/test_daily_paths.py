"""Paths without loops or dead ends, in Chromium on a desk (1280 × 800) and a phone (360 × 740): the Django admin
answers every role (its pages for the operator, a plain 403 page with a way home for everyone else, also after
signing in with `?next=/admin/`), and a village leads to its cooperative and its BA."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cooperatives import services
from cooperatives.models import Cooperative
from cooperatives.selectors import month_start
from regions.models import Village
from reporting import dashboards

from ..factories import TOTP_SECRET, totp_code
from .conftest import ARTIFACTS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"  # the factories' password
SIZES = {"desk": {"viewport": {"width": 1280, "height": 800}},
         "phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}}


def _tab(browser, live_server, size):
    tab = browser.new_context(locale="id-ID", **SIZES[size]).new_page()
    tab.set_default_timeout(20_000)
    tab.base_url = live_server.url
    return tab


def _sign_in_towards(tab, path, email):
    """Open `path` signed out, sign in on the page it sends to (with the authenticator's code when asked)."""
    tab.goto(tab.base_url + path)
    tab.fill("#id_login", email)
    tab.fill("#id_password", PASSWORD)
    tab.click('form[action^="/accounts/login/"] button[type=submit]')
    tab.wait_for_load_state()
    for attempt in range(2):  # a code is accepted once: a second sign-in in the same 30 s waits for the next
        if "/accounts/2fa/authenticate/" not in tab.url:
            break
        if attempt:
            time.sleep(30.5 - time.time() % 30)
        tab.fill("input[name=code]", totp_code(TOTP_SECRET))
        tab.press("input[name=code]", "Enter")
        tab.wait_for_load_state()


def _fits(tab, size):
    if size == "phone":
        assert tab.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_the_admin_answers_every_role_and_loops_for_none(browser, live_server, split, office_user, admin_user,
                                                         superuser, size):
    people = {"ba": split.ba, "pmo": split.pmo, "staff": office_user, "admin": admin_user}
    for role, person in people.items():
        tab = _tab(browser, live_server, size)
        _sign_in_towards(tab, "/admin/", person.email)
        assert tab.url == tab.base_url + "/admin/", role
        expect(tab.get_by_role("heading", name="Tidak diizinkan")).to_be_visible()
        expect(tab.get_by_text("Administrasi data hanya untuk operator portal")).to_be_visible()
        _fits(tab, size)
        if role in ("ba", "staff"):
            screenshot(tab, f"admin-403-{role}-{size}")
        # Typing the address again answers the same page, at once.
        response = tab.goto(tab.base_url + "/admin/")
        assert response.status == 403 and response.request.redirected_from is None, role
        tab.get_by_role("link", name="Kembali ke beranda").click()
        tab.wait_for_url(tab.base_url + "/")
        tab.context.close()
    tab = _tab(browser, live_server, size)
    _sign_in_towards(tab, "/admin/", superuser.email)
    assert tab.url == tab.base_url + "/admin/"
    expect(tab.locator("#site-name")).to_contain_text("Portal Pendampingan Koperasi Merah Putih")
    screenshot(tab, f"admin-superuser-{size}")
    tab.context.close()


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_a_village_leads_to_its_cooperative_and_its_ba(browser, live_server, split, office_user, size):
    village = Village.objects.select_related("district").get(pk=split.villages[0])
    cooperative = Cooperative.objects.get(village=village)
    tab = _tab(browser, live_server, size)
    _sign_in_towards(tab, village.get_absolute_url(), office_user.email)
    expect(tab.get_by_role("heading", name=village.name, exact=True)).to_be_visible()
    # Spaces around "›", as the reader sees them (a flex row would render "Wilayah›Kabupaten Sukabumi").
    breadcrumb = tab.locator("nav.breadcrumb")
    assert breadcrumb.inner_text().strip() == f"Wilayah › Kabupaten Sukabumi › {village.district.name}"
    links = breadcrumb.get_by_role("link")
    first, second = links.nth(0).bounding_box(), links.nth(1).bounding_box()
    assert second["x"] - (first["x"] + first["width"]) > 12 or second["y"] > first["y"]
    _fits(tab, size)
    screenshot(tab, f"village-links-{size}")

    tab.locator("dl.facts").get_by_role("link", name=cooperative.name).click()
    expect(tab.get_by_role("heading", name=cooperative.name, exact=True)).to_be_visible()
    _fits(tab, size)
    tab.go_back()
    tab.locator("dl.facts").get_by_role("link", name=split.ba_mentor.full_name, exact=True).click()
    expect(tab.get_by_role("heading", name=split.ba_mentor.full_name, exact=True)).to_be_visible()
    tab.go_back()
    # The table of periods names the same BA once, as a link too.
    history = tab.locator("table.village-history")
    expect(history.get_by_role("link", name=split.ba_mentor.full_name, exact=True)).to_have_count(1)
    tab.context.close()


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_after_a_review_the_pmo_goes_on_to_the_next_waiting_report(browser, live_server, split, size):
    month = month_start(month_start(timezone.localdate()) - timedelta(days=1))
    team = [row["mentor"] for row in dashboards.team_rows(split.pmo_mentor, timezone.localdate()) if row["mentor"]]
    for mentor in team[:2]:
        services.report_save(actor=None, mentor=mentor, month=month, obstacles="-", next_month_plan="-", submit=True)
    tab = _tab(browser, live_server, size)
    _sign_in_towards(tab, f"/reports/{team[0].pk}/{month:%Y-%m}/", split.pmo.email)
    expect(tab.locator(".next-report")).to_have_count(0)  # the review comes first
    tab.locator("details.confirm:has(button[value=accept]) > summary").click()  # the confirmation step
    tab.locator("button[value=accept]").click()
    following = tab.locator(".next-report a")
    expect(following).to_contain_text(f"Laporan berikutnya: {team[1].full_name}")
    _fits(tab, size)
    tab.screenshot(path=str(ARTIFACTS / f"next-report-{size}.png"))  # what the reviewer sees without scrolling
    assert following.bounding_box()["y"] < SIZES[size]["viewport"]["height"]
    following.click()
    tab.wait_for_url(f"**/reports/{team[1].pk}/{month:%Y-%m}/")
    expect(tab.locator("details.confirm:has(button[value=accept]) > summary")).to_be_visible()
    tab.context.close()
