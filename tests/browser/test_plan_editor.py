"""The draft editor keeps an admin's work, on a desk and on a phone: a saved row leaves the others as typed, a
move keeps the view where it was, publishing shows its summary first, and villages chosen on the map move
like those chosen in the list."""

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mentors.models import Membership, Mentor
from regions.models import Village
from territories import publishing, services
from territories.models import BaTerritory, BaVillage, PmoDistrict

from ..factories import MembershipFactory, MentorFactory, UserFactory
from .conftest import screenshot, sign_in
from .test_dashboards import AXE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desk": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}


@pytest.fixture
def draft(sukabumi):
    """The plan in force (2 PMOs, 39 BAs) and a draft copied from it, with an admin to edit it."""
    pmos = [MentorFactory(regency=sukabumi, role=Mentor.Role.PMO, full_name=f"PMO {i}") for i in (1, 2)]
    bas = [MentorFactory(regency=sukabumi, role=Mentor.Role.BA, full_name=f"BA {i:02d}") for i in range(1, 40)]
    first = services.plan_create(actor=None, regency=sukabumi, name="Berlaku", clone=False)
    services.plan_propose(actor=None, plan=first, version=first.version, ba_mentors=bas, pmo_mentors=pmos)
    first.refresh_from_db()
    publishing.plan_publish(actor=None, plan=first, version=first.version, effective_from=date(2026, 1, 1))
    admin = UserFactory(email="admin@contoh.test", full_name="Admin Dinas", password="Rahasia-Admin-1")
    MembershipFactory(user=admin, regency=sukabumi, role=Membership.Role.ADMIN)
    return services.plan_create(actor=None, regency=sukabumi, name="Draf perubahan")


def _tab(browser, live_server, size):
    context = browser.new_context(viewport=SIZES[size], locale="id-ID", is_mobile=size == "phone",
                                  has_touch=size == "phone")
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.base_url = live_server.url
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(tab, "admin@contoh.test", "Rahasia-Admin-1")
    return tab, errors


def _no_sideways_scroll(tab, path):
    """No sideways scrolling, and no serious or critical axe-core violation (scrollable regions included)."""
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= tab.viewport_size["width"], f"{path} scrolls sideways ({width} px)"
    tab.evaluate(AXE.read_text(encoding="utf-8"))
    result = tab.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert not serious, f"{path}: {serious}"


