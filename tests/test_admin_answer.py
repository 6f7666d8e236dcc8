"""The Django admin answers every signed-in person: its pages for people with Django admin access, a plain 403
page with a way home for everyone else (never a round of redirects), and the sign-in page for anonymous people,
who come back to where they were going."""

import pytest
from django.test import Client
from django.urls import reverse

from .factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # the factories' password


def follow(client: Client, path: str, most: int = 5):
    """The answers to `path` and the redirects it leads to, stopping at the first page or after `most` hops."""
    seen = []
    for _hop in range(most):
        response = client.get(path)
        seen.append((path, response.status_code))
        if response.status_code != 302:
            return response, seen
        path = response["Location"]
    pytest.fail(f"still redirecting after {most} hops: {seen}")


@pytest.mark.parametrize("role", ["ba_user", "pmo_user", "office_user", "admin_user"])
@pytest.mark.parametrize("path", ["/admin/", "/admin/login/?next=/admin/", "/admin/regions/village/"])
def test_a_signed_in_person_without_admin_access_gets_a_403_page_with_a_way_home(role, path, request):
    client = Client()
    client.force_login(request.getfixturevalue(role))
    response, hops = follow(client, path)
    assert response.status_code == 403 and len(hops) == 1, hops
    page = response.content.decode()
    assert "Tidak diizinkan" in page and "hanya untuk operator portal" in page
    assert f'href="{reverse("home")}"' in page


def test_the_403_page_speaks_english_when_chosen(office_user):
    client = Client()
    client.force_login(office_user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get("/admin/").content.decode()
    assert "Not allowed" in page and "operators only" in page


def test_the_superuser_opens_the_admin_also_through_its_sign_in_address(superuser):
    client = Client()
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200
    response, hops = follow(client, "/admin/login/?next=/admin/regions/village/")
    assert response.status_code == 200 and hops[-1][0] == "/admin/regions/village/"
    # A `next` to another site is not followed.
    assert client.get("/admin/login/?next=https://contoh.invalid/").headers["Location"] == reverse("admin:index")


def test_an_anonymous_visitor_signs_in_and_comes_back_to_the_admin(settings):
    settings.MFA_REQUIRED_FOR_ADMINS = False  # the second factor's own step is tested in test_sign_in_policy.py
    operator = UserFactory(email="operator@example.test", is_staff=True, is_superuser=True, mfa=False)
    client = Client()
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    signed_in = client.post(response["Location"], {"login": operator.email, "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", ["ba_user", "office_user"])
def test_signing_in_with_next_admin_ends_on_the_403_page_not_a_loop(role, request):
    person = request.getfixturevalue(role)
    client = Client()
    signed_in = client.post(f"{reverse('account_login')}?next=/admin/", {"login": person.email,
                                                                           "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    response, hops = follow(client, "/admin/")
    assert response.status_code == 403 and len(hops) == 1
