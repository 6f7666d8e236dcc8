"""Writes about people: the mentor roster, invitations and the bulk import. Every change is audited."""

import copy
from dataclasses import dataclass, field
from datetime import date, datetime

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from lokal.phone import parse_phone

from .models import Mentor, User

MENTOR_FIELDS = ["full_name", "role", "phone", "email", "contract_start", "contract_end", "notes"]


class StaleEdit(Exception):
    """The record changed since the form was opened; the edit is refused so nothing is lost."""


def phone_normalize(value: str) -> str:
    """`0812-3456-7890`, `+62 812 3456 7890`, `62812…` → `+6281234567890`; blank stays blank."""
    value = (value or "").strip()
    if not value:
        return ""
    digits = value.lstrip()
    info = parse_phone("+" + digits[2:] if digits.startswith("00") else value)
    if not info.valid:
        raise ValidationError(
            _("“%(phone)s” is not a valid Indonesian phone number (e.g. 0812-3456-7890)."),
            code="phone", params={"phone": value},
        )
    return info.e164


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
def mentor_update(*, actor: User | None, mentor: Mentor, version: str | None = None, **values) -> Mentor:
    """Change the listed fields. `version` is the `updated_at` the editor saw; a newer row wins."""
    current = Mentor.objects.select_for_update().get(pk=mentor.pk)
    if version is not None and current.updated_at.isoformat() != version:
        raise StaleEdit
    if "phone" in values:
        values["phone"] = phone_normalize(values["phone"])
    if values.get("role", current.role) != current.role and _holds_territory(current):
        raise ValidationError({"role": _("%(name)s holds a work territory in the plan in force: change the plan "
                                         "before changing the role.") % {"name": current.full_name}})
    for name, value in values.items():
        if name in MENTOR_FIELDS:
            setattr(current, name, value)
    _save(current, actor=actor, reason="edited")
    if current.user_id:
        _sync_account(current)
    return current


def _holds_territory(mentor: Mentor) -> bool:
    """Whether the plan in force gives the mentor a territory (read through the reverse relations)."""
    return (mentor.ba_territories.filter(plan__status="active").exists()
            or mentor.pmo_territories.filter(plan__status="active").exists())


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
    return mentor


@transaction.atomic
def mentor_activate(*, actor: User | None, mentor: Mentor) -> Mentor:
    mentor = _set_active(mentor, True, actor=actor, reason="reactivated")
    if mentor.user_id:
        User.objects.filter(pk=mentor.user_id).update(is_active=True)
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


# ---------------------------------------------------------------------------------------------------
# Bulk import: a dry run that says per row what will happen, then an all-or-nothing apply.

