"""The registry import carries the land plot a stage from "lahan tersedia" on rests on, checked by the land form's
rules; and an import that writes something dated in a closed month marks that month's recap stale (the job shows
the new figure)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cooperatives import services
from cooperatives.models import Cooperative, LandPlot, Stage
from cooperatives.selectors import month_start
from regions.models import Village
from reporting.models import RegencyRecap
from reporting.recap import recap_store

from .test_record import DEED, NUMBER, SKIP

pytestmark = pytest.mark.django_db
CODE = "32.02.01.2002"


def last_month():
    return month_start(month_start(timezone.localdate()) - timedelta(days=1))


def secured_row(**changes):
    """A sheet's row moving a cooperative to "lahan tersedia", with its plot near the village's point."""
    village = Village.objects.get(code=CODE)
    row = {"village_code": CODE, "_row": 2, "stage": "lahan tersedia", "legal_entity_number": NUMBER,
           "legal_entity_date": "2025-08-01", **DEED, **SKIP, "simkopdes_status": "active",
           "land_area_m2": "1.200", "land_latitude": str(village.latitude + Decimal("0.001")),
           "land_longitude": str(village.longitude), "land_title": "sertifikat tanah"}
    row.update(changes)
    return {name: value for name, value in row.items() if value is not None}


def imported(admin_user, sukabumi, row):
    preview = services.cooperatives_import_apply(actor=admin_user, regency=sukabumi, rows=[row])
    return preview


def test_a_cooperative_is_imported_at_land_secured_with_its_plot(admin_user, sukabumi):
    preview = imported(admin_user, sukabumi, secured_row())
    assert not preview.errors, preview.rows[0].errors
    cooperative = Cooperative.objects.get(village__code=CODE)
    plot = cooperative.land.get()
    assert cooperative.stage == Stage.LAND_SECURED
    assert (plot.area_m2, plot.title, plot.recorded_on) == (1200, LandPlot.Title.CERTIFICATE, timezone.localdate())
    assert plot.history.count() == 1


def test_an_existing_record_moves_to_land_secured_with_the_plot_of_its_row(admin_user, sukabumi):
    services.cooperatives_ensure(actor=admin_user, regency=sukabumi)
    preview = imported(admin_user, sukabumi, secured_row(land_recorded_on="2026-10-05"))
    assert not preview.errors, preview.rows[0].errors
    assert preview.rows[0].action == "update" and "Lahan" in preview.rows[0].change_labels
    cooperative = Cooperative.objects.get(village__code=CODE)
    assert cooperative.stage == Stage.LAND_SECURED and str(cooperative.land.get().recorded_on) == "2026-10-05"
    again = services.cooperatives_import_check(regency=sukabumi, rows=[secured_row(land_area_m2="1200")])
    assert again.rows[0].action == "unchanged"  # the same plot read back


@pytest.mark.parametrize("ensure", [False, True], ids=["new record", "existing record"])
def test_land_secured_without_a_plot_is_refused_with_the_rules_message_and_nothing_is_imported(admin_user, sukabumi,
                                                                                               ensure):
    if ensure:
        services.cooperatives_ensure(actor=admin_user, regency=sukabumi)
    before = Cooperative.objects.count()
    row = secured_row(land_area_m2=None, land_latitude=None, land_longitude=None, land_title=None)
    preview = imported(admin_user, sukabumi, row)
    assert preview.errors and any("memerlukan bidang lahan" in e for e in preview.rows[0].errors)
    assert Cooperative.objects.count() == before and not LandPlot.objects.exists()
    assert not Cooperative.objects.filter(stage=Stage.LAND_SECURED).exists()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"land_area_m2": "10000000"}, "tidak wajar"),
        ({"land_latitude": "-2.5", "land_longitude": "140.7"}, "Periksa titiknya di peta"),
        ({"land_longitude": None}, "bujur lahan"),
        ({"land_latitude": "enam"}, "bukan koordinat"),
        ({"land_area_m2": "seribu"}, "bukan luas"),
        ({"land_title": "girik"}, "tidak dikenal"),
    ],
)
def test_a_plot_breaking_the_land_rules_refuses_the_row_and_nothing_is_imported(admin_user, sukabumi, changes,
                                                                                  message):
    preview = imported(admin_user, sukabumi, secured_row(**changes))
    errors = " ".join(preview.rows[0].errors)
    assert preview.errors and message in errors, errors
    assert not Cooperative.objects.exists() and not LandPlot.objects.exists()


def test_a_plot_imported_into_a_closed_month_shows_in_its_recap_after_the_job(admin_user, sukabumi):
    services.cooperatives_ensure(actor=admin_user, regency=sukabumi)
    month = last_month()
    recap_store([sukabumi.pk], month)
    row = RegencyRecap.objects.get(regency=sukabumi, month=month)
    assert row.programme["land_area"] == 0
    preview = imported(admin_user, sukabumi, secured_row(land_recorded_on=(month + timedelta(days=3)).isoformat()))
    assert not preview.errors, preview.rows[0].errors
    row.refresh_from_db()  # marked stale by the import, computed again by the job (run at once in the tests)
    assert not row.stale and row.programme["land_area"] == 1200 and row.programme["land_cooperatives"] == 1


def test_cooperatives_created_by_an_import_show_in_a_closed_months_recap_after_the_job(admin_user, sukabumi):
    month = last_month()
    recap_store([sukabumi.pk], month)
    row = RegencyRecap.objects.get(regency=sukabumi, month=month)
    assert row.cooperatives == 0
    preview = imported(admin_user, sukabumi, {"village_code": CODE, "_row": 2, "name": "Koperasi Uji"})
    assert not preview.errors, preview.rows[0].errors
    row.refresh_from_db()
    assert not row.stale and row.cooperatives == 1
