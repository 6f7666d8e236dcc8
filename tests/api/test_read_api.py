"""The read API: its OpenAPI document, tokens (shown once, stored hashed, expired or revoked → 401, rate limited →
429), scope (a token never reads more than its issuer: 404), full and incremental pulls, query budgets."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiToken
from api.selectors import secret_hash
from api.services import token_issue
from cooperatives import services as registry
from cooperatives.models import BusinessUnit, Cooperative, FollowUp, Visit
from mentors.models import Mentor
from regions.models import Village

from ..factories import MentorFactory

pytestmark = pytest.mark.django_db


def token_of(user, *, days: int = 30) -> str:
    """A token of `user`, straight from the model: the API honours any issuer's scope, whoever may issue."""
    secret = f"kmp_test_{user.pk}_{ApiToken.objects.count()}"
    ApiToken.objects.create(
        name="test",
        issuer=user,
        prefix=secret[:12],
        secret_hash=secret_hash(secret),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return secret


def get(secret, path, **params):
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return Client().get(path, params, headers=headers)


def pull(secret, path, **params) -> list[dict]:
    """Every page of a list, following the cursor."""
    items, cursor = [], None
    while True:
        response = get(secret, path, **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return items


# --- the document ---------------------------------------------------------------------------------------------


def test_the_openapi_document_is_valid_and_documents_every_path():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"] == "1"
    expected = {
        "/api/v1/provinces",
        "/api/v1/regencies",
        "/api/v1/districts",
        "/api/v1/villages",
        "/api/v1/villages/{code}",
        "/api/v1/cooperatives",
        "/api/v1/cooperatives/{cooperative_id}",
        "/api/v1/visits",
        "/api/v1/visits/{visit_id}",
        "/api/v1/follow-ups",
        "/api/v1/mentors",
        "/api/v1/mentors/{mentor_id}",
        "/api/v1/regencies/{code}/plan",
        "/api/v1/coverage",
        "/api/v1/figures/monthly",
    }
    assert set(document["paths"]) == expected
    cooperative = document["components"]["schemas"]["CooperativeOut"]["properties"]
    assert {"village_code", "stage", "units", "land", "board", "member_counts", "financing"} <= set(cooperative)
    schemes = document["components"]["securitySchemes"]
    assert list(schemes.values())[0]["scheme"] == "bearer"
    # Every operation: an answer schema, security, and a resolvable reference for each `$ref`.
    refs = set()

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.add(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert method == "get", path
            assert "200" in operation["responses"] and "401" in operation["responses"], path
            assert operation["security"], path
    walk(document)
    for ref in refs:
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in document["components"]["schemas"]


def test_the_documentation_page_uses_only_the_portals_own_files():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "cdn" not in page.lower() and "https://" not in page
    assert "default-src 'self'" in response["Content-Security-Policy"]


# --- tokens ---------------------------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_stored_only_as_a_hash(admin_user):
    token, secret = token_issue(
        actor=admin_user, name="Rekap provinsi", expires_on=timezone.localdate() + timedelta(days=30)
    )
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in {value for value in vars(stored).values() if isinstance(value, str)}
    assert stored.secret_hash == secret_hash(secret) and stored.prefix == secret[:12]
    assert get(secret, "/api/v1/regencies").status_code == 200


def test_the_admin_page_shows_the_secret_once_then_only_its_prefix(admin_client, admin_user):
    response = admin_client.post(
        "/api-tokens/", {"name": "Rekap provinsi", "expires_on": timezone.localdate() + timedelta(days=30)}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(issuer=admin_user)
    secret = response.context["secret"]
    assert secret.startswith("kmp_") and secret in response.content.decode()
    again = admin_client.get("/api-tokens/").content.decode()
    assert secret not in again and token.prefix in again and "Rekap provinsi" in again


def test_the_issue_form_sent_again_issues_no_second_token(admin_client, admin_user):
    form = admin_client.get("/api-tokens/").context["form"]
    sent = {"name": "Rekap provinsi", "expires_on": timezone.localdate() + timedelta(days=30),
            "submission": form["submission"].value()}
    assert admin_client.post("/api-tokens/", sent).context["secret"]
    again = admin_client.post("/api-tokens/", sent, follow=True)  # the browser's refresh re-posts the same form
    assert ApiToken.objects.filter(issuer=admin_user).count() == 1
    assert "hanya ditampilkan sekali" in again.content.decode()
    fresh = admin_client.get("/api-tokens/").context["form"]["submission"].value()
    assert admin_client.post("/api-tokens/", {**sent, "submission": fresh}).context["secret"]
    assert ApiToken.objects.filter(issuer=admin_user).count() == 2


def test_a_token_with_an_expiry_in_the_past_is_refused_with_a_message(admin_client):
    response = admin_client.post("/api-tokens/", {"name": "Lama", "expires_on": timezone.localdate() - timedelta(1)})
    assert response.status_code == 200
    assert ApiToken.objects.count() == 0
    assert response.context["form"].errors["expires_on"]


def test_an_expired_token_gets_401_in_indonesian_and_english(admin_user):
    secret = token_of(admin_user)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = get(secret, "/api/v1/cooperatives")
    assert response.status_code == 401
    assert response.json() == {"detail": "Token API ini sudah kedaluwarsa.", "detail_en": "This API token has expired."}


def test_a_revoked_token_gets_401_at_once(admin_user, admin_client):
    secret = token_of(admin_user)
    assert get(secret, "/api/v1/cooperatives").status_code == 200
    token = ApiToken.objects.get()
    assert admin_client.post(f"/api-tokens/{token.pk}/revoke/").status_code == 302
    response = get(secret, "/api/v1/cooperatives")
    assert response.status_code == 401
    assert response.json()["detail_en"] == "This API token was revoked."


def test_no_token_or_an_unknown_one_gets_401(admin_user):
    assert get(None, "/api/v1/cooperatives").status_code == 401
    assert get("kmp_made_up", "/api/v1/cooperatives").status_code == 401


def test_a_session_without_a_token_does_not_open_the_api(admin_client):
    assert admin_client.get("/api/v1/cooperatives").status_code == 401


def test_another_admin_cannot_revoke_a_token_they_do_not_see(admin_user, other_admin, client_for):
    token, _secret = token_issue(actor=admin_user, name="A", expires_on=timezone.localdate() + timedelta(days=3))
    assert client_for(other_admin).post(f"/api-tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_each_token_has_its_own_rate_limit(admin_user, settings):
    settings.API_RATE_LIMIT = 3
    first, second = token_of(admin_user), token_of(admin_user)
    assert [get(first, "/api/v1/regencies").status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = get(first, "/api/v1/regencies")
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("Terlalu banyak")
    assert get(second, "/api/v1/regencies").status_code == 200


def test_last_use_is_written_at_most_once_a_minute(admin_user):
    secret = token_of(admin_user)
    get(secret, "/api/v1/regencies")
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as run:
        get(secret, "/api/v1/regencies")
    assert not [q for q in run.captured_queries if q["sql"].startswith("UPDATE")]
    ApiToken.objects.update(last_used_at=first - timedelta(minutes=2))
    get(secret, "/api/v1/regencies")
    assert ApiToken.objects.get().last_used_at > first


def test_a_token_stops_when_its_issuer_is_blocked(admin_user):
    secret = token_of(admin_user)
    admin_user.is_active = False
    admin_user.save()
    assert get(secret, "/api/v1/regencies").status_code == 401


# --- scope ----------------------------------------------------------------------------------------------------


def test_a_ba_scoped_token_cannot_read_another_village(split):
    secret = token_of(split.ba)
    mine = Village.objects.filter(id__in=split.villages).order_by("code").first()
    other = Village.objects.filter(district__regency__code="32.02").exclude(id__in=split.villages).first()
    assert get(secret, f"/api/v1/villages/{mine.code}").status_code == 200
    response = get(secret, f"/api/v1/villages/{other.code}")
    assert response.status_code == 404
    assert set(response.json()) == {"detail", "detail_en"}
    assert get(secret, f"/api/v1/cooperatives/{Cooperative.objects.get(village=other).pk}").status_code == 404
    codes = {row["village_code"] for row in pull(secret, "/api/v1/cooperatives", limit=5)}
    assert codes == set(Village.objects.filter(id__in=split.villages).values_list("code", flat=True))


def test_a_token_of_another_regency_reads_nothing_of_this_one(split, other_admin):
    secret = token_of(other_admin)
    coop = Cooperative.objects.filter(village__district__regency__code="32.02").first()
    assert get(secret, f"/api/v1/cooperatives/{coop.pk}").status_code == 404
    assert get(secret, "/api/v1/regencies/32.02/plan").status_code == 404
    assert pull(secret, "/api/v1/cooperatives", regency="32.02") == []
    assert pull(secret, "/api/v1/mentors", regency="32.02") == []


def test_mentor_contact_details_follow_what_the_issuer_sees(split, admin_user):
    ba_rows = pull(token_of(split.ba), "/api/v1/mentors")
    assert [row["id"] for row in ba_rows] == [split.ba_mentor.pk]  # a BA sees only their own page
    assert ba_rows[0]["contract_end"] is None
    office = {row["id"]: row for row in pull(token_of(admin_user), "/api/v1/mentors", limit=100)}
    assert office[split.ba_mentor.pk]["email"] == split.ba_mentor.email


def test_plans_are_the_offices_and_coverage_names_each_villages_ba(split, admin_user):
    assert get(token_of(split.ba), "/api/v1/regencies/32.02/plan").status_code == 403
    plan = get(token_of(admin_user), "/api/v1/regencies/32.02/plan").json()
    assert plan["id"] == split.plan.pk and len(plan["territories"]) == 39
    rows = pull(token_of(split.ba), "/api/v1/coverage", limit=3)
    assert {row["ba_id"] for row in rows} == {split.ba_mentor.pk}
    assert {row["pmo_id"] for row in rows} == {split.pmo_mentor.pk}
    before = (split.plan.effective_from - timedelta(days=1)).isoformat()
    assert {row["ba_id"] for row in pull(token_of(split.ba), "/api/v1/coverage", on=before)} == {None}


# --- pulls ----------------------------------------------------------------------------------------------------


def test_a_full_pull_of_a_regency_then_an_incremental_pull_returns_exactly_the_changed_rows(split, admin_user):
    secret = token_of(admin_user)
    everything = pull(secret, "/api/v1/cooperatives", regency="32.02", limit=100)
    assert len(everything) == Cooperative.objects.filter(village__district__regency__code="32.02").count() == 386
    assert len({row["id"] for row in everything}) == 386
    started = timezone.now()
    edited, with_unit, untouched = Cooperative.objects.order_by("pk")[:3]
    registry.cooperative_update(actor=admin_user, cooperative=edited, version=None, member_count=42)
    registry.part_save(actor=admin_user, cooperative=with_unit, part=BusinessUnit(), values={"kind": "clinic"})
    changed = pull(secret, "/api/v1/cooperatives", regency="32.02", updated_since=started.isoformat())
    assert {row["id"] for row in changed} == {edited.pk, with_unit.pk}
    assert next(row for row in changed if row["id"] == edited.pk)["member_count"] == 42
    assert [u["kind"] for u in next(row for row in changed if row["id"] == with_unit.pk)["units"]] == ["clinic"]
    assert untouched.pk not in {row["id"] for row in changed}


def test_incremental_pulls_of_visits_and_follow_ups(split, admin_user):
    secret = token_of(admin_user)
    coop = Cooperative.objects.get(village_id=split.villages[0])
    old = Visit.objects.create(cooperative=coop, mentor=split.ba_mentor, date=timezone.localdate(), summary="a")
    follow_up = FollowUp.objects.create(visit=old, action="Cek", due_date=timezone.localdate())
    started = timezone.now()
    new = Visit.objects.create(cooperative=coop, mentor=split.ba_mentor, date=timezone.localdate(), summary="b")
    assert [row["id"] for row in pull(secret, "/api/v1/visits", updated_since=started.isoformat())] == [new.pk]
    assert pull(secret, "/api/v1/follow-ups", updated_since=started.isoformat()) == []
    registry.follow_up_done(actor=split.ba, follow_up=follow_up)
    rows = pull(secret, "/api/v1/follow-ups", updated_since=started.isoformat())
    assert [(row["id"], row["done"]) for row in rows] == [(follow_up.pk, True)]


def test_a_page_holds_at_most_100_rows_and_a_forged_cursor_is_refused(split, admin_user):
    secret = token_of(admin_user)
    too_many = get(secret, "/api/v1/villages", limit=101)
    assert too_many.status_code == 422 and too_many.json()["detail"].startswith("Ada parameter yang tidak sah")
    assert too_many.json()["errors"][0]["loc"][-1] == "limit"
    assert len(get(secret, "/api/v1/villages", limit=100).json()["items"]) == 100
    response = get(secret, "/api/v1/villages", cursor="bm9wZQ")
    assert response.status_code == 400 and response.json()["detail_en"].startswith("This cursor is not valid")


def test_evidence_is_a_link_to_the_scope_checked_file_page(split, admin_user):
    from django.core.files.base import ContentFile

    from cooperatives.models import VisitFile

    coop = Cooperative.objects.get(village_id=split.villages[0])
    visit = Visit.objects.create(cooperative=coop, mentor=split.ba_mentor, date=timezone.localdate(), summary="a")
    photo = VisitFile(visit=visit, kind="photo", name="foto.jpg", size=3)
    photo.file.save("foto.jpg", ContentFile(b"abc"), save=True)
    row = get(token_of(admin_user), f"/api/v1/visits/{visit.pk}").json()
    assert row["evidence"][0]["url"] == f"http://testserver/visits/files/{photo.pk}/"
    assert "file" not in row["evidence"][0]


# --- budget ---------------------------------------------------------------------------------------------------


LISTS = [
    "/api/v1/villages",
    "/api/v1/cooperatives",
    "/api/v1/visits",
    "/api/v1/follow-ups",
    "/api/v1/mentors",
    "/api/v1/coverage",
]


@pytest.mark.parametrize("path", LISTS)
def test_a_page_of_100_costs_the_same_queries_as_a_page_of_10(path, split, admin_user, count_queries):
    """Measured after a first request, so that the token's last use (written once a minute) is not in either."""
    MentorFactory.create_batch(60, regency=split.plan.regency, role=Mentor.Role.BA)
    for coop in Cooperative.objects.filter(village_id__in=split.villages[:1]):
        for day in range(110):
            visit = Visit.objects.create(
                cooperative=coop, mentor=split.ba_mentor, summary="x", date=timezone.localdate() - timedelta(days=day)
            )
            FollowUp.objects.create(visit=visit, action="Cek", due_date=timezone.localdate())
    secret = token_of(admin_user)
    get(secret, path, limit=1)
    runs = []
    for limit in (10, 100):
        cache.clear()
        with count_queries() as run:
            response = get(secret, path, limit=limit)
        assert response.status_code == 200 and len(response.json()["items"]) == limit, path
        runs.append(run)
    count_queries.assert_same(*runs, most=14)
