import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cooperatives import services
from cooperatives.models import BusinessUnit, Cooperative, Stage, StageChange
from regions.models import Village
from tests.factories import cooperative_to_stage
from toolkit.spreadsheets import cell_text

pytestmark = pytest.mark.django_db
HEADER = ["Kode desa", "Nama koperasi", "Tahap", "Nomor badan hukum", "Tanggal badan hukum", "Jumlah anggota",
          "Ketua", "Telepon ketua", "Unit usaha", "Nomor akta", "Tanggal akta", "Notaris"]


def sheet_rows():
    rows = []
    for index, village in enumerate(Village.objects.filter(district__regency__code="32.02").order_by("code")):
        legal = index % 3 == 0
        rows.append([village.code, "", "badan hukum" if legal else "musyawarah",
                     f"AHU-{index:07d}.AH.01.29.TAHUN 2025" if legal else "", "2025-08-01" if legal else "",
                     40 + index % 90,
                     f"Ketua {index}", f"0812{index:08d}", "sembako, apotek" if index % 2 else "sembako",
                     f"{index % 90 + 1:02d}" if legal else "", "2025-07-01" if legal else "",
                     "Notaris Uji, S.H., M.Kn." if legal else ""])
    return rows


def upload(client, regency, rows, name="koperasi.xlsx"):
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return client.post(reverse("cooperatives:cooperative_import"),
                       {"regency": regency.pk, "file": SimpleUploadedFile(name, buffer.getvalue())})


def test_a_sheet_of_386_rows_with_one_bad_row_writes_nothing_and_names_the_row(admin_client, sukabumi):
    rows = sheet_rows()
    assert len(rows) == 386
    rows[199][5] = -4  # spreadsheet row 201
    preview = upload(admin_client, sukabumi, rows)
    plan = preview.context["preview"]
    assert [(row.number, row.key) for row in plan.errors] == [(201, rows[199][0])]
    assert "harus bilangan bulat 0 atau lebih" in preview.text and 'name="token"' not in preview.text
    assert not Cooperative.objects.exists()


def test_the_clean_sheet_imports_and_re_importing_changes_nothing(admin_client, sukabumi):
    preview = upload(admin_client, sukabumi, sheet_rows())
    assert preview.context["preview"].summary == {"create": 386, "update": 0, "unchanged": 0, "error": 0}
    admin_client.post(reverse("cooperatives:cooperative_import_apply"), {"token": preview.context["token"]})
    assert Cooperative.objects.count() == 386
    first = Cooperative.objects.get(village__code="32.02.01.1001")
    assert first.name == "Koperasi Kelurahan Merah Putih Palabuhanratu"
    assert first.stage == Stage.LEGAL_ENTITY and first.chair_phone == "+6281200000000"
    assert sorted(u.kind for u in first.units.all()) == ["sembako"]
    history, changes, units = (Cooperative.history.count(), StageChange.objects.count(),
                               BusinessUnit.objects.count())

    again = upload(admin_client, sukabumi, sheet_rows())
    assert again.context["preview"].summary == {"create": 0, "update": 0, "unchanged": 386, "error": 0}
    admin_client.post(reverse("cooperatives:cooperative_import_apply"), {"token": again.context["token"]})
    assert (Cooperative.history.count(), StageChange.objects.count(), BusinessUnit.objects.count()) == (
        history, changes, units)


def test_the_preview_shows_each_changed_field_with_its_value_now_and_the_files_value(admin_client, sukabumi):
    rows = sheet_rows()[:3]
    admin_client.post(reverse("cooperatives:cooperative_import_apply"),
                      {"token": upload(admin_client, sukabumi, rows).context["token"]})
    rows[0][5], rows[0][7] = 77, "0813-2222-3333"  # members and the chair's phone change
    rows[1][8] = "sembako, klinik"  # a unit is added
    preview = upload(admin_client, sukabumi, rows)
    changed, units, same = preview.context["preview"].rows
    assert changed.action == "update" and {(d["old"], d["new"]) for d in changed.details} == {
        ("40", "77"), ("0812-0000-0000", "0813-2222-3333")}
    assert units.action == "update" and [d["label"] for d in units.details] == ["Unit usaha"]
    assert same.action == "unchanged" and same.details == []
    assert '<tr class="import-update">' in preview.text and '<tr class="import-unchanged">' in preview.text
    assert "0812-0000-0000</del> → <ins>" in preview.text


