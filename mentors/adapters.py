import functools
import logging
import math
import time
import unicodedata
from collections.abc import Callable

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .access import access_for, must_use_mfa


def contract_ended_message() -> str:
    """What a mentor whose contract ended is told when they sign in or make a request."""
    return _("Your contract as a mentor has ended, so your access to the portal has ended too. Ask your "
             "cooperative office if it is being renewed.")


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by admins; nobody can sign themselves up. A locked-out account is told when to retry."""

    def is_open_for_signup(self, request):
        return False

    def _get_login_attempts_cache_key(self, request, **credentials):
        """The account's own key for the failure counter: the sign-in address as typed, normalised (case, width,
        spaces). allauth's default prefixes the request's Host, which the client chooses: each new Host (or port)
        would start a fresh count."""
        login = credentials.get("email", credentials.get("username", "")) or ""
        return "account:" + unicodedata.normalize("NFKC", str(login)).strip().casefold()

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as error:
            if getattr(error, "code", None) != "too_many_login_attempts":
                raise
            minutes = self._minutes_until_retry(request, **credentials)
            raise ValidationError(
                _("Too many failed sign-in attempts. Try again in %(minutes)d minutes, or reset your password.")
                % {"minutes": minutes}, code="too_many_login_attempts") from error

    def pre_login(self, request, user, **kwargs):
        """A mentor whose contract ended (and who has no office role) is not signed in: they are told why."""
        access = access_for(user)
        if user.is_active and access.contract_ended and not access.sees_regencies:
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            messages.error(request, contract_ended_message())
            return redirect("account_login")
        return super().pre_login(request, user, **kwargs)

    def _minutes_until_retry(self, request, **credentials) -> int:
        """Minutes until the oldest counted failure (of this account, else of this address) leaves the window."""
        window = settings.SIGNIN_LOCKOUT_MINUTES * 60
        now, waits = time.time(), []
        key = self._get_login_attempts_cache_key(request, **credentials)
        for rate in ratelimit.parse_rates(settings.ACCOUNT_RATE_LIMITS["login_failed"]):
            cache_key = ratelimit.get_cache_key(request, app="allauth.account", action="login_failed", rate=rate,
                                                key=key)
            history = cache.get(cache_key) or []
            if len(history) >= rate.amount:
                waits.append(history[-1] + rate.duration - now)
        wait = max(waits) if waits else window
        return max(1, math.ceil(wait / 60))


class MFAAdapter(DefaultMFAAdapter):
    """Admins must keep their authenticator app: they may replace it (deactivate is refused, re-enrol instead).
    The secrets allauth stores (an authenticator app's secret, the recovery codes' seed) are encrypted at rest."""

    def can_delete_authenticator(self, authenticator) -> bool:
        if authenticator.type == authenticator.Type.TOTP and must_use_mfa(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)

    def encrypt(self, text: str) -> str:
        return secret_encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return secret_decrypt(encrypted_text)


# --- the MFA secrets at rest -------------------------------------------------------------------------------
# allauth passes through MFAAdapter.encrypt/decrypt: a TOTP authenticator's data["secret"], a recovery-codes
# authenticator's data["seed"] and each of its data["migrated_codes"] (codes imported from another library).
# Stored as "fernet:" + a Fernet token (AES-128-CBC with HMAC-SHA256), under MFA_ENCRYPTION_KEYS: the first key
# encrypts, every key decrypts. A value without the prefix is a plain-text secret from before encryption (base32
# and hex never contain ":"); the migration mentors/0006 encrypts those, and rotate_mfa_key re-encrypts with the
# first key.

ENCRYPTED_PREFIX = "fernet:"
SECRET_TYPES = ("totp", "recovery_codes")
logger = logging.getLogger("koperasi.mfa")


@functools.lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("MFA_ENCRYPTION_KEYS is empty: the MFA secrets cannot be encrypted or decrypted.")
    return MultiFernet([Fernet(key) for key in keys])


def _keys() -> MultiFernet:
    return _fernet(tuple(settings.MFA_ENCRYPTION_KEYS))


def secret_is_encrypted(value: str) -> bool:
    return value.startswith(ENCRYPTED_PREFIX)


def secret_encrypt(text: str) -> str:
    """`text` encrypted with the first key of MFA_ENCRYPTION_KEYS."""
    return ENCRYPTED_PREFIX + _keys().encrypt(text.encode()).decode("ascii")


def _token(value: str) -> bytes:
    return value.removeprefix(ENCRYPTED_PREFIX).encode("ascii")


def _undecryptable() -> ImproperlyConfigured:
    return ImproperlyConfigured(
        "An MFA secret cannot be decrypted with any key in MFA_ENCRYPTION_KEYS: the key it was encrypted with is "
        "missing or wrong (see 'Key rotation' in docs/operations.md).")


def secret_decrypt(value: str) -> str:
    """The secret in `value`; raises ImproperlyConfigured when no key of MFA_ENCRYPTION_KEYS opens it."""
    if not secret_is_encrypted(value):
        logger.warning("An MFA secret is stored in plain text: run `manage.py migrate` (or rotate_mfa_key).")
        return value
    try:
        return _keys().decrypt(_token(value)).decode()
    except InvalidToken as error:
        raise _undecryptable() from error


def secret_rotate(value: str) -> str:
    """`value` encrypted again with the first key (a plain-text value: encrypted)."""
    if not secret_is_encrypted(value):
        return secret_encrypt(value)
    try:
        return ENCRYPTED_PREFIX + _keys().rotate(_token(value)).decode("ascii")
    except InvalidToken as error:
        raise _undecryptable() from error


def _encrypt_plain(value: str) -> str:
    return value if secret_is_encrypted(value) else secret_encrypt(value)


def _decrypt_encrypted(value: str) -> str:
    return secret_decrypt(value) if secret_is_encrypted(value) else value


def _secrets_rewrite(data: dict, change: Callable[[str], str]) -> dict:
    """A copy of an authenticator's `data` with `change` applied to each secret in it."""
    data = dict(data)
    for field in ("secret", "seed"):
        if isinstance(data.get(field), str):
            data[field] = change(data[field])
    if isinstance(data.get("migrated_codes"), list):
        data["migrated_codes"] = [change(code) for code in data["migrated_codes"]]
    return data


