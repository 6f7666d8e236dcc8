"""Writes about people: the mentor roster, invitations, the office accounts and the bulk import. Every change is
audited."""

import copy
from datetime import date, timedelta
from typing import NamedTuple

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from toolkit.mail import mail_queue
from toolkit.phones import phone_normalize
from toolkit.spreadsheets import (
    ImportPreview,
    RowResult,
    Sheet,
    apply_all_or_nothing,
    change_details,
    row_form,
)
from toolkit.versions import StaleEdit, check_version

from .access import can_add_mentors_to, can_manage_mentor, can_manage_office
from .forms import MentorRowForm
from .models import ContractNotice, Membership, Mentor, User
from .selectors import office_admin_addresses

MENTOR_FIELDS = ["full_name", "role", "phone", "email", "contract_start", "contract_end", "notes"]


def _may(actor: User | None, allowed) -> None:
    """Refuse a change the actor may not make (`actor` None: the system, e.g. a command or the demo)."""
    if actor is not None and not allowed(actor):
        raise PermissionDenied


def _save(mentor: Mentor, *, actor: User | None, reason: str) -> Mentor:
    mentor.full_clean()
    mentor._history_user = actor
    mentor._change_reason = reason
    mentor.save()
    return mentor


@transaction.atomic
def mentor_create(*, actor: User | None, regency, **values) -> Mentor:
    _may(actor, lambda user: can_add_mentors_to(user, regency.pk))
    values["phone"] = phone_normalize(values.get("phone", ""))
    mentor = Mentor(regency=regency, **{k: v for k, v in values.items() if k in MENTOR_FIELDS})
    return _save(mentor, actor=actor, reason="created")


@transaction.atomic
def mentor_update(*, actor: User | None, mentor: Mentor, version: str | None = None, role_locked: bool = False,
                  **values) -> Mentor:
    """Change the listed fields. `version` is the one the editor saw (`toolkit.versions`): a newer row wins.

    `role_locked`: the mentor holds a work territory in the plan in force (the caller reads the plan), so their
    role cannot change until the plan does."""
    _may(actor, lambda user: can_manage_mentor(user, mentor))
    current = check_version(Mentor.objects.select_for_update().get(pk=mentor.pk), version, locked=True)
    if "phone" in values:
        values["phone"] = phone_normalize(values["phone"])
    if role_locked and values.get("role", current.role) != current.role:
        raise ValidationError({"role": _("%(name)s holds a work territory in the plan in force: change the plan "
                                         "before changing the role.") % {"name": current.full_name}})
    for name, value in values.items():
        if name in MENTOR_FIELDS:
            setattr(current, name, value)
    _save(current, actor=actor, reason="edited")
    if current.user_id:
        _sync_account(current)
    return current


BECAME_PMO = "became PMO"  # the history's reason when a BA's handover made them a PMO


@transaction.atomic
def mentor_becomes_pmo(*, actor: User | None, mentor: Mentor) -> Mentor:
    """A BA becomes a PMO, in their history. The caller (the handover that takes their villages away and gives them
    a PMO territory, in the same transaction) answers for the plan; a PMO already stays one."""
    _may(actor, lambda user: can_manage_mentor(user, mentor))
    current = Mentor.objects.select_for_update().get(pk=mentor.pk)
    if current.role == Mentor.Role.PMO:
        return current
    if current.role != Mentor.Role.BA:
        raise ValidationError(_("Only a BA becomes a PMO through a handover."))
    current.role = Mentor.Role.PMO
    return _save(current, actor=actor, reason=BECAME_PMO)


def _sync_account(mentor: Mentor) -> None:
    """Keep the login account's name and address with the mentor's. An address change of an account that has
    not set its password yet also kills the invitation link sent to the old address."""
    user = mentor.user
    changed = []
    if user.full_name != mentor.full_name:
        user.full_name = mentor.full_name
        changed.append("full_name")
    if mentor.email and user.email != mentor.email:
        if User.objects.filter(email__iexact=mentor.email).exclude(pk=user.pk).exists():
            raise ValidationError({"email": _("Another account already uses this e-mail address.")})
        user.email = mentor.email
        changed.append("email")
        if not user.has_usable_password():
            user.set_unusable_password()
            changed.append("password")
    if changed:
        user.save(update_fields=changed)


