"""The read API, version 1 (`/api/v1/`), described by the OpenAPI document it serves (`/api/v1/openapi.json`).

A request presents a token (`Authorization: Bearer kmp_…`); it reads as the token's issuer reads the portal: every
query goes through the portal's own scope selectors for the issuer, so a token never sees more than its issuer
(404 outside that scope, as in the portal). Lists are cursor-paged (`cursor`, `limit` ≤ 100) and, where rows
carry `updated_at`, take `updated_since` for incremental pulls."""

from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI, Query, Router
from ninja.errors import ValidationError
from ninja.security import HttpBearer

from cooperatives.models import BoardMember, BusinessUnit, FinancingProposal, FollowUp, LandPlot, MemberCount
from cooperatives.selectors import cooperatives_visible_to, visits_visible_to
from mentors.access import access_for
from mentors.models import Mentor
from regions.models import Province
from regions.timezones import regency_today, today_in
from reporting.models import MonthlyFigures
from territories import coverage
from territories.access import can_view_plans
from territories.selectors import (
    districts_visible_to,
    mentors_visible_to,
    regencies_visible_to,
    regency_get_for_user,
    villages_visible_to,
)

from . import schemas
from .access import issuer_may_read
from .paging import PAGE_SIZE_DEFAULT, BadCursor, page, since
from .selectors import token_for_secret
from .services import token_used


class Refused(Exception):
    """An answer with a message in Indonesian and English (the message is a gettext id)."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _both(message: str) -> dict:
    with translation.override("id"):
        detail = _(message)
    with translation.override("en"):
        detail_en = _(message)
    return {"detail": detail, "detail_en": detail_en}


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`: the token must exist, be neither expired nor revoked, and its issuer must
    still be active with a role; then the per-token rate limit is counted in the shared cache."""

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        scheme, _space, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Refused(401, gettext_noop("An API token is required (header “Authorization: Bearer <token>”)."))
        token = token_for_secret(secret.strip())
        if token is None:
            raise Refused(401, gettext_noop("This API token is not valid."))
        if token.is_revoked:
            raise Refused(401, gettext_noop("This API token was revoked."))
        if token.is_expired:
            raise Refused(401, gettext_noop("This API token has expired."))
        if not token.issuer.is_active or not issuer_may_read(token.issuer):
            raise Refused(401, gettext_noop("The person who issued this API token can no longer use the portal."))
        _rate_limit(token)
        token_used(token)
        return token

    def authenticate(self, request, token):  # the bearer scheme of the OpenAPI document; `__call__` does the work
        return None


def _rate_limit(token) -> None:
    """At most API_RATE_LIMIT requests per minute per token, counted in the shared cache (Redis in production)."""
    limit = settings.API_RATE_LIMIT
    window = int(timezone.now().timestamp() // 60)
    key = f"api:rate:{token.pk}:{window}"
    cache.add(key, 0, timeout=70)
    try:
        used = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=70)
        used = 1
    if used > limit:
        retry = 60 - int(timezone.now().timestamp()) % 60
        raise Refused(
            429, gettext_noop("Too many requests with this API token: wait a minute."), {"Retry-After": str(retry)}
        )


