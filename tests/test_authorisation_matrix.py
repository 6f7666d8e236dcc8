"""Every URL of the portal × every persona → the expected status.

Outsiders get 404 (existence does not leak), read-only users 403, anonymous visitors are sent to sign in.
A URL that is not in MATRIX fails `test_every_portal_url_is_in_the_matrix`.
"""

from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from cooperatives.models import Cooperative, FollowUp, Visit
from mentors.models import Mentor
from territories.models import BaTerritory, PmoTerritory, TerritoryPlan, Village

from .factories import MentorFactory

PERSONAS = ["anonymous", "ba", "pmo", "staff", "admin", "other_admin", "superuser"]

# name: (method, path template, expected status per persona in PERSONAS order)
MATRIX = {
    "home": ("get", "/", [302, 200, 200, 200, 200, 200, 200]),
    "territories:regency_list": ("get", "/regions/", [302, 200, 200, 200, 200, 200, 200]),
    "territories:regency_detail": ("get", "/regions/32.02/", [302, 200, 200, 200, 200, 404, 200]),
    "territories:district_detail": ("get", "/regions/32.02.01/", [302, 404, 404, 200, 200, 404, 200]),
    "territories:village_detail": ("get", "/regions/32.02.01.2002/", [302, 404, 404, 200, 200, 404, 200]),
    "mentors:mentor_list": ("get", "/mentors/", [302, 403, 200, 200, 200, 200, 200]),
    "mentors:mentor_export": ("get", "/mentors/export.xlsx", [302, 403, 403, 200, 200, 200, 200]),
    "mentors:mentor_create": ("get", "/mentors/new/", [302, 403, 403, 403, 200, 200, 200]),
    "mentors:mentor_import": ("get", "/mentors/import/", [302, 403, 403, 403, 200, 200, 200]),
    "mentors:mentor_import_apply": ("post", "/mentors/import/apply/", [302, 403, 403, 403, 302, 302, 302]),
    "mentors:mentor_detail": ("get", "/mentors/{target}/", [302, 404, 404, 200, 200, 404, 200]),
    "mentors:mentor_update": ("get", "/mentors/{target}/edit/", [302, 404, 404, 403, 200, 404, 200]),
    "mentors:mentor_deactivate": ("post", "/mentors/{target}/deactivate/", [302, 404, 404, 403, 302, 404, 302]),
    "mentors:mentor_activate": ("post", "/mentors/{target}/activate/", [302, 404, 404, 403, 302, 404, 302]),
    "mentors:mentor_invite": ("post", "/mentors/{target}/invite/", [302, 404, 404, 403, 302, 404, 302]),
    "territories:plan_list": ("get", "/plans/", [302, 403, 403, 200, 200, 200, 200]),
    "territories:plan_create": ("get", "/plans/new/", [302, 403, 403, 403, 200, 200, 200]),
    "territories:plan_detail": ("get", "/plans/{plan}/", [302, 404, 404, 200, 200, 404, 200]),
    "territories:territory_create": ("post", "/plans/{plan}/territories/new/", [302, 404, 404, 403, 302, 404, 302]),
    "territories:territory_update": (
        "post", "/plans/{plan}/territories/ba/{ba_territory}/", [302, 404, 404, 403, 302, 404, 302]),
    "territories:territory_delete": (
        "post", "/plans/{plan}/territories/pmo/{pmo_territory}/delete/", [302, 404, 404, 403, 302, 404, 302]),
    "territories:villages_move": ("post", "/plans/{plan}/villages/move/", [302, 404, 404, 403, 302, 404, 302]),
    "territories:districts_move": ("post", "/plans/{plan}/districts/move/", [302, 404, 404, 403, 302, 404, 302]),
    "territories:plan_propose": ("get", "/plans/{plan}/propose/", [302, 404, 404, 403, 200, 404, 200]),
    "territories:plan_diff": ("get", "/plans/{plan}/diff/", [302, 404, 404, 200, 200, 404, 200]),
    "territories:plan_publish": ("get", "/plans/{plan}/publish/", [302, 404, 404, 403, 200, 404, 200]),
    "territories:plan_discard": ("post", "/plans/{plan}/discard/", [302, 404, 404, 403, 302, 404, 302]),
    "territories:plan_export": ("get", "/plans/{plan}/export.xlsx", [302, 404, 404, 200, 200, 404, 200]),
    "territories:plan_import": ("get", "/plans/{plan}/import/", [302, 404, 404, 403, 200, 404, 200]),
    "territories:plan_import_apply": ("post", "/plans/{plan}/import/apply/", [302, 404, 404, 403, 302, 404, 302]),
    "territories:plan_annex": ("get", "/plans/{plan}/annex/", [302, 404, 404, 200, 200, 404, 200]),
    "cooperatives:cooperative_list": ("get", "/cooperatives/", [302, 200, 200, 200, 200, 200, 200]),
    "cooperatives:cooperative_export": ("get", "/cooperatives/export.xlsx", [302, 403, 403, 200, 200, 200, 200]),
    "cooperatives:cooperative_import": ("get", "/cooperatives/import/", [302, 403, 403, 403, 200, 200, 200]),
    "cooperatives:cooperative_import_apply": (
        "post", "/cooperatives/import/apply/", [302, 403, 403, 403, 302, 302, 302]),
    "cooperatives:cooperative_detail": ("get", "/cooperatives/{coop}/", [302, 404, 404, 200, 200, 404, 200]),
    "cooperatives:cooperative_update": ("get", "/cooperatives/{coop}/edit/", [302, 404, 404, 200, 200, 404, 200]),
    "cooperatives:visit_create": ("get", "/cooperatives/{coop}/visits/new/", [302, 404, 404, 403, 403, 404, 403]),
    "cooperatives:visit_create_any": ("get", "/visits/new/", [302, 200, 200, 403, 403, 403, 403]),
    "cooperatives:visit_update": ("get", "/visits/{visit}/edit/", [302, 404, 404, 403, 200, 404, 200]),
    "cooperatives:follow_up_list": ("get", "/follow-ups/", [302, 200, 200, 403, 403, 403, 403]),
    "cooperatives:follow_up_done": ("post", "/follow-ups/{follow_up}/done/", [302, 404, 404, 302, 302, 404, 302]),
    "cooperatives:report_list": ("get", "/reports/", [302, 200, 200, 200, 200, 200, 200]),
    "cooperatives:report_detail": ("get", "/reports/{target}/2026-10/", [302, 404, 404, 200, 200, 404, 200]),
    "cooperatives:report_print": ("get", "/reports/{target}/2026-10/print/", [302, 404, 404, 200, 200, 404, 200]),
}

