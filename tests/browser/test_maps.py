"""Maps people can read, on a desk and on a phone: Leaflet's controls speak the page's language, the stage colours
come with a legend that says what they mean, and a land plot's point is picked on a map or from the phone's
location (a refusal gets a message)."""

import pytest
from playwright.sync_api import expect

from cooperatives import services as cooperative_services
from cooperatives.models import Cooperative, LandPlot, Stage
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
    first = Village.objects.filter(district__regency=draft.regency).order_by("code").first()
    # A cooperative at every stage in the district, to see the scale on the map.
    for village, stage in zip(Village.objects.filter(district=first.district).order_by("code"), Stage.values,
                              strict=False):
        made = cooperative_services.cooperative_create(actor=None, village=village)
        Cooperative.objects.filter(pk=made.pk).update(stage=stage)
    tab.goto(f"{tab.base_url}/regions/{first.district.code}/")
    tab.wait_for_selector(".map[data-ready]")
    expect(tab.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "Perbesar")
    expect(tab.locator(".leaflet-control-zoom-out")).to_have_attribute("title", "Perkecil")
    expect(tab.locator(".map-legend")).to_contain_text("Warna: wilayah BA")
    # A village's note closes with a button named in Indonesian.
    village = first
    point = tab.evaluate(
        "([lat, lng]) => { const map = document.querySelector('.map').leafletMap;"
        " map.setView([lat, lng], 16, {animate: false}); const p = map.latLngToContainerPoint([lat, lng]);"
        " return [p.x, p.y]; }", [float(village.latitude), float(village.longitude)])
    area = tab.locator(".map").bounding_box()
    tab.mouse.click(area["x"] + point[0], area["y"] + point[1])
    expect(tab.locator(".leaflet-popup-close-button")).to_have_attribute("aria-label", "Tutup keterangan")
    tab.locator("a[data-colour=stage]").click()
    legend = tab.locator(".map-legend")
    expect(legend.locator(".map-legend-caption")).to_contain_text("tahap koperasi")
    swatches = legend.locator(".swatch").evaluate_all("nodes => nodes.map(n => getComputedStyle(n).backgroundColor)")
    assert swatches[:8] == [_rgb(colour) for colour in STAGES]
    assert legend.locator("li").count() == 9  # eight stages and "no cooperative", each named
    tab.wait_for_timeout(400)  # the buttons' colour transition ends before axe measures their contrast
    staged = Village.objects.filter(district=first.district).order_by("code")[:8]
    centre = [sum(float(v.latitude) for v in staged) / 8, sum(float(v.longitude) for v in staged) / 8]
    tab.evaluate("([lat, lng]) => { const map = document.querySelector('.map').leafletMap; map.closePopup();"
                 " map.setView([lat, lng], 12, {animate: false}); }", centre)
    _no_sideways_scroll(tab, "the district page")
    _view(tab, f"map-stage-legend-{size}")

    # In English, the same controls speak English.
    tab.context.add_cookies([{"name": "django_language", "value": "en", "url": tab.base_url}])
    tab.reload()
    tab.wait_for_selector(".map[data-ready]")
    expect(tab.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "Zoom in")
    assert not errors, errors
    tab.context.close()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_land_form_takes_its_point_from_the_map_or_the_phone_and_explains_a_refusal(
        browser, live_server, draft, size):
    village = Village.objects.filter(district__regency=draft.regency, latitude__isnull=False).order_by("code").first()
    cooperative = cooperative_services.cooperative_create(actor=None, village=village)
    tab, errors = _tab(browser, live_server, size)
    url = f"{tab.base_url}/cooperatives/{cooperative.pk}/land/"

    # No permission for the location: a message says what to do, the fields stay empty.
    tab.goto(url)
    picker = tab.locator("[data-point-picker]")
    tab.wait_for_selector(".picker-map[data-ready]")
    picker.locator("[data-use-location]").click()
    expect(picker.locator(".picker-status")).to_contain_text("Izinkan lokasi")
    expect(tab.locator("#id_latitude")).to_have_value("")

    # A tap on the map fills both fields with the point tapped.
    box = picker.locator(".picker-map")
    box.scroll_into_view_if_needed()
    area = box.bounding_box()
    expected = tab.evaluate(
        "([x, y]) => { const map = document.querySelector('.picker-map').leafletMap;"
        " const p = map.containerPointToLatLng([x, y]); return [p.lat, p.lng]; }",
        [area["width"] / 2 + 30, area["height"] / 2 - 20])
    if size == "phone":
        tab.touchscreen.tap(area["x"] + area["width"] / 2 + 30, area["y"] + area["height"] / 2 - 20)
    else:
        tab.mouse.click(area["x"] + area["width"] / 2 + 30, area["y"] + area["height"] / 2 - 20)
    expect(picker.locator(".picker-status")).to_contain_text("dari peta")
    # The point tapped, to a pixel or two (about 10 m at this zoom; the map's border shifts the origin by one).
    assert float(tab.input_value("#id_latitude")) == pytest.approx(expected[0], abs=1.5e-4)
    assert float(tab.input_value("#id_longitude")) == pytest.approx(expected[1], abs=1.5e-4)
    _no_sideways_scroll(tab, "the land form")
    _view(tab, f"land-picker-{size}")

    # With the permission, "use my location" fills the fields with the phone's position, and the plot is saved there.
    tab.context.grant_permissions(["geolocation"], origin=tab.base_url)
    # (a point near the village: a plot far from its village is refused)
    here = (f"{float(village.latitude) + 0.001234:.6f}", f"{float(village.longitude) + 0.001234:.6f}")
    tab.context.set_geolocation({"latitude": float(here[0]), "longitude": float(here[1]), "accuracy": 12})
    picker.locator("[data-use-location]").click()
    expect(tab.locator("#id_latitude")).to_have_value(here[0])
    expect(tab.locator("#id_longitude")).to_have_value(here[1])
    expect(picker.locator(".picker-status")).to_contain_text("12 m")
    tab.fill("#id_area_m2", "1200")
    tab.locator("form[aria-labelledby=form-title] button[type=submit]").click()
    expect(tab.locator(".message-success")).to_be_visible()
    plot = LandPlot.objects.get(cooperative=cooperative)
    assert (str(plot.latitude), str(plot.longitude)) == here
    assert not errors, errors
    tab.context.close()