api = NinjaAPI(
    title="Koperasi Merah Putih portal — read API",
    version="1",
    description=__doc__,
    auth=TokenAuth(),
    urls_namespace="api_v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


@api.exception_handler(Refused)
def _refused(request, error: Refused):
    response = api.create_response(request, _both(error.message), status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


@api.exception_handler(Http404)
def _not_found(request, error):
    return api.create_response(request, _both(gettext_noop("Not found, or outside this token's scope.")), status=404)


@api.exception_handler(ValidationError)
def _bad_input(request, error: ValidationError):
    """A parameter of the wrong kind (a date that is not one, a limit above 100): the message in both languages, and
    which parameter, as pydantic names it."""
    body = _both(
        gettext_noop(
            "A parameter is not valid: see `errors` for which one (limit is at most 100; dates as YYYY-MM-DD)."
        )
    )
    fields = [{"loc": list(e.get("loc", [])), "msg": e.get("msg", "")} for e in error.errors]
    return api.create_response(request, {**body, "errors": fields}, status=422)


@api.exception_handler(BadCursor)
def _bad_cursor(request, error):
    return api.create_response(
        request, _both(gettext_noop("This cursor is not valid: start again without it.")), status=400
    )


def _issuer(request):
    return request.auth.issuer


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


ERRORS = {401: schemas.Problem, 404: schemas.Problem, 429: schemas.Problem}
PAGE_ERRORS = {**ERRORS, 400: schemas.Problem}


# --- regions ------------------------------------------------------------------------------------------------

regions = Router(tags=["regions"])


@regions.get("/provinces", response={200: schemas.ProvincePage, **PAGE_ERRORS})
def province_list(request, cursor: str | None = None, limit: int = Query(PAGE_SIZE_DEFAULT, ge=1, le=100)):
    """The provinces of the regencies the token sees."""
    seen = regencies_visible_to(_issuer(request)).values("province_id")
    items, next_cursor = page(Province.objects.filter(id__in=seen), cursor=cursor, limit=limit, by_update=False)
    return {"items": items, "next_cursor": next_cursor}


@regions.get("/regencies", response={200: schemas.RegencyPage, **PAGE_ERRORS})
def regency_list(request, cursor: str | None = None, limit: int = Query(PAGE_SIZE_DEFAULT, ge=1, le=100)):
    rows = regencies_visible_to(_issuer(request)).annotate(province_code=F("province__code"))
    items, next_cursor = page(rows, cursor=cursor, limit=limit, by_update=False)
    return {"items": items, "next_cursor": next_cursor}


@regions.get("/districts", response={200: schemas.DistrictPage, **PAGE_ERRORS})
def district_list(
    request, regency: str | None = None, cursor: str | None = None, limit: int = Query(PAGE_SIZE_DEFAULT, ge=1, le=100)
):
    """The districts the token sees; `regency` (a code, e.g. 32.02) narrows them."""
    rows = districts_visible_to(_issuer(request)).annotate(regency_code=F("regency__code"))
    if regency:
        rows = rows.filter(regency__code=regency)
    items, next_cursor = page(rows, cursor=cursor, limit=limit, by_update=False)
    return {"items": items, "next_cursor": next_cursor}


@regions.get("/villages", response={200: schemas.VillagePage, **PAGE_ERRORS})
def village_list(
    request,
    regency: str | None = None,
    district: str | None = None,
    cursor: str | None = None,
    limit: int = Query(PAGE_SIZE_DEFAULT, ge=1, le=100),
):
    """The villages the token sees; `regency` or `district` (codes) narrow them."""
    rows = villages_visible_to(_issuer(request)).annotate(district_code=F("district__code"))
    if regency:
        rows = rows.filter(district__regency__code=regency)
    if district:
        rows = rows.filter(district__code=district)
    items, next_cursor = page(rows, cursor=cursor, limit=limit, by_update=False)
    return {"items": items, "next_cursor": next_cursor}


@regions.get("/villages/{code}", response={200: schemas.VillageOut, **ERRORS})
def village_detail(request, code: str):
    return get_object_or_404(
        villages_visible_to(_issuer(request)).annotate(district_code=F("district__code")), code=code
    )


# --- cooperatives -------------------------------------------------------------------------------------------

cooperatives = Router(tags=["cooperatives"])


def _cooperatives(user):
    """The cooperatives with their codes and the parts of their record under the names `schemas` reads."""
    return (
        cooperatives_visible_to(user)
        .annotate(
            village_code=F("village__code"),
            district_code=F("village__district__code"),
            regency_code=F("village__district__regency__code"),
        )
        .prefetch_related(
            Prefetch("units", to_attr="unit_list"),
            Prefetch("land", to_attr="land_list"),
            Prefetch("board", to_attr="board_list"),
            Prefetch("financing", FinancingProposal.objects.annotate(lender_name=F("lender__name")),
                     to_attr="financing_list"),
            Prefetch("member_counts", MemberCount.objects.order_by("counted_on", "id"), to_attr="member_count_list"),
        )
    )


def _record_changed_since(rows, moment: datetime | None):
    """The cooperatives whose own fields or any part of whose record (units, land, board, member counts,
    financing: their history rows, deletions included) changed at or after `moment`."""
    if moment is None:
        return rows
    changed = Q(updated_at__gte=moment)
    for part in (BusinessUnit, LandPlot, BoardMember, MemberCount, FinancingProposal):
        changed |= Q(pk__in=part.history.filter(history_date__gte=moment).values("cooperative_id"))
    return rows.filter(changed)


@cooperatives.get("/cooperatives", response={200: schemas.CooperativePage, **PAGE_ERRORS})
def cooperative_list(
    request,
    regency: str | None = None,
    district: str | None = None,
    updated_since: datetime | None = None,
    cursor: str | None = None,
    limit: int = Query(PAGE_SIZE_DEFAULT, ge=1, le=100),
):
    """The cooperatives the token sees with their whole record (units, land, board, member counts, financing),
    by `updated_at`. With `updated_since`, the cooperatives whose fields or any part of whose record changed since
    then (pass the time your previous pull started)."""
    rows = _record_changed_since(_cooperatives(_issuer(request)), _aware(updated_since))
    if regency:
        rows = rows.filter(village__district__regency__code=regency)
    if district:
        rows = rows.filter(village__district__code=district)
    items, next_cursor = page(rows, cursor=cursor, limit=limit, by_update=True)
    return {"items": items, "next_cursor": next_cursor}


@cooperatives.get("/cooperatives/{cooperative_id}", response={200: schemas.CooperativeOut, **ERRORS})
def cooperative_detail(request, cooperative_id: int):
    return get_object_or_404(_cooperatives(_issuer(request)), pk=cooperative_id)


# --- visits and follow-ups ----------------------------------------------------------------------------------

visits = Router(tags=["visits"])


def _visits(user):
    return (
        visits_visible_to(user)
        .annotate(village_code=F("cooperative__village__code"), mentor_name=F("mentor__full_name"))
        .prefetch_related(Prefetch("follow_ups", to_attr="follow_up_list"), Prefetch("files", to_attr="file_list"))
    )


def _linked(request, visits: list) -> list:
    """Each evidence file gets the address of the portal's file page, which checks the viewer's scope."""
    for visit in visits:
        for record in visit.file_list:
            record.url = request.build_absolute_uri(reverse("cooperatives:visit_file", args=[record.pk]))
    return visits


@visits.get("/visits", response={200: schemas.VisitPage, **PAGE_ERRORS})
def visit_list(
    request,
    regency: str | None = None,
    cooperative: int | None = None,
    updated_since: datetime | None = None,
    cursor: str | None = None,
    limit: int = Query(PAGE_SIZE_DEFAULT, ge=1, le=100),
):
    """Mentoring visits with their follow-ups and evidence (links to the portal's scope-checked file page)."""
    rows = since(_visits(_issuer(request)), _aware(updated_since))
    if regency:
        rows = rows.filter(cooperative__village__district__regency__code=regency)
    if cooperative:
        rows = rows.filter(cooperative_id=cooperative)
    items, next_cursor = page(rows, cursor=cursor, limit=limit, by_update=True)
    return {"items": _linked(request, items), "next_cursor": next_cursor}


@visits.get("/visits/{visit_id}", response={200: schemas.VisitOut, **ERRORS})
def visit_detail(request, visit_id: int):
    return _linked(request, [get_object_or_404(_visits(_issuer(request)), pk=visit_id)])[0]


@visits.get("/follow-ups", response={200: schemas.FollowUpPage, **PAGE_ERRORS})
def follow_up_list(
    request,
    regency: str | None = None,
    open_only: bool = False,
    updated_since: datetime | None = None,
    cursor: str | None = None,
    limit: int = Query(PAGE_SIZE_DEFAULT, ge=1, le=100),
):
    """Follow-ups of the visits the token sees (closing one moves its `updated_at`)."""
    rows = since(FollowUp.objects.filter(visit__in=visits_visible_to(_issuer(request))), _aware(updated_since))
    if regency:
        rows = rows.filter(visit__cooperative__village__district__regency__code=regency)
    if open_only:
        rows = rows.filter(done=False)
    items, next_cursor = page(rows, cursor=cursor, limit=limit, by_update=True)
    return {"items": items, "next_cursor": next_cursor}


# --- mentors ------------------------------------------------------------------------------------------------

mentors = Router(tags=["mentors"])


def _mentor_out(mentor: Mentor, *, internal: bool) -> dict:
    """Contact details as the mentor's page shows them to the issuer (whoever may open it sees them); contract
    dates only for the office."""
    return {
        "id": mentor.pk,
        "full_name": mentor.full_name,
        "role": mentor.role,
        "regency_code": mentor.regency.code,
        "is_active": mentor.is_active,
        "phone": mentor.phone,
        "email": mentor.email,
        "contract_start": mentor.contract_start if internal else None,
        "contract_end": mentor.contract_end if internal else None,
        "updated_at": mentor.updated_at,
    }


@mentors.get("/mentors", response={200: schemas.MentorPage, **PAGE_ERRORS})
def mentor_list(
    request,
    regency: str | None = None,
    role: Mentor.Role | None = None,
    updated_since: datetime | None = None,
    cursor: str | None = None,
    limit: int = Query(PAGE_SIZE_DEFAULT, ge=1, le=100),
):
    """The mentors whose page the issuer may open in the portal."""
    user = _issuer(request)
    rows = since(mentors_visible_to(user).select_related("regency"), _aware(updated_since))
    if regency:
        rows = rows.filter(regency__code=regency)
    if role:
        rows = rows.filter(role=role)
    items, next_cursor = page(rows, cursor=cursor, limit=limit, by_update=True)
    internal = access_for(user).is_office
    return {"items": [_mentor_out(m, internal=internal) for m in items], "next_cursor": next_cursor}


@mentors.get("/mentors/{mentor_id}", response={200: schemas.MentorOut, **ERRORS})
def mentor_detail(request, mentor_id: int):
    user = _issuer(request)
    mentor = get_object_or_404(mentors_visible_to(user).select_related("regency"), pk=mentor_id)
    return _mentor_out(mentor, internal=access_for(user).is_office)


# --- plans and coverage ---------------------------------------------------------------------------------------

plans = Router(tags=["plans and coverage"])


@plans.get("/regencies/{code}/plan", response={200: schemas.PlanOut, 403: schemas.Problem, **ERRORS})
def plan_in_force(request, code: str, on: date | None = None):
    """The plan in force in the regency on `on` (default today) with its BA territories; the office's."""
    user = _issuer(request)
    regency = regency_get_for_user(user, code)
    if not can_view_plans(user):
        raise Refused(403, gettext_noop("Plans are the office's: this token's issuer does not see them."))
    plan = coverage.plans_in_force_on([regency.pk], on or regency_today(regency)).first()
    if plan is None:
        raise Refused(404, gettext_noop("No plan was in force in this regency on that day."))
    return {
        "id": plan.pk,
        "regency_code": regency.code,
        "name": plan.name,
        "status": plan.status,
        "effective_from": plan.effective_from,
        "effective_to": plan.effective_to,
        "decree_number": plan.decree_number,
        "published_at": plan.published_at,
        "territories": coverage.plan_territories(plan),
    }


@plans.get("/coverage", response={200: schemas.CoveragePage, **PAGE_ERRORS})
def coverage_list(
    request,
    regency: str | None = None,
    district: str | None = None,
    on: date | None = None,
    cursor: str | None = None,
    limit: int = Query(PAGE_SIZE_DEFAULT, ge=1, le=100),
):
    """Who covered each village the token sees on `on` (default today): its BA territory, BA and PMO."""
    issuer = _issuer(request)
    day = on or today_in(access_for(issuer).time_zone)  # the issuer's day (their regency's)
    rows = villages_visible_to(issuer)
    if regency:
        rows = rows.filter(district__regency__code=regency)
    if district:
        rows = rows.filter(district__code=district)
    villages, next_cursor = page(rows, cursor=cursor, limit=limit, by_update=False)
    held = coverage.coverage_on([v.pk for v in villages], day)
    empty = dict.fromkeys(("plan_id", "territory_id", "territory", "ba_id", "ba", "pmo_id", "pmo"))
    items = [{"village_code": v.code, "village_name": v.name, **held.get(v.pk, empty)} for v in villages]
    return {"on": day, "items": items, "next_cursor": next_cursor}


# --- figures ------------------------------------------------------------------------------------------------

figures = Router(tags=["figures"])


@figures.get("/figures/monthly", response={200: schemas.FiguresPage, **PAGE_ERRORS})
def monthly_figures(
    request,
    regency: str | None = None,
    month: str | None = Query(None, pattern=r"^\d{4}-\d{2}$"),
    cursor: str | None = None,
    limit: int = Query(PAGE_SIZE_DEFAULT, ge=1, le=100),
):
    """The figures per regency and month the office's dashboards show (`month` as YYYY-MM). The office's: a
    mentor's token gets an empty list."""
    access = access_for(_issuer(request))
    rows = (
        MonthlyFigures.objects.filter(access.office_scope("regency"))
        if access.sees_regencies
        else MonthlyFigures.objects.none()
    ).annotate(regency_code=F("regency__code"))
    if regency:
        rows = rows.filter(regency__code=regency)
    if month:
        rows = rows.filter(month=date(int(month[:4]), int(month[5:]), 1)) if "01" <= month[5:] <= "12" else rows.none()
    items, next_cursor = page(rows, cursor=cursor, limit=limit, by_update=False)
    return {"items": items, "next_cursor": next_cursor}


for router in (regions, cooperatives, visits, mentors, plans, figures):
    api.add_router("", router)
