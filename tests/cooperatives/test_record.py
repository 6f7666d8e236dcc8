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
from tests.factories import NOTARY, cooperative_to_stage
from toolkit.spreadsheets import cell_text

pytestmark = pytest.mark.django_db
NUMBER = "AHU-0000042.AH.01.29.TAHUN 2025"
DEED = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in NOTARY.items()}
SKIP = {"stage_reason": "dicatat langsung (uji)"}


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
    ({"stage": "operating", "legal_entity_number": NUMBER, "legal_entity_date": "2025-08-01", **DEED, **SKIP,
      "simkopdes_status": "active"}, "“Beroperasi” memerlukan paling sedikit satu unit usaha"),
    ({"member_count": "1000000000"}, "1000000000 anggota tidak wajar"),
    # The programme's rules (issue 25).
    ({"stage": "notary_deed"}, "Mulai tahap “akta notaris”, isi nomor aktanya"),
    ({"stage": "legal_entity", "legal_entity_number": "AHU-0000042.AH.01.29.TAHUN 2031",
      "legal_entity_date": "2025-08-01", **DEED}, "menyebut tahun 2031, tetapi tanggalnya pada tahun 2025"),
    ({"stage": "legal_entity", "legal_entity_number": NUMBER, "legal_entity_date": "2025-06-01", **DEED},
     "Akta notaris dibuat sebelum SK AHU"),
    ({"member_count": "3"}, "paling sedikit 9 orang"),
    ({"member_count": "0"}, "paling sedikit 9 orang"),
    ({"stage": "legal_entity", "legal_entity_number": NUMBER, "legal_entity_date": "2025-08-01", **DEED},
     "Tahap melompati “akta notaris”: tuliskan alasannya"),
    ({"stage": "simkopdes", "legal_entity_number": NUMBER, "legal_entity_date": "2025-08-01", **DEED, **SKIP},
     "memerlukan akun di sana"),
    ({"stage": "land_secured", "legal_entity_number": NUMBER, "legal_entity_date": "2025-08-01", **DEED, **SKIP,
      "simkopdes_status": "active"}, "memerlukan bidang lahan"),
    ({"stage": "outlets_built", "legal_entity_number": NUMBER, "legal_entity_date": "2025-08-01", **DEED, **SKIP,
      "simkopdes_status": "active", "units": ["sembako"]}, "sudah selesai dibangun atau beroperasi"),
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
    cooperative_to_stage(other, Stage.LEGAL_ENTITY, number=42)
    before = _snapshot(record)
    # Written in lower case with extra spaces: still the same number.
    response = admin_client.post(reverse("cooperatives:cooperative_update", kwargs={"pk": record.pk}), _form_data(
        admin_client, record, stage="legal_entity", legal_entity_number="ahu-0000042.ah.01.29.tahun  2025",
        legal_entity_date="2025-08-02", **DEED, **SKIP))
    assert "sudah dimiliki koperasi lain" in response.text
    assert _snapshot(record) == before


