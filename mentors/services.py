"""Writes about people: the mentor roster, invitations and the bulk import. Every change is audited."""

import copy

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from regions.phones import phone_normalize
from regions.spreadsheets import ImportPreview, RowResult, Sheet, apply_all_or_nothing, row_form

from .forms import MentorRowForm
from .models import Mentor, User

MENTOR_FIELDS = ["full_name", "role", "phone", "email", "contract_start", "contract_end", "notes"]


class StaleEdit(Exception):
    """The record changed since the form was opened; the edit is refused so nothing is lost."""


def _save(mentor: Mentor, *, actor: User | None, reason: str) -> Mentor:
    mentor.full_clean()
    mentor._history_user = actor
    mentor._change_reason = reason
    mentor.save()
    return mentor


@transaction.atomic
def mentor_create(*, actor: User | None, regency, **values) -> Mentor:
    values["phone"] = phone_normalize(values.get("phone", ""))
    mentor = Mentor(regency=regency, **{k: v for k, v in values.items() if k in MENTOR_FIELDS})
    return _save(mentor, actor=actor, reason="created")


@transaction.atomic
def mentor_update(*, actor: User | None, mentor: Mentor, version: str | None = None, role_locked: bool = False,
                  **values) -> Mentor:
    """Change the listed fields. `version` is the `updated_at` the editor saw; a newer row wins.

    `role_locked`: the mentor holds a work territory in the plan in force (the caller reads the plan), so their
    role cannot change until the plan does."""
    current = Mentor.objects.select_for_update().get(pk=mentor.pk)
    if version is not None and current.updated_at.isoformat() != version:
        raise StaleEdit
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
    mentor = _set_active(mentor, False, actor=actor, reason="deactivated")
    if mentor.user_id:
        user = mentor.user
        user.is_active = False
        if not user.has_usable_password():
            user.set_unusable_password()  # an unused invitation link dies with the deactivation
        user.save(update_fields=["is_active", "password"])
        user.end_sessions()
    return mentor


@transaction.atomic
def mentor_activate(*, actor: User | None, mentor: Mentor) -> Mentor:
    mentor = _set_active(mentor, True, actor=actor, reason="reactivated")
    if mentor.user_id:
        User.objects.filter(pk=mentor.user_id).update(is_active=True)
        mentor.user.end_sessions()  # a session from before the deactivation does not come back to life
    return mentor


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

    # Render now (the link needs the request's host); send only once the account is committed.
    adapter = get_adapter()
    token = allauth_settings.PASSWORD_RESET_TOKEN_GENERATOR().make_token(user)
    url = adapter.get_reset_password_from_key_url(f"{user_pk_to_url_str(user)}-{token}")
    context = {"mentor": mentor, "invite_url": url, "inviter": actor, "regency": mentor.regency,
               "email": user.email}
    with translation.override(settings.LANGUAGE_CODE):
        message = adapter.render_mail("mentors/email/invitation", user.email, context)

    transaction.on_commit(message.send)
    return user.email


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


def mentors_import_check(*, regency, rows: list[dict]) -> ImportPreview:
    """What importing `rows` into `regency` would do, row by row. Writes nothing.

    Rows are matched to the regency's mentors by e-mail, or for rows without e-mail by phone, then by name.
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
        row.change_labels = [str(Mentor._meta.get_field(name).verbose_name) for name in row.changes]
        for name in row.changes:
            setattr(candidate, name, cleaned[name])
        try:
            candidate.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            row.fail(*error.messages)
            continue
        row.instance = mentor
        row.action = "create" if mentor is None else ("update" if row.changes else "unchanged")
    return preview


@transaction.atomic
def mentors_import_apply(*, actor: User | None, regency, rows: list[dict]) -> ImportPreview:
    """Apply an import all or nothing: any row error (re-checked now) and nothing is written."""

    def write(row):
        if row.action == "create":
            _save(Mentor(regency=regency, **row.values), actor=actor, reason="imported")
        elif row.action == "update":
            for name in row.changes:
                setattr(row.instance, name, row.values[name])
            _save(row.instance, actor=actor, reason="imported")

    return apply_all_or_nothing(mentors_import_check(regency=regency, rows=rows), write,
                                changed=_("the roster changed during the import: %(why)s"))
