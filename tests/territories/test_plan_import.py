"""The plan import reads at most as many rows as the plan's regency can need: one per village and a margin."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territories import services, workbook
from territories.models import BaTerritory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(sukabumi):
    return services.plan_create(actor=None, regency=sukabumi, name="Draf", clone=False)


def plan_csv(rows: int) -> SimpleUploadedFile:
    """A plan as CSV: a heading and `rows` rows of an unknown village in territory "T"."""
    return SimpleUploadedFile("rencana.csv", b"kode desa,wilayah ba\n" + b"x,T\n" * rows)


def post(client, plan, file):
    return client.post(reverse("territories:plan_import", kwargs={"pk": plan.pk}),
                       {"version": plan.version, "file": file})


def test_the_limit_is_the_regencys_villages_and_a_margin(draft):
    assert workbook.plan_import_max_rows(draft) == 386 + workbook.PLAN_ROWS_MARGIN


def test_a_plan_csv_of_100000_rows_is_refused_before_any_row_is_checked_and_changes_nothing(admin_client, draft,
                                                                                           monkeypatch):
    checked = []
    monkeypatch.setattr(workbook, "plan_import_check", lambda **kwargs: checked.append(kwargs) or pytest.fail(
        "the rows were checked"))
    version = draft.version
    response = post(admin_client, draft, plan_csv(100_000))
    limit = workbook.plan_import_max_rows(draft)
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [f"Berkas berisi lebih dari {limit} baris. Bagi menjadi "
                                                       "beberapa berkas yang lebih kecil."]
    assert not checked and "token" not in response.context
    draft.refresh_from_db()
    assert draft.version == version and not BaTerritory.objects.filter(plan=draft).exists()


def test_a_plan_file_at_the_limit_is_read_and_checked_row_by_row(admin_client, draft):
    limit = workbook.plan_import_max_rows(draft)
    at_limit = post(admin_client, draft, plan_csv(limit))
    assert len(at_limit.context["check"].rows) == limit  # each an unknown village: a row error, nothing applied
    over = post(admin_client, draft, plan_csv(limit + 1))
    assert over.context["form"].errors["file"] and "check" not in over.context
