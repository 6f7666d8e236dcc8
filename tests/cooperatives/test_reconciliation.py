"""Reconciliation with the national registry (SIMKOPDES): an export compared once, three lists, differences accepted
by an admin through the record's service, idempotently; a malformed file refused with nothing changed."""

import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from cooperatives import reconciliation, services
from cooperatives.models import Cooperative, ReconciliationRow, ReconciliationRun, Stage

pytestmark = pytest.mark.django_db

HEADER = ["Kode Desa", "ID Koperasi", "Nomor SK AHU", "Tanggal SK AHU", "NIK Koperasi", "Nama Koperasi",
          "Nama Ketua", "No HP Ketua", "Jumlah Anggota", "Tahapan", "Status Akun"]
SK_A = "AHU-0001234.AH.01.29.TAHUN 2025"
SK_B = "AHU-0000009.AH.01.29.TAHUN 2025"


def _row(code="", sid="", sk="", sk_date="", nik="", name="", chair="", phone="", members="", stage="", status=""):
    return [code, sid, sk, sk_date, nik, name, chair, phone, members, stage, status]


@pytest.fixture
def scene(sukabumi, admin_user):
    """Sukabumi's 386 cooperatives, some already holding values, and an export of 384 of them (two left out) plus
    three rows of villages the portal does not hold, with ten differences on nine cooperatives."""
    services.cooperatives_ensure(actor=admin_user, regency=sukabumi)
    coops = list(Cooperative.objects.filter(village__district__regency=sukabumi).select_related("village")
                 .order_by("village__code"))
    Cooperative.objects.filter(pk=coops[1].pk).update(chair_name="Budi")
    Cooperative.objects.filter(pk=coops[6].pk).update(stage=Stage.NOTARY_DEED)
    Cooperative.objects.filter(pk=coops[9].pk).update(legal_entity_number=SK_B, legal_entity_date=date(2025, 7, 1))
    Cooperative.objects.filter(pk=coops[10].pk).update(nik_number="3202010010")
    coops = list(Cooperative.objects.filter(pk__in=[c.pk for c in coops]).select_related("village")
                 .order_by("village__code"))
    rows = []
    for index, coop in enumerate(coops[:-2]):
        row = _row(code=coop.village.code, name=coop.name)
        if index == 0:
            row[5] = "Koperasi Merah Putih Baru"
        elif index == 1:
            row[6] = "Siti"
        elif index == 2:
            row[8] = 120
        elif index == 3:
            row[2], row[3] = SK_A, "01/08/2025"
        elif index == 4:
            row[4] = "32.02.01.0001"
        elif index == 5:
            row[1] = "KDMP-0005"
        elif index == 6:
            row[9] = "musyawarah"  # a step back without a reason: the record's rule refuses it
        elif index == 7:
            row[7] = "0812-3456-7890"
        elif index == 8:
            row[10] = "active"
        elif index == 9:  # a mistyped village code: matched by its SK AHU number
            row[0], row[2] = "32.02.99.9999", SK_B
        elif index == 10:  # no village code at all: matched by its NIK
            row[0], row[4] = "", "3202010010"
        elif index == 11:
            row[5] = coop.name.upper()  # case is no difference
        rows.append(row)
    rows += [_row(code="32.03.01.2001", name="Koperasi Cianjur"), _row(code="32.02.98.0001", name="Tidak Ada"),
             _row(code="9999999999", name="Kode Aneh")]
    reconciliation.reconciliation_mapping_save(actor=admin_user, regency=sukabumi, source="simkopdes",
                                               columns=reconciliation.default_columns())
    return coops, rows


def export_file(rows, name="simkopdes.xlsx", header=HEADER):
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, sukabumi, file):
    return client.post(reverse("cooperatives:reconciliation_upload", kwargs={"code": sukabumi.code}), {"file": file})


EXPECTED = {
    (0, "name", "Koperasi Merah Putih Baru"), (1, "chair_name", "Siti"), (2, "member_count", 120),
    (3, "legal_entity_number", SK_A), (3, "legal_entity_date", "2025-08-01"), (4, "nik_number", "3202010001"),
    (5, "simkopdes_id", "KDMP-0005"), (6, "stage", "musyawarah"), (7, "chair_phone", "+6281234567890"),
    (8, "simkopdes_status", "active"),
}


