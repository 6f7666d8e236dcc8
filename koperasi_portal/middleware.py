import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mentors.access import access_for, has_mfa, must_use_mfa
from mentors.adapters import contract_ended_message
from regions.timezones import zone
from toolkit.activity import activity_recorded
from toolkit.uploads import body_limit

logger = logging.getLogger("koperasi.busy")
upload_logger = logging.getLogger("koperasi.uploads")


class LanguageMiddleware:
    """Indonesian for everyone, English for those who chose it with the language switch.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: many phones here are set
    to English, yet the portal's working language is Indonesian.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in self.available:
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", code)
        patch_vary_headers(response, ["Cookie"])
        return response


# PostgreSQL's codes for a statement cancelled by statement_timeout and a lock not granted within lock_timeout.
BUSY_CODES = {"57014", "55P03"}
# A server shutting down or starting, refusing connections, or out of connection slots.
UNAVAILABLE_CODES = {"57P01", "57P02", "57P03", "53300"}


def outage(error) -> str | None:
    """What part of the service failed, when `error` says that one did rather than that the code is wrong:
    "busy" (a query cancelled for taking too long or for waiting on a lock), "database" (not reachable, or it
    dropped the connection) or "cache" (Redis refused, or did not answer within its timeout). None otherwise."""
    cause = getattr(error, "__cause__", None)
    if isinstance(error, (OperationalError, InterfaceError)):
        code = getattr(cause, "sqlstate", None)
        if code in BUSY_CODES or "database is locked" in str(error):  # SQLite's lock wait ran out
            return "busy"
        if code in UNAVAILABLE_CODES or code and code.startswith("08"):
            return "database"
        if code is None and type(cause).__module__.startswith("psycopg"):  # no connection at all
            return "database"
        return None
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a dependency
        return None
    if isinstance(error, (RedisConnectionError, RedisTimeoutError)):
        return "cache"
    return None


def outage_response(request, error):
    """The 503 page with Retry-After when `error` is an outage (see `outage`), rendered without the database or
    the cache; None when it is not."""
    part = outage(error)
    if part is None:
        return None
    logger.warning("Service unavailable (%s: %s) on %s", part, type(error).__name__, request.path)
    response = HttpResponse(render_to_string("503.html", {"LANGUAGE_CODE": get_language(), "part": part}),
                            status=503)
    response["Retry-After"] = "30" if part == "busy" else "60"
    return response


class RequestBodyLimitMiddleware:
    """A request body larger than its view accepts (`toolkit.uploads.accepts_upload`) is refused with 413 from its
    declared length, before anything reads it; a body without a declared length is refused with 411."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("POST", "PUT", "PATCH"):
            refused = self.refuse(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def refuse(self, request):
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return HttpResponse("Content-Length required / Panjang kiriman wajib disebutkan.", status=411,
                                content_type="text/plain; charset=utf-8")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse("Bad Content-Length.", status=400, content_type="text/plain; charset=utf-8")
        if not length:
            return None
        try:
            limit = body_limit(resolve(request.path_info).func)
        except Resolver404:
            limit = settings.REQUEST_MAX_BYTES
        if length <= limit:
            return None
        upload_logger.warning("Request body of %d bytes refused on %s (limit %d)", length, request.path, limit)
        response = HttpResponse(render_to_string("413.html", {"limit_mb": max(1, limit // 2**20)}),
                                status=413)
        response["Connection"] = "close"
        return response


class BusyDatabaseMiddleware:
    """A view that meets an outage (a query cancelled for taking too long or waiting on a lock, a database or
    Redis that does not answer) answers 503 with a short page and Retry-After, rendered without touching the
    database. Outages met by a middleware (the session, the user) are answered the same way by `server_error`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return outage_response(request, exception)


class SignedInCacheMiddleware:
    """Pages for a signed-in person are theirs alone: `Cache-Control: private, no-store` (no shared proxy or
    browser keeps them after signing out), unless a view set its own (a visit photo may be kept privately)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


class ActivityMiddleware:
    """A successful write by a signed-in person moves on the activity counters of their regencies (a superuser's:
    the country's), so that what is kept for the people of those regencies is computed again (toolkit/activity)."""

    SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.method not in self.SAFE and response.status_code < 400 and user is not None \
                and user.is_authenticated:
            access = access_for(user)
            regency_ids = access.working_regency_ids
            if user.is_superuser:
                activity_recorded(None)
            elif regency_ids:
                activity_recorded(regency_ids)
        return response


class RequireAdminMFAMiddleware:
    """An admin who has not enrolled an authenticator app is sent to enrol before any other page (the sign-in,
    password and enrolment pages under /accounts/ stay open). Checked once per session: admins cannot remove
    their authenticator (mentors.adapters.MFAAdapter)."""

    OPEN = ("/accounts/", "/static/", "/health/", "/healthz/", "/i18n/")
    SESSION_KEY = "mfa_enrolled"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (user.is_authenticated and not request.path_info.startswith(self.OPEN)
                and not request.session.get(self.SESSION_KEY) and must_use_mfa(user)):
            if not has_mfa(user):  # one query, once per session
                messages.warning(request, _("Administrators protect their account with an authenticator app. "
                                            "Set it up now to continue."))
                target = reverse("mfa_activate_totp") + "?" + urlencode({"next": request.get_full_path()})
                if getattr(request, "htmx", False):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return redirect(target)
            request.session[self.SESSION_KEY] = True
        return self.get_response(request)


class ContractEndedMiddleware:
    """A mentor whose contract ended before today is signed out at their next request, before the contracts job
    (mentors/tasks.py) deactivates them; someone who also works in an office keeps that role. A renewed contract
    (its end moved later) lets them in again."""

    OPEN = ("/static/", "/health/", "/healthz/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path_info.startswith(self.OPEN):
            access = access_for(user)
            if access.contract_ended and not access.sees_regencies:
                logout(request)
                messages.error(request, contract_ended_message())
                target = reverse("account_login")
                if getattr(request, "htmx", False):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return redirect(target)
        return self.get_response(request)


class RegencyTimeZoneMiddleware:
    """The request runs in its reader's zone (`Access.time_zone`: their regency's, WIB for superusers and offices
    across zones): "today", the dates forms take and every date and time the pages show follow it. Work about one
    regency uses that regency's zone whoever reads it (regions.timezones)."""

    OPEN = ("/static/", "/health/", "/healthz/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path_info.startswith(self.OPEN):
            timezone.activate(zone(access_for(user).time_zone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