def test_a_stage_moves_back_only_with_a_reason_kept_in_the_timeline(admin_client, record):
    cooperative_to_stage(record, Stage.LEGAL_ENTITY, number=42)
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
    assert _part(admin_client, record, "land", {
        "latitude": record.village.latitude, "longitude": record.village.longitude, "area_m2": 1200,
        "ownership": "village", "status": "secured", "title": "asset_record", "programme_status": "building",
        "recorded_on": "2026-01-05"}).status_code == 302
    saved = admin_client.post(reverse("cooperatives:cooperative_update", kwargs={"pk": record.pk}), _form_data(
        admin_client, record, stage="operating", legal_entity_number=NUMBER, legal_entity_date="2025-08-01",
        units=["sembako"], simkopdes_status="active", **DEED, **SKIP))
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
      "units": "sembako", **DEED, **SKIP, "simkopdes_status": "active"}, "“Beroperasi” memerlukan"),
    # The programme's rules (issue 25), as the form refuses them.
    ({"stage": "akta notaris"}, "Mulai tahap “akta notaris”, isi nomor aktanya"),
    ({"stage": "badan hukum", "legal_entity_number": "AHU-0000042.AH.01.29.TAHUN 2031",
      "legal_entity_date": "2025-08-01", **DEED}, "menyebut tahun 2031"),
    ({"member_count": "3"}, "paling sedikit 9 orang"),
    ({"stage": "badan hukum", "legal_entity_number": NUMBER, "legal_entity_date": "2025-08-01", **DEED},
     "Tahap melompati “akta notaris”"),
    ({"stage": "simkopdes", "legal_entity_number": NUMBER, "legal_entity_date": "2025-08-01", **DEED, **SKIP},
     "memerlukan akun di sana"),
    ({"stage": "lahan tersedia", "legal_entity_number": NUMBER, "legal_entity_date": "2025-08-01", **DEED, **SKIP,
      "simkopdes_status": "active"}, "memerlukan bidang lahan"),
    ({"stage": "gerai selesai dibangun", "legal_entity_number": NUMBER, "legal_entity_date": "2025-08-01", **DEED,
      **SKIP, "simkopdes_status": "active", "units": "sembako"},
     "sudah selesai dibangun atau beroperasi"),
    ({"member_count": "x"}, "bilangan bulat"),
    ({"member_count": "1000000000"}, "tidak wajar"),
    ({"stage": "badan hukum", "legal_entity_number": "AHU-0000001.AH.01.29.TAHUN 2025",
      "legal_entity_date": "2025-08-01", **DEED, **SKIP}, "milik koperasi lain"),
]


@pytest.mark.parametrize("values, message", IMPORT_RULES)
def test_each_rule_refuses_the_import_row_and_nothing_is_written(admin_user, record, values, message):
    holder = Cooperative.objects.get(village__code="32.02.01.2003")
    cooperative_to_stage(holder, Stage.LEGAL_ENTITY, number=1)
    before = _snapshot(record)
    rows = [{"village_code": record.village.code, "_row": 2, **values}]
    plan = services.cooperatives_import_check(regency=record.village.district.regency, rows=rows)
    assert plan.rows[0].action == "error" and any(message in e for e in plan.rows[0].errors), plan.rows[0].errors
    result = services.cooperatives_import_apply(actor=admin_user, regency=record.village.district.regency, rows=rows)
    assert result.errors and _snapshot(record) == before


def test_a_stage_moving_back_in_the_import_needs_the_reason_column(admin_user, record):
    cooperative_to_stage(record, Stage.LEGAL_ENTITY, number=42)
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
                  "legal_entity_date": date(2025, 8, 1), **NOTARY, **SKIP} if index % 2 == 0 else {}
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


def _proposal(**changes):
    """A proposal's form data that keeps every rule: change one thing to break one."""
    from cooperatives.models import Lender

    return {"lender": Lender.objects.get(name="BRI").pk, "operational_spending": 400_000_000, "capital_spending": 0,
            "tenor_months": 60, "status": "proposed", "submitted_on": "2026-06-01",
            "deliberation_date": "2026-05-02", "deliberation_minutes": "BA/01/MUSDES/2026",
            "approval_number": "500/01/DS/2026", "approval_date": "2026-05-10", "repayment_support": "on",
            **changes}


@pytest.fixture
def legal(record):
    """The record at the stage "legal entity", where a proposal may start."""
    return cooperative_to_stage(record, Stage.LEGAL_ENTITY, number=42)


