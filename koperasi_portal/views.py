import hashlib
import json
import secrets
import sys

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache

from cooperatives import selectors as registry
from cooperatives.access import can_hand_over, can_record_visits
from cooperatives.models import MonthlyReport, Stage
from cooperatives.months import mentor_month_needing_work, month_needing_work
from mentors import selectors as people
from mentors.access import access_for, has_mfa, must_use_mfa, require
from reporting import dashboards
from reporting.figures import cached_figures, figures_for, regency_rows
from territories import coverage
from toolkit.activity import activity_generation

from .access import sees_ba_home, sees_office_home, sees_pmo_home
from .admin_site import refusal
from .middleware import outage, outage_response


def home(request):
    """The start page, by role: the office overview for admins and staff, "my page" for mentors."""
    access = access_for(request.user)
    today = timezone.localdate()
    if sees_office_home(request.user):
        body = _kept_home(request, access, today, lambda: _office_body(request, access, today))
        return render(request, "home.html", {"body": body})
    body = _kept_home(request, access, today, lambda: _mentor_body(request, access, today))
    return render(request, "home_mentor.html", {"body": body, "mentor": access.mentor})


def _kept_home(request, access, today, build) -> str:
    """The home's body (everything below the greeting), rendered by `build()` and kept for the person's session
    until anything is written in their regencies (toolkit/activity) or FIGURES_MAX_AGE passes: the homes are
    within budget computed, and kept they serve many more requests. The messages, the CSP nonce and the
    navigation are rendered fresh around it."""
    if not settings.FIGURES_MAX_AGE or request.session.session_key is None:
        return build()
    session = hashlib.sha256(request.session.session_key.encode()).hexdigest()[:16]
    key = f"home:{request.user.pk}:{session}:{today:%Y%m%d}:{activity_generation(access.working_regency_ids)}"
    return cached_figures(key, build)


def _mentor_body(request, access, today) -> str:
    mentor = access.mentor
    context = {"mentor": mentor, "today": today, "month": registry.month_start(today)}
    if sees_ba_home(request.user):
        reports = dashboards.recent_reports(mentor, today)
        context["needs"] = dashboards.needs_of_ba(mentor, today, reports)
        context["territory"] = coverage.ba_territory_of(mentor)
        context["villages"] = coverage.mentor_villages(mentor)
        context["cooperatives"] = registry.my_cooperatives(mentor)
        context["month"] = mentor_month_needing_work(mentor, today, reports=reports)
        context["report"] = reports.get(context["month"]) or MonthlyReport(mentor=mentor, month=context["month"])
    elif sees_pmo_home(request.user):
        context["team"] = dashboards.team_rows(mentor, today)
        context["follow_ups"] = list(registry.open_follow_ups(mentor)[:5])
        context["needs"] = dashboards.needs_of_pmo(mentor, today, context["team"], context["follow_ups"])
    return render_to_string("_home_mentor_body.html", context, request)


def _office_body(request, access, today) -> str:
    """Counts come from the pre-aggregated figures (reporting/figures.py), never from the raw rows."""
    regency_ids = access.office_regencies
    figures = figures_for(regency_ids)
    month = month_needing_work(request.user, today)
    # The figures count the running month; last month's (while it needs work) are counted in one grouped query.
    counted = (figures.reports if month == (figures.month or registry.month_start(today))
               else registry.office_report_counts(request.user, month))
    reports = {status: counted.get(status, 0) for status in ("submitted", "returned", "accepted")}
    reports["missing"] = max(0, figures.ba_active - sum(reports.values()))
    overview = people.office_overview(request.user, today=today)
    context = {
        "figures": figures,
        "regency_rows": regency_rows(figures, regency_ids),
        "overview": overview,
        "stages": [(value, label, figures.stages.get(value, 0)) for value, label in Stage.choices],
        "month": month,
        "reports": reports,
        "can_hand_over": can_hand_over(request.user),
        # The same for everyone of one role who sees these regencies (an admin's include reviews): kept as long as
        # the figures.
        # Readers act on nothing: no "needs you now" list for them.
        "reader": not access.is_office,
        "needs": [] if not access.is_office else cached_figures(
            f"needs:office:{access.role}:{regency_ids or 'all'}:{today:%Y-%m-%d}",
            lambda: dashboards.needs_of_office(request.user, access, today, figures, overview)),
    }
    return render_to_string("_home_office_body.html", context, request)


# --- dashboards ---------------------------------------------------------------------------------------


