import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from mentors.models import Mentor, User

from ..factories import MentorFactory

pytestmark = pytest.mark.django_db


def invitation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", message.body).group(1)


def accept(link, password="Kopdes-Sukabumi-2026"):
    """Open the link like a browser and set the password; returns the client and the final response."""
    browser = Client()
    form = browser.get(link, follow=True)
    response = browser.post(form.redirect_chain[-1][0] if form.redirect_chain else link,
                            {"password1": password, "password2": password}, follow=True)
    return browser, response


@pytest.fixture
def mentor(sukabumi):
    return MentorFactory(regency=sukabumi, role=Mentor.Role.BA, full_name="Nina Marlina", email="nina@contoh.test")


def test_an_invited_mentor_sets_a_password_lands_on_their_page_and_the_link_then_dies(
    admin_client, mentor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("mentors:mentor_invite", kwargs={"pk": mentor.pk}), follow=True)
    assert "Undangan telah dikirim ke nina@contoh.test" in response.text
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nina@contoh.test"]
    assert "Nina Marlina" in mail.outbox[0].body
    mentor.refresh_from_db()
    assert mentor.user.email == "nina@contoh.test" and not mentor.user.has_usable_password()
    assert mentor.account_status == "invited"

    browser, landed = accept(invitation_link(mail.outbox[0]))

    assert "home_mentor.html" in [t.name for t in landed.templates]
    assert landed.context["user"] == mentor.user
    _, again = accept(invitation_link(mail.outbox[0]), password="Percobaan-Kedua-99")
    assert not again.context["user"].is_authenticated
    mentor.user.refresh_from_db()
    assert mentor.user.check_password("Kopdes-Sukabumi-2026")


def test_re_inviting_replaces_the_old_link(admin_client, mentor, django_capture_on_commit_callbacks):
    url = reverse("mentors:mentor_invite", kwargs={"pk": mentor.pk})
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url)
    old, new = invitation_link(mail.outbox[0]), invitation_link(mail.outbox[1])

    _, with_old = accept(old)
    assert not with_old.context["user"].is_authenticated
    _, with_new = accept(new)
    assert with_new.context["user"].email == "nina@contoh.test"


@pytest.fixture(autouse=True)
def _send_mail_on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_a_mentor_without_e_mail_or_already_active_is_not_invited(admin_client, sukabumi):
    nameless = MentorFactory(regency=sukabumi, email="")
    response = admin_client.post(reverse("mentors:mentor_invite", kwargs={"pk": nameless.pk}), follow=True)
    assert "tidak memiliki alamat e-mail" in response.text and not mail.outbox

    user = User.objects.create_user("aktif@contoh.test", "Sudah-Punya-Sandi-1")
    active = MentorFactory(regency=sukabumi, email="aktif@contoh.test", user=user)
    response = admin_client.post(reverse("mentors:mentor_invite", kwargs={"pk": active.pk}), follow=True)
    assert "sudah menetapkan kata sandi" in response.text and not mail.outbox
    user.refresh_from_db()
    assert user.check_password("Sudah-Punya-Sandi-1")


def test_an_inactive_mentor_cannot_be_invited(admin_client, mentor):
    mentor.is_active = False
    mentor.save()
    admin_client.post(reverse("mentors:mentor_invite", kwargs={"pk": mentor.pk}))
    assert not mail.outbox and User.objects.filter(email="nina@contoh.test").count() == 0


def test_an_invitation_never_takes_over_an_existing_account(admin_client, sukabumi, other_admin):
    other_admin.is_active = False
    other_admin.set_unusable_password()
    other_admin.save()
    mentor = MentorFactory(regency=sukabumi, email=other_admin.email)
    response = admin_client.post(reverse("mentors:mentor_invite", kwargs={"pk": mentor.pk}), follow=True)
    assert "sudah dipakai oleh akun lain" in response.text
    other_admin.refresh_from_db()
    mentor.refresh_from_db()
    assert not other_admin.is_active and mentor.user is None and not mail.outbox


def test_changing_an_invited_mentors_address_moves_the_account_and_kills_the_old_link(
    admin_client, mentor, django_capture_on_commit_callbacks
):
    from mentors.services import mentor_update

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("mentors:mentor_invite", kwargs={"pk": mentor.pk}))
    old_link = invitation_link(mail.outbox[0])
    mentor.refresh_from_db()
    mentor_update(actor=None, mentor=mentor, email="nina.baru@contoh.test")

    mentor.user.refresh_from_db()
    assert mentor.user.email == "nina.baru@contoh.test"
    _, response = accept(old_link)
    assert not response.context["user"].is_authenticated


def test_deactivating_an_invited_mentor_kills_their_link(admin_client, mentor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("mentors:mentor_invite", kwargs={"pk": mentor.pk}))
    link = invitation_link(mail.outbox[0])
    admin_client.post(reverse("mentors:mentor_deactivate", kwargs={"pk": mentor.pk}))
    _, response = accept(link)
    assert not response.context["user"].is_authenticated
    mentor.refresh_from_db()
    assert not mentor.user.has_usable_password() and not mentor.user.is_active


def test_the_invitation_is_written_in_indonesian_whatever_the_admins_language(
    admin_client, sukabumi, django_capture_on_commit_callbacks
):
    mentor = MentorFactory(regency=sukabumi, full_name="Nur'aini", email="nur@contoh.test")
    admin_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("mentors:mentor_invite", kwargs={"pk": mentor.pk}))
    body = mail.outbox[0].body
    assert "Nur'aini" in body and "&#x27;" not in body
    assert "kata sandi" in body.lower()
