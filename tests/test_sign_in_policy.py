"""One sign-in policy for every door: wrong passwords lock the account (not the address people share), the
counters live in the shared cache, the Django admin signs in through the portal's page, and admins use a second
factor (an authenticator app) before any page."""

import os
import re

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from mentors.models import Membership

from .factories import TOTP_SECRET, MembershipFactory, UserFactory, totp_code

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # the factories' password
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


def sign_in(client: Client, email: str, password: str, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def two_accounts(sukabumi):
    return UserFactory(email="satu@example.test"), UserFactory(email="dua@example.test")


def test_ten_wrong_passwords_lock_the_account_and_say_when_to_retry(two_accounts):
    first, second = two_accounts
    client = Client()
    for _attempt in range(10):
        response = sign_in(client, first.email, "salah-sandi")
        assert response.status_code == 200 and "Terlalu banyak" not in response.text
    refused = sign_in(client, first.email, PASSWORD)
    assert refused.status_code == 200 and not signed_in(client)
    assert re.search(r"Terlalu banyak percobaan masuk yang gagal\. Coba lagi dalam 1[45] menit", refused.text)
    # Another account on the same address still signs in.
    assert sign_in(client, second.email, PASSWORD).status_code == 302 and signed_in(client)


def test_the_lock_counts_the_account_whatever_the_case_of_the_address(two_accounts):
    first, _second = two_accounts
    client = Client()
    for attempt in range(10):
        sign_in(client, first.email.upper() if attempt % 2 else first.email, "salah-sandi")
    assert sign_in(client, first.email, PASSWORD).status_code == 200 and not signed_in(client)


def test_the_lock_holds_whatever_host_and_port_the_request_names(two_accounts):
    """The Host header is the client's to choose: it must not start a fresh count, nor open a locked account."""
    first, _second = two_accounts
    for port in range(10):
        sign_in(Client(), first.email, "salah-sandi", HTTP_HOST=f"127.0.0.1:{port + 1}")
    for host in ("127.0.0.1:1", "localhost", "localhost:8443", "[::1]:80", "testserver"):
        client = Client()
        refused = sign_in(client, f" {first.email.upper()} ", PASSWORD, HTTP_HOST=host)
        assert refused.status_code == 200 and "Terlalu banyak" in refused.text and not signed_in(client), host


def test_a_right_password_before_the_limit_does_not_reset_the_count(two_accounts):
    """A successful sign-in takes back only its own attempt: an attacker who knows one account cannot use it to
    keep guessing another's."""
    first, _second = two_accounts
    client = Client()
    for _attempt in range(9):
        sign_in(client, first.email, "salah-sandi")
    assert sign_in(client, first.email, PASSWORD).status_code == 302
    client.logout()
    sign_in(client, first.email, "salah-sandi")
    assert sign_in(client, first.email, PASSWORD).status_code == 200 and not signed_in(client)


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1,
                   ACCOUNT_RATE_LIMITS={"login_failed": "3/15m/ip,10/15m/key"})
def test_behind_a_proxy_the_client_address_counts_not_the_proxy(sukabumi):
    """nginx appends the client's address to X-Forwarded-For; every request comes from the proxy's address."""
    people = [UserFactory(email=f"orang{n}@example.test") for n in range(5)]
    at = {"REMOTE_ADDR": "127.0.0.1"}
    attacker = Client(HTTP_X_FORWARDED_FOR="203.0.113.9", **at)
    for person in people[:3]:
        sign_in(attacker, person.email, "salah-sandi")
    refused = sign_in(attacker, people[3].email, PASSWORD)
    assert refused.status_code == 200 and "Terlalu banyak" in refused.text
    # Someone else behind the same proxy signs in.
    colleague = Client(HTTP_X_FORWARDED_FOR="198.51.100.20", **at)
    assert sign_in(colleague, people[4].email, PASSWORD).status_code == 302


