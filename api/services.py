"""Writes of API tokens: issue (the secret is returned once and only its hash kept), revoke, note a use."""

import secrets
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import can_issue_tokens, can_revoke_token
from .models import ApiToken
from .selectors import secret_hash

SECRET_PREFIX = "kmp_"
LONGEST_VALIDITY_DAYS = 366
# The last use is written at most once a minute per token: a client pulling pages does not write on every request.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def token_issue(*, actor, name: str, expires_on: date) -> tuple[ApiToken, str]:
    """A new token of `actor` (who must be allowed to issue one), valid until the end of `expires_on`. Returns the
    token and its secret: the secret is not kept, so this is the only time anyone sees it."""
    if not can_issue_tokens(actor):
        raise PermissionDenied
    name = " ".join((name or "").split())
    today = timezone.localdate()
    errors = {}
    if not name:
        errors["name"] = _("Give the token a name, e.g. what it is for.")
    if expires_on is None or expires_on < today:
        errors["expires_on"] = _("The expiry date cannot be in the past.")
    elif expires_on > today + timedelta(days=LONGEST_VALIDITY_DAYS):
        errors["expires_on"] = _("A token is valid for a year at most.")
    if errors:
        raise ValidationError(errors)
    secret = new_secret()
    expires_at = timezone.make_aware(datetime.combine(expires_on + timedelta(days=1), time.min))
    token = ApiToken(
        name=name[:100], issuer=actor, prefix=secret[:12], secret_hash=secret_hash(secret), expires_at=expires_at
    )
    token.full_clean()
    token.save()
    return token, secret


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Stop a token at once (revoking twice changes nothing)."""
    if not can_revoke_token(actor, token):
        raise PermissionDenied
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_by=actor)
    token.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return token


def token_used(token: ApiToken) -> None:
    """Note that the token was used now; written only when the last note is a minute old or more."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USE_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
