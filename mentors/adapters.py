import math
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .access import must_use_mfa


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by admins; nobody can sign themselves up. A locked-out account is told when to retry."""

    def is_open_for_signup(self, request):
        return False

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
    """Admins must keep their authenticator app: they may replace it (deactivate is refused, re-enrol instead)."""

    def can_delete_authenticator(self, authenticator) -> bool:
        if authenticator.type == authenticator.Type.TOTP and must_use_mfa(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