def test_the_counters_live_in_redis_when_it_is_set(two_accounts, settings):
    """With REDIS_URL set, the counters are in Redis, where every worker and node reads the same ones."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI at {REDIS_URL}: {error}")
        pytest.skip(f"needs Redis at {REDIS_URL} (set TEST_REDIS_URL): {error}")
    prefix = f"koperasi-test-{os.getpid()}"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                                   "KEY_PREFIX": prefix}}
    first, _second = two_accounts
    try:
        for _attempt in range(10):
            sign_in(Client(), first.email, "salah-sandi")
        keys = client.keys(f"{prefix}:*login_failed*")
        assert len(keys) == 2  # one counter for the account, one for the address
        refused = sign_in(Client(), first.email, PASSWORD)
        assert refused.status_code == 200 and "Terlalu banyak" in refused.text
    finally:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def test_the_django_admin_signs_in_through_the_portal_page(superuser):
    client = Client()
    response = client.get("/admin/login/?next=/admin/mentors/user/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login")) and "next=%2Fadmin%2Fmentors%2Fuser%2F" in \
        response["Location"]
    # Posting a password to the old admin form does not sign anyone in.
    client.post("/admin/login/", {"username": superuser.email, "password": PASSWORD})
    assert client.get("/admin/").status_code == 302


def test_the_django_admin_login_has_the_same_limit(sukabumi):
    staff = UserFactory(email="operator@example.test", is_staff=True, is_superuser=True)
    client = Client()
    for _attempt in range(10):
        sign_in(client, staff.email, "salah-sandi")
    refused = sign_in(client, staff.email, PASSWORD)
    assert refused.status_code == 200 and "Terlalu banyak" in refused.text
    assert client.get("/admin/").status_code == 302


# --- a second factor for admins ----------------------------------------------------------------------


def test_an_admin_without_an_authenticator_is_sent_to_enrol_before_any_page(sukabumi):
    admin = MembershipFactory(user=UserFactory(email="admin.baru@example.test"), regency=sukabumi,
                              role=Membership.Role.ADMIN, mfa=False).user
    client = Client()
    client.force_login(admin)
    for path in ("/", "/mentors/", "/cooperatives/", "/dashboard/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("mfa_activate_totp")), path
    # Sign-out and the account pages stay open.
    assert client.get(reverse("account_change_password")).status_code == 200


def test_a_superuser_without_an_authenticator_cannot_open_the_django_admin(db):
    operator = UserFactory(email="nasional@example.test", is_staff=True, is_superuser=True, mfa=False)
    client = Client()
    client.force_login(operator)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_activate_totp"))


def test_office_staff_and_mentors_are_not_made_to_enrol(office_user, ba_user):
    for person in (office_user, ba_user):
        client = Client()
        client.force_login(person)
        assert client.get("/").status_code == 200


def test_enrolling_then_signing_in_with_the_code(sukabumi):
    admin = MembershipFactory(user=UserFactory(email="admin.baru@example.test"), regency=sukabumi,
                              role=Membership.Role.ADMIN, mfa=False).user
    client = Client()
    response = sign_in(client, admin.email, PASSWORD)
    assert response.status_code == 302
    page = client.get("/", follow=True)
    # Enrolling asks for the password once more (as every change to the second factor does).
    assert page.request["PATH_INFO"] == reverse("account_reauthenticate")
    page = client.post(page.request["PATH_INFO"] + "?" + page.request["QUERY_STRING"], {"password": PASSWORD},
                       follow=True)
    assert page.request["PATH_INFO"] == reverse("mfa_activate_totp")
    assert "aplikasi autentikator" in page.text.lower()
    secret = page.context["form"].secret
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200 and client.get("/").status_code == 302
    done = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert done.status_code == 302
    assert client.get("/").status_code == 200
    # The next sign-in asks for the code after the password.
    client.logout()
    step = sign_in(client, admin.email, PASSWORD)
    assert step.status_code == 302 and step["Location"] == reverse("mfa_authenticate")
    assert client.get("/").status_code == 302  # not signed in without the code
    assert client.post(reverse("mfa_authenticate"), {"code": "123456"}).status_code == 200
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}).status_code == 302
    assert client.get("/").status_code == 200


def test_an_admin_cannot_remove_their_authenticator(admin_user):
    client = Client()
    sign_in(client, admin_user.email, PASSWORD)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})
    assert client.get("/").status_code == 200
    client.post(reverse("mfa_deactivate_totp"))
    assert admin_user.authenticator_set.filter(type="totp").exists()


def test_anyone_may_enrol_from_their_profile(ba_user):
    client = Client()
    sign_in(client, ba_user.email, PASSWORD)
    profile = client.get(reverse("profile"))
    assert reverse("mfa_index") in profile.text
    assert client.get(reverse("mfa_index")).status_code == 200
    step = client.get(reverse("mfa_activate_totp"))
    assert step.status_code == 302 and step["Location"].startswith(reverse("account_reauthenticate"))
    page = client.post(step["Location"], {"password": PASSWORD}, follow=True)
    assert page.request["PATH_INFO"] == reverse("mfa_activate_totp") and page.context["form"].secret