@pytest.mark.parametrize("data, message", [
    ({"operational_spending": 600_000_000}, "Rp 600.000.000 belanja operasional dalam seluruh usulan koperasi ini"),
    ({"capital_spending": 2_800_000_000, "operational_spending": 400_000_000},
     "Rp 3.200.000.000 diajukan dalam seluruh usulan koperasi ini"),
    ({"tenor_months": 84}, "Tenor 1 sampai 72 bulan"),
    ({"status": "approved"}, "Isi tanggal keputusan bank"),
    ({"status": "disbursed", "decided_on": "2026-06-10", "approved_amount": 400_000_000, "grace_months": 6},
     "Isi tanggal dan jumlah"),
    ({"status": "approved", "decided_on": "2026-06-10", "approved_amount": 900_000_000, "grace_months": 6},
     "melebihi pengajuan"),
    # Issue 25: the effective date, the approval on the deliberation, the lenders' list, the grace period.
    ({"submitted_on": "2025-07-20", "approval_date": "2025-07-10", "deliberation_date": "2025-07-01"},
     "PMK 49/2025 berlaku sejak 21-07-2025"),
    ({"approval_date": ""}, "Isi tanggal persetujuan kepala desa (KDMP) atau bupati/wali kota (KKMP)"),
    ({"deliberation_minutes": ""}, "nomor berita acara musyawarah"),
    ({"approval_date": "2026-06-05"}, "Usulan diajukan ke bank sesudah persetujuan"),
    ({"approval_date": "2026-05-01"}, "tanggalnya sesudah musyawarah"),
    ({"lender": "Bank Swasta X"}, "Masukkan pilihan yang valid"),
    ({"lender": ""}, "Bidang ini tidak boleh kosong"),
    ({"status": "approved", "decided_on": "2026-06-10", "approved_amount": 400_000_000, "grace_months": 3},
     "Masa tenggang 6 sampai 8 bulan"),
    ({"status": "approved", "decided_on": "2026-06-10", "approved_amount": 400_000_000},
     "Isi masa tenggang yang disetujui bank"),
])
def test_a_financing_proposal_keeps_within_pmk_49_2025(admin_client, legal, data, message):
    response = _part(admin_client, legal, "financing", _proposal(**data))
    assert response.status_code == 200 and message in response.text, response.context["form"].errors
    assert not FinancingProposal.objects.exists()


def test_a_proposal_needs_the_legal_entity_first(admin_client, record):
    response = _part(admin_client, record, "financing", _proposal())
    assert "Usulan memerlukan badan hukum koperasi lebih dulu" in response.text
    assert not FinancingProposal.objects.exists()