@login_not_required
@never_cache
def health(request):
    """For load balancers and the load test: the process answers. It reads nothing."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@never_cache
def healthz(request):
    """The process and the parts it needs, each named: the database (`SELECT 1` within HEALTHZ_TIMEOUT_MS on
    PostgreSQL) and the shared cache (a write and a read). 503 when either does not answer."""
    parts = {"database": "ok", "cache": "ok"}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL statement_timeout = %s", [settings.HEALTHZ_TIMEOUT_MS])
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        parts["database"] = "unreachable or busy"
    probe = secrets.token_hex(8)
    try:
        cache.set("healthz", probe, 10)
        if cache.get("healthz") != probe:
            parts["cache"] = "not keeping values"
    except Exception as error:  # noqa: BLE001 - whatever the cache's client raises, it is the answer
        parts["cache"] = "unreachable" if outage(error) == "cache" else f"failing ({type(error).__name__})"
    healthy = all(value == "ok" for value in parts.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **parts}, status=200 if healthy else 503)


@login_not_required
def server_error(request):
    """The 500 page, unless the error was an outage (the database or Redis not answering, or a query cancelled):
    that is the 503 page with Retry-After, as a view would give (`BusyDatabaseMiddleware`). Django calls this
    while it handles the exception, so the exception is at hand."""
    error = sys.exc_info()[1]
    return (outage_response(request, error) if error is not None else None) or defaults.server_error(request)


@login_not_required
def admin_sign_in(request):
    """The Django admin signs in through the portal's own sign-in page: one set of limits and the second factor.
    (allauth checks that `next` stays on this site.) A signed-in person is not sent to sign in again: without
    Django admin access they get the 403 page (sign-in would send them straight back: a loop)."""
    target = request.GET.get("next") or reverse("admin:index")
    if request.user.is_authenticated:
        if not admin.site.has_permission(request):
            return refusal(request)
        safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure())
        return redirect(target if safe else reverse("admin:index"))
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")


def profile(request):
    """A person's own settings: e-mail notifications about reports on or off, and where to change the password."""
    user = request.user
    if request.method == "POST" and request.POST.get("action") == "sign_out_elsewhere":
        user.end_sessions()
        update_session_auth_hash(request, user)  # this device stays signed in
        messages.success(request, _("You are signed out on every other device."))
        return redirect("profile")
    if request.method == "POST":
        user.email_notifications = request.POST.get("email_notifications") == "on"
        user.save(update_fields=["email_notifications"])
        messages.success(request, _("Your settings are saved."))
        return redirect("profile")
    return render(request, "profile.html", {"profile_user": user, "has_mfa": has_mfa(user),
                                            "must_use_mfa": must_use_mfa(user)})


# --- the field app: installable, and the pages a mentor's work needs kept on the phone -------------------------

# What the service worker keeps before anything else: the app shell (styles, scripts, icons) ...
FIELD_ASSETS = ["vendor/pico-2.1.1/pico.red.min.css", "css/app.css", "vendor/htmx-2.0.11/htmx.min.js",
                "js/editor.js", "js/confirm.js", "js/field.js", "favicon.svg", "icons/icon-192.png"]
# ... and the pages it refreshes whenever there is a signal (each answers only what the mentor may see): these,
# and each of the mentor's own cooperatives' page and visit form (`field_pages`).
FIELD_PAGES = ["home", "cooperatives:visit_create_any", "cooperatives:follow_up_list", "field_offline"]
# A BA has about 15 cooperatives; a phone keeps at most this many (two pages each), the first by village name.
FIELD_COOPERATIVES_KEPT = 60
# The worker asks for the list and its pages again at most this often (and after visits are sent).
FIELD_REFRESH_SECONDS = 10 * 60


def _field_config() -> dict:
    config = {"assets": [static(name) for name in FIELD_ASSETS], "list": reverse("field_pages"),
              "offline": reverse("field_offline"), "static": settings.STATIC_URL,
              "every": FIELD_REFRESH_SECONDS * 1000}
    return config


@login_not_required
@never_cache
def service_worker(request):
    """The field app's service worker, served from the root so that its scope is the whole portal. Its cache is
    named after its own text and the app shell's addresses: a release with new files replaces it."""
    source = (settings.BASE_DIR / "static" / "js" / "sw.js").read_text(encoding="utf-8")
    config = _field_config()
    config["version"] = hashlib.sha256((json.dumps(config) + source).encode()).hexdigest()[:12]
    body = f"self.FIELD = {json.dumps(config)};\n{source}"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@login_not_required
def web_manifest(request):
    manifest = {
        "name": _("Koperasi Merah Putih portal"), "short_name": _("Koperasi MP"),
        "description": _("Mentoring visits and follow-ups, with or without a signal."),
        "start_url": reverse("home"), "scope": "/", "display": "standalone", "lang": request.LANGUAGE_CODE,
        "background_color": "#ffffff", "theme_color": "#c62828",
        "icons": [{"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                  {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png",
                   "purpose": "any maskable"},
                  {"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    response = JsonResponse(manifest, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@never_cache
def field_pages(request):
    """The pages the field app keeps on a mentor's phone, refreshed by its worker whenever there is a signal: home,
    the visit form, the follow-ups, the offline page, and each of the mentor's own cooperatives (at most
    FIELD_COOPERATIVES_KEPT) with its visit form. Other cooperatives' pages the worker drops."""
    require(can_record_visits(request.user))
    mentor = access_for(request.user).mentor
    kept = registry.mentor_cooperatives(mentor).order_by("village__name", "pk").values_list("pk", flat=True)
    pages = [reverse(name) for name in FIELD_PAGES]
    for pk in kept[:FIELD_COOPERATIVES_KEPT]:
        pages += [reverse("cooperatives:cooperative_detail", args=[pk]),
                  reverse("cooperatives:visit_create", args=[pk])]
    return JsonResponse({"pages": pages})


def field_offline(request):
    """What the phone shows for a page it does not keep, when there is no signal."""
    return render(request, "field_offline.html")