@transaction.atomic
def mentor_deactivate(*, actor: User | None, mentor: Mentor) -> Mentor:
    """Deactivate a mentor: their account is blocked, which also ends their open sessions.

    A mentor is never deleted: their history stays.
    """
    _may(actor, lambda user: can_manage_mentor(user, mentor))
    mentor = _set_active(mentor, False, actor=actor, reason="deactivated")
    if mentor.user_id:
        user = mentor.user
        _account_set_active(user, False, actor=actor, reason="deactivated")  # an unused invitation link dies too
    return mentor


@transaction.atomic
def mentor_activate(*, actor: User | None, mentor: Mentor) -> Mentor:
    _may(actor, lambda user: can_manage_mentor(user, mentor))
    mentor = _set_active(mentor, True, actor=actor, reason="reactivated")
    if mentor.user_id:
        _account_set_active(mentor.user, True, actor=actor, reason="reactivated")
    return mentor


def _account_set_active(user: User, active: bool, *, actor: User | None, reason: str) -> None:
    """Block or unblock a login account, in its history. Blocking also kills an unused invitation link; either
    way every session of the account ends (`User.save`), so an old one never comes back to life."""
    user.is_active = active
    fields = ["is_active"]
    if not active and not user.has_usable_password():
        user.set_unusable_password()
        fields.append("password")
    user._history_user = actor
    user._change_reason = reason
    user.save(update_fields=fields)


def _set_active(mentor: Mentor, active: bool, *, actor, reason: str) -> Mentor:
    """Flip the active flag on the current row (locked), so a concurrent edit is not overwritten."""
    current = Mentor.objects.select_for_update(of=("self",)).select_related("user").get(pk=mentor.pk)
    current.is_active = active
    current._history_user = actor
    current._change_reason = reason
    current.save(update_fields=["is_active", "updated_at"])
    return current


class InvitationError(Exception):
    pass


@transaction.atomic
def mentor_invite(*, actor: User | None, mentor: Mentor) -> str:
    """Create (or refresh) the mentor's login account and e-mail a single-use link to set a password.

    The link is allauth's password-reset link: it expires after PASSWORD_RESET_TIMEOUT and dies once used.
    Re-inviting gives the account a new unusable password, which invalidates every earlier link.
    Returns the address the invitation went to.
    """
    _may(actor, lambda user: can_manage_mentor(user, mentor))
    mentor = Mentor.objects.select_for_update(of=("self",)).select_related("user", "regency").get(pk=mentor.pk)
    if not mentor.is_active:
        raise InvitationError(_("An inactive mentor cannot be invited. Activate them first."))
    if not mentor.email:
        raise InvitationError(_("This mentor has no e-mail address. Add one first."))
    user = mentor.user
    if user is None:
        # Only an account the invitation creates itself: never take over someone else's account.
        if User.objects.filter(email__iexact=mentor.email).exists():
            raise InvitationError(
                _("The address %(email)s already belongs to another account.") % {"email": mentor.email}
            )
        user = User(email=mentor.email)
    elif User.objects.filter(email__iexact=mentor.email).exclude(pk=user.pk).exists():
        raise InvitationError(
            _("The address %(email)s already belongs to another account.") % {"email": mentor.email}
        )
    elif user.has_usable_password():
        raise InvitationError(
            _("%(name)s has already set a password. They can use “Forgot your password?” on the sign-in page.")
            % {"name": mentor.full_name}
        )
    user.email = mentor.email
    user.full_name = mentor.full_name
    user.is_active = True
    user.set_unusable_password()
    user.save()
    mentor.user = user
    mentor.invited_at = timezone.now()
    _save(mentor, actor=actor, reason="invited")
    _invitation_send(user=user, actor=actor, regency=mentor.regency, name=mentor.full_name,
                     role=Mentor.Role(mentor.role).label)
    return user.email