def test_a_sheet_with_more_rows_than_the_regency_has_villages_and_a_margin_is_refused(admin_client, sukabumi):
    """A regency holds one cooperative per village: a sheet of 5,000 rows for its 386 villages is refused before
    any row is checked, and nothing is written."""
    from cooperatives.services import cooperative_import_max_rows

    assert cooperative_import_max_rows(sukabumi) == 386 + 200
    rows = sheet_rows()
    filler = [[f"32.02.99.{n:04d}", "", "musyawarah", "", "", 1, "", "", ""] for n in range(587 - len(rows))]
    refused = upload(admin_client, sukabumi, rows + filler, name="koperasi.xlsx")
    assert refused.status_code == 200 and "586" in refused.text and "preview" not in refused.context
    assert not Cooperative.objects.exists()


@pytest.mark.parametrize("change, message", [
    ({0: "32.02.99.2999"}, "tidak dikenal"),
    ({2: "tahap aneh"}, "tahap “tahap aneh” tidak dikenal"),
    ({5: -1}, "bilangan bulat"),
    ({3: "AHU-0000001.AH.01.29.TAHUN 2025", 4: ""}, "disertai tanggalnya"),
    ({4: "31/31/2025", 3: "AHU-0000002.AH.01.29.TAHUN 2025"}, "bukan tanggal"),
    ({7: "12"}, "bukan nomor telepon"),
])
def test_row_errors(sukabumi, change, message):
    row = sheet_rows()[1]
    for index, value in change.items():
        row[index] = value
    keys = ["village_code", "name", "stage", "legal_entity_number", "legal_entity_date", "member_count",
            "chair_name", "chair_phone", "units", "notary_deed_number", "notary_deed_date", "notary_name"]
    values = {key: cell_text(value) for key, value in zip(keys, row, strict=True)}
    plan = services.cooperatives_import_check(regency=sukabumi, rows=[{**values, "_row": 2}])
    assert plan.rows[0].action == "error" and any(message in e for e in plan.rows[0].errors), plan.rows[0].errors


def test_a_village_twice_in_the_sheet_is_a_row_error(sukabumi):
    row = {"village_code": "32.02.01.2002", "stage": "musyawarah", "_row": 2}
    plan = services.cooperatives_import_check(regency=sukabumi, rows=[row, {**row, "_row": 3}])
    assert [r.action for r in plan.rows] == ["create", "error"]


def test_editing_a_cooperative_records_the_stage_change_with_date_and_author(admin_client, admin_user, sukabumi):
    services.cooperatives_ensure(actor=admin_user, regency=sukabumi)
    cooperative = Cooperative.objects.get(village__code="32.02.01.2002")
    form = admin_client.get(reverse("cooperatives:cooperative_update", kwargs={"pk": cooperative.pk})).context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update({"version": form["version"].value(), "stage": "notary_deed", "stage_reached_on": "2026-02-03",
                 "units": ["sembako", "clinic"], "other_units": "Agen LPG 3 kg", "member_count": "150",
                 "notary_deed_number": "7", "notary_deed_date": "2025-07-01", "notary_name": "Notaris Uji"})
    admin_client.post(reverse("cooperatives:cooperative_update", kwargs={"pk": cooperative.pk}), data)
    cooperative.refresh_from_db()
    change = cooperative.stage_changes.first()
    assert (cooperative.stage, change.stage, str(change.reached_on), change.recorded_by) == (
        "notary_deed", "notary_deed", "2026-02-03", admin_user)
    assert sorted(str(u) for u in cooperative.units.all()) == ["Agen LPG 3 kg", "gerai sembako", "klinik desa"]


def test_a_legal_entity_number_without_a_date_is_refused(admin_client, admin_user, sukabumi):
    services.cooperatives_ensure(actor=admin_user, regency=sukabumi)
    cooperative = Cooperative.objects.get(village__code="32.02.01.2002")
    form = admin_client.get(reverse("cooperatives:cooperative_update", kwargs={"pk": cooperative.pk})).context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update({"version": form["version"].value(), "legal_entity_number": "AHU-0000001.AH.01.29.TAHUN 2025",
                 "legal_entity_date": ""})
    response = admin_client.post(reverse("cooperatives:cooperative_update", kwargs={"pk": cooperative.pk}), data)
    assert "disertai tanggalnya" in response.text
    cooperative.refresh_from_db()
    assert cooperative.legal_entity_number == ""