def test_a_crafted_export_gives_exactly_its_differences_and_the_rows_only_on_one_side(admin_client, sukabumi,
                                                                                       scene):
    coops, rows = scene
    response = upload(admin_client, sukabumi, export_file(rows))
    run = ReconciliationRun.objects.get()
    assert response.status_code == 302 and response.url == run.get_absolute_url()
    position = {coop.pk: index for index, coop in enumerate(coops)}
    differs = run.rows.filter(kind=ReconciliationRow.Kind.DIFFERS)
    got = {(position[row.cooperative_id], d["field"], d["export"]) for row in differs for d in row.differences}
    assert got == EXPECTED
    assert {row.matched_by for row in differs} == {"village_code"}
    assert set(run.rows.filter(kind="portal_only").values_list("village_code", flat=True)) == {
        coops[-1].village.code, coops[-2].village.code}
    assert sorted(run.rows.filter(kind="export_only").values_list("row_number", flat=True)) == [386, 387, 388]
    assert (run.differ_count, run.portal_only_count, run.export_only_count, run.same_count) == (9, 2, 3, 375)
    page = admin_client.get(run.get_absolute_url())
    assert page.status_code == 200 and "KDMP-0005" in page.text and 'name="accept"' in page.text
    assert "Kode Aneh" in admin_client.get(run.get_absolute_url(), {"list": "export_only"}).text
    assert coops[-1].name in admin_client.get(run.get_absolute_url(), {"list": "portal_only"}).text


def test_the_national_id_once_kept_matches_first(admin_client, admin_user, sukabumi, scene):
    coops, rows = scene
    Cooperative.objects.filter(pk=coops[20].pk).update(simkopdes_id="KDMP-0020")
    rows[20][0], rows[20][1] = "", "KDMP-0020"
    upload(admin_client, sukabumi, export_file(rows))
    run = ReconciliationRun.objects.get()
    assert run.portal_only_count == 2 and run.export_only_count == 3


def _accept_everything(client, run):
    rows = list(run.rows.filter(kind="differs").values_list("pk", flat=True))
    return client.post(reverse("cooperatives:reconciliation_accept", kwargs={"pk": run.pk}),
                       {"all": "1", "row": rows})


def test_accepting_writes_through_the_record_refuses_what_breaks_a_rule_and_twice_changes_nothing(
        admin_client, sukabumi, scene):
    coops, rows = scene
    upload(admin_client, sukabumi, export_file(rows))
    run = ReconciliationRun.objects.get()
    history_before = Cooperative.history.count()
    response = _accept_everything(admin_client, run)
    assert response.status_code == 302
    for index, name, value in EXPECTED - {(6, "stage", "musyawarah")}:
        stored = getattr(Cooperative.objects.get(pk=coops[index].pk), name)
        assert reconciliation._stored(stored) == value, name
    assert Cooperative.objects.get(pk=coops[6].pk).stage == Stage.NOTARY_DEED  # refused, unchanged
    refused = run.rows.get(cooperative=coops[6])
    assert "stage" in refused.refused and "stage" not in refused.accepted
    changes = Cooperative.history.filter(history_change_reason=run.change_reason)
    assert changes.count() == 8 == Cooperative.history.count() - history_before  # one per record accepted
    assert "simkopdes.xlsx" in run.change_reason and str(run.pk) in run.change_reason
    assert Cooperative.objects.get(pk=coops[5].pk).simkopdes_id == "KDMP-0005"

    # The same run accepted again, and the same file uploaded and accepted again: nothing more is written.
    _accept_everything(admin_client, run)
    upload(admin_client, sukabumi, export_file(rows))
    second = ReconciliationRun.objects.latest("id")
    assert second.differ_count == 1  # only the refused stage is still a difference
    _accept_everything(admin_client, second)
    assert Cooperative.history.count() - history_before == 8
    assert Cooperative.objects.get(pk=coops[6].pk).stage == Stage.NOTARY_DEED


def test_a_ticked_difference_alone_is_accepted_and_the_others_wait(admin_client, sukabumi, scene):
    coops, rows = scene
    upload(admin_client, sukabumi, export_file(rows))
    run = ReconciliationRun.objects.get()
    row = run.rows.get(cooperative=coops[1])
    admin_client.post(reverse("cooperatives:reconciliation_accept", kwargs={"pk": run.pk}),
                      {"accept": [f"{row.pk}:chair_name"]})
    assert Cooperative.objects.get(pk=coops[1].pk).chair_name == "Siti"
    assert Cooperative.objects.get(pk=coops[0].pk).name == coops[0].name


def test_a_difference_whose_portal_value_changed_since_the_upload_is_refused(admin_client, sukabumi, scene):
    coops, rows = scene
    upload(admin_client, sukabumi, export_file(rows))
    run = ReconciliationRun.objects.get()
    Cooperative.objects.filter(pk=coops[1].pk).update(chair_name="Ani")
    row = run.rows.get(cooperative=coops[1])
    admin_client.post(reverse("cooperatives:reconciliation_accept", kwargs={"pk": run.pk}),
                      {"accept": [f"{row.pk}:chair_name"]})
    assert Cooperative.objects.get(pk=coops[1].pk).chair_name == "Ani"
    row.refresh_from_db()
    assert "chair_name" in row.refused


