import re

import pytest
from django.core import mail

from mentors.models import Membership, Mentor

from ..factories import MembershipFactory, MentorFactory, UserFactory
from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_invites_a_mentor_who_sets_a_password_and_the_link_then_stops_working(browser, live_server, sukabumi):
    admin = UserFactory(email="admin@contoh.test", full_name="Admin Dinas", password="Rahasia-Admin-1")
    MembershipFactory(user=admin, regency=sukabumi, role=Membership.Role.ADMIN)
    mentor = MentorFactory(regency=sukabumi, role=Mentor.Role.BA, full_name="Nina Marlina", email="nina@contoh.test")

    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}),
                browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True), browser.new_context()]
    office, phone, stranger = (context.new_page() for context in contexts)
    office.base_url = live_server.url
    sign_in(office, "admin@contoh.test", "Rahasia-Admin-1")
    office.goto(f"{live_server.url}/mentors/{mentor.pk}/")
    office.locator("form[action$='/invite/'] button").click()
    office.wait_for_selector(".message-success")
    assert "nina@contoh.test" in office.locator(".message-success").inner_text()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", mail.outbox[0].body).group(0)

    phone.goto(link)
    phone.fill("input[name=password1]", "Kopdes-Sukabumi-2026")
    phone.fill("input[name=password2]", "Kopdes-Sukabumi-2026")
    screenshot(phone, "invitation-set-password")
    phone.locator("main button[name=action]").click()
    phone.wait_for_url(f"{live_server.url}/")
    assert phone.get_by_role("heading", name="Selamat datang, Nina Marlina").is_visible()
    screenshot(phone, "invitation-landed-mentor-home")

    stranger.goto(link)
    assert stranger.locator("input[name=password1]").count() == 0
    assert "tidak valid" in stranger.locator("main").inner_text().lower() or "invalid" in stranger.content().lower()
    for context in contexts:
        context.close()