def test_the_registry_filters_by_district_stage_unit_and_ba(client_for, split):
    client = client_for(split.ba)
    mine = client.get(reverse("cooperatives:cooperative_list"))
    assert mine.context["page_obj"].paginator.count == len(split.villages)
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    cooperative_to_stage(cooperative, Stage.OPERATING, units=["pharmacy"], other_units=[],
                         unit_statuses={("pharmacy", ""): "operating"})
    office = client_for(split.ba)  # a BA filters within their own cooperatives
    assert [c.pk for c in office.get(reverse("cooperatives:cooperative_list"), {"stage": "operating"})
            .context["page_obj"]] == [cooperative.pk]
    assert [c.pk for c in office.get(reverse("cooperatives:cooperative_list"), {"unit": "pharmacy"})
            .context["page_obj"]] == [cooperative.pk]


def test_the_office_filters_by_ba_and_exports(office_client, split):
    page = office_client.get(reverse("cooperatives:cooperative_list"), {"ba": split.ba_mentor.pk})
    assert page.context["page_obj"].paginator.count == len(split.villages)
    assert all(c.ba_name == split.ba_mentor.full_name for c in page.context["page_obj"])
    export = office_client.get(reverse("cooperatives:cooperative_export"), {"ba": split.ba_mentor.pk})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + len(split.villages)


def test_registry_and_detail_pages_use_a_constant_number_of_queries(office_client, split, count_queries):

    one = Cooperative.objects.select_related("village").get(village_id=split.villages[0])
    office_client.get("/")
    # One visit to begin with: a page with visits also reads their files and whether a report locks them.
    services.visit_create(actor=None, mentor=split.ba_mentor, cooperative=one, date=date(2026, 1, 1),
                          mode="phone", focus_areas=["training"], summary="awal")
    with count_queries() as small:
        count_queries.get(office_client, reverse("cooperatives:cooperative_list"), {"q": one.village.code})
        count_queries.get(office_client, one.get_absolute_url())
    for index, cooperative in enumerate(Cooperative.objects.order_by("village__code")[:50]):
        cooperative_to_stage(cooperative, Stage.SIMKOPDES, number=index + 1, units=["sembako", "clinic"],
                             other_units=["Agen LPG"])
        services.visit_create(actor=None, mentor=split.ba_mentor, cooperative=one, date=date(2026, 1, 2),
                              mode="phone", focus_areas=["training"], summary=f"{index}",
                              follow_ups=[("Tindak", date(2026, 2, 1))])
    with count_queries() as large:  # a search that finds a whole district's villages
        count_queries.get(office_client, reverse("cooperatives:cooperative_list"), {"q": one.village.code[:8]})
        count_queries.get(office_client, one.get_absolute_url())
    # 29: the visits come a page at a time (their count), the open follow-ups are read from every visit, the
    # handover notes of the cooperative and the mentors over time whose pages the reader may open; a search reads
    # the matching villages first.
    count_queries.assert_same(small, large, most=30)


def test_the_registrys_own_export_imports_back_unchanged(admin_client, admin_user, sukabumi):
    rows = sheet_rows()
    preview = upload(admin_client, sukabumi, rows)
    admin_client.post(reverse("cooperatives:cooperative_import_apply"), {"token": preview.context["token"]})
    cooperative = Cooperative.objects.get(village__code="32.02.01.2002")
    services.cooperative_update(actor=admin_user, cooperative=cooperative, version=None, units=["warehouse"],
                                other_units=["Agen LPG 3 kg", "agen lpg 3 KG", "lainnya"])
    assert sorted(str(u) for u in cooperative.units.all()) == ["Agen LPG 3 kg", "pergudangan / cold storage"]
    export = admin_client.get(reverse("cooperatives:cooperative_export"))
    table = [list(row) for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)]
    plan = services.cooperatives_import_check(regency=sukabumi, rows=services.COOPERATIVE_SHEET.rows(table))
    assert plan.summary == {"create": 0, "update": 0, "unchanged": 386, "error": 0}, plan.errors[:3]


def test_a_search_finds_cooperatives_by_their_villages_however_many_villages_match(office_client, split,
                                                                                    monkeypatch):
    district = Cooperative.objects.select_related("village").get(village_id=split.villages[0]).village.code[:8]
    expected = set(Cooperative.objects.filter(village__code__startswith=district).values_list("name", flat=True))
    assert len(expected) > 1

    def found():
        page = office_client.get(reverse("cooperatives:cooperative_list"), {"q": district, "per_page": 100})
        return {name for name in expected if name in page.content.decode()}

    assert found() == expected  # a few villages: given to the statement as a list
    monkeypatch.setattr("cooperatives.filters.SEARCH_VILLAGE_LIST", 1)
    assert found() == expected  # more than the list takes: a subquery
