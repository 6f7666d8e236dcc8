import logging

from django.conf import settings
from django.contrib import messages
from django.db import OperationalError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mentors.access import has_mfa, must_use_mfa
from regions.uploads import body_limit

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


def database_busy(error) -> bool:
    cause = getattr(error, "__cause__", None)
    return isinstance(error, OperationalError) and getattr(cause, "sqlstate", None) in BUSY_CODES


class RequestBodyLimitMiddleware:
    """A request body larger than its view accepts (`regions.uploads.accepts_upload`) is refused with 413 from its
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
    """A page whose query was cancelled for taking too long, or for waiting too long on a lock, answers 503 with
    a short page and Retry-After, rendered without touching the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_busy(exception):
            return None
        logger.warning("Database busy (%s) on %s", getattr(exception.__cause__, "sqlstate", "?"), request.path)
        response = HttpResponse(render_to_string("503.html", {"LANGUAGE_CODE": get_language()}), status=503)
        response["Retry-After"] = "30"
        return response


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