def _invitation_send(*, user: User, actor: User | None, regency, name: str, role) -> None:
    """E-mail `user` a single-use link to set a password: queued in the outbox in this transaction, so it goes out
    once the transaction commits (and never if it is rolled back).

    The link is allauth's password-reset link, so the caller first gives the account a new unusable password:
    that invalidates every earlier link. The message is rendered now (the link needs the request's host) and in
    the portal's language whatever the sender's (`role` is a lazy label for that reason).
    """
    adapter = get_adapter()
    token = allauth_settings.PASSWORD_RESET_TOKEN_GENERATOR().make_token(user)
    url = adapter.get_reset_password_from_key_url(f"{user_pk_to_url_str(user)}-{token}")
    context = {"name": name, "role": role, "invite_url": url, "inviter": actor, "regency": regency,
               "email": user.email}
    with translation.override(settings.LANGUAGE_CODE):
        message = adapter.render_mail("mentors/email/invitation", user.email, context)
    message.send()


# --- office accounts: the admins and staff of a regency's office ------------------------------------------
#
# Suspending removes a person's access to one regency. When that office is the account's only role, the account
# itself is blocked (and signed out everywhere) and its membership stays, shown as suspended, so the office can
# reactivate it. When the person has another role (another office, an active mentor record, national operator),
# the account must stay for it: only this membership is removed. Reactivating an account gives back access to
# the reactivating office only: places the blocked account still held in other offices were suspended there,
# and are removed. Only a national operator blocks or unblocks a national operator's account.


class OfficeAccountError(Exception):
    """A change to an office account refused with a message for the admin; nothing was changed."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class OfficeAccountAdded(NamedTuple):
    membership: Membership
    existing: bool  # the address already had an account: the membership was added to it
    invited: bool  # an invitation goes out (the account has no password yet)


def _may_manage_office(actor: User | None, regency_id: int) -> None:
    if actor is not None and not can_manage_office(actor, regency_id):
        raise PermissionDenied


def _is_operator(user: User) -> bool:
    """A national operator (superuser or Django admin user): their account is not a regency's to block."""
    return user.is_superuser or user.is_staff


def _membership_save(membership: Membership, *, actor: User | None, reason: str) -> Membership:
    if membership.pk:
        membership.version += 1
    membership.full_clean(validate_constraints=False)  # the database holds one membership per user and regency
    membership._history_user = actor
    membership._change_reason = reason
    membership.save()
    return membership


def _membership_delete(membership: Membership, *, actor: User | None, reason: str) -> None:
    membership._history_user = actor
    membership._change_reason = reason
    membership.delete()


def _office_locked(membership: Membership, version) -> tuple[Membership, list[Membership]]:
    """Lock every office account of the membership's regency (always in the same order, so two admins acting at
    once wait for each other instead of deadlocking) and return this one, as it is now, with the others.

    `version` is the one the admin's page showed: an account changed (or gone) since then is refused (StaleEdit)."""
    accounts = list(Membership.objects.select_for_update(of=("self",)).filter(regency_id=membership.regency_id)
                    .select_related("user", "regency").order_by("pk"))
    current = next((account for account in accounts if account.pk == membership.pk), None)
    if current is None:
        raise StaleEdit
    check_version(current, version, locked=True)
    return current, [account for account in accounts if account.pk != current.pk]


def _keeps_an_admin(current: Membership, others: list[Membership], *, actor: User | None, demote: bool) -> None:
    """A regency keeps at least one admin who can sign in: the last one can be neither suspended nor made staff."""
    if current.role != Membership.Role.ADMIN or not current.user.is_active:
        return
    if any(other.role == Membership.Role.ADMIN and other.user.is_active for other in others):
        return
    values = {"name": current.user, "regency": current.regency.name}
    if actor is not None and actor.pk == current.user_id:
        message = (_("You are the last admin of %(regency)s: make another account admin before you make yourself "
                     "office staff.") if demote else
                   _("You are the last admin of %(regency)s: make another account admin before you suspend your "
                     "own account."))
    else:
        message = _("%(name)s is the last admin of %(regency)s: make another account admin first.")
    raise OfficeAccountError(message % values)


def _office_invite(membership: Membership, *, actor: User | None) -> None:
    """A new unusable password (earlier links die with it), then the invitation, as for mentors."""
    user = membership.user
    user.set_unusable_password()
    user.save(update_fields=["password"])
    membership.invited_at = timezone.now()
    _membership_save(membership, actor=actor, reason="invited")
    _invitation_send(user=user, actor=actor, regency=membership.regency, name=user.full_name or user.email,
                     role=Membership.Role(membership.role).label)


