"""Every URL of the portal × every persona → the expected status.

The personas hold real places in a published split: a BA inside the territory that holds the target
village, the BA of a neighbouring territory (same PMO), the PMO over the BA, the office of the regency,
another regency's admin, the national operator, and the readers above the regencies: the provincial office of
Jawa Barat (the regency's province), that of Jawa Tengah (another province) and the national programme. Readers
see what the office sees of their regencies and change nothing: 403 for every write inside their scope.
Outsiders get 404 (existence does not leak), people who may see but not change get 403, anonymous visitors
are sent to sign in. A URL that is not in MATRIX
fails `test_every_portal_url_is_in_the_matrix`.
"""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from api.models import ApiToken
from api.selectors import secret_hash
from api.services import token_issue
from cooperatives.models import (
    BoardMember,
    Cooperative,
    FinancingProposal,
    FollowUp,
    Handover,
    Instalment,
    Lender,
    ReconciliationRun,
    Visit,
    VisitFile,
)
from cooperatives.selectors import month_start
from mentors.models import Membership
from regions.models import Village
from territories import services as plans
from territories.models import BaTerritory, BaVillage, PmoTerritory

from .factories import MembershipFactory, UserFactory

PERSONAS = ["anonymous", "ba", "neighbour_ba", "pmo", "staff", "admin", "other_admin", "superuser", "province_reader",
            "other_province_reader", "national_reader"]
R = [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]  # any signed-in person may read it