COLUMN_ALIASES = {
    "full_name": {"nama", "nama lengkap", "name", "full name", "full_name"},
    "role": {"peran", "jabatan", "role", "posisi"},
    "phone": {"telepon", "no hp", "nomor hp", "no. hp", "hp", "phone", "telephone", "no telepon"},
    "email": {"email", "e-mail", "surel", "alamat email", "alamat e-mail"},
    "contract_start": {"mulai kontrak", "awal kontrak", "contract start", "contract_start", "tanggal mulai"},
    "contract_end": {"akhir kontrak", "selesai kontrak", "contract end", "contract_end", "tanggal selesai"},
    "notes": {"catatan", "keterangan", "notes"},
}
ROLE_ALIASES = {
    "ba": Mentor.Role.BA, "business assistant": Mentor.Role.BA, "business assistant (ba)": Mentor.Role.BA,
    "pmo": Mentor.Role.PMO, "project management office": Mentor.Role.PMO, "project management officer": Mentor.Role.PMO,
}
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]
MAX_IMPORT_ROWS = 2000


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why."""


@dataclass
class ImportRow:
    number: int  # the spreadsheet row number, header = 1
    values: dict
    action: str = ""  # create | update | unchanged | error
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    mentor: Mentor | None = None

    @property
    def change_labels(self) -> list[str]:
        return [str(Mentor._meta.get_field(name).verbose_name) for name in self.changes]


@dataclass
class ImportPlan:
    rows: list[ImportRow]

    @property
    def errors(self) -> list[ImportRow]:
        return [row for row in self.rows if row.action == "error"]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def summary(self) -> dict[str, int]:
        return {action: self.count(action) for action in ("create", "update", "unchanged", "error")}


def _header_map(header: list) -> dict[int, str]:
    mapping = {}
    for index, title in enumerate(header):
        key = " ".join(str(title or "").strip().lower().replace("_", " ").split())
        for name, aliases in COLUMN_ALIASES.items():
            if key in aliases or key.replace(" ", "_") in aliases:
                mapping[index] = name
    missing = [label for name, label in (("full_name", "nama"), ("role", "peran")) if name not in mapping.values()]
    if missing:
        raise ImportFileError(
            _("The first row must name the columns; missing: %(columns)s. Expected columns: nama, peran, "
              "telepon, email, mulai kontrak, akhir kontrak.") % {"columns": ", ".join(missing)}
        )
    return mapping


def import_rows_from_table(table: list[list]) -> list[dict]:
    """Turn a sheet (a header row, then data rows) into dicts keyed by field name; empty rows are dropped."""
    if not table:
        raise ImportFileError(_("The file is empty."))
    mapping = _header_map(table[0])
    rows = []
    for number, raw in enumerate(table[1:], start=2):
        values = {name: raw[index] if index < len(raw) else None for index, name in mapping.items()}
        if all(value in (None, "") for value in values.values()):
            continue
        values["_row"] = number
        rows.append(values)
    if len(rows) > MAX_IMPORT_ROWS:
        raise ImportFileError(_("At most %(max)d rows can be imported at once.") % {"max": MAX_IMPORT_ROWS})
    return rows


def _as_date(value, label: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError(
        _("%(column)s: “%(value)s” is not a date (use YYYY-MM-DD or DD/MM/YYYY).") % {"column": label, "value": text}
    )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _clean_row(values: dict) -> dict:
    """Validate one row; raises ValidationError with every problem of the row.

    Only the columns the file has are returned: a file without a phone column leaves phones alone.
    """
    problems, cleaned = [], {}
    cleaned["full_name"] = _text(values.get("full_name"))
    if not cleaned["full_name"]:
        problems.append(_("name is empty"))
    role_text = _text(values.get("role")).lower()
    cleaned["role"] = ROLE_ALIASES.get(role_text)
    if cleaned["role"] is None:
        problems.append(_("unknown role “%(role)s” (use BA or PMO)") % {"role": _text(values.get("role"))})
    if "phone" in values:
        written = _text(values.get("phone"))
        phone = "0" + written if written[:1] == "8" else written  # spreadsheets drop the leading zero of 0812…
        try:
            cleaned["phone"] = phone_normalize(phone)
        except ValidationError:
            problems.append(_("“%(phone)s” is not a valid Indonesian phone number (e.g. 0812-3456-7890).")
                            % {"phone": written})
    if "email" in values:
        cleaned["email"] = _text(values.get("email")).lower()
        if cleaned["email"]:
            try:
                validate_email(cleaned["email"])
            except ValidationError:
                problems.append(_("“%(email)s” is not a valid e-mail address") % {"email": cleaned["email"]})
    for name, label in (("contract_start", _("contract start")), ("contract_end", _("contract end"))):
        if name in values:
            try:
                cleaned[name] = _as_date(values.get(name), label)
            except ValidationError as error:
                problems.extend(error.messages)
    start, end = cleaned.get("contract_start"), cleaned.get("contract_end")
    if start and end and end < start:
        problems.append(_("the contract ends before it starts"))
    if "notes" in values:
        cleaned["notes"] = _text(values.get("notes"))
    if problems:
        raise ValidationError(problems)
    return cleaned


def mentors_import_plan(*, regency, rows: list[dict]) -> ImportPlan:
    """What importing `rows` into `regency` would do, row by row. Writes nothing.

    Rows are matched to the regency's mentors by e-mail, or for rows without e-mail by phone, then by name.
    """
    mentors = list(Mentor.objects.filter(regency=regency))
    by_email = {m.email: m for m in mentors if m.email}
    by_phone = {m.phone: m for m in mentors if m.phone}
    by_name = {}
    for mentor in mentors:
        by_name.setdefault(mentor.full_name.lower(), []).append(mentor)
    seen: dict[str, int] = {}
    plan = ImportPlan(rows=[])
    for values in rows:
        row = ImportRow(number=values.get("_row", 0), values=values)
        plan.rows.append(row)
        try:
            cleaned = _clean_row(values)
        except ValidationError as error:
            row.action, row.errors = "error", error.messages
            continue
        row.values = cleaned
        email = cleaned.get("email", "")
        key = email or cleaned.get("phone") or cleaned["full_name"].lower()
        if key in seen:
            row.action = "error"
            row.errors.append(
                _("e-mail %(email)s appears twice in the file (also row %(row)d)") % {"email": email, "row": seen[key]}
                if email else _("this mentor appears twice in the file (also row %(row)d)") % {"row": seen[key]}
            )
            continue
        seen[key] = row.number
        if email:
            mentor = by_email.get(email)
        else:
            named = [m for m in by_name.get(cleaned["full_name"].lower(), []) if not m.email]
            mentor = by_phone.get(cleaned.get("phone")) or (named[0] if len(named) == 1 else None)
        candidate = copy.copy(mentor) if mentor else Mentor(regency=regency)
        changes = [name for name, value in cleaned.items()
                   if name in MENTOR_FIELDS and getattr(candidate, name) != value]
        for name in changes:
            setattr(candidate, name, cleaned[name])
        try:
            candidate.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            row.action, row.errors = "error", error.messages
            continue
        if mentor is None:
            row.action = "create"
            continue
        row.mentor = mentor
        row.changes = changes
        row.action = "update" if row.changes else "unchanged"
    return plan


@transaction.atomic
def mentors_import_apply(*, actor: User | None, regency, rows: list[dict]) -> ImportPlan:
    """Apply an import all or nothing: any row error (re-checked now) and nothing is written."""
    plan = mentors_import_plan(regency=regency, rows=rows)
    if plan.errors:
        return plan
    try:
        with transaction.atomic():
            for row in plan.rows:
                if row.action == "create":
                    _save(Mentor(regency=regency, **row.values), actor=actor, reason="imported")
                elif row.action == "update":
                    for name in row.changes:
                        setattr(row.mentor, name, row.values[name])
                    _save(row.mentor, actor=actor, reason="imported")
    except (ValidationError, IntegrityError) as error:
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        plan.rows[0].action, plan.rows[0].errors = "error", [_("the roster changed during the import: %(why)s")
                                                              % {"why": "; ".join(messages)}]
    return plan