@pytest.mark.parametrize("size", sorted(SIZES))
def test_saving_a_row_keeps_the_others_and_a_move_keeps_the_view(browser, live_server, draft, size):
    tab, errors = _tab(browser, live_server, size)
    tab.goto(f"{tab.base_url}/plans/{draft.pk}/")
    _no_sideways_scroll(tab, "the editor")
    first, second = BaTerritory.objects.filter(plan=draft).order_by("name")[:2]

    # Edit two rows, save one: the other keeps what was typed, and nothing of it is saved.
    for territory in (first, second):
        tab.locator(f"#ba-row-{territory.pk} button", has_text="Sunting").click()
        expect(tab.locator(f"#ba-row-{territory.pk} input[name=name]")).to_be_visible()
    tab.fill(f"#ba-row-{first.pk} input[name=name]", "Wilayah Pertama Baru")
    tab.fill(f"#ba-row-{second.pk} input[name=name]", "Belum Disimpan")
    tab.locator(f"#ba-row-{first.pk} button[type=submit]", has_text="Simpan").click()
    expect(tab.locator(f"#ba-row-{first.pk}")).to_contain_text("Wilayah Pertama Baru")
    expect(tab.locator(f"#ba-row-{first.pk} input[name=name]")).to_have_count(0)
    expect(tab.locator(f"#ba-row-{second.pk} input[name=name]")).to_have_value("Belum Disimpan")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.name == "Wilayah Pertama Baru" and second.name != "Belum Disimpan"
    # Leaving now would lose the second row's edit: the page asks first.
    asked = []
    tab.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    tab.evaluate("window.location.href = '/plans/'")
    tab.wait_for_timeout(300)
    assert asked == ["beforeunload"] and f"/plans/{draft.pk}/" in tab.url
    tab.locator(f"#ba-row-{second.pk} button", has_text="Batal").click()
    expect(tab.locator(f"#ba-row-{second.pk} input[name=name]")).to_have_count(0)

    # Open a district far down the page, choose a village there and move it: the view stays where it was.
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
    before = tab.evaluate("window.scrollY")
    top = district.evaluate("d => d.getBoundingClientRect().top")
    tab.locator("#move-form button[type=submit]").click()
    expect(tab.locator("#editor-feedback")).to_contain_text("1 desa/kelurahan dipindahkan")
    expect(district).to_have_attribute("open", "")
    expect(district).to_contain_text(target.name)
    tab.wait_for_timeout(200)
    assert abs(district.evaluate("d => d.getBoundingClientRect().top") - top) <= 2
    assert abs(tab.evaluate("window.scrollY") - before) < 400
    assert BaVillage.objects.get(plan=draft, village=village).ba_territory == target
    screenshot(tab, f"plan-editor-{size}")
    assert not errors, errors
    tab.context.close()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_villages_chosen_on_the_map_move_and_publishing_shows_the_summary_first(browser, live_server, draft, size):
    tab, errors = _tab(browser, live_server, size)
    tab.goto(f"{tab.base_url}/plans/{draft.pk}/")
    tab.wait_for_selector(".map[data-ready]")
    target = BaTerritory.objects.filter(plan=draft).order_by("name").first()
    # Three villages of other territories of the same PMO area (moving across PMO areas blocks publishing).
    area = PmoDistrict.objects.filter(pmo_territory=target.pmo_territory).values_list("district_id", flat=True)
    chosen = list(Village.objects.filter(district__in=list(area))
                  .exclude(ba_links__ba_territory=target).order_by("code")[:45:15])
    assert len(chosen) == 3
    map_box = tab.locator(".map").first
    map_box.scroll_into_view_if_needed()
    for village in chosen:
        # Zoom on the village, then click its point on the map.
        point = tab.evaluate(
            "([lat, lng]) => { const map = document.querySelector('.map').leafletMap;"
            " map.setView([lat, lng], 15, {animate: false}); const p = map.latLngToContainerPoint([lat, lng]);"
            " return [p.x, p.y]; }", [float(village.latitude), float(village.longitude)])
        area = map_box.bounding_box()
        tab.mouse.click(area["x"] + point[0], area["y"] + point[1])
    expect(tab.locator(".map-chosen-count")).to_have_text("3")
    tab.locator("#map-move select[name=to]").select_option(str(target.pk))
    loads = map_box.get_attribute("data-loads")
    tab.locator("#map-move button[type=submit]").click()
    expect(tab.locator("#editor-feedback")).to_contain_text("3 desa/kelurahan dipindahkan")
    expect(map_box).not_to_have_attribute("data-loads", loads)  # the map is drawn again with the new colours
    expect(tab.locator(".map-chosen-count")).to_have_text("0")
    assert set(BaVillage.objects.filter(plan=draft, ba_territory=target, village__in=chosen)
               .values_list("village_id", flat=True)) == {v.pk for v in chosen}
    screenshot(tab, f"plan-map-moved-{size}")
    if size == "desk":
        # Drawing an area around a village chooses it (and only the villages inside the area).
        village = chosen[0]
        point = tab.evaluate(
            "([lat, lng]) => { const map = document.querySelector('.map').leafletMap;"
            " map.setView([lat, lng], 16, {animate: false}); const p = map.latLngToContainerPoint([lat, lng]);"
            " return [p.x, p.y]; }", [float(village.latitude), float(village.longitude)])
        tab.locator("[data-map-area]").click()
        map_box.evaluate("element => element.scrollIntoView({block: 'center'})")  # the whole map on screen
        tab.wait_for_timeout(300)  # let Leaflet settle after the screenshot's resize and the scroll
        point = tab.evaluate(
            "([lat, lng]) => { const p = document.querySelector('.map').leafletMap.latLngToContainerPoint([lat, lng]);"
            " return [p.x, p.y]; }", [float(village.latitude), float(village.longitude)])
        area = map_box.bounding_box()
        x, y = area["x"] + point[0], area["y"] + point[1]
        # At zoom 16 the next village is hundreds of pixels away: a box of 120 px holds only this one.
        tab.mouse.move(x - 60, y - 60)
        tab.mouse.down()
        tab.mouse.move(x + 60, y + 60, steps=6)
        tab.mouse.up()
        expect(tab.locator(".map-chosen-names")).to_contain_text(village.name)
        expect(tab.locator("[data-map-area]")).to_have_attribute("aria-pressed", "false")
        tab.locator("[data-map-clear]").click()
        expect(tab.locator(".map-chosen-count")).to_have_text("0")

    # The diff against the plan in force lists exactly those three villages.
    tab.goto(f"{tab.base_url}/plans/{draft.pk}/diff/")
    codes = sorted(tab.locator("tr.moved-village td.code").all_inner_texts())
    assert codes == sorted(v.code for v in chosen)
    _no_sideways_scroll(tab, "the diff")
    tab.goto(f"{tab.base_url}/plans/{draft.pk}/annex/")
    _no_sideways_scroll(tab, "the annex")

    # Publishing shows what changes before anything else, and publishes only once confirmed with a date.
    tab.goto(f"{tab.base_url}/plans/{draft.pk}/publish/")
    summary = tab.locator(".publish-summary")
    expect(summary).to_contain_text("3 desa/kelurahan berganti Business Assistant")
    expect(tab.locator("input[name=effective_from]")).to_have_value("")
    _no_sideways_scroll(tab, "the publish page")
    tab.fill("input[name=effective_from]", timezone.localdate().isoformat())  # a plan is published on its day
    tab.locator("main form button[type=submit]").click()
    expect(tab.locator("input[name=confirm]")).to_be_visible()
    draft.refresh_from_db()
    assert draft.status == "draft"
    tab.check("input[name=confirm]")
    tab.locator("main form button[type=submit]").click()
    expect(tab.locator(".badge-plan-active")).to_be_visible()
    screenshot(tab, f"plan-published-{size}")
    assert not errors, errors
    tab.context.close()
