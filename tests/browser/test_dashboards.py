"""The dashboards and the map on the demo data, as each role sees them in Chromium, on a desk and on a phone:
no console error, no failed request, no sideways scrolling, and no serious or critical axe-core violation."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from operations.management.commands.demo import DEMO_TOTP_SECRET

from .conftest import ARTIFACTS, CHROMIUM, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SIZES = {"desk": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}
PAGES = {
    "admin": ["/", "/dashboard/", "/map/", "/cooperatives/", "/mentors/"],
    "pmo": ["/", "/dashboard/", "/map/"],
    "ba": ["/", "/dashboard/", "/map/", "/cooperatives/"],
    "super": ["/dashboard/", "/dashboard/?regency=32.02", "/map/?regency=32.02&colour=recency"],
}


@pytest.fixture
def demo(sukabumi):
    output = io.StringIO()
    call_command("demo", stdout=output)
    logins = dict(line.split()[:2] for line in output.getvalue().splitlines()
                  if line.startswith("  ") and "@" in line and not line.strip().startswith("("))
    return logins


def _checked(tab, path, name):
    """Open a page, wait for its map and charts, and return the serious or critical axe violations."""
    response = tab.goto(tab.base_url + path)
    assert response.status == 200, path
    tab.wait_for_load_state("networkidle")
    if tab.locator(".map[data-source]").count():
        tab.wait_for_selector(".map[data-ready]")
        assert tab.locator(".map").first.get_attribute("data-ready") not in ("error", "0"), path
        assert tab.locator(".map-legend li").count() >= 1, path
    for canvas in tab.locator("canvas[data-chart]").all():
        assert canvas.bounding_box()["height"] > 50, path
    screenshot(tab, name)
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= tab.viewport_size["width"], f"{path} scrolls sideways ({width} px)"
    tab.evaluate(AXE.read_text(encoding="utf-8"))
    result = tab.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
            if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("who", sorted(PAGES))
def test_dashboards_and_maps_render_cleanly_for_every_role_on_desk_and_phone(browser, live_server, demo, who):
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is missing")
    email = demo[{"super": "superuser"}.get(who, who)]
    problems = []
    for size, viewport in SIZES.items():
        context = browser.new_context(viewport=viewport, locale="id-ID", is_mobile=size == "phone")
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        tab.base_url = live_server.url
        errors = []
        tab.on("console", lambda message, errors=errors: errors.append(message.text)
               if message.type == "error" else None)
        tab.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        tab.on("response", lambda response, errors=errors: errors.append(f"{response.status} {response.url}")
               if response.status >= 400 else None)
        sign_in(tab, email, "demo-koperasi-2025", secret=DEMO_TOTP_SECRET)
        for path in PAGES[who]:
            slug = path.strip("/").replace("/", "-").replace("?", "-").replace("&", "-").replace("=", "-") or "home"
            violations = _checked(tab, path, f"dashboards-{who}-{size}-{slug}")
            if violations:
                problems.append((size, path, violations))
        context.close()
        assert not errors, f"{who} {size}: {errors}"
    assert not problems, problems
    assert ARTIFACTS.exists()


def test_the_map_switches_colouring_and_opens_a_village(browser, live_server, demo):
    context = browser.new_context(viewport=SIZES["desk"], locale="id-ID")
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.base_url = live_server.url
    sign_in(tab, demo["admin"], "demo-koperasi-2025", secret=DEMO_TOTP_SECRET)
    tab.goto(live_server.url + "/map/")
    tab.wait_for_selector(".map[data-ready]")
    assert int(tab.locator(".map").get_attribute("data-ready")) == 386
    territories = tab.locator(".map-legend li").count()
    assert territories == 39  # every village is in one of the 39 BA territories: no "no BA territory" entry
    tab.get_by_role("button", name="Tahap").click()
    assert tab.locator(".map-legend li").count() == 9  # 8 stages and "no cooperative"
    assert tab.get_by_role("button", name="Tahap").get_attribute("aria-pressed") == "true"
    tab.get_by_role("button", name="Kebaruan kunjungan").click()
    assert "dikunjungi dalam 30 hari terakhir" in tab.locator(".map-legend").inner_text()
    # A click on the middle of the map opens a village's popup with its links.
    box = tab.locator(".map").bounding_box()
    tab.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = tab.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.get_by_role("link", name="Halaman desa").get_attribute("href").startswith("/regions/32.02.")
    context.close()