# Framework URLs with their own, separately tested, access rules.
NOT_PORTAL = ("admin:", "account_", "set_language")


def _named_urls(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_portal_url_is_in_the_matrix():
    names = {name for name in _named_urls(get_resolver().url_patterns) if not name.startswith(NOT_PORTAL)}
    assert names - set(MATRIX) == set(), "add these URLs to MATRIX with the expected status per persona"
    assert set(MATRIX) - names == set(), "MATRIX names URLs that no longer exist"


@pytest.fixture
def people(sukabumi, other_regency, ba_user, pmo_user, office_user, admin_user, other_admin, superuser):
    return {
        "anonymous": None, "ba": ba_user, "pmo": pmo_user, "staff": office_user, "admin": admin_user,
        "other_admin": other_admin, "superuser": superuser,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_persona_gets_the_expected_status(name, people, sukabumi, client_for):
    method, template, expected = MATRIX[name]
    got = []
    for persona in PERSONAS:
        target = MentorFactory(regency=sukabumi, role=Mentor.Role.BA, full_name="Sasaran Uji")
        plan = TerritoryPlan.objects.create(regency=sukabumi, name=f"Draf {persona}")
        pmo = PmoTerritory.objects.create(plan=plan, name="PMO 1")
        ba = BaTerritory.objects.create(plan=plan, name="BA 01", pmo_territory=pmo)
        coop, _ = Cooperative.objects.get_or_create(village=Village.objects.get(code="32.02.01.2002"),
                                                    defaults={"name": "Koperasi Desa Merah Putih Tonjong"})
        visit = Visit.objects.create(cooperative=coop, mentor=target, date=date(2026, 10, 1), summary="Uji",
                                     focus_areas=["institutions"])
        follow_up = FollowUp.objects.create(visit=visit, action="Uji", due_date=date(2026, 10, 9))
        client = client_for(people[persona])
        path = template.format(target=target.pk, plan=plan.pk, ba_territory=ba.pk, pmo_territory=pmo.pk,
                               coop=coop.pk, visit=visit.pk, follow_up=follow_up.pk)
        response = getattr(client, method)(path)
        got.append(response.status_code)
    assert dict(zip(PERSONAS, got, strict=True)) == dict(zip(PERSONAS, expected, strict=True))
