"""Who may issue, list and revoke API tokens. What a token may *read* is its issuer's scope, answered by the
portal's own selectors (`api/views.py`)."""

from mentors.access import access_for

from .models import ApiToken


def can_issue_tokens(user) -> bool:
    """Office admins (for the regencies they administer) and the superuser (for the country). Province and national
    readers do not issue tokens: they read in the portal, and a token is a key an office hands out for its own
    records."""
    return access_for(user).is_admin


def can_revoke_token(user, token: ApiToken) -> bool:
    """The issuer while they may still issue tokens, and the superuser."""
    access = access_for(user)
    return access.is_superuser or (token.issuer_id == user.pk and access.is_admin)


def issuer_may_read(user) -> bool:
    """A token works only while its issuer's account is active and still has a role that sees something. It reads
    what its issuer reads, never more (a reader's, should the superuser give one in the Django admin: their scope)."""
    access = access_for(user)
    return access.sees_regencies or access.mentor is not None