def _account_reactivate(user: User, *, actor: User | None, keep: Membership) -> None:
    """Unblock `user` for the office of `keep` only (see above)."""
    if _is_operator(user) and actor is not None and not actor.is_superuser:
        raise OfficeAccountError(_("The account of %(email)s belongs to a national operator: only a national "
                                   "operator can reactivate it.") % {"email": user.email}, field="email")
    for other in Membership.objects.select_for_update(of=("self",)).filter(user=user).exclude(pk=keep.pk):
        _membership_delete(other, actor=actor, reason="cleared")
    _account_set_active(user, True, actor=actor, reason="reactivated")


@transaction.atomic
def office_account_add(*, actor: User | None, regency, email: str, full_name: str, role: str) -> OfficeAccountAdded:
    """Give a person an office role in `regency`: a new account (invited by e-mail to set a password), or a
    membership added to the account that already uses the address. A blocked account is reactivated for this
    office only; an account without a password yet gets a fresh invitation."""
    _may_manage_office(actor, regency.pk)
    email = User.objects.normalize_email(email.strip()).lower()
    already = OfficeAccountError(_("%(email)s already has an office account in %(regency)s: find it in the list to "
                                   "change its role or reactivate it.") % {"email": email, "regency": regency.name},
                                 field="email")
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    existing = user is not None
    if existing and Membership.objects.filter(user=user, regency=regency).exists():
        raise already
    try:
        with transaction.atomic():
            if not existing:
                user = User(email=email, full_name=full_name.strip())
                user.set_unusable_password()
                user.full_clean(validate_unique=False)  # the database holds one account per address
                user._history_user = actor
                user._change_reason = "added"
                user.save()
            membership = _membership_save(Membership(user=user, regency=regency, role=role), actor=actor,
                                          reason="added")
    except IntegrityError as error:  # another admin added the same person a moment ago
        raise already from error
    if not user.is_active:
        _account_reactivate(user, actor=actor, keep=membership)
    if existing and not user.full_name and full_name.strip():
        user.full_name = full_name.strip()
        user._history_user = actor
        user.save(update_fields=["full_name"])
    invited = not user.has_usable_password()
    if invited:
        _office_invite(membership, actor=actor)
    return OfficeAccountAdded(membership=membership, existing=existing, invited=invited)


@transaction.atomic
def office_account_invite(*, actor: User | None, membership: Membership, version=None) -> str:
    """Send the person a new invitation (earlier links stop working). Returns the address it went to."""
    _may_manage_office(actor, membership.regency_id)
    current, _others = _office_locked(membership, version)
    user = current.user
    if not user.is_active:
        raise OfficeAccountError(_("%(name)s is suspended: reactivate the account before inviting them again.")
                                 % {"name": user})
    if user.has_usable_password():
        raise OfficeAccountError(
            _("%(name)s has already set a password. They can use “Forgot your password?” on the sign-in page.")
            % {"name": user})
    _office_invite(current, actor=actor)
    return user.email


@transaction.atomic
def office_account_set_role(*, actor: User | None, membership: Membership, role: str, version=None) -> Membership:
    _may_manage_office(actor, membership.regency_id)
    if role not in Membership.Role.values:
        raise OfficeAccountError(_("Choose a role: administrator or office staff."))
    current, others = _office_locked(membership, version)
    if current.role == role:
        raise OfficeAccountError(_("%(name)s is already %(role)s.")
                                 % {"name": current.user, "role": current.get_role_display()})
    if role == Membership.Role.STAFF:
        _keeps_an_admin(current, others, actor=actor, demote=True)
    current.role = role
    return _membership_save(current, actor=actor, reason="role")


@transaction.atomic
def office_account_suspend(*, actor: User | None, membership: Membership, version=None) -> str:
    """Remove the person's access to the membership's regency (see above). Returns `blocked` (the account was
    blocked and signed out everywhere) or `removed` (only this membership was removed)."""
    _may_manage_office(actor, membership.regency_id)
    current, others = _office_locked(membership, version)
    user = current.user
    if not user.is_active:
        raise OfficeAccountError(_("%(name)s is already suspended.") % {"name": user})
    _keeps_an_admin(current, others, actor=actor, demote=False)
    other_roles = (_is_operator(user) or Membership.objects.filter(user=user).exclude(pk=current.pk).exists()
                   or Mentor.objects.filter(user=user, is_active=True).exists())
    if other_roles:
        _membership_delete(current, actor=actor, reason="suspended")
        return "removed"
    _account_set_active(user, False, actor=actor, reason="suspended")
    _membership_save(current, actor=actor, reason="suspended")
    return "blocked"


