"""The office schedules a plan for a later day and renews contracts in bulk; a BA whose contract ended is turned
away at sign-in. On a desk and on a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mentors.access import has_mfa
from mentors.models import Mentor
from territories import services
from territories.models import BaTerritory, TerritoryPlan

from ..factories import MembershipFactory, UserFactory, enrol_totp
from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Rahasia-Kontrak-1"


def _tab(browser, live_server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID",
                                  is_mobile=width < 600, has_touch=width < 600)
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.base_url = live_server.url
    return tab


def _fits(tab, width, what):
    scroll = tab.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{what} scrolls sideways ({scroll} px)"


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (360, 740)])
def test_the_office_schedules_a_plan_renews_contracts_and_an_ended_contract_is_turned_away(
        browser, live_server, split, sukabumi, width, height):
    admin = UserFactory(email="admin.kontrak@contoh.test", full_name="Admin Kontrak")
    MembershipFactory(user=admin, regency=sukabumi, role="admin")
    if not has_mfa(admin):
        enrol_totp(admin)
    for user in (admin, split.ba):
        user.set_password(PASSWORD)
        user.save()
    today = timezone.localdate()
    draft = services.plan_create(actor=None, regency=sukabumi, name="Rencana tahun baru")
    services.villages_move(actor=None, plan=draft, version=draft.version, village_ids=split.villages[:1],
                           to=BaTerritory.objects.get(plan=draft, name=split.neighbour.name))
    Mentor.objects.filter(pk=split.pmo_mentor.pk).update(contract_end=today + timedelta(days=5))
    Mentor.objects.filter(pk=split.neighbour.mentor_id).update(contract_end=today + timedelta(days=20))
    size = f"{width}"

    tab = _tab(browser, live_server, width, height)
    sign_in(tab, admin.email, PASSWORD)
    screenshot(tab, f"contracts-home-{size}")
    expect(tab.locator(".need-late", has_text="Kontrak PMO 1")).to_contain_text("5 hari lagi")

    # Publish for a day ahead: scheduled, the plan in force stays.
    later = today + timedelta(days=3)  # every contract covers it
    tab.goto(f"{tab.base_url}/plans/{draft.pk}/publish/")
    tab.fill("input[name=effective_from]", later.isoformat())
    tab.fill("input[name=decree_number]", "800/12/DKUKM/2026")
    tab.check("input[name=confirm]")
    tab.locator("main form[data-busy] button[type=submit]").last.click()
    expect(tab.locator(".scheduled-plan")).to_be_visible()
    expect(tab.locator("#plan-status")).to_contain_text("berlaku mulai")
    _fits(tab, width, "the scheduled plan")
    screenshot(tab, f"plan-scheduled-{size}")
    assert TerritoryPlan.objects.get(pk=draft.pk).status == "scheduled"
    tab.get_by_role("button", name="Tarik kembali: jadikan draf lagi").click()
    expect(tab.locator("#plan-status")).to_contain_text("draf")
    assert TerritoryPlan.objects.get(pk=draft.pk).status == "draft"

    # Renew two contracts in one go.
    tab.goto(f"{tab.base_url}/mentors/contracts/")
    for mentor in (split.pmo_mentor, split.neighbour.mentor):
        tab.check(f"#renew-{mentor.pk}")
    tab.fill("input[name=contract_end]", (today + timedelta(days=365)).isoformat())
    _fits(tab, width, "the renewal page")
    screenshot(tab, f"contracts-renew-{size}")
    tab.get_by_role("button", name="Perpanjang kontrak yang dipilih").click()
    expect(tab.locator(".message-success")).to_contain_text("2 kontrak diperpanjang")
    screenshot(tab, f"contracts-renewed-{size}")
    assert Mentor.objects.get(pk=split.pmo_mentor.pk).contract_end == today + timedelta(days=365)

    # A BA whose contract ended yesterday cannot get in.
    Mentor.objects.filter(pk=split.ba_mentor.pk).update(contract_end=today - timedelta(days=1))
    ba = _tab(browser, live_server, width, height)
    ba.goto(ba.base_url + "/")
    ba.fill("#id_login", split.ba.email)
    ba.fill("#id_password", PASSWORD)
    ba.locator('form[action="/accounts/login/"] button[type=submit]').click()
    expect(ba.locator("main")).to_contain_text("Kontrak Anda sebagai pendamping telah berakhir")
    expect(ba.locator("main")).not_to_contain_text("Berhasil masuk")
    assert "/accounts/login/" in ba.url
    screenshot(ba, f"contract-ended-{size}")