# name: (method, path template, expected status per persona in PERSONAS order)
MATRIX = {
    "home": ("get", "/", R),
    "health": ("get", "/health/", [200] * 11),
    "healthz": ("get", "/healthz/", [200] * 11),
    # Mentors see their own area whatever they ask for; another regency's office gets 404 (tests/test_dashboards.py
    # checks what each one sees).
    "reporting:dashboard": (
        "get", "/dashboard/?regency=32.02", [302, 200, 200, 200, 200, 200, 404, 200, 200, 404, 200]),
    "reporting:dashboard_export": ("get", "/dashboard/breakdown.xlsx?regency=32.02",
                                   [302, 200, 200, 200, 200, 200, 404, 200, 200, 404, 200]),
    "reporting:regency_limits": (
        "get", "/dashboard/limits/32.02/", [302, 403, 403, 403, 403, 200, 404, 200, 403, 404, 403]),
    "reporting:map": ("get", "/map/?regency=32.02", [302, 200, 200, 200, 200, 200, 404, 200, 200, 404, 200]),
    "reporting:map_data": (
        "get", "/map/data/?district={district}", [302, 200, 404, 200, 200, 200, 404, 200, 200, 404, 200]),
    "regions:regency_list": ("get", "/regions/", R),
    "regions:regency_detail": ("get", "/regions/32.02/", [302, 200, 200, 200, 200, 200, 404, 200, 200, 404, 200]),
    "regions:district_detail": ("get", "/regions/{district}/", [302, 200, 404, 200, 200, 200, 404, 200, 200, 404, 200]),
    "regions:village_detail": ("get", "/regions/{village}/", [302, 200, 404, 200, 200, 200, 404, 200, 200, 404, 200]),
    "mentors:mentor_list": ("get", "/mentors/", [302, 403, 403, 200, 200, 200, 200, 200, 200, 200, 200]),
    # The national operator sees two regencies here: a workbook needs one chosen (tests/test_exports.py); so do
    # the province reader of Jawa Barat (Sukabumi and Cianjur) and the national reader.
    "mentors:mentor_export": ("get", "/mentors/export.xlsx", [302, 403, 403, 403, 200, 200, 200, 302, 302, 200, 302]),
    "mentors:mentor_create": ("get", "/mentors/new/", [302, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403]),
    # Renewal lists only the mentors of the regencies the admin manages (another regency's admin: theirs).
    "mentors:contract_renew": ("get", "/mentors/contracts/", [302, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403]),
    "mentors:mentor_import": ("get", "/mentors/import/", [302, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403]),
    "mentors:mentor_import_apply": (
        "post", "/mentors/import/apply/", [302, 403, 403, 403, 403, 302, 302, 302, 403, 403, 403]),
    "mentors:mentor_detail": ("get", "/mentors/{ba_mentor}/", [302, 200, 404, 200, 200, 200, 404, 200, 200, 404, 200]),
    "mentors:mentor_update": (
        "get", "/mentors/{ba_mentor}/edit/", [302, 403, 403, 403, 403, 200, 404, 200, 403, 404, 403]),
    "mentors:mentor_deactivate": (
        "post", "/mentors/{spare}/deactivate/", [302, 403, 403, 403, 403, 302, 404, 302, 403, 404, 403]),
    "mentors:mentor_activate": (
        "post", "/mentors/{spare}/activate/", [302, 403, 403, 403, 403, 302, 404, 302, 403, 404, 403]),
    "mentors:mentor_invite": (
        "post", "/mentors/{spare}/invite/", [302, 403, 403, 403, 403, 302, 404, 302, 403, 404, 403]),
    # The office accounts of a regency: its admins (and the national operator) manage them, its staff get 403,
    # everyone else 404; an admin of any regency is sent on to their own from the index.
    "mentors:office_index": ("get", "/mentors/office/", [302, 403, 403, 403, 403, 302, 302, 200, 403, 403, 403]),
    "mentors:office_accounts": (
        "get", "/mentors/office/32.02/", [302, 404, 404, 404, 403, 200, 404, 200, 403, 404, 403]),
    "mentors:office_account_create": (
        "get", "/mentors/office/32.02/new/", [302, 404, 404, 404, 403, 200, 404, 200, 403, 404, 403]),
    "mentors:office_account_invite": (
        "post", "/mentors/office/32.02/{office_account}/invite/",
            [302, 404, 404, 404, 403, 302, 404, 302, 403, 404, 403]),
    "mentors:office_account_role": (
        "post", "/mentors/office/32.02/{office_account}/role/",
            [302, 404, 404, 404, 403, 302, 404, 302, 403, 404, 403]),
    "mentors:office_account_suspend": (
        "post", "/mentors/office/32.02/{office_account}/suspend/",
            [302, 404, 404, 404, 403, 302, 404, 302, 403, 404, 403]),
    "mentors:office_account_reactivate": (
        "post", "/mentors/office/32.02/{office_account}/reactivate/",
            [302, 404, 404, 404, 403, 302, 404, 302, 403, 404, 403]),
    "territories:plan_list": ("get", "/plans/", [302, 403, 403, 403, 200, 200, 200, 200, 200, 200, 200]),
    "territories:plan_create": ("get", "/plans/new/", [302, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403]),
    "territories:plan_detail": ("get", "/plans/{plan}/", [302, 404, 404, 404, 200, 200, 404, 200, 200, 404, 200]),
    "territories:territory_create": (
        "post", "/plans/{plan}/territories/new/", [302, 404, 404, 404, 403, 302, 404, 302, 403, 404, 403]),
    "territories:territory_update": (
        "post", "/plans/{plan}/territories/ba/{ba_territory}/",
            [302, 404, 404, 404, 403, 302, 404, 302, 403, 404, 403]),
    "territories:territory_delete": (
        "post", "/plans/{plan}/territories/pmo/{pmo_territory}/delete/",
            [302, 404, 404, 404, 403, 302, 404, 302, 403, 404, 403]),
    "territories:villages_move": (
        "post", "/plans/{plan}/villages/move/", [302, 404, 404, 404, 403, 302, 404, 302, 403, 404, 403]),
    # A row to read is for whoever sees the plan; `?edit=1` (the row as a form) only for its admins.
    "territories:territory_row": (
        "get", "/plans/{plan}/territories/ba/{ba_territory}/row/?edit=1",
            [302, 404, 404, 404, 403, 200, 404, 200, 403, 404, 403]),
    "territories:district_villages": (
        "get", "/plans/{plan}/districts/{district_id}/", [302, 404, 404, 404, 200, 200, 404, 200, 200, 404, 200]),
    "territories:districts_move": (
        "post", "/plans/{plan}/districts/move/", [302, 404, 404, 404, 403, 302, 404, 302, 403, 404, 403]),
    "territories:plan_propose": (
        "get", "/plans/{plan}/propose/", [302, 404, 404, 404, 403, 200, 404, 200, 403, 404, 403]),
    "territories:plan_diff": ("get", "/plans/{plan}/diff/", [302, 404, 404, 404, 200, 200, 404, 200, 200, 404, 200]),
    "territories:plan_publish": (
        "get", "/plans/{plan}/publish/", [302, 404, 404, 404, 403, 200, 404, 200, 403, 404, 403]),
    "territories:plan_discard": (
        "post", "/plans/{plan}/discard/", [302, 404, 404, 404, 403, 302, 404, 302, 403, 404, 403]),
    # Withdrawing: the admins of the plan's regency (a draft has nothing to withdraw: they are sent back to it).
    "territories:plan_withdraw": (
        "post", "/plans/{plan}/withdraw/", [302, 404, 404, 404, 403, 302, 404, 302, 403, 404, 403]),
    "territories:plan_export": (
        "get", "/plans/{plan}/export.xlsx", [302, 404, 404, 404, 200, 200, 404, 200, 200, 404, 200]),
    "territories:plan_import": (
        "get", "/plans/{plan}/import/", [302, 404, 404, 404, 403, 200, 404, 200, 403, 404, 403]),
    "territories:plan_import_apply": (
        "post", "/plans/{plan}/import/apply/", [302, 404, 404, 404, 403, 302, 404, 302, 403, 404, 403]),
    "territories:plan_annex": ("get", "/plans/{plan}/annex/", [302, 404, 404, 404, 200, 200, 404, 200, 200, 404, 200]),
    # The decree's number, date and subject: the regency's admins (an empty form is refused: 400).
    "territories:plan_decree": (
        "post", "/plans/{plan}/decree/", [302, 404, 404, 404, 403, 400, 404, 400, 403, 404, 403]),
    # The office's document settings (letterhead, signatory, numbering): its admins; its staff 403, others 404.
    "offices:documents": ("get", "/offices/32.02/documents/", [302, 404, 404, 404, 403, 200, 404, 200, 403, 404, 403]),
    "cooperatives:cooperative_list": ("get", "/cooperatives/", R),
    "cooperatives:cooperative_export": (
        "get", "/cooperatives/export.xlsx", [302, 403, 403, 403, 200, 200, 200, 302, 302, 200, 302]),
    "cooperatives:cooperative_import": (
        "get", "/cooperatives/import/", [302, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403]),
    "cooperatives:cooperative_import_apply": (
        "post", "/cooperatives/import/apply/", [302, 403, 403, 403, 403, 302, 302, 302, 403, 403, 403]),
    # Reconciliation with SIMKOPDES: the regency's office reads the runs, its admins map, upload and accept (an
    # empty form: 400; nothing ticked: redirected back); its staff 403, mentors and other offices 404. It is the
    # office's working tool: province and national readers are refused it (403 inside their scope).
    "cooperatives:reconciliation_index": (
        "get", "/cooperatives/simkopdes/", [302, 403, 403, 403, 302, 302, 302, 200, 403, 403, 403]),
    "cooperatives:reconciliation_regency": (
        "get", "/cooperatives/simkopdes/32.02/", [302, 404, 404, 404, 200, 200, 404, 200, 403, 404, 403]),
    "cooperatives:reconciliation_mapping": (
        "post", "/cooperatives/simkopdes/32.02/mapping/", [302, 404, 404, 404, 403, 400, 404, 400, 403, 404, 403]),
    "cooperatives:reconciliation_upload": (
        "post", "/cooperatives/simkopdes/32.02/upload/", [302, 404, 404, 404, 403, 400, 404, 400, 403, 404, 403]),
    "cooperatives:reconciliation_detail": (
        "get", "/cooperatives/simkopdes/runs/{run}/", [302, 404, 404, 404, 200, 200, 404, 200, 403, 404, 403]),
    "cooperatives:reconciliation_accept": (
        "post", "/cooperatives/simkopdes/runs/{run}/accept/", [302, 404, 404, 404, 403, 302, 404, 302, 403, 404, 403]),
    "cooperatives:cooperative_detail": (
        "get", "/cooperatives/{coop}/", [302, 200, 404, 200, 200, 200, 404, 200, 200, 404, 200]),
    # A visit's photo: only for those who see the cooperative; no public URL.
    "cooperatives:visit_file": (
        "get", "/visits/files/{visit_file}/", [302, 200, 404, 200, 200, 200, 404, 200, 200, 404, 200]),
    # The month-end recap is the office's (the other regency's admin sees their own regency's). Its places
    # (`?regency=`, `?province=`, the nation) per persona: tests/test_recap.py.
    "reporting:recap": ("get", "/reports/recap/", [302, 403, 403, 403, 200, 200, 200, 200, 200, 200, 200]),
    "reporting:recap?regency": (
        "get", "/reports/recap/?regency=32.02", [302, 403, 403, 403, 200, 200, 404, 200, 200, 404, 200]),
    "reporting:recap?province": (
        "get", "/reports/recap/?province=32", [302, 403, 403, 403, 200, 200, 200, 200, 200, 404, 200]),
    "reporting:recap?xlsx": ("get", "/reports/recap/?regency=32.02&format=xlsx",
                             [302, 403, 403, 403, 200, 200, 404, 200, 200, 404, 200]),
    "profile": ("get", "/profile/", R),
    # The field app: its worker and manifest are public files; the offline page is a signed-in page.
    "service_worker": ("get", "/sw.js", [200] * 11),
    "web_manifest": ("get", "/manifest.webmanifest", [200] * 11),
    "field_offline": ("get", "/offline/", R),
    # The pages a mentor's phone keeps (their own cooperatives): only mentors have the field app.
    "field_pages": ("get", "/field/pages/", [302, 200, 200, 200, 403, 403, 403, 403, 403, 403, 403]),
    # The parts of the record (units, land, board, members, financing) are kept by those who edit the profile.
    "cooperatives:cooperative_part": (
        "get", "/cooperatives/{coop}/land/", [302, 200, 404, 403, 200, 200, 404, 200, 403, 404, 403]),
    "cooperatives:cooperative_part_delete": (
        "post", "/cooperatives/{coop}/board/{board_member}/delete/",
            [302, 302, 404, 403, 302, 302, 404, 302, 403, 404, 403]),
    # A loan's instalment payment is recorded by those who keep the record (an empty form: refused, redirected).
    "cooperatives:instalment_pay": (
        "post", "/cooperatives/{coop}/instalments/{instalment}/pay/",
            [302, 302, 404, 403, 302, 302, 404, 302, 403, 404, 403]),
    "cooperatives:cooperative_update": (
        "get", "/cooperatives/{coop}/edit/", [302, 200, 404, 403, 200, 200, 404, 200, 403, 404, 403]),
    "cooperatives:visit_create": (
        "get", "/cooperatives/{coop}/visits/new/", [302, 200, 404, 200, 403, 403, 404, 403, 403, 404, 403]),
    "cooperatives:visit_create_any": ("get", "/visits/new/", [302, 200, 200, 200, 403, 403, 403, 403, 403, 403, 403]),
    "cooperatives:visit_update": (
        "get", "/visits/{visit}/edit/", [302, 200, 404, 403, 403, 200, 404, 200, 403, 404, 403]),
    "cooperatives:follow_up_list": ("get", "/follow-ups/", R),  # the office reads its regencies' follow-ups
    "cooperatives:follow_up_done": (
        "post", "/follow-ups/{follow_up}/done/", [302, 302, 404, 403, 302, 302, 404, 302, 403, 404, 403]),
    # Handovers are the office's: its admins draft and publish them, its staff get 403, mentors and other offices 404.
    # The leaving BA writes the note for their successor while their handover is a draft: none here, so 403.
    "cooperatives:handover_note": ("post", "/cooperatives/{coop}/handover-note/",
                                   [302, 403, 404, 403, 403, 403, 404, 403, 403, 404, 403]),
    "cooperatives:handover_list": ("get", "/handovers/", [302, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403]),
    "cooperatives:handover_detail": (
        "get", "/handovers/{handover}/", [302, 404, 404, 404, 403, 200, 404, 200, 403, 404, 403]),
    "cooperatives:handover_publish": ("post", "/handovers/{handover}/publish/",
                                      [302, 404, 404, 404, 403, 302, 404, 302, 403, 404, 403]),
    "cooperatives:report_list": ("get", "/reports/", R),
    "cooperatives:report_detail": (
        "get", "/reports/{ba_mentor}/{month}/", [302, 200, 404, 200, 200, 200, 404, 200, 200, 404, 200]),
    "cooperatives:report_print": (
        "get", "/reports/{ba_mentor}/{month}/print/", [302, 200, 404, 200, 200, 200, 404, 200, 200, 404, 200]),
    # API tokens: office admins (for their own scope) and the national operator issue and revoke them; readers do not.
    "api:token_list": ("get", "/api-tokens/", [302, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403]),
    "api:token_revoke": (
        "post", "/api-tokens/{api_token}/revoke/", [302, 404, 404, 404, 404, 302, 404, 302, 404, 404, 404]),
    # The read API (/api/v1/): each persona presents a token it issued (anonymous: none, 401) and reads what it sees
    # in the portal. Its document and docs page are public.
    "api_v1:api-root": ("get", "/api/v1/", [404] * 11),  # nothing at the root: the document and docs page below
    "api_v1:openapi-json": ("get", "/api/v1/openapi.json", [200] * 11),
    "api_v1:openapi-view": ("get", "/api/v1/docs", [200] * 11),
    "api_v1:province_list": ("get", "/api/v1/provinces", [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "api_v1:regency_list": ("get", "/api/v1/regencies", [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "api_v1:district_list": ("get", "/api/v1/districts", [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "api_v1:village_list": ("get", "/api/v1/villages", [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "api_v1:village_detail": (
        "get", "/api/v1/villages/{village}", [401, 200, 404, 200, 200, 200, 404, 200, 200, 404, 200]),
    "api_v1:cooperative_list": ("get", "/api/v1/cooperatives", [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "api_v1:cooperative_detail": (
        "get", "/api/v1/cooperatives/{coop}", [401, 200, 404, 200, 200, 200, 404, 200, 200, 404, 200]),
    "api_v1:visit_list": ("get", "/api/v1/visits", [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "api_v1:visit_detail": ("get", "/api/v1/visits/{visit}", [401, 200, 404, 200, 200, 200, 404, 200, 200, 404, 200]),
    "api_v1:follow_up_list": ("get", "/api/v1/follow-ups", [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "api_v1:mentor_list": ("get", "/api/v1/mentors", [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "api_v1:mentor_detail": (
        "get", "/api/v1/mentors/{ba_mentor}", [401, 200, 404, 200, 200, 200, 404, 200, 200, 404, 200]),
    # The plans are the office's: mentors see the regency (403), another regency's office does not (404).
    "api_v1:plan_in_force": (
        "get", "/api/v1/regencies/32.02/plan", [401, 403, 403, 403, 200, 200, 404, 200, 200, 404, 200]),
    "api_v1:coverage_list": ("get", "/api/v1/coverage", [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "api_v1:monthly_figures": (
        "get", "/api/v1/figures/monthly", [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
}

# Framework URLs with their own, separately tested, access rules.
NOT_PORTAL = ("admin:", "account_", "mfa_", "set_language")  # the Django admin and allauth's own pages


def _named_urls(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_portal_url_is_in_the_matrix():
    names = {name for name in _named_urls(get_resolver().url_patterns) if not name.startswith(NOT_PORTAL)}
    named = {name.split("?")[0] for name in MATRIX}  # "name?variant": the same URL with other parameters
    assert names - named == set(), "add these URLs to MATRIX with the expected status per persona"
    assert named - names == set(), "MATRIX names URLs that no longer exist"


def _token_of(user) -> str:
    """A token of the persona, straight from the model: the API reads with any issuer's scope, whoever may issue."""
    secret = f"kmp_matrix_{user.pk}_{ApiToken.objects.count()}"
    ApiToken.objects.create(name="matriks", issuer=user, prefix=secret[:12], secret_hash=secret_hash(secret),
                            expires_at=timezone.now() + timedelta(days=1))
    return secret


@pytest.fixture
def people(split, other_regency, office_user, admin_user, other_admin, superuser, province_reader,
           other_province_reader, national_reader):
    """The personas, and a village of the BA's territory in a district where the neighbouring BA has none."""
    from .factories import UserFactory

    held = set(split.villages)
    village = Village.objects.filter(id__in=held).order_by("code").first()
    neighbours = BaTerritory.objects.filter(plan=split.plan, pmo_territory=split.territory.pmo_territory).exclude(
        pk=split.territory.pk)
    in_district = BaVillage.objects.filter(plan=split.plan, village__district=village.district_id).values(
        "ba_territory_id")
    neighbour = neighbours.exclude(pk__in=in_district).select_related("mentor").first()
    neighbour.mentor.user = UserFactory(email="ba.tetangga@contoh.test")
    neighbour.mentor.save()
    personas = {
        "anonymous": None, "ba": split.ba, "neighbour_ba": neighbour.mentor.user, "pmo": split.pmo,
        "staff": office_user, "admin": admin_user, "other_admin": other_admin, "superuser": superuser,
        "province_reader": province_reader, "other_province_reader": other_province_reader,
        "national_reader": national_reader,
    }
    return personas, village


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_persona_gets_the_expected_status(name, people, split, sukabumi, client_for, admin_user):
    personas, village = people
    method, template, expected = MATRIX[name]
    coop = Cooperative.objects.get(village=village)
    last_month = month_start(month_start(timezone.localdate()) - timedelta(days=1))
    got = []
    for persona in PERSONAS:
        plan = plans.plan_create(actor=None, regency=sukabumi, name=f"Draf {persona}", clone=False)
        pmo = PmoTerritory.objects.create(plan=plan, name="PMO 1")
        ba = BaTerritory.objects.create(plan=plan, name="BA 01", pmo_territory=pmo)
        spare = split.neighbour.mentor  # a mentor the write actions may change without spoiling the personas
        visit = Visit.objects.create(cooperative=coop, mentor=split.ba_mentor, date=timezone.localdate(),
                                     summary="Uji", focus_areas=["institutions"], created_by=split.ba)
        follow_up = FollowUp.objects.create(visit=visit, action="Uji", due_date=timezone.localdate())
        board_member = BoardMember.objects.create(cooperative=coop, role="secretary", name="Uji",
                                                  term_start=timezone.localdate())
        proposal = FinancingProposal.objects.create(
            cooperative=coop, lender=Lender.objects.get(name="BRI"), operational_spending=1, tenor_months=12,
            submitted_on=timezone.localdate())
        instalment = Instalment.objects.create(proposal=proposal, number=1, due_on=timezone.localdate(), amount=10)
        # An office account the write actions may change without spoiling the personas.
        office_account = MembershipFactory(user=UserFactory(email=f"staf.{persona}@contoh.test"), regency=sukabumi,
                                           role=Membership.Role.STAFF)
        handover = Handover.objects.create(regency=sukabumi, leaver=spare, last_day=timezone.localdate(), plan=plan)
        visit_file = VisitFile(visit=visit, kind="photo", name="uji.jpg", size=3)
        visit_file.file.save("uji.jpg", ContentFile(b"uji"), save=True)
        run = ReconciliationRun.objects.create(regency=sukabumi, file_name="uji.csv", file_sha256="0" * 64)
        api_token, _secret = token_issue(actor=admin_user, name=f"Uji {persona}",
                                         expires_on=timezone.localdate() + timedelta(days=1))
        path = template.format(api_token=api_token.pk, ba_mentor=split.ba_mentor.pk, spare=spare.pk, plan=plan.pk,
                               ba_territory=ba.pk,
                               pmo_territory=pmo.pk, coop=coop.pk, visit=visit.pk, follow_up=follow_up.pk,
                               board_member=board_member.pk, visit_file=visit_file.pk, handover=handover.pk,
                               instalment=instalment.pk,
                               office_account=office_account.pk, run=run.pk,
                               district=village.district.code, district_id=village.district_id, village=village.code,
                               month=f"{last_month:%Y-%m}")
        if path.startswith("/api/v1/"):  # the read API: a token of the persona, no session
            secret = _token_of(personas[persona]) if personas[persona] is not None else None
            response = Client().get(path, headers={"Authorization": f"Bearer {secret}"} if secret else {})
        else:
            response = getattr(client_for(personas[persona]), method)(path)
        got.append(response.status_code)
    assert dict(zip(PERSONAS, got, strict=True)) == dict(zip(PERSONAS, expected, strict=True))
