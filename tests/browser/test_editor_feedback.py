"""The plan editor answers next to the action, on a desk and on a phone: the message of a move and the problems
it caused show in a region fixed in view (not at the top of a long page), a move made on the map leaves the
page where it was, the phone's move bar stays small, and publishing names its blocking checks before the
first submit."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from regions.models import Village
from territories import services
from territories.models import BaTerritory, BaVillage, PmoDistrict

from . import test_plan_editor
from .conftest import ARTIFACTS
from .test_plan_editor import SIZES, _no_sideways_scroll, _tab

draft = test_plan_editor.draft  # the editor's fixture: the plan in force and a draft copied from it

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _in_view(tab, selector):
    box = tab.locator(selector).bounding_box()
    height = tab.viewport_size["height"]
    assert box is not None and box["height"] > 0, f"{selector} is not shown"
    assert 0 <= box["y"] and box["y"] + box["height"] <= height, f"{selector} is out of view: {box}"


def _view(tab, name):
    """A picture of the screen as the person sees it (a full-page picture would not show what is in view)."""
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _far_village(target):
    """A village of the target's PMO area, outside the target and as far as possible from it: moving it there
    leaves the target in two pieces."""
    own = list(Village.objects.filter(ba_links__ba_territory=target).values_list("latitude", "longitude"))
    lat = sum(float(a) for a, _ in own) / len(own)
    lng = sum(float(b) for _, b in own) / len(own)
    area = PmoDistrict.objects.filter(pmo_territory=target.pmo_territory).values_list("district_id", flat=True)
    others = Village.objects.filter(district__in=list(area)).exclude(ba_links__ba_territory=target)
    return max(others, key=lambda v: (float(v.latitude) - lat) ** 2 + (float(v.longitude) - lng) ** 2)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_a_move_is_answered_in_view_and_a_move_on_the_map_keeps_the_page_still(browser, live_server, draft, size):
    tab, errors = _tab(browser, live_server, size)
    tab.goto(f"{tab.base_url}/plans/{draft.pk}/")
    tab.wait_for_selector(".map[data-ready]")
    bar = tab.locator("#move-form").bounding_box()
    assert bar["height"] <= 0.15 * tab.viewport_size["height"], f"the move bar is {bar['height']} px high"

    # A move from the list, far down the page: its message is in view, not thousands of pixels above.
    village = Village.objects.filter(district__regency=draft.regency).order_by("-code").first()
    district = tab.locator(f"#district-{village.district_id}")
    district.locator("summary").scroll_into_view_if_needed()
    district.locator("summary").click()
    box = tab.locator(f"input[name=villages][value='{village.pk}']")
    box.scroll_into_view_if_needed()
    box.check()
    holder = BaVillage.objects.get(plan=draft, village=village).ba_territory
    target = BaTerritory.objects.filter(plan=draft, pmo_territory=holder.pmo_territory).exclude(pk=holder.pk).first()
    tab.locator("#move-form select[name=to]").select_option(str(target.pk))
    tab.locator("#move-form button[type=submit]").click()
    feedback = tab.locator("#editor-feedback")
    expect(feedback).to_contain_text("1 desa/kelurahan dipindahkan")
    _in_view(tab, "#editor-feedback .editor-feedback-box")
    assert tab.evaluate("document.querySelector('#plan-status').getBoundingClientRect().bottom") < 0
    _view(tab, f"editor-feedback-list-{size}")
    tab.locator("#editor-feedback button[data-feedback-close]").click()
    expect(tab.locator("#editor-feedback .editor-feedback-box")).to_have_count(0)

    # A move on the map of a village far from its new territory: the page does not move, and the warning
    # that the territory is now in pieces shows in view.
    target = BaTerritory.objects.filter(plan=draft).order_by("name").first()
    far = _far_village(target)
    map_box = tab.locator(".map").first
    if size == "phone":
        # The legend of 39 territories is folded (its caption says what the colours mean): the move button
        # follows the map closely, without scrolling past 39 lines.
        expect(tab.locator(".map-legend details")).not_to_have_attribute("open", "")
        expect(tab.locator(".map-legend summary")).to_contain_text("(39)")
        gap = tab.evaluate("document.querySelector('#map-move button[type=submit]').getBoundingClientRect().top"
                           " - document.querySelector('.map').getBoundingClientRect().bottom")
        assert gap < 250, f"the move button is {gap} px below the map"
    map_box.evaluate("element => element.scrollIntoView({block: 'center'})")
    tab.wait_for_timeout(300)
    point = tab.evaluate(
        "([lat, lng]) => { const map = document.querySelector('.map').leafletMap;"
        " map.setView([lat, lng], 15, {animate: false}); const p = map.latLngToContainerPoint([lat, lng]);"
        " return [p.x, p.y]; }", [float(far.latitude), float(far.longitude)])
    area = map_box.bounding_box()
    tab.mouse.click(area["x"] + point[0], area["y"] + point[1])
    expect(tab.locator(".map-chosen-count")).to_have_text("1")
    tab.locator("#map-move select[name=to]").select_option(str(target.pk))
    tab.locator("#map-move button[type=submit]").scroll_into_view_if_needed()  # as a person sees it before pressing
    tab.wait_for_timeout(100)
    before = tab.evaluate("window.scrollY")
    map_top = map_box.evaluate("element => element.getBoundingClientRect().top")
    tab.locator("#map-move button[type=submit]").click()
    expect(feedback).to_contain_text(f"1 desa/kelurahan dipindahkan ke “{target.name}”")
    expect(feedback.locator(".caused")).to_contain_text(target.name)
    expect(tab.locator(".map-chosen-count")).to_have_text("0")
    tab.wait_for_timeout(300)
    # What the page shows stays put (the checks above may have grown: the scroll follows them, the map does not).
    moved = map_box.evaluate("element => element.getBoundingClientRect().top") - map_top
    assert abs(moved) <= 2, f"the map moved {moved} px on screen (scroll {before} → {tab.evaluate('window.scrollY')})"
    _in_view(tab, "#editor-feedback .editor-feedback-box")
    assert BaVillage.objects.get(plan=draft, village=far).ba_territory == target
    _view(tab, f"editor-feedback-map-{size}")
    _no_sideways_scroll(tab, "the editor after a move")
    assert not errors, errors
    tab.context.close()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_publish_page_names_its_blocking_checks_before_the_first_submit(browser, live_server, draft, size):
    village = Village.objects.filter(district__regency=draft.regency).order_by("code").first()
    services.villages_move(actor=None, plan=draft, version=draft.version, village_ids=[village.pk], to=None)
    tab, errors = _tab(browser, live_server, size)
    tab.goto(f"{tab.base_url}/plans/{draft.pk}/publish/")
    blocking = tab.locator(".publish-blocking")
    expect(blocking).to_contain_text("1 desa/kelurahan tidak masuk wilayah BA mana pun")
    expect(blocking).to_contain_text(village.name)
    # The warning stands next to the button, so it is read before pressing it.
    button = tab.locator("main form button[type=submit]")
    assert 0 < button.bounding_box()["y"] - (blocking.bounding_box()["y"] + blocking.bounding_box()["height"]) < 400
    _no_sideways_scroll(tab, "the publish page with blocking checks")
    blocking.scroll_into_view_if_needed()
    _view(tab, f"publish-blocking-{size}")
    # The first submit (with a date and the confirmation) is refused with the same checks, and changes nothing.
    tab.fill("input[name=effective_from]", timezone.localdate().isoformat())
    tab.check("input[name=confirm]")
    button.click()
    expect(tab.locator(".publish-blocking")).to_contain_text(village.name)
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not errors, errors
    tab.context.close()