def test_an_sk_ahu_number_another_cooperative_holds_is_refused_with_the_rules_message(admin_client, sukabumi,
                                                                                        scene):
    coops, rows = scene
    rows[3][2] = SK_B  # coops[9]'s number
    upload(admin_client, sukabumi, export_file(rows))
    run = ReconciliationRun.objects.get()
    _accept_everything(admin_client, run)
    row = run.rows.get(cooperative=coops[3])
    assert Cooperative.objects.get(pk=coops[3].pk).legal_entity_number == ""
    assert "legal_entity_number" in row.refused and "legal_entity_date" in row.accepted


def _csv(rows, header=HEADER, encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.mark.parametrize("case", ["wrong type", "no header", "missing column", "oversize", "bad encoding", "empty"])
def test_a_malformed_file_is_refused_with_a_message_and_changes_nothing(admin_client, sukabumi, scene, case):
    coops, rows = scene
    files = {
        "wrong type": SimpleUploadedFile("simkopdes.pdf", b"%PDF-1.4"),
        "no header": SimpleUploadedFile("simkopdes.csv", _csv(rows[1:], header=rows[0])),
        "missing column": export_file(rows, header=[h for h in HEADER if h != "Nama Ketua"]),
        "oversize": SimpleUploadedFile("simkopdes.csv", b"a" * (3 * 1024 * 1024)),
        "bad encoding": SimpleUploadedFile("simkopdes.csv", b"Kode Desa;Nama\n" + bytes(range(128, 256))
                                           * 40),
        "empty": SimpleUploadedFile("simkopdes.csv", _csv([])),
    }
    history = Cooperative.history.count()
    response = upload(admin_client, sukabumi, files[case])
    assert response.status_code in (400, 413)
    if response.status_code == 400:
        errors = response.context["upload_form"].errors["file"]
        assert errors and all(error.strip() for error in errors)
        if case == "missing column":
            assert "nama ketua" in errors[0]
    assert not ReconciliationRun.objects.exists() and not ReconciliationRow.objects.exists()
    assert Cooperative.history.count() == history


def test_office_staff_read_the_lists_but_cannot_accept_or_upload(client, office_user, admin_client, sukabumi, scene):
    coops, rows = scene
    upload(admin_client, sukabumi, export_file(rows))
    run = ReconciliationRun.objects.get()
    client.force_login(office_user)
    page = client.get(run.get_absolute_url())
    assert page.status_code == 200 and 'name="accept"' not in page.text
    assert _accept_everything(client, run).status_code == 403
    assert upload(client, sukabumi, export_file(rows)).status_code == 403
    regency_page = client.get(reverse("cooperatives:reconciliation_regency", kwargs={"code": sukabumi.code}))
    upload_url = reverse("cooperatives:reconciliation_upload", kwargs={"code": sukabumi.code})
    assert regency_page.status_code == 200 and f'action="{upload_url}"' not in regency_page.text
    assert Cooperative.objects.get(pk=coops[1].pk).chair_name == "Budi"


def test_the_mapping_is_remembered_and_a_heading_chosen_twice_is_refused(admin_client, sukabumi, scene):
    url = reverse("cooperatives:reconciliation_mapping", kwargs={"code": sukabumi.code})
    columns = {**reconciliation.default_columns(), "chair_name": "Ketua", "name": "ketua"}
    assert admin_client.post(url, columns).status_code == 400
    assert reconciliation.mapping_for(sukabumi).columns == reconciliation.default_columns()
    columns = {**reconciliation.default_columns(), "chair_name": "Ketua Koperasi", "chair_phone": ""}
    assert admin_client.post(url, columns).status_code == 302
    saved = reconciliation.mapping_for(sukabumi).columns
    assert saved["chair_name"] == "Ketua Koperasi" and "chair_phone" not in saved


@pytest.mark.parametrize("name", ["reconciliation_detail", "reconciliation_detail_portal_only",
                                  "reconciliation_regency"])
def test_the_reconciliation_pages_query_count_does_not_grow_with_the_rows(admin_client, admin_user, sukabumi, scene,
                                                                          count_queries, name):
    coops, rows = scene

    def page_url(run):
        if name == "reconciliation_regency":
            return reverse("cooperatives:reconciliation_regency", kwargs={"code": sukabumi.code})
        kind = "portal_only" if name.endswith("portal_only") else "differs"
        return f"{run.get_absolute_url()}?list={kind}"

    few = [row[:] for row in rows[:3]]
    upload(admin_client, sukabumi, export_file(few))  # 3 rows: differences on 3, 383 only in the portal
    first = ReconciliationRun.objects.latest("id")
    with count_queries() as small:
        count_queries.get(admin_client, page_url(first))
    upload(admin_client, sukabumi, export_file(rows))
    for _ in range(3):
        upload(admin_client, sukabumi, export_file(rows))
    last = ReconciliationRun.objects.latest("id")
    with count_queries() as large:
        count_queries.get(admin_client, page_url(last))
    count_queries.assert_same(small, large, most=20)