@transaction.atomic
def office_account_reactivate(*, actor: User | None, membership: Membership, version=None) -> Membership:
    """Unblock a suspended account, for this regency's office only (see above)."""
    _may_manage_office(actor, membership.regency_id)
    current, _others = _office_locked(membership, version)
    if current.user.is_active:
        raise OfficeAccountError(_("%(name)s is not suspended.") % {"name": current.user})
    _account_reactivate(current.user, actor=actor, keep=current)
    return _membership_save(current, actor=actor, reason="reactivated")


# --- bulk import: a dry run that says per row what will happen, then an all-or-nothing apply -------

MENTOR_SHEET = Sheet(
    columns={
        "full_name": {"nama", "nama lengkap", "name", "full name"},
        "role": {"peran", "jabatan", "role", "posisi"},
        "phone": {"telepon", "no hp", "nomor hp", "no. hp", "hp", "phone", "telephone", "no telepon"},
        "email": {"email", "e-mail", "surel", "alamat email", "alamat e-mail"},
        "contract_start": {"mulai kontrak", "awal kontrak", "contract start", "tanggal mulai"},
        "contract_end": {"akhir kontrak", "selesai kontrak", "contract end", "tanggal selesai"},
        "notes": {"catatan", "keterangan", "notes"},
    },
    required=("full_name", "role"),
    max_rows=2000,
    missing_message=gettext_lazy("The first row must name the columns; missing: %(columns)s. Expected columns: nama, "
                                 "peran, telepon, email, mulai kontrak, akhir kontrak."),
)


