"""Maps people can read, on a desk and on a phone: Leaflet's controls speak the page's language, and the stage colours
come with a legend that says what they mean."""

import pytest
from playwright.sync_api import expect

from regions.models import Village

from . import test_plan_editor
from .conftest import ARTIFACTS
from .test_plan_editor import SIZES, _no_sideways_scroll, _tab

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

draft = test_plan_editor.draft  # the plan in force, a draft and an admin of the regency
STAGES = ["#fee8c3", "#fdbb91", "#f48d80", "#d96383", "#a74a8a", "#643f83", "#153268", "#001e31"]


def _view(tab, name):
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _rgb(colour):
    return f"rgb({int(colour[1:3], 16)}, {int(colour[3:5], 16)}, {int(colour[5:7], 16)})"


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_map_speaks_the_page_language_and_its_legend_says_what_each_colour_means(
        browser, live_server, draft, size):
    tab, errors = _tab(browser, live_server, size)
    tab.goto(f"{tab.base_url}/regions/{Village.objects.filter(district__regency=draft.regency).first().district.code}/")
    tab.wait_for_selector(".map[data-ready]")
    expect(tab.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "Perbesar")
    expect(tab.locator(".leaflet-control-zoom-out")).to_have_attribute("title", "Perkecil")
    expect(tab.locator(".map-legend-caption")).to_contain_text("wilayah BA")
    tab.locator("a[data-colour=stage]").click()
    legend = tab.locator(".map-legend")
    expect(legend.locator(".map-legend-caption")).to_contain_text("tahap koperasi")
    swatches = legend.locator(".swatch").evaluate_all("nodes => nodes.map(n => getComputedStyle(n).backgroundColor)")
    assert swatches[:8] == [_rgb(colour) for colour in STAGES]
    assert legend.locator("li").count() == 9  # eight stages and "no cooperative", each named
    tab.wait_for_timeout(400)  # the buttons' colour transition ends before axe measures their contrast
    _no_sideways_scroll(tab, "the district page")
    _view(tab, f"map-stage-legend-{size}")

    # In English, the same controls speak English.
    tab.context.add_cookies([{"name": "django_language", "value": "en", "url": tab.base_url}])
    tab.reload()
    tab.wait_for_selector(".map[data-ready]")
    expect(tab.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "Zoom in")
    assert not errors, errors
    tab.context.close()
