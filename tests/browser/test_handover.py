"""A BA leaves: the office hands their villages to the neighbours with a note, and the successors find the work
(the handed-over villages, the note, the open follow-up) on their home page. On a phone and on a desk."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cooperatives.models import Cooperative, FollowUp, HandoverItem, Visit

from ..factories import MembershipFactory, UserFactory
from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Serah-Terima-2026"
NOTE = "Ketua koperasi minta jadwal ulang rapat anggota; draf AD/ART di map biru."


def _tab(browser, live_server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID",
                                  is_mobile=width < 500, has_touch=width < 500)
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.base_url = live_server.url
    return tab


def _fits(tab, width, what):
    scrolled = tab.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, f"{what} scrolls sideways ({scrolled} px)"


@pytest.mark.parametrize(("width", "height"), [(360, 740), (1280, 800)], ids=["phone", "desk"])
def test_the_office_hands_a_bas_villages_to_the_neighbours_and_they_see_the_work(browser, live_server, split,
                                                                                  sukabumi, width, height):
    today = timezone.localdate()
    admin = UserFactory(email="admin.serah@contoh.test", full_name="Admin Serah Terima")
    MembershipFactory(user=admin, regency=sukabumi, role="admin")
    admin.set_password(PASSWORD)
    admin.save()
    cooperative = Cooperative.objects.select_related("village").get(village_id=split.villages[0])
    visit = Visit.objects.create(cooperative=cooperative, mentor=split.ba_mentor, date=today - timedelta(days=5),
                                 summary="Rapat pengurus", focus_areas=["institutions"], created_by=split.ba)
    FollowUp.objects.create(visit=visit, action="Antar draf AD/ART ke notaris", due_date=today + timedelta(days=2))

    office = _tab(browser, live_server, width, height)
    sign_in(office, admin.email, PASSWORD)
    office.get_by_role("link", name="Serah terima desa/kelurahan pendamping yang keluar").click()
    office.select_option("#id_leaver", label=f"{split.ba_mentor.full_name} (Business Assistant)")
    office.fill("#id_last_day", f"{today - timedelta(days=1):%Y-%m-%d}")
    office.check("input[name=to][value=neighbours]")
    office.get_by_role("button", name="Rancang serah terima").click()
    expect(office.get_by_role("heading", name=f"Serah terima {split.ba_mentor.full_name}")).to_be_visible()
    expect(office.get_by_role("link", name=cooperative.village.name).first).to_be_visible()
    office.fill(f"#note-{cooperative.pk}", NOTE)
    _fits(office, width, "the handover preview")
    screenshot(office, f"handover-preview-{width}")
    office.get_by_role("button", name="Terbitkan serah terima").click()
    expect(office.get_by_text("Diserahterimakan: perubahan pembagian berlaku mulai")).to_be_visible()
    expect(office.get_by_role("heading", name="Siapa menerima apa")).to_be_visible()
    screenshot(office, f"handover-published-{width}")

    items = list(HandoverItem.objects.select_related("successor", "cooperative__village"))
    successors = {item.successor for item in items}
    assert len(successors) >= 2 and split.ba_mentor not in successors  # the neighbours share the villages
    first = next(item.successor for item in items if item.cooperative_id == cooperative.pk)
    second = next(s for s in successors if s != first)
    for index, mentor in enumerate((first, second)):
        mentor.user = UserFactory(email=f"penerus{index}@contoh.test", full_name=mentor.full_name)
        mentor.user.set_password(PASSWORD)
        mentor.user.save()
        mentor.save()

        tab = _tab(browser, live_server, width, height)
        sign_in(tab, mentor.user.email, PASSWORD)
        needs = tab.locator("section.needs")
        handed = needs.get_by_text(f"diserahterimakan kepada Anda oleh {split.ba_mentor.full_name}")
        expect(handed.first).to_be_visible()
        if mentor == first:
            expect(needs.get_by_text(NOTE[:40])).to_be_visible()
            expect(needs.get_by_text("Antar draf AD/ART ke notaris")).to_be_visible()
            _fits(tab, width, "the successor's home")
            screenshot(tab, f"handover-successor-home-{width}")
            needs.get_by_role("link", name=f"{cooperative.village.name} diserahterimakan kepada Anda").click()
            expect(tab.get_by_role("heading", name="Catatan serah terima")).to_be_visible()
            expect(tab.get_by_text(NOTE)).to_be_visible()
            screenshot(tab, f"handover-cooperative-{width}")
        else:
            expect(needs.get_by_text("Antar draf AD/ART ke notaris")).to_have_count(0)
        tab.context.close()
    office.context.close()