def test_the_caps_hold_across_a_cooperatives_proposals_from_proposal_to_arrears(admin_client, legal):
    """The financing pipeline end to end: two proposals within the caps, a third over them refused, a refused
    proposal freeing its share, approval, disbursement, the instalment schedule after the grace period, a
    payment, and the arrears shown."""
    first = _part(admin_client, legal, "financing", _proposal(operational_spending=300_000_000,
                                                               capital_spending=1_700_000_000))
    assert first.status_code == 302
    second = _part(admin_client, legal, "financing", _proposal(operational_spending=200_000_000,
                                                                capital_spending=500_000_000))
    assert second.status_code == 302
    # Rp 2.7 bn asked so far, Rp 500 m of it operational: one rupiah more operational, or Rp 400 m more, is refused.
    over_operational = _part(admin_client, legal, "financing", _proposal(operational_spending=1))
    assert "Rp 500.000.001 belanja operasional" in over_operational.text
    over_total = _part(admin_client, legal, "financing", _proposal(operational_spending=0,
                                                                    capital_spending=400_000_000))
    assert "Rp 3.100.000.000 diajukan" in over_total.text
    assert FinancingProposal.objects.count() == 2
    # The second is refused by its bank: its share is free again.
    second_proposal = FinancingProposal.objects.get(capital_spending=500_000_000)
    url = reverse("cooperatives:cooperative_part", kwargs={"pk": legal.pk, "part": "financing"})
    version = admin_client.get(url, {"edit": second_proposal.pk}).context["version"]
    refused = _part(admin_client, legal, "financing", _proposal(
        id=second_proposal.pk, version=version, operational_spending=200_000_000, capital_spending=500_000_000,
        status="refused", decided_on="2026-06-20"))
    assert refused.status_code == 302
    assert _part(admin_client, legal, "financing", _proposal(operational_spending=0, capital_spending=900_000_000,
                                                              )).status_code == 302
    # The first is approved and disbursed: 60 months, 6 of grace, 54 monthly instalments from the 12th.
    proposal = FinancingProposal.objects.get(capital_spending=1_700_000_000)
    version = admin_client.get(url, {"edit": proposal.pk}).context["version"]
    disbursed = _part(admin_client, legal, "financing", _proposal(
        id=proposal.pk, version=version, operational_spending=300_000_000, capital_spending=1_700_000_000,
        status="disbursed", decided_on="2026-06-10", approved_amount=2_000_000_000, grace_months=6,
        disbursed_on="2026-06-15", disbursed_amount=1_998_000_000))
    assert disbursed.status_code == 302, disbursed.context["form"].errors
    instalments = list(proposal.instalments.order_by("number"))
    assert len(instalments) == 54 and instalments[0].due_on == date(2027, 1, 12)  # the 12th after the grace
    assert sum(i.amount for i in instalments) == 1_998_000_000 and instalments[0].amount == 37_000_000
    # The first instalment paid in part: the rest of it is in arrears once its day has passed.
    pay = reverse("cooperatives:instalment_pay", kwargs={"pk": legal.pk, "instalment_pk": instalments[0].pk})
    assert admin_client.post(pay, {"amount": 30_000_000, "paid_on": "2026-12-01"}).status_code == 302
    too_much = admin_client.post(pay, {"amount": 8_000_000, "paid_on": "2026-12-01"}, follow=True)
    assert "Bayar antara Rp 1 dan Rp 7.000.000 yang masih terutang" in too_much.text
    instalments[0].refresh_from_db()
    assert instalments[0].paid_amount == 30_000_000 and instalments[0].outstanding == 7_000_000
    from cooperatives.selectors import record_parts

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "localdate", lambda *args: date(2027, 2, 20))
        parts = record_parts(legal)
    assert parts["arrears"] == {"count": 2, "amount": 7_000_000 + 37_000_000, "since": date(2027, 1, 12)}


