"""Reads of API tokens: the list an admin keeps, and the token a request presents."""

import hashlib

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from mentors.access import access_for

from .models import ApiToken


def secret_hash(secret: str) -> str:
    """Tokens are long random strings: one SHA-256 is enough to keep them unreadable at rest."""
    return hashlib.sha256(secret.encode()).hexdigest()


def tokens_visible_to(user) -> QuerySet[ApiToken]:
    """An admin's own tokens; every token for the superuser."""
    tokens = ApiToken.objects.select_related("issuer", "revoked_by")
    return tokens if access_for(user).is_superuser else tokens.filter(issuer=user)


def token_get_for_user(user, pk) -> ApiToken:
    return get_object_or_404(tokens_visible_to(user), pk=pk)


def token_for_secret(secret: str) -> ApiToken | None:
    """The token a request presents (whatever its state), with its issuer; None for an unknown secret."""
    if not secret or len(secret) > 200:
        return None
    return ApiToken.objects.select_related("issuer").filter(secret_hash=secret_hash(secret)).first()
