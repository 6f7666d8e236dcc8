"""`any_of`: a filter on many ids that selects what `__in` selects, sent as one parameter on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cooperatives.models import Cooperative
from regions.models import Village
from toolkit.lookups import any_of

pytestmark = pytest.mark.django_db


def test_any_of_selects_the_rows_in_selects_directly_and_across_a_relation(sukabumi):
    villages = list(Village.objects.filter(district__regency=sukabumi).order_by("pk").values_list("pk", flat=True))
    chosen = villages[::3]
    assert set(Village.objects.filter(any_of("id", chosen)).values_list("pk", flat=True)) == set(chosen)
    districts = set(Village.objects.filter(pk__in=chosen[:5]).values_list("district_id", flat=True))
    assert (set(Village.objects.filter(any_of("district_id", districts)).values_list("pk", flat=True))
            == set(Village.objects.filter(district_id__in=districts).values_list("pk", flat=True)))
    assert (Village.objects.filter(any_of("district__regency_id", [sukabumi.pk])).count()
            == Village.objects.filter(district__regency=sukabumi).count())


def test_any_of_nothing_selects_nothing_without_asking_the_database(sukabumi):
    with CaptureQueriesContext(connection) as run:
        assert list(Cooperative.objects.filter(any_of("village_id", []))) == []
    assert len(run.captured_queries) == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one array parameter on PostgreSQL only")
def test_on_postgresql_many_ids_are_one_parameter(sukabumi):
    ids = list(Village.objects.values_list("pk", flat=True)[:300])
    sql, params = Village.objects.filter(any_of("id", ids)).query.sql_with_params()
    assert "= ANY(" in sql and len(params) == 1
    assert set(Village.objects.filter(any_of("id", ids)).values_list("pk", flat=True)) == set(ids)