def test_the_financing_limits_are_settings(admin_client, legal, settings):
    settings.FINANCING_MAX_OPERATIONAL = 100_000_000
    response = _part(admin_client, legal, "financing", _proposal(operational_spending=150_000_000))
    assert "paling banyak Rp 100.000.000" in response.text
    ok = _part(admin_client, legal, "financing", _proposal(operational_spending=90_000_000))
    assert ok.status_code == 302 and FinancingProposal.objects.get().history.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_maps_old_banks_words_and_statuses_and_loses_nothing(sukabumi):
    """A proposal of the previous release (free-text bank, "submitted", working capital and investment) comes out
    with a lender from the list, "proposed", operational and capital spending; an unknown bank is kept in the
    notes, for `check_cooperatives` to report."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("cooperatives", "0010_handovers")], [("cooperatives", "0014_financing_bank_to_lender")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    village = old.get_model("regions", "Village").objects.get(code="32.02.01.2002")
    cooperative = old.get_model("cooperatives", "Cooperative").objects.create(village_id=village.pk, name="Lama")
    proposal = old.get_model("cooperatives", "FinancingProposal")
    proposal.objects.create(cooperative=cooperative, bank="bank bri", working_capital=400_000_000,
                            investment=1_000_000_000, tenor_months=60, status="submitted",
                            submitted_on=date(2025, 9, 1))
    proposal.objects.create(cooperative=cooperative, bank="Bank Swasta X", working_capital=100_000_000,
                            investment=0, tenor_months=12, status="approved", submitted_on=date(2025, 9, 2),
                            decided_on=date(2025, 9, 20), approved_amount=100_000_000)
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("cooperatives", "FinancingProposal")
    rows = {p.submitted_on.day: p for p in new.objects.select_related("lender")}
    assert (rows[1].lender.name, rows[1].status, rows[1].operational_spending, rows[1].capital_spending) == (
        "BRI", "proposed", 400_000_000, 1_000_000_000)
    assert rows[2].lender is None and "Bank Swasta X" in rows[2].notes and rows[2].status == "approved"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_land_below_the_minimum_is_kept_and_marked_and_land_abroad_is_refused(admin_client, record):
    assert _part(admin_client, record, "land", {"latitude": record.village.latitude, "area_m2": 800,
                                                "longitude": record.village.longitude, "ownership": "village",
                                                "status": "proposed", "title": "asset_record",
                                                "programme_status": "entered",
                                                "recorded_on": "2026-01-05"}).status_code == 302
    page = admin_client.get(record.get_absolute_url()).text
    assert "800 m²" in page and "di bawah 1.000 m²" in page
    refused = _part(admin_client, record, "land", {"latitude": "51.5", "longitude": "-0.1", "area_m2": 1500,
                                                   "ownership": "village", "status": "proposed",
                                                   "recorded_on": "2026-01-05"})
    assert refused.status_code == 200 and LandPlot.objects.count() == 1


LAND = {"area_m2": 1200, "ownership": "village", "status": "proposed", "title": "asset_record",
        "programme_status": "entered", "recorded_on": "2026-01-05"}


@pytest.mark.parametrize("data, message", [
    ({"area_m2": 0}, "0 m² tidak wajar untuk lahan gerai"),
    ({"area_m2": 10_000_000}, "10000000 m² tidak wajar untuk lahan gerai"),
    ({"latitude": "-2.5", "longitude": "140.7"}, "km dari"),  # a point in Papua for a Sukabumi cooperative
    ({"programme_status": "handed_over"}, "Isi tanggal serah terima bangunan"),
    ({"build_progress": 150}, "Progres pembangunan 0 sampai 100%"),
])
def test_land_outside_plausible_bounds_is_refused(admin_client, record, data, message):
    village = record.village
    response = _part(admin_client, record, "land", {"latitude": village.latitude, "longitude": village.longitude,
                                                    **LAND, **data})
    assert response.status_code == 200 and message in response.text, response.context["form"].errors
    assert not LandPlot.objects.exists()


def test_the_land_criteria_not_confirmed_are_warnings_on_the_record(admin_client, record):
    village = record.village
    saved = _part(admin_client, record, "land", {"latitude": village.latitude, "longitude": village.longitude,
                                                 **LAND, "title": "none", "disaster_prone": "true",
                                                 "under_power_lines": "true"})
    assert saved.status_code == 302
    page = admin_client.get(record.get_absolute_url()).text
    assert "Lahan belum jelas status haknya" in page and "kawasan rawan bencana" in page and "SUTET" in page


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


def test_one_chair_at_a_time_and_nobody_on_the_board_and_among_the_supervisors(admin_client, record):
    assert _part(admin_client, record, "board", {"role": "chair", "name": "Ketua Satu", "term_start": "2025-07-01"}
                 ).status_code == 302
    second = _part(admin_client, record, "board", {"role": "chair", "name": "Ketua Dua", "term_start": "2025-09-01"})
    assert "Ketua Satu sudah menjabat ketua pada tanggal-tanggal ini" in second.text
    both = _part(admin_client, record, "board", {"role": "supervisor_chair", "name": "ketua  satu",
                                                 "term_start": "2025-07-01"})
    assert "tidak seorang pun boleh sekaligus menjadi pengurus dan pengawas" in both.text
    assert BoardMember.objects.count() == 1
    # A chair whose term ended makes room for the next; the KDMP structure is only a warning.
    first = BoardMember.objects.get()
    BoardMember.objects.filter(pk=first.pk).update(term_end=date(2025, 8, 31))
    assert _part(admin_client, record, "board", {"role": "chair", "name": "Ketua Dua", "term_start": "2025-09-01"}
                 ).status_code == 302
    page = admin_client.get(record.get_absolute_url()).text
    assert "lazimnya memiliki dua wakil ketua" in page


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


def test_check_cooperatives_names_each_record_breaking_a_new_rule_without_refusing_to_load_it(record, settings):
    """Records written before the rules (straight into the tables): each is named with its rule; --fail fails."""
    from cooperatives.models import Lender

    legal = cooperative_to_stage(Cooperative.objects.get(village__code="32.02.01.2003"), Stage.LEGAL_ENTITY)
    Cooperative.objects.filter(pk=record.pk).update(stage=Stage.LAND_SECURED, member_count=3)
    lender = Lender.objects.get(name="BNI")
    common = {"cooperative": legal, "lender": lender, "tenor_months": 60, "status": "proposed",
              "submitted_on": date(2026, 6, 1), "deliberation_date": date(2026, 5, 1),
              "deliberation_minutes": "BA/1", "approval_date": date(2026, 5, 10), "repayment_support": True}
    FinancingProposal.objects.create(**common, operational_spending=400_000_000, capital_spending=1_600_000_000)
    FinancingProposal.objects.create(**common, operational_spending=400_000_000, capital_spending=1_600_000_000)
    BoardMember.objects.create(cooperative=legal, role="chair", name="A", term_start=date(2025, 7, 1))
    BoardMember.objects.create(cooperative=legal, role="chair", name="B", term_start=date(2025, 7, 1))
    output = io.StringIO()
    with pytest.raises(Exception, match="problems found"):
        call_command("check_cooperatives", "32.02", "--fail", stdout=output)
    text = output.getvalue()
    assert f"{record.village.code} {record.name}" in text and f"{legal.village.code} {legal.name}" in text
    assert "paling sedikit 9 orang" in text and "memerlukan bidang lahan" in text
    assert "Rp 4.000.000.000 diajukan" in text and "Rp 800.000.000 belanja operasional" in text
    assert "sudah menjabat ketua" in text
    assert "2 with problems" in text


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


# --- the words (issue 25) ----------------------------------------------------------------------------------


def test_a_kelurahan_holds_a_musyawarah_kelurahan_and_the_words_say_what_they_mean(admin_client, record):
    kelurahan = Cooperative.objects.filter(village__kind="kelurahan").first()
    page = admin_client.get(kelurahan.get_absolute_url()).text
    assert "musyawarah kelurahan telah digelar" in page and "musyawarah desa telah digelar" not in page
    assert "musyawarah desa telah digelar" in admin_client.get(record.get_absolute_url()).text
    assert "gerai selesai dibangun" in page and "NIK Koperasi" in page
    land = admin_client.get(reverse("cooperatives:cooperative_part", kwargs={"pk": record.pk, "part": "land"})).text
    assert "Kriteria Kemendagri untuk lahan gerai" in land and "Inpres 17/2025" not in land


def test_a_cooperative_never_visited_is_not_called_overdue(client_for, split):
    from reporting.dashboards import needs_of_ba

    never = [need for need in needs_of_ba(split.ba_mentor, timezone.localdate()) if "belum pernah" in need.text
             or "never visited" in need.text]
    assert never and all(str(need.badge) == "belum pernah dikunjungi" for need in never)
    assert "belum pernah dikunjungi</span>" in client_for(split.ba).get("/").text


def test_the_land_a_stage_rests_on_cannot_be_taken_away(admin_client, record):
    cooperative_to_stage(record, Stage.LAND_SECURED)
    plot = record.land.get()
    url = reverse("cooperatives:cooperative_part_delete", kwargs={"pk": record.pk, "part": "land",
                                                                  "part_pk": plot.pk})
    page = reverse("cooperatives:cooperative_part", kwargs={"pk": record.pk, "part": "land"})
    version = admin_client.get(page, {"edit": plot.pk}).context["version"]
    refused = admin_client.post(url, {"version": version}, follow=True)
    assert "memerlukan bidang lahan" in refused.text and record.land.exists()