def _authenticators_rewrite(authenticator_model, change: Callable[[str], str]) -> int:
    """Apply `change` to every secret, one locked row at a time (a recovery code used meanwhile is not lost).
    Returns how many authenticators changed. `authenticator_model` is allauth's Authenticator or a migration's."""
    changed = 0
    ids = authenticator_model.objects.filter(type__in=SECRET_TYPES).order_by("pk").values_list("pk", flat=True)
    for pk in list(ids):
        with transaction.atomic():
            authenticator = authenticator_model.objects.select_for_update().filter(pk=pk).first()
            if authenticator is None:
                continue
            data = _secrets_rewrite(authenticator.data, change)
            if data != authenticator.data:
                authenticator.data = data
                authenticator.save(update_fields=["data"])
                changed += 1
    return changed


def mfa_secrets_undecryptable(authenticator_model) -> list:
    """The authenticators with a secret that no key of MFA_ENCRYPTION_KEYS decrypts."""
    failing = []
    for authenticator in authenticator_model.objects.filter(type__in=SECRET_TYPES).order_by("pk"):
        try:
            _secrets_rewrite(authenticator.data, _decrypt_encrypted)
        except ImproperlyConfigured:
            failing.append(authenticator)
    return failing


def mfa_secrets_encrypt(authenticator_model) -> int:
    """Encrypt the secrets still stored in plain text (the migration). Returns how many authenticators changed."""
    return _authenticators_rewrite(authenticator_model, _encrypt_plain)


def mfa_secrets_rotate(authenticator_model) -> int:
    """Encrypt every secret again with the first key of MFA_ENCRYPTION_KEYS (rotate_mfa_key)."""
    return _authenticators_rewrite(authenticator_model, secret_rotate)


def mfa_secrets_decrypt(authenticator_model) -> int:
    """Store every secret in plain text again: only to migrate back to a release without encryption."""
    return _authenticators_rewrite(authenticator_model, _decrypt_encrypted)
