import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
PROJECT = Path(__file__).resolve().parent.parent


def test_a_person_signs_in_with_e_mail_and_password(client, office_user):
    credentials = {"login": "STAF@example.test", "password": "correct-horse-battery"}
    response = client.post(reverse("account_login"), credentials)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").context["user"] == office_user


def test_a_wrong_password_is_refused_in_indonesian(client, office_user):
    response = client.post(reverse("account_login"), {"login": "staf@example.test", "password": "salah"})
    assert response.status_code == 200
    assert "tidak benar" in response.text or "salah" in response.text.lower()
    assert not response.context["user"].is_authenticated


def test_an_inactive_account_cannot_sign_in(client, office_user):
    office_user.is_active = False
    office_user.save()
    client.post(reverse("account_login"), {"login": "staf@example.test", "password": "correct-horse-battery"})
    assert client.get("/").status_code == 302


def test_signing_out_ends_the_session(office_client):
    response = office_client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert office_client.get("/").status_code == 302


def test_there_is_no_sign_up_page(client):
    assert client.get("/accounts/signup/").status_code == 404
    login_page = client.get(reverse("account_login"))
    assert "signup" not in login_page.text


def test_a_forgotten_password_is_reset_through_the_e_mailed_link(client, office_user):
    client.post(reverse("account_reset_password"), {"email": "staf@example.test"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["staf@example.test"]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
                {"password1": "Kopdes-Baru-2025", "password2": "Kopdes-Baru-2025"})

    office_user.refresh_from_db()
    assert office_user.check_password("Kopdes-Baru-2025")


def test_pages_are_in_indonesian_by_default_and_switch_to_english(office_client, sukabumi):
    assert "Masuk" in Client().get(reverse("account_login")).text
    page = office_client.get(reverse("regions:regency_detail", kwargs={"code": "32.02"}))
    assert '<html lang="id">' in page.text and "Kecamatan" in page.text

    office_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = office_client.get(reverse("regions:regency_detail", kwargs={"code": "32.02"}))
    assert '<html lang="en">' in english.text and "Districts" in english.text


def test_the_language_can_be_switched_before_signing_in(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("account_login")})
    assert "Sign in" in client.get(reverse("account_login")).text


def test_the_national_operator_opens_the_region_admin_and_searches_it(client, superuser, sukabumi):
    client.force_login(superuser)
    response = client.get("/admin/regions/village/", {"q": "Tonjong"})
    assert response.status_code == 200 and "32.02.01.2002" in response.text


def test_office_people_without_admin_site_access_cannot_open_it(office_client):
    response = office_client.get("/admin/regions/village/")
    assert response.status_code == 403


@pytest.mark.parametrize("env, message", [
    ({"DEBUG": "false", "ALLOWED_HOSTS": "portal.example"}, "SECRET_KEY"),
    ({"DEBUG": "false", "SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS"),
])
def test_production_settings_refuse_to_start_without_secrets(env, message):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "koperasi_portal.settings"},
        cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0 and message in result.stderr


def test_production_settings_start_with_secrets():
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**clean, "DEBUG": "false", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "portal.example",
             "MFA_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
             "DJANGO_SETTINGS_MODULE": "koperasi_portal.settings"},
        cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_an_english_browser_still_gets_indonesian_until_english_is_chosen(client):
    page = client.get(reverse("account_login"), headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="id">' in page.text and "Masuk" in page.text


def test_people_cannot_change_their_sign_in_address_themselves(office_client):
    assert office_client.get("/accounts/email/").status_code == 404


def test_gunicorns_entry_point_defaults_to_production_and_needs_the_secrets():
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", "import koperasi_portal.wsgi"],
        env=clean, cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_the_national_operator_finds_plans_and_cooperatives_in_the_data_admin(client, superuser, split):
    client.force_login(superuser)
    for path in ("/admin/territories/territoryplan/", "/admin/cooperatives/cooperative/",
                 "/admin/cooperatives/visit/", "/admin/cooperatives/monthlyreport/", "/admin/regions/regency/"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert "Rencana" in client.get("/admin/territories/territoryplan/").text
