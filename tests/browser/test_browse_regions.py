import pytest
from playwright.sync_api import expect

from ..factories import MembershipFactory, UserFactory
from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_member(sukabumi):
    user = UserFactory(email="staf@example.test", full_name="Staf Dinas", password="Rahasia-Kopdes-1")
    MembershipFactory(user=user, regency=sukabumi, role="staff")
    return user


def test_staff_sign_in_open_a_district_and_see_its_villages(page, staff_member):
    sign_in(page, "staf@example.test", "Rahasia-Kopdes-1")
    assert page.get_by_role("heading", name="Selamat datang, Staf Dinas").is_visible()

    page.get_by_role("link", name="Kabupaten Sukabumi").first.click()
    page.get_by_role("link", name="Palabuhanratu").click()

    assert page.get_by_role("heading", name="Kecamatan Palabuhanratu").is_visible()
    rows = page.locator("#results tbody tr")
    assert rows.count() == 10
    assert rows.first.inner_text().startswith("32.02.01.1001")
    assert page.get_by_text("Tonjong").is_visible()
    screenshot(page, "district-palabuhanratu")


def test_searching_districts_updates_the_table_without_reloading(page, staff_member):
    sign_in(page, "staf@example.test", "Rahasia-Kopdes-1")
    page.goto(page.base_url + "/regions/32.02/")
    page.evaluate("window.marker = 'same page'")
    page.get_by_role("searchbox").fill("Cicurug")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert page.locator("#results tbody tr").inner_text().startswith("32.02.16")
    assert page.evaluate("window.marker") == "same page"
    assert "q=Cicurug" in page.url


def test_on_a_phone_a_village_page_is_readable_and_english_is_one_tap_away(phone, staff_member):
    sign_in(phone, "staf@example.test", "Rahasia-Kopdes-1")
    phone.goto(phone.base_url + "/regions/32.02.01.2002/")
    assert phone.get_by_role("heading", name="Tonjong").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "village-phone-id")

    phone.get_by_role("button", name="English").click()
    phone.wait_for_selector("html[lang=en]")
    assert phone.get_by_text("Kemendagri code").is_visible()
    screenshot(phone, "village-phone-en")
