from datetime import date

import pytest
from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import expect

from mentors.models import Membership, Mentor
from regions.models import Village
from territories.models import BaTerritory, BaVillage, TerritoryPlan

from ..factories import MembershipFactory, UserFactory
from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def roster_workbook(path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Nama", "Peran", "Telepon", "Email", "Mulai kontrak", "Akhir kontrak"])
    year = timezone.localdate().year
    for i in range(41):
        role = "PMO" if i < 2 else "BA"
        sheet.append([f"{role} Contoh {i:02d}", role, f"0812{i:08d}", f"orang{i:02d}@contoh.test",
                      date(year - 1, 1, 1), date(year + 1, 12, 31)])
    book.save(path)


def test_an_admin_builds_and_publishes_a_split_and_a_ba_sees_exactly_their_villages(
    page, browser, live_server, sukabumi, tmp_path
):
    admin = UserFactory(email="admin@contoh.test", full_name="Admin Dinas", password="Rahasia-Admin-1")
    MembershipFactory(user=admin, regency=sukabumi, role=Membership.Role.ADMIN)
    sign_in(page, "admin@contoh.test", "Rahasia-Admin-1")

    # 2 PMOs and 39 BAs, from the office's spreadsheet.
    roster_workbook(tmp_path / "roster.xlsx")
    page.goto(f"{live_server.url}/mentors/import/")
    page.set_input_files("input[type=file]", str(tmp_path / "roster.xlsx"))
    page.locator("main form[enctype] button[type=submit]").click()
    page.locator("form[action$='/mentors/import/apply/'] button").click()
    expect(page.locator(".message-success")).to_contain_text("41")
    assert Mentor.objects.filter(role="ba").count() == 39

    # A new (empty) draft, the proposed split, and publish — nothing fixed by hand.
    page.goto(f"{live_server.url}/plans/new/")
    page.fill("input[name=name]", "Pembagian wilayah kerja uji")
    page.locator("main form button[type=submit]").click()
    page.locator("a[href$='/propose/']").click()
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("#preview")).to_contain_text("386 desa/kelurahan mendapat Business Assistant")
    page.locator("main form button[name=apply]").click()
    expect(page.locator(".message-success").first).to_be_visible()
    screenshot(page, "plan-proposed")
    page.locator("a[href$='/publish/']").first.click()
    page.fill("input[name=effective_from]", timezone.localdate().isoformat())
    page.fill("input[name=decree_number]", "500/123/DKUKM/2026")
    page.check("input[name=confirm]")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".badge-plan-active")).to_be_visible()

    plan = TerritoryPlan.objects.get(status="active")
    assert BaVillage.objects.filter(plan=plan).count() == 386 == Village.objects.count()
    sizes = [t.village_links.count() for t in BaTerritory.objects.filter(plan=plan)]
    assert len(sizes) == 39 and all(7 <= n <= 15 for n in sizes)

    # A BA signs in on a phone and sees exactly the villages of their territory.
    territory = BaTerritory.objects.filter(plan=plan).select_related("mentor").order_by("name")[5]
    ba_user = UserFactory(email=territory.mentor.email, full_name=territory.mentor.full_name, password="Rahasia-BA-1")
    territory.mentor.user = ba_user
    territory.mentor.save()
    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True).new_page()
    phone.base_url = live_server.url
    sign_in(phone, ba_user.email, "Rahasia-BA-1")
    shown = sorted(phone.locator("table.my-villages tbody tr td:nth-child(2)").all_inner_texts())
    expected = sorted(territory.village_links.values_list("village__name", flat=True))
    assert shown == expected
    screenshot(phone, "ba-home-my-villages")
    elsewhere = Village.objects.exclude(ba_links__ba_territory=territory).first()
    response = phone.goto(f"{live_server.url}{elsewhere.get_absolute_url()}")
    assert response.status == 404
    phone.context.close()


def test_moving_a_village_in_the_draft_editor_does_not_reload_the_page(page, live_server, sukabumi):
    from territories import services

    admin = UserFactory(email="admin@contoh.test", full_name="Admin Dinas", password="Rahasia-Admin-1")
    MembershipFactory(user=admin, regency=sukabumi, role=Membership.Role.ADMIN)
    plan = services.plan_create(actor=None, regency=sukabumi, name="Draf", clone=False)
    services.territory_create(actor=None, plan=plan, version=1, kind="ba", name="Wilayah Uji")
    village = Village.objects.get(code="32.02.01.2002")

    sign_in(page, "admin@contoh.test", "Rahasia-Admin-1")
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    page.evaluate("window.marker = 'same page'")
    district = page.locator(f"#district-{village.district_id}")
    if not district.evaluate("details => details.open"):  # districts with unassigned villages start open
        district.locator("summary").click()
    page.locator(f"input[name=villages][value='{village.pk}']").check()
    page.locator("#move-form select[name=to]").select_option(label="Wilayah Uji")
    page.locator("#move-form button[type=submit]").click()
    expect(page.locator(".message-success")).to_be_visible()
    assert page.evaluate("window.marker") == "same page"
    assert BaVillage.objects.get(plan=plan, village=village).ba_territory.name == "Wilayah Uji"
    row = page.locator(f"input[name=villages][value='{village.pk}']").locator("xpath=ancestor::tr")
    expect(row).to_contain_text("Wilayah Uji")
    screenshot(page, "plan-editor-after-move")
