"""The office accounts of a regency, managed by its admins from the portal: add (a new account is invited by
e-mail, an existing one gets the membership), invite again, change role, suspend and reactivate, every change in
the regency's change log; the last admin stays; staff get 403, outsiders 404."""

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from mentors.models import Membership, Mentor, User

from ..factories import MembershipFactory, UserFactory
from .test_invitations import accept, invitation_link

pytestmark = pytest.mark.django_db


def english(client):
    """Messages are asserted in English, the source language, whatever the catalogue holds."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def accounts_url(regency):
    return reverse("mentors:office_accounts", kwargs={"code": regency.code})


def action_url(name, membership):
    return reverse(f"mentors:office_account_{name}", kwargs={"code": membership.regency.code, "pk": membership.pk})


def act(client, name, membership, **data):
    membership.refresh_from_db()
    return client.post(action_url(name, membership), {"version": membership.version, **data}, follow=True)


@pytest.fixture
def staff_member(sukabumi):
    """Office staff of Sukabumi with a password, for the changes below (not the `office_user` persona)."""
    user = UserFactory(email="rina@contoh.test", full_name="Rina Kartika")
    return MembershipFactory(user=user, regency=sukabumi, role=Membership.Role.STAFF)


def test_an_admin_adds_office_staff_who_is_invited_and_sets_a_password(
    admin_client, admin_user, sukabumi, django_capture_on_commit_callbacks
):
    english(admin_client)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("mentors:office_account_create", kwargs={"code": "32.02"}), {
            "email": " Dewi.Lestari@Contoh.test ", "full_name": "Dewi Lestari", "role": "staff"}, follow=True)

    assert response.redirect_chain[-1][0] == accounts_url(sukabumi)
    assert "An invitation to choose a password was sent to dewi.lestari@contoh.test" in response.text
    user = User.objects.get(email="dewi.lestari@contoh.test")
    membership = Membership.objects.get(user=user)
    assert (membership.regency, membership.role, membership.account_status) == (sukabumi, "staff", "invited")
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dewi.lestari@contoh.test"]
    assert "Dewi Lestari" in mail.outbox[0].body and "Kabupaten Sukabumi" in mail.outbox[0].body

    browser, landed = accept(invitation_link(mail.outbox[0]))

    assert landed.context["user"] == user
    assert browser.get(reverse("regions:regency_detail", kwargs={"code": "32.02"})).status_code == 200
    user.refresh_from_db()
    assert user.check_password("Kopdes-Sukabumi-2026")
    membership.refresh_from_db()
    assert membership.account_status == "active"
    created = membership.history.order_by("history_id").first()
    assert created.history_type == "+" and created.history_user == admin_user


def test_an_address_that_already_has_an_account_gets_the_office_role_on_that_account(
    admin_client, sukabumi, ba_user, django_capture_on_commit_callbacks
):
    english(admin_client)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("mentors:office_account_create", kwargs={"code": "32.02"}), {
            "email": "BA@example.test", "full_name": "Another Name", "role": "staff"}, follow=True)

    assert "already had an account" in response.text
    assert User.objects.filter(email__iexact="ba@example.test").count() == 1
    ba_user.refresh_from_db()
    assert ba_user.full_name == "Asisten Bisnis" and ba_user.check_password("correct-horse-battery")
    assert ba_user.memberships.get().role == "staff"
    assert not mail.outbox  # they already sign in with their own password


def test_someone_already_in_this_office_is_not_added_twice(admin_client, staff_member):
    english(admin_client)
    response = admin_client.post(reverse("mentors:office_account_create", kwargs={"code": "32.02"}), {
        "email": "rina@contoh.test", "full_name": "Rina", "role": "admin"})

    assert response.status_code == 200
    assert "rina@contoh.test already has an office account in Kabupaten Sukabumi" in response.text
    staff_member.refresh_from_db()
    assert staff_member.role == "staff" and Membership.objects.filter(user=staff_member.user).count() == 1


@pytest.mark.parametrize("data, field", [
    ({"email": "bukan-alamat", "full_name": "Dewi", "role": "staff"}, "email"),
    ({"email": "dewi@contoh.test", "full_name": "   ", "role": "staff"}, "full_name"),
    ({"email": "dewi@contoh.test", "full_name": "Dewi", "role": "superuser"}, "role"),
])
def test_a_bad_form_says_what_is_wrong_and_changes_nothing(admin_client, sukabumi, data, field):
    users, memberships = User.objects.count(), Membership.objects.count()
    response = admin_client.post(reverse("mentors:office_account_create", kwargs={"code": "32.02"}), data)
    assert response.status_code == 200 and list(response.context["form"].errors) == [field]
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)
    assert not mail.outbox


def test_an_admin_changes_a_role_both_ways_and_the_log_says_who_did_it(
    admin_client, admin_user, staff_member, sukabumi
):
    english(admin_client)
    response = act(admin_client, "role", staff_member, role="admin")
    assert "Rina Kartika is now administrator." in response.text
    staff_member.refresh_from_db()
    assert staff_member.role == "admin"

    act(admin_client, "role", staff_member, role="staff")
    staff_member.refresh_from_db()
    assert staff_member.role == "staff"

    page = admin_client.get(accounts_url(sukabumi))
    latest = page.context["changes"][0]
    assert latest["record"].history_user == admin_user and latest["person"] == staff_member.user
    assert latest["what"] == "role changed to office staff"
    assert "Admin Kantor" in page.text and "role changed to administrator" in page.text


def test_an_action_on_an_account_changed_since_the_page_was_shown_is_refused(admin_client, staff_member):
    english(admin_client)
    seen = staff_member.version
    act(admin_client, "role", staff_member, role="admin")

    response = admin_client.post(action_url("suspend", staff_member), {"version": seen}, follow=True)
    assert "Someone else changed this account" in response.text
    response = admin_client.post(action_url("role", staff_member), {"role": "staff"}, follow=True)  # no version
    assert "Someone else changed this account" in response.text
    staff_member.refresh_from_db()
    staff_member.user.refresh_from_db()
    assert staff_member.role == "admin" and staff_member.user.is_active


def test_a_role_that_does_not_exist_is_refused(admin_client, staff_member):
    english(admin_client)
    response = act(admin_client, "role", staff_member, role="superuser")
    assert "Choose a role: administrator or office staff." in response.text
    staff_member.refresh_from_db()
    assert staff_member.role == "staff"


def test_suspending_blocks_an_account_whose_only_role_this_was_and_ends_its_sessions(
    admin_client, staff_member, sukabumi
):
    english(admin_client)
    phone = signed_in(staff_member.user)
    regency_page = reverse("regions:regency_detail", kwargs={"code": "32.02"})
    assert phone.get(regency_page).status_code == 200

    response = act(admin_client, "suspend", staff_member)

    assert "Rina Kartika is suspended: their account is blocked and signed out on every device." in response.text
    staff_member.refresh_from_db()
    user = staff_member.user
    assert not user.is_active and staff_member.account_status == "suspended"
    after = phone.get(regency_page)
    assert after.status_code == 302 and "/accounts/login/" in after["Location"]
    assert not Client().login(email=user.email, password="correct-horse-battery")
    listed = {account.pk: account for account in response.context["page_obj"]}
    assert listed[staff_member.pk].account_status == "suspended"  # still in the list, to be reactivated

    response = act(admin_client, "reactivate", staff_member)

    assert "Rina Kartika can sign in to Kabupaten Sukabumi again." in response.text
    assert phone.get(regency_page).status_code == 302  # the session from before does not come back
    assert signed_in(User.objects.get(pk=user.pk)).get(regency_page).status_code == 200
    reasons = list(user.history.order_by("history_id").values_list("history_change_reason", "is_active"))
    assert reasons[-2:] == [("suspended", False), ("reactivated", True)]


def test_suspending_someone_who_also_works_elsewhere_removes_only_this_office(
    admin_client, staff_member, other_regency
):
    english(admin_client)
    MembershipFactory(user=staff_member.user, regency=other_regency, role=Membership.Role.STAFF)
    phone = signed_in(staff_member.user)

    response = act(admin_client, "suspend", staff_member)

    assert "no longer has access to Kabupaten Sukabumi" in response.text
    assert not Membership.objects.filter(pk=staff_member.pk).exists()
    assert phone.get(reverse("regions:regency_detail", kwargs={"code": "32.02"})).status_code == 404
    assert phone.get(reverse("regions:regency_detail", kwargs={"code": "32.03"})).status_code == 200
    removed = Membership.history.filter(id=staff_member.pk).latest()
    assert removed.history_type == "-" and removed.history_change_reason == "suspended"
    assert "removed from this office" in response.text


def test_suspending_a_mentor_with_an_office_role_keeps_their_mentor_account(admin_client, ba_user, sukabumi):
    membership = MembershipFactory(user=ba_user, regency=sukabumi, role=Membership.Role.STAFF)
    act(admin_client, "suspend", membership)
    ba_user.refresh_from_db()
    assert ba_user.is_active and not ba_user.memberships.exists()
    assert Mentor.objects.get(user=ba_user).is_active


def test_a_regency_admin_never_blocks_a_national_operator(admin_client, superuser, sukabumi):
    membership = MembershipFactory(user=superuser, regency=sukabumi, role=Membership.Role.STAFF)
    act(admin_client, "suspend", membership)
    superuser.refresh_from_db()
    assert superuser.is_active and not superuser.memberships.exists()


def test_reactivating_gives_back_this_regency_only(admin_client, staff_member, other_regency, other_admin):
    """Suspended in Sukabumi (the account blocked), then added by Cianjur: Sukabumi stays closed to them."""
    english(admin_client)
    act(admin_client, "suspend", staff_member)
    cianjur = english(signed_in(other_admin))

    response = cianjur.post(reverse("mentors:office_account_create", kwargs={"code": "32.03"}), {
        "email": "rina@contoh.test", "full_name": "Rina", "role": "staff"}, follow=True)

    assert "already had an account" in response.text
    user = User.objects.get(email="rina@contoh.test")
    assert user.is_active and list(user.memberships.values_list("regency__code", flat=True)) == ["32.03"]
    cleared = Membership.history.filter(id=staff_member.pk).latest()
    assert cleared.history_type == "-" and cleared.history_user == other_admin
    log = admin_client.get(accounts_url(staff_member.regency)).context["changes"]
    assert log[0]["what"] == "removed: the suspended account was reactivated by another office"


def test_the_last_admin_can_neither_suspend_nor_demote_themself(admin_client, admin_user, sukabumi):
    english(admin_client)
    own = admin_user.memberships.get()

    for name, data in [("suspend", {}), ("role", {"role": "staff"})]:
        response = act(admin_client, name, own, **data)
        assert "You are the last admin of Kabupaten Sukabumi: make another account admin before you" in response.text
    own.refresh_from_db()
    admin_user.refresh_from_db()
    assert own.role == "admin" and admin_user.is_active

    MembershipFactory(regency=sukabumi, role=Membership.Role.ADMIN)  # a second admin
    response = act(admin_client, "role", own, role="staff")
    assert response.redirect_chain[-1][0] == reverse("home")
    own.refresh_from_db()
    assert own.role == "staff"
    assert admin_client.get(accounts_url(sukabumi)).status_code == 403


def test_a_national_operator_cannot_remove_the_last_admin_either(client_for, superuser, admin_user, sukabumi):
    operator = english(client_for(superuser))
    own = admin_user.memberships.get()
    response = act(operator, "suspend", own)
    assert "Admin Kantor is the last admin of Kabupaten Sukabumi" in response.text
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_a_new_invitation_replaces_the_old_link(admin_client, sukabumi, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("mentors:office_account_create", kwargs={"code": "32.02"}), {
            "email": "dewi@contoh.test", "full_name": "Dewi Lestari", "role": "admin"})
    membership = Membership.objects.get(user__email="dewi@contoh.test")
    with django_capture_on_commit_callbacks(execute=True):
        act(admin_client, "invite", membership)

    assert len(mail.outbox) == 2
    _, with_old = accept(invitation_link(mail.outbox[0]))
    assert not with_old.context["user"].is_authenticated
    membership.refresh_from_db()
    assert membership.invited_at is not None
    assert [r.history_change_reason for r in membership.history.order_by("history_id")] == [
        "added", "invited", "invited"]


def test_an_account_that_has_a_password_is_not_invited_again(admin_client, staff_member):
    english(admin_client)
    response = act(admin_client, "invite", staff_member)
    assert "has already set a password" in response.text and not mail.outbox


def test_office_staff_get_403_and_outsiders_404(client_for, office_user, other_admin, split, staff_member):
    urls = [accounts_url(staff_member.regency),
            reverse("mentors:office_account_create", kwargs={"code": "32.02"})]
    posts = [action_url(name, staff_member) for name in ("invite", "role", "suspend", "reactivate")]
    for user, status in [(office_user, 403), (other_admin, 404), (split.ba, 404), (split.pmo, 404)]:
        client = client_for(user)
        assert [client.get(url).status_code for url in urls] == [status] * 2
        assert [client.post(url, {"version": 0, "role": "admin"}).status_code for url in posts] == [status] * 4
    staff_member.refresh_from_db()
    assert staff_member.role == "staff" and staff_member.user.is_active and staff_member.version == 0


def test_an_account_of_another_regency_is_not_found_through_this_one(admin_client, other_admin, other_regency):
    foreign = other_admin.memberships.get()
    forged = reverse("mentors:office_account_suspend", kwargs={"code": "32.02", "pk": foreign.pk})
    assert admin_client.post(forged, {"version": foreign.version}).status_code == 404
    assert admin_client.get(reverse("mentors:office_accounts", kwargs={"code": "32.03"})).status_code == 404
    assert admin_client.get(reverse("mentors:office_accounts", kwargs={"code": "99.99"})).status_code == 404
    other_admin.refresh_from_db()
    assert other_admin.is_active and other_admin.memberships.exists()


def test_the_roster_links_admins_to_their_office_accounts(admin_client, sukabumi):
    roster = admin_client.get(reverse("mentors:mentor_list"))
    assert reverse("mentors:office_index") in roster.text
    assert admin_client.get(reverse("mentors:office_index"))["Location"] == accounts_url(sukabumi)


def test_a_national_operator_chooses_the_regency(client_for, superuser, sukabumi, other_regency):
    page = client_for(superuser).get(reverse("mentors:office_index"))
    assert page.status_code == 200
    assert accounts_url(sukabumi) in page.text and accounts_url(other_regency) in page.text


def test_the_account_history_never_keeps_passwords_or_sign_ins(staff_member):
    fields = {field.name for field in User.history.model._meta.fields}
    assert not fields & {"password", "last_login", "session_epoch"}
    rows = staff_member.user.history.count()
    assert Client().login(email="rina@contoh.test", password="correct-horse-battery")  # writes last_login
    staff_member.user.set_password("Sandi-Baru-2026")
    staff_member.user.save(update_fields=["password"])
    assert staff_member.user.history.count() == rows


def test_the_accounts_page_keeps_its_query_count_as_the_office_grows(admin_client, sukabumi, count_queries):
    url = accounts_url(sukabumi)
    admin_client.get(url)  # the session and the language are settled before counting
    with count_queries() as few:
        count_queries.get(admin_client, url)
    for index in range(50):
        member = MembershipFactory(user=UserFactory(email=f"staf{index}@contoh.test"), regency=sukabumi,
                                   role=Membership.Role.STAFF)
        member.role = Membership.Role.ADMIN
        member.save()
    with count_queries() as many:
        count_queries.get(admin_client, url)
    count_queries.assert_same(few, many, most=12)