def mentors_import_check(*, regency, rows: list[dict], role_locked_ids=frozenset()) -> ImportPreview:
    """What importing `rows` into `regency` would do, row by row. Writes nothing.

    Rows are matched to the regency's mentors by e-mail, or for rows without e-mail by phone, then by name.
    `role_locked_ids`: the mentors who hold a work territory in the plan in force (the caller reads the plan): a
    row that changes their role is refused.
    """
    mentors = list(Mentor.objects.filter(regency=regency))
    by_email = {m.email: m for m in mentors if m.email}
    by_phone = {m.phone: m for m in mentors if m.phone}
    by_name: dict[str, list[Mentor]] = {}
    for mentor in mentors:
        by_name.setdefault(mentor.full_name.lower(), []).append(mentor)
    seen: dict[str, int] = {}
    preview = ImportPreview()
    for values in rows:
        row = RowResult(number=values.get("_row", 0), key=values.get("full_name", ""), values=values)
        preview.rows.append(row)
        cleaned, problems = row_form(MentorRowForm, values)
        if problems:
            row.fail(*problems)
            continue
        row.values = cleaned
        email = cleaned.get("email", "")
        earlier = preview.seen_before(row, email or cleaned.get("phone") or cleaned["full_name"].lower(), seen)
        if earlier:
            row.fail(_("e-mail %(email)s appears twice in the file (also row %(row)d)")
                     % {"email": email, "row": earlier} if email
                     else _("this mentor appears twice in the file (also row %(row)d)") % {"row": earlier})
            continue
        if email:
            mentor = by_email.get(email)
        else:
            named = [m for m in by_name.get(cleaned["full_name"].lower(), []) if not m.email]
            mentor = by_phone.get(cleaned.get("phone")) or (named[0] if len(named) == 1 else None)
        candidate = copy.copy(mentor) if mentor else Mentor(regency=regency)
        row.changes = [name for name, value in cleaned.items() if getattr(candidate, name) != value]
        if mentor is not None and mentor.pk in role_locked_ids and "role" in row.changes:
            row.fail(_("%(name)s holds a work territory in the plan in force: change the plan before changing the "
                       "role.") % {"name": mentor.full_name})
            continue
        row.change_labels = [str(Mentor._meta.get_field(name).verbose_name) for name in row.changes]
        row.details = change_details(Mentor, mentor, cleaned, row.changes)
        for name in row.changes:
            setattr(candidate, name, cleaned[name])
        try:
            # Without a query per row: the regency is the caller's and the login account is not the import's;
            # an address used twice is found above, across the file and the roster, and the database holds it.
            candidate.full_clean(exclude=["regency", "user"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            row.fail(*error.messages)
            continue
        row.instance = mentor
        row.extra["mentor"] = candidate  # as it will be saved
        row.action = "create" if mentor is None else ("update" if row.changes else "unchanged")
    return preview


IMPORT_BATCH = 500  # rows per INSERT or UPDATE statement


@transaction.atomic
def mentors_import_apply(*, actor: User | None, regency, rows: list[dict],
                         role_locked_ids=frozenset()) -> ImportPreview:
    """Apply an import all or nothing: any row error (re-checked now) and nothing is written. The rows are
    written in bulk, with their history: a few statements per 500 rows, whatever the size of the file."""
    _may(actor, lambda user: can_add_mentors_to(user, regency.pk))

    def write_all(results):
        created = [row.extra["mentor"] for row in results if row.action == "create"]
        updated = [row.extra["mentor"] for row in results if row.action == "update"]
        # A renewal by spreadsheet: a mentor whose access the contracts job ended is active again.
        renewed = _ended_by_job([mentor for row in results if row.action == "update" and "contract_end" in row.changes
                                 and (mentor := row.extra["mentor"]).contract_end
                                 and mentor.contract_end >= timezone.localdate()])
        bulk_create_with_history(created, Mentor, batch_size=IMPORT_BATCH, default_user=actor,
                                 default_change_reason="imported")
        if updated:
            now = timezone.now()
            for mentor in updated:
                mentor.updated_at = now  # what `auto_now` does on save(): an editor that saw the old one is refused
            fields = sorted({name for row in results if row.action == "update" for name in row.changes})
            bulk_update_with_history(updated, Mentor, [*fields, "updated_at"], batch_size=IMPORT_BATCH,
                                     default_user=actor, default_change_reason="imported")
        for mentor in renewed:
            mentor = _set_active(mentor, True, actor=actor, reason="reactivated")
            if mentor.user_id and not mentor.user.is_active:
                _account_set_active(mentor.user, True, actor=actor, reason="reactivated")

    return apply_all_or_nothing(mentors_import_check(regency=regency, rows=rows, role_locked_ids=role_locked_ids),
                                write_all=write_all,
                                changed=_("the roster changed during the import: %(why)s"))


# --- contracts: access ends the day after the contract, the office is warned before, renewal in bulk ------------

CONTRACT_ENDED = "contract ended"  # the history reason of a deactivation by the contracts job
CONTRACT_WARNING_DAYS = (30, 7)


def contracts_end(*, today: date, time_zone: str | None = None) -> list[Mentor]:
    """Deactivate the active mentors whose contract ended before `today` (the system does it: `actor` None), of the
    regencies in `time_zone` (all when None). Their login account is blocked, which ends every session, unless it
    also serves an office role. Returns them."""
    ended = []
    mentors = Mentor.objects.filter(is_active=True, contract_end__lt=today)
    if time_zone is not None:
        mentors = mentors.filter(regency__time_zone=time_zone)
    for pk in mentors.values_list("pk", flat=True):
        with transaction.atomic():
            mentor = _set_active(Mentor(pk=pk), False, actor=None, reason=CONTRACT_ENDED)
            user = mentor.user
            if user is not None and user.is_active and not (_is_operator(user) or user.memberships.exists()):
                _account_set_active(user, False, actor=None, reason=CONTRACT_ENDED)
            elif user is not None:
                user.end_sessions()
        ended.append(mentor)
    return ended


def contract_warnings_send(*, today: date, time_zone: str | None = None) -> int:
    """Warn each regency's office admins (one e-mail per regency and run) of the contracts that end within 30,
    then within 7 days, once per contract end and threshold; what was sent is recorded (`ContractNotice`).
    Only the regencies in `time_zone` when given. Returns how many mentors were newly warned of."""
    horizon = today + timedelta(days=max(CONTRACT_WARNING_DAYS))
    mentors = Mentor.objects.filter(is_active=True, contract_end__gte=today, contract_end__lte=horizon)
    if time_zone is not None:
        mentors = mentors.filter(regency__time_zone=time_zone)
    mentors = list(mentors.select_related("regency").order_by("regency_id", "contract_end", "full_name"))
    known = set(ContractNotice.objects.filter(mentor__in=mentors).values_list("mentor_id", "contract_end", "days"))
    due: dict = {}
    for mentor in mentors:
        left = (mentor.contract_end - today).days
        days = min(d for d in CONTRACT_WARNING_DAYS if left <= d)
        if (mentor.pk, mentor.contract_end, days) not in known:
            due.setdefault(mentor.regency, []).append((mentor, days, left))
    for regency, rows in due.items():
        with transaction.atomic():
            mail = None
            to = office_admin_addresses(regency.pk)
            if to:
                with translation.override(settings.LANGUAGE_CODE):
                    # The renewal page, as an absolute address (the e-mail is read outside the portal).
                    link = settings.SITE_URL + reverse("mentors:contract_renew")
                    context = {"regency": regency, "rows": rows, "link": link}
                    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _(
                        "%(regency)s: %(count)d mentor contracts end soon") % {"regency": regency.name,
                                                                             "count": len(rows)}
                    mail = mail_queue(subject=subject, to=to,
                                      body=render_to_string("mentors/email/contracts_ending.txt", context))
            ContractNotice.objects.bulk_create(
                [ContractNotice(mentor=mentor, contract_end=mentor.contract_end, days=days, mail=mail)
                 for mentor, days, _left in rows], ignore_conflicts=True)
    return sum(len(rows) for rows in due.values())


def _ended_by_job(mentors) -> list[Mentor]:
    """Those of the mentors whose access the contracts job ended (inactive, and that was their last change)."""
    inactive = [mentor for mentor in mentors if not mentor.is_active]
    if not inactive:
        return []
    last = {}
    for record in (Mentor.history.filter(id__in=[m.pk for m in inactive]).order_by("id", "-history_date", "-history_id")
                   .values("id", "history_change_reason")):
        last.setdefault(record["id"], record["history_change_reason"])
    return [mentor for mentor in inactive if last.get(mentor.pk) == CONTRACT_ENDED]


class RenewalError(Exception):
    """A renewal refused with a message for the admin; nothing was changed."""


@transaction.atomic
def contracts_renew(*, actor: User | None, mentors, contract_end: date, today: date | None = None) -> list[Mentor]:
    """Move the contract end of each mentor to `contract_end`, all or nothing, in their history ("renewed"). A
    mentor whose access the contracts job ended is active again (their account too)."""
    today = today or timezone.localdate()
    if contract_end < today:
        raise RenewalError(_("The new contract end %(day)s is in the past: choose today or a later day.")
                           % {"day": contract_end.strftime("%d-%m-%Y")})
    renewed = []
    for mentor in sorted(mentors, key=lambda m: m.pk):
        _may(actor, lambda user, mentor=mentor: can_manage_mentor(user, mentor))
        current = Mentor.objects.select_for_update(of=("self",)).select_related("user").get(pk=mentor.pk)
        if current.contract_start and contract_end < current.contract_start:
            raise RenewalError(_("%(name)s: the new contract end is before the contract start (%(day)s).")
                               % {"name": current.full_name, "day": current.contract_start.strftime("%d-%m-%Y")})
        last = current.history.order_by("-history_date", "-history_id").first()
        ended_by_job = not current.is_active and last is not None and last.history_change_reason == CONTRACT_ENDED
        current.contract_end = contract_end
        _save(current, actor=actor, reason="renewed")
        if ended_by_job:
            current = _set_active(current, True, actor=actor, reason="reactivated")
            if current.user_id and not current.user.is_active:
                _account_set_active(current.user, True, actor=actor, reason="reactivated")
        renewed.append(current)
    return renewed


# --- second factor --------------------------------------------------------------------------------------------


def authenticator_apps_add(users, secret: str) -> int:
    """Give each account without one an authenticator app with `secret` (generated and demo accounts: real
    people enrol their own from their profile). Returns how many were added."""
    have = set(Authenticator.objects.filter(user__in=users, type=Authenticator.Type.TOTP).values_list("user_id",
                                                                                                        flat=True))
    added = [Authenticator(user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)})
             for user in users if user.pk not in have]
    Authenticator.objects.bulk_create(added)
    return len(added)
