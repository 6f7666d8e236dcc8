"""Sessions end when they should: deactivating or reactivating an account ends every session (an old session does
not come back to life), "sign out on every other device" keeps only this one, and signed-in pages are never kept
by a shared cache."""

import pytest
from django.test import Client
from django.urls import reverse

from cooperatives import services as registry
from cooperatives.models import Cooperative
from mentors import services
from mentors.models import Mentor

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_reactivated_mentor_does_not_get_their_old_session_back(split):
    phone = signed_in(split.ba)
    assert phone.get("/").status_code == 200
    mentor = Mentor.objects.get(pk=split.ba_mentor.pk)
    services.mentor_deactivate(actor=None, mentor=mentor)
    assert phone.get("/").status_code == 302
    services.mentor_activate(actor=None, mentor=mentor)
    again = phone.get("/")
    assert again.status_code == 302 and "/accounts/login/" in again["Location"]
    # Signing in again works.
    split.ba.refresh_from_db()
    assert signed_in(split.ba).get("/").status_code == 200


def test_signing_out_on_every_other_device_keeps_this_one(split):
    here, there = signed_in(split.pmo), signed_in(split.pmo)
    response = here.post(reverse("profile"), {"action": "sign_out_elsewhere"}, follow=True)
    assert "perangkat lain" in response.text
    assert here.get("/").status_code == 200
    assert there.get("/").status_code == 302


def test_signed_in_pages_are_private_and_not_stored(split, tmp_path):
    client = signed_in(split.ba)
    page = client.get("/")
    assert "private" in page["Cache-Control"] and "no-store" in page["Cache-Control"]
    # A visit photo keeps its own (private) caching.
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30)).save(buffer, "JPEG")
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    visit = registry.visit_create(actor=None, mentor=split.ba_mentor, cooperative=cooperative, date=page.wsgi_request
                                  .user.date_joined.date(), mode="phone", focus_areas=["training"], summary="x",
                                  files=[SimpleUploadedFile("a.jpg", buffer.getvalue())])
    photo = client.get(reverse("cooperatives:visit_file", kwargs={"pk": visit.files.get().pk}))
    assert photo["Cache-Control"] == "private, max-age=3600"


def test_blocking_and_unblocking_an_account_anywhere_ends_its_sessions(office_user, superuser):
    """The Django admin (or any code) that flips `is_active` ends the account's sessions too."""
    desk = signed_in(office_user)
    assert desk.get("/").status_code == 200
    admin_site = signed_in(superuser)
    from mentors.models import User

    user = User.objects.get(pk=office_user.pk)
    user.is_active = False
    user.save()
    assert desk.get("/").status_code == 302
    user = User.objects.get(pk=office_user.pk)
    user.is_active = True
    user.save(update_fields=["is_active"])
    assert desk.get("/").status_code == 302, "the old session stays ended after the account is unblocked"
    assert admin_site.get("/").status_code == 200
    assert signed_in(User.objects.get(pk=office_user.pk)).get("/").status_code == 200
