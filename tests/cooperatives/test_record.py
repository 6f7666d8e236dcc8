"""The cooperative record: stages that cannot lie (through the form and the import), financing readiness and
proposals within PMK 49/2025, units, land, board and members over time, the registry's new filters, and the
demo's registry export importing back unchanged."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cooperatives import services
from cooperatives.integrity import READINESS_TESTS
from cooperatives.models import (
    BoardMember,
    BusinessUnit,
    Cooperative,
    FinancingProposal,
    LandPlot,
    MemberCount,
    Stage,
    StageChange,
)
from toolkit.spreadsheets import cell_text

pytestmark = pytest.mark.django_db
NUMBER = "AHU-0000042.AH.01.29.TAHUN 2025"


@pytest.fixture
def record(admin_user, sukabumi):
    services.cooperatives_ensure(actor=admin_user, regency=sukabumi)
    return Cooperative.objects.get(village__code="32.02.01.2002")


def _form_data(client, cooperative, **changes):
    form = client.get(reverse("cooperatives:cooperative_update", kwargs={"pk": cooperative.pk})).context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data["version"] = form["version"].value()
    data.update(changes)
    return data


def _snapshot(cooperative):
    cooperative.refresh_from_db()
    return ({f.name: getattr(cooperative, f.name) for f in Cooperative._meta.concrete_fields},
            StageChange.objects.filter(cooperative=cooperative).count(), cooperative.history.count(),
            MemberCount.objects.filter(cooperative=cooperative).count())


# Each rule of the stage integrity, through the form: refused with its message, nothing written.
FORM_RULES = [
    ({"stage": "legal_entity"}, "nomor SK AHU wajib diisi"),
    ({"stage": "notary_deed", "legal_entity_number": "x", "legal_entity_date": "2025-08-01"},
     "“X” bukan nomor SK AHU"),
    ({"stage": "legal_entity", "legal_entity_number": NUMBER, "legal_entity_date": "2030-01-01"},
     "ada di masa depan"),
    ({"stage": "operating", "legal_entity_number": NUMBER, "legal_entity_date": "2025-08-01"},
     "“Beroperasi” memerlukan paling sedikit satu unit usaha"),
    ({"member_count": "1000000000"}, "1000000000 anggota tidak wajar"),
    ({"member_count": "x"}, "keseluruhan angka bilangan"),
    ({"npwp": "12.345"}, "NPWP terdiri atas 15 atau 16 angka"),
    ({"simkopdes_updated_on": "2026-11-01"}, "punya akun di sana"),
]


@pytest.mark.parametrize("changes, message", FORM_RULES)
def test_each_rule_refuses_the_form_with_its_message_and_writes_nothing(admin_client, record, changes, message):
    before = _snapshot(record)
    response = admin_client.post(reverse("cooperatives:cooperative_update", kwargs={"pk": record.pk}),
                                 _form_data(admin_client, record, **changes))
    assert response.status_code == 200 and message in response.text, response.context["form"].errors
    assert _snapshot(record) == before


def test_an_sk_ahu_number_is_unique_across_the_country(admin_client, record):
    other = Cooperative.objects.get(village__code="32.02.01.2003")
    services.cooperative_update(actor=None, cooperative=other, version=None, stage=Stage.LEGAL_ENTITY,
                                legal_entity_number=NUMBER, legal_entity_date=date(2025, 8, 1))
    before = _snapshot(record)
    # Written in lower case with extra spaces: still the same number.
    response = admin_client.post(reverse("cooperatives:cooperative_update", kwargs={"pk": record.pk}), _form_data(
        admin_client, record, stage="legal_entity", legal_entity_number="ahu-0000042.ah.01.29.tahun  2025",
        legal_entity_date="2025-08-02"))
    assert "sudah dimiliki koperasi lain" in response.text
    assert _snapshot(record) == before


def test_a_stage_moves_back_only_with_a_reason_kept_in_the_timeline(admin_client, record):
    services.cooperative_update(actor=None, cooperative=record, version=None, stage=Stage.LEGAL_ENTITY,
                                legal_entity_number=NUMBER, legal_entity_date=date(2025, 8, 1))
    url = reverse("cooperatives:cooperative_update", kwargs={"pk": record.pk})
    before = _snapshot(record)
    refused = admin_client.post(url, _form_data(admin_client, record, stage="notary_deed"))
    assert "Tahap mundur dari “badan hukum (SK AHU)” ke “akta notaris”: tuliskan alasannya" in refused.text
    assert _snapshot(record) == before
    saved = admin_client.post(url, _form_data(admin_client, record, stage="notary_deed",
                                              stage_reason="SK AHU dibatalkan, akta diperbaiki"))
    assert saved.status_code == 302
    change = record.stage_changes.first()
    assert (change.stage, change.reason) == ("notary_deed", "SK AHU dibatalkan, akta diperbaiki")
    page = admin_client.get(record.get_absolute_url()).text
    assert "SK AHU dibatalkan, akta diperbaiki" in page


def test_operating_is_accepted_once_a_unit_operates(admin_client, record):
    part = reverse("cooperatives:cooperative_part", kwargs={"pk": record.pk, "part": "units"})
    response = admin_client.post(part, {"kind": "sembako", "status": "operating", "opened_on": "2026-02-01",
                                        "construction_started_on": "2025-12-01"})
    assert response.status_code == 302
    saved = admin_client.post(reverse("cooperatives:cooperative_update", kwargs={"pk": record.pk}), _form_data(
        admin_client, record, stage="operating", legal_entity_number=NUMBER, legal_entity_date="2025-08-01",
        units=["sembako"]))
    assert saved.status_code == 302
    record.refresh_from_db()
    assert record.stage == "operating"
    # The last operating unit cannot then be taken away.
    unit = record.units.get()
    version = admin_client.get(part, {"edit": unit.pk}).context["version"]
    refused = admin_client.post(part, {"id": unit.pk, "kind": "sembako", "status": "planned", "version": version})
    assert "pertahankan paling sedikit satu unit yang beroperasi" in refused.text
    unit.refresh_from_db()
    assert unit.status == "operating"


# The same rules through the import: the row is refused with its message and nothing is written.
IMPORT_RULES = [
    ({"stage": "badan hukum"}, "nomor SK AHU wajib diisi"),
    ({"stage": "akta notaris", "legal_entity_number": "x", "legal_entity_date": "2025-08-01"},
     "bukan nomor SK AHU"),
    ({"stage": "badan hukum", "legal_entity_number": NUMBER, "legal_entity_date": "2030-01-01"}, "masa depan"),
    ({"stage": "beroperasi", "legal_entity_number": NUMBER, "legal_entity_date": "2025-08-01",
      "units": "sembako"}, "“Beroperasi” memerlukan"),
    ({"member_count": "x"}, "bilangan bulat"),
    ({"member_count": "1000000000"}, "tidak wajar"),
    ({"stage": "badan hukum", "legal_entity_number": "AHU-0000001.AH.01.29.TAHUN 2025",
      "legal_entity_date": "2025-08-01"}, "milik koperasi lain"),
]


@pytest.mark.parametrize("values, message", IMPORT_RULES)
def test_each_rule_refuses_the_import_row_and_nothing_is_written(admin_user, record, values, message):
    holder = Cooperative.objects.get(village__code="32.02.01.2003")
    services.cooperative_update(actor=None, cooperative=holder, version=None, stage=Stage.LEGAL_ENTITY,
                                legal_entity_number="AHU-0000001.AH.01.29.TAHUN 2025",
                                legal_entity_date=date(2025, 8, 1))
    before = _snapshot(record)
    rows = [{"village_code": record.village.code, "_row": 2, **values}]
    plan = services.cooperatives_import_check(regency=record.village.district.regency, rows=rows)
    assert plan.rows[0].action == "error" and any(message in e for e in plan.rows[0].errors), plan.rows[0].errors
    result = services.cooperatives_import_apply(actor=admin_user, regency=record.village.district.regency, rows=rows)
    assert result.errors and _snapshot(record) == before


def test_a_stage_moving_back_in_the_import_needs_the_reason_column(admin_user, record):
    services.cooperative_update(actor=None, cooperative=record, version=None, stage=Stage.LEGAL_ENTITY,
                                legal_entity_number=NUMBER, legal_entity_date=date(2025, 8, 1))
    regency = record.village.district.regency
    row = {"village_code": record.village.code, "_row": 2, "stage": "akta notaris"}
    assert "alasannya" in " ".join(services.cooperatives_import_check(regency=regency, rows=[row]).rows[0].errors)
    services.cooperatives_import_apply(actor=admin_user, regency=regency,
                                       rows=[{**row, "stage_reason": "SK AHU dibatalkan"}])
    assert record.stage_changes.first().reason == "SK AHU dibatalkan"


# --- readiness, SIMKOPDES and the registry's filters -------------------------------------------------------


def test_the_readiness_and_simkopdes_filters_return_exactly_the_rows_computed_from_the_data(client_for, split):
    today = timezone.localdate()
    cooperatives = list(Cooperative.objects.filter(village_id__in=split.villages).order_by("pk"))
    for index, cooperative in enumerate(cooperatives):
        values = {"stage": Stage.LEGAL_ENTITY, "legal_entity_number": f"AHU-{index + 1:07d}.AH.01.29.TAHUN 2025",
                  "legal_entity_date": date(2025, 8, 1)} if index % 2 == 0 else {}
        if index % 3:
            values.update(nik_number=f"{index + 1:016d}", npwp=f"{index + 1:015d}", nib=f"{index + 1:013d}",
                          proposal_date=date(2026, 3, 1), microsite_status="published")
        if index % 4 != 1:
            values.update(bank_name="BRI", bank_account_number=f"{index + 1:010d}", bank_account_name="Koperasi")
        if index % 5:
            values.update(simkopdes_status="active",
                          simkopdes_updated_on=today - timedelta(days=(0, 10, 29, 30, 31, 90)[index % 6]))
        services.cooperative_update(actor=None, cooperative=cooperative, version=None, **values)
    raw = list(Cooperative.objects.filter(village_id__in=split.villages))
    client = client_for(split.ba)

    def listed(**query):
        response = client.get(reverse("cooperatives:cooperative_list"), {**query, "page": 1})
        return {c.pk for c in response.context["filter"].qs}

    ready = {c.pk for c in raw if all(test(c) for test in READINESS_TESTS.values())}
    assert ready and listed(readiness="ready") == ready
    assert listed(readiness="missing_bank") == {c.pk for c in raw if not READINESS_TESTS["bank"](c)}
    stale = {c.pk for c in raw if c.simkopdes_updated_on is None or (today - c.simkopdes_updated_on).days > 30}
    assert stale and listed(simkopdes="stale") == stale
    page = client.get(cooperatives[0].get_absolute_url()).text
    assert "Kesiapan pembiayaan" in page and ("siap dibiayai" in page or "belum ada" in page)


# --- financing, land, board, members -----------------------------------------------------------------------


def _part(client, cooperative, part, data):
    return client.post(reverse("cooperatives:cooperative_part", kwargs={"pk": cooperative.pk, "part": part}), data)


@pytest.mark.parametrize("data, message", [
    ({"working_capital": 600_000_000}, "Modal kerja Rp 600.000.000: paling banyak Rp 500.000.000"),
    ({"investment": 2_800_000_000, "working_capital": 400_000_000}, "Total pengajuan Rp 3.200.000.000"),
    ({"tenor_months": 84}, "Tenor 1 sampai 72 bulan"),
    ({"status": "approved"}, "Isi tanggal keputusan bank"),
    ({"status": "disbursed", "decided_on": "2026-06-10", "approved_amount": 500_000_000}, "Isi tanggal dan jumlah"),
    ({"status": "approved", "decided_on": "2026-06-10", "approved_amount": 900_000_000}, "melebihi pengajuan"),
])
def test_a_financing_proposal_keeps_within_pmk_49_2025(admin_client, record, data, message):
    base = {"bank": "BRI", "working_capital": 400_000_000, "investment": 0, "tenor_months": 60,
            "status": "submitted", "submitted_on": "2026-06-01"}
    response = _part(admin_client, record, "financing", {**base, **data})
    assert response.status_code == 200 and message in response.text, response.context["form"].errors
    assert not FinancingProposal.objects.exists()


def test_the_financing_limits_are_settings(admin_client, record, settings):
    settings.FINANCING_MAX_WORKING_CAPITAL = 100_000_000
    response = _part(admin_client, record, "financing", {"bank": "BNI", "working_capital": 150_000_000,
                                                          "investment": 0, "tenor_months": 12, "status": "submitted",
                                                          "submitted_on": "2026-06-01"})
    assert "paling banyak Rp 100.000.000" in response.text
    ok = _part(admin_client, record, "financing", {"bank": "BNI", "working_capital": 90_000_000, "investment": 0,
                                                    "tenor_months": 12, "status": "submitted",
                                                    "submitted_on": "2026-06-01"})
    assert ok.status_code == 302 and FinancingProposal.objects.get().history.count() == 1


def test_land_below_the_minimum_is_kept_and_marked_and_land_abroad_is_refused(admin_client, record):
    assert _part(admin_client, record, "land", {"latitude": "-6.95", "longitude": "106.9", "area_m2": 800,
                                                "ownership": "village", "status": "proposed",
                                                "recorded_on": "2026-01-05"}).status_code == 302
    page = admin_client.get(record.get_absolute_url()).text
    assert "800 m²" in page and "di bawah 1.000 m²" in page
    refused = _part(admin_client, record, "land", {"latitude": "51.5", "longitude": "-0.1", "area_m2": 1500,
                                                   "ownership": "village", "status": "proposed",
                                                   "recorded_on": "2026-01-05"})
    assert refused.status_code == 200 and LandPlot.objects.count() == 1


def test_the_board_shows_who_serves_now_and_keeps_past_terms(admin_client, record):
    today = timezone.localdate()
    _part(admin_client, record, "board", {"role": "treasurer", "name": "Bendahara Lama (fiktif)",
                                          "term_start": "2025-05-01", "term_end": "2025-10-31"})
    _part(admin_client, record, "board", {"role": "treasurer", "name": "Bendahara Baru (fiktif)",
                                          "term_start": "2025-11-01", "phone": "0812-1111-2222"})
    refused = _part(admin_client, record, "board", {"role": "chair", "name": "Terbalik", "term_start": "2026-01-01",
                                                    "term_end": "2025-01-01"})
    assert "berakhir setelah dimulai" in refused.text
    assert BoardMember.objects.count() == 2
    context = admin_client.get(record.get_absolute_url()).context
    assert [m.name for m in context["board_now"]] == ["Bendahara Baru (fiktif)"]
    assert [m.name for m in context["board_past"]] == ["Bendahara Lama (fiktif)"]
    assert BoardMember.objects.get(name="Bendahara Baru (fiktif)").phone == "+6281211112222"
    assert all(m.serving_on(today) for m in context["board_now"])


def test_member_counts_over_time_set_the_figure_and_the_month_end_count(admin_client, record, split):
    for day, count in (("2026-01-10", 40), ("2026-02-20", 55), ("2026-03-05", 61)):
        assert _part(admin_client, record, "members", {"counted_on": day, "count": count}).status_code == 302
    record.refresh_from_db()
    assert record.member_count == 61
    trend = admin_client.get(record.get_absolute_url()).context["member_trend"]
    assert [(row["count"].count, row["change"]) for row in trend] == [(40, None), (55, 15), (61, 6)]
    from cooperatives.selectors import members_at

    february = {row["cooperative"].pk: row for row in members_at(Cooperative.objects.filter(pk=record.pk),
                                                                 date(2026, 3, 1))}
    assert (february[record.pk]["count"], february[record.pk]["change"]) == (55, 15)
    refused = _part(admin_client, record, "members", {"counted_on": "2030-01-01", "count": 70})
    assert "masa depan" in refused.text and MemberCount.objects.count() == 3


def test_a_ba_records_the_member_count_at_a_visit(client_for, split):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    client = client_for(split.ba)
    response = client.post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}), {
        "date": timezone.localdate().isoformat(), "mode": "on_site", "focus_areas": ["outlets", "licensing"],
        "summary": "Cek gerai", "member_count": 88, "follow-TOTAL_FORMS": 0, "follow-INITIAL_FORMS": 0})
    assert response.status_code == 302
    cooperative.refresh_from_db()
    assert cooperative.member_count == 88 and cooperative.member_counts.get().counted_on == timezone.localdate()
    # The BA keeps the rest of the record up to date from the field too.
    assert client.get(reverse("cooperatives:cooperative_part", kwargs={"pk": cooperative.pk, "part": "land"})
                      ).status_code == 200


# --- check_cooperatives, and the demo's export round trip -------------------------------------------------


def test_check_cooperatives_reports_rows_that_break_a_rule_and_changes_nothing(record):
    Cooperative.objects.filter(pk=record.pk).update(stage=Stage.OPERATING, legal_entity_number="",
                                                    legal_entity_date=None)
    BusinessUnit.objects.create(cooperative=record, kind="sembako", status="planned")
    before = _snapshot(record)
    output = io.StringIO()
    call_command("check_cooperatives", "32.02", stdout=output)
    text = output.getvalue()
    assert record.village.code in text and "SK AHU" in text and "“Beroperasi” memerlukan" in text
    assert "nothing was changed" in text and _snapshot(record) == before


def test_the_demo_registry_export_imports_back_with_zero_changes(admin_client, sukabumi):
    call_command("demo", stdout=io.StringIO())
    assert FinancingProposal.objects.exists() and LandPlot.objects.exists() and BoardMember.objects.exists()
    assert BusinessUnit.objects.filter(status="operating").exists()
    exported = admin_client.get(reverse("cooperatives:cooperative_export"))
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content)).active
    header = [cell_text(c.value) for c in sheet[1]]
    assert {"NIK koperasi", "NPWP", "Nomor rekening", "SIMKOPDES diperbarui", "Microsite"} <= set(header)
    upload = admin_client.post(reverse("cooperatives:cooperative_import"), {
        "regency": sukabumi.pk, "file": SimpleUploadedFile("registry.xlsx", exported.content)})
    preview = upload.context["preview"]
    assert preview.summary == {"create": 0, "update": 0, "unchanged": 386, "error": 0}, [
        (r.key, r.errors, r.changes) for r in preview.rows if r.action != "unchanged"][:5]
