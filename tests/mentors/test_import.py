import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from mentors.access import access_for
from mentors.models import Mentor
from mentors.services import mentors_import_apply, mentors_import_check

pytestmark = pytest.mark.django_db

HEADER = ["Nama", "Peran", "Telepon", "Email", "Mulai Kontrak", "Akhir Kontrak"]


def roster_rows(count=200):
    rows = [[f"Pendamping {i:03d}", "PMO" if i < 2 else "BA", f"0812{i:08d}", f"p{i:03d}@contoh.test",
             date(2026, 1, 1), date(2026, 12, 31)] for i in range(count)]
    return rows


def workbook(rows, header=HEADER, name="roster.xlsx"):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, regency, file):
    return client.post(reverse("mentors:mentor_import"), {"regency": regency.pk, "file": file})


def test_a_file_with_one_bad_row_out_of_200_writes_nothing_and_names_the_row(admin_client, sukabumi):
    rows = roster_rows()
    rows[136][1] = "Koordinator"  # spreadsheet row 138

    preview = upload(admin_client, sukabumi, workbook(rows))

    plan = preview.context["preview"]
    assert plan.summary == {"create": 199, "update": 0, "unchanged": 0, "error": 1}
    assert [(row.number, row.errors) for row in plan.errors] == [
        (138, ["peran “Koordinator” tidak dikenal (gunakan BA atau PMO)"])]
    assert 'name="token"' not in preview.text  # no apply button
    applied = admin_client.post(reverse("mentors:mentor_import_apply"), {"token": "anything"}, follow=True)
    assert "Unggah ulang" in applied.text
    assert not Mentor.objects.exists()


def test_a_clean_file_of_200_imports_in_one_go_and_re_importing_changes_nothing(admin_client, sukabumi):
    preview = upload(admin_client, sukabumi, workbook(roster_rows()))
    assert preview.context["preview"].summary["create"] == 200
    admin_client.post(reverse("mentors:mentor_import_apply"), {"token": preview.context["token"]})

    assert Mentor.objects.filter(regency=sukabumi).count() == 200
    assert Mentor.objects.filter(role="pmo").count() == 2
    first = Mentor.objects.get(email="p000@contoh.test")
    assert (first.phone, first.contract_end) == ("+62812" + "0" * 8, date(2026, 12, 31))
    history_rows = Mentor.history.count()

    again = upload(admin_client, sukabumi, workbook(roster_rows()))
    assert again.context["preview"].summary == {"create": 0, "update": 0, "unchanged": 200, "error": 0}
    admin_client.post(reverse("mentors:mentor_import_apply"), {"token": again.context["token"]})
    assert Mentor.objects.count() == 200 and Mentor.history.count() == history_rows


def test_a_changed_row_updates_only_that_mentor(sukabumi):
    rows = [{"full_name": "Nina", "role": "BA", "phone": "081234567890", "email": "nina@contoh.test", "_row": 2}]
    mentors_import_apply(actor=None, regency=sukabumi, rows=rows)
    rows[0]["phone"] = "0857-1111-2222"
    plan = mentors_import_check(regency=sukabumi, rows=rows)
    assert plan.rows[0].action == "update" and plan.rows[0].changes == ["phone"]
    mentors_import_apply(actor=None, regency=sukabumi, rows=rows)
    assert Mentor.objects.get().phone == "+6285711112222"


@pytest.mark.parametrize("change, message", [
    ({"role": "Ketua"}, "peran “Ketua” tidak dikenal"),
    ({"phone": "12-34"}, "bukan nomor telepon Indonesia yang sah"),
    ({"contract_start": "31/31/2026"}, "bukan tanggal"),
    ({"contract_start": "2026-06-01", "contract_end": "2026-01-01"}, "kontrak berakhir sebelum dimulai"),
    ({"email": "bukan-email"}, "bukan alamat e-mail yang sah"),
    ({"full_name": ""}, "nama kosong"),
])
def test_row_errors_say_what_is_wrong(sukabumi, change, message):
    row = {"full_name": "Nina", "role": "BA", "phone": "081234567890", "email": "nina@contoh.test", "_row": 7,
           **change}
    plan = mentors_import_check(regency=sukabumi, rows=[row])
    assert plan.rows[0].action == "error"
    assert any(message in error for error in plan.rows[0].errors), plan.rows[0].errors


def test_an_e_mail_twice_in_the_file_is_a_row_error(sukabumi):
    rows = [{"full_name": "A", "role": "BA", "email": "sama@contoh.test", "_row": 2},
            {"full_name": "B", "role": "BA", "email": "SAMA@contoh.test", "_row": 3}]
    plan = mentors_import_check(regency=sukabumi, rows=rows)
    assert [row.action for row in plan.rows] == ["create", "error"]
    assert "baris 2" in plan.rows[1].errors[0]


def test_a_csv_file_with_semicolons_and_a_dropped_leading_zero_imports(admin_client, sukabumi):
    content = ("nama;peran;telepon;email;mulai kontrak;akhir kontrak\n"
               "Nina;BA;81234567890;nina@contoh.test;01/01/2026;31/12/2026\n")
    preview = upload(admin_client, sukabumi, SimpleUploadedFile("roster.csv", content.encode()))
    row = preview.context["preview"].rows[0]
    assert row.action == "create" and row.values["phone"] == "+6281234567890"
    assert row.values["contract_start"] == date(2026, 1, 1)


@pytest.mark.parametrize("file, message", [
    (SimpleUploadedFile("roster.pdf", b"%PDF-1.4"), "Unggah buku kerja Excel"),
    (SimpleUploadedFile("roster.xlsx", b"not a zip file"), "bukan buku kerja Excel"),
    (SimpleUploadedFile("roster.csv", b"kolom;lain\n1;2\n"), "kolom"),
    (SimpleUploadedFile("roster.csv", b""), "kosong"),
    (SimpleUploadedFile("roster.csv", b"x" * (2 * 1024 * 1024 + 1)), "lebih besar dari 2 MB"),
])
def test_a_malformed_or_oversized_file_gets_a_clear_message_and_changes_nothing(admin_client, sukabumi, file, message):
    response = upload(admin_client, sukabumi, file)
    assert response.status_code == 200 and message in response.text
    assert not Mentor.objects.exists()


def test_an_admin_cannot_import_into_another_regency(client_for, other_admin, sukabumi):
    response = upload(client_for(other_admin), sukabumi, workbook(roster_rows(3)))
    assert response.status_code == 200 and "plan" not in response.context or response.context["preview"] is None
    assert not Mentor.objects.exists()


def test_a_file_without_a_column_leaves_that_field_alone(sukabumi):
    mentors_import_apply(actor=None, regency=sukabumi, rows=[
        {"full_name": "Nina", "role": "BA", "phone": "081234567890", "email": "nina@contoh.test",
         "contract_start": "2026-01-01", "_row": 2}])
    plan = mentors_import_check(regency=sukabumi, rows=[
        {"full_name": "Nina", "role": "BA", "email": "nina@contoh.test", "_row": 2}])
    assert plan.rows[0].action == "unchanged"
    mentor = Mentor.objects.get()
    assert (mentor.phone, mentor.contract_start) == ("+6281234567890", date(2026, 1, 1))


def test_rows_without_e_mail_match_by_phone_so_re_importing_does_not_duplicate(sukabumi):
    rows = [{"full_name": "Budi", "role": "BA", "phone": "0813-1111-2222", "email": "", "_row": 2}]
    mentors_import_apply(actor=None, regency=sukabumi, rows=rows)
    again = mentors_import_apply(actor=None, regency=sukabumi, rows=rows)
    assert again.summary["unchanged"] == 1 and Mentor.objects.count() == 1


def test_a_name_too_long_for_the_roster_is_a_row_error_not_a_crash(admin_client, sukabumi):
    rows = [{"full_name": "N" * 200, "role": "BA", "email": "panjang@contoh.test", "_row": 5}]
    plan = mentors_import_check(regency=sukabumi, rows=rows)
    assert plan.rows[0].action == "error" and "150" in plan.rows[0].errors[0]


def test_the_preview_names_changed_fields_in_indonesian_with_the_old_and_the_new_value(admin_client, sukabumi):
    mentors_import_apply(actor=None, regency=sukabumi, rows=[
        {"full_name": "Nina", "role": "BA", "phone": "081234567890", "email": "nina@contoh.test", "_row": 2}])
    content = "nama,peran,telepon,email\nNina,BA,0857-1111-2222,nina@contoh.test\n"
    preview = upload(admin_client, sukabumi, SimpleUploadedFile("roster.csv", content.encode()))
    assert preview.context["preview"].rows[0].change_labels == ["telepon"]
    assert preview.context["preview"].rows[0].details == [
        {"label": "telepon", "old": "0812-3456-7890", "new": "0857-1111-2222"}]
    assert '<span class="import-field">telepon</span>' in preview.text
    assert "0812-3456-7890</del> → <ins>" in preview.text


def test_an_import_preview_applies_only_once(admin_client, sukabumi):
    preview = upload(admin_client, sukabumi, workbook(roster_rows(3)))
    token = preview.context["token"]
    admin_client.post(reverse("mentors:mentor_import_apply"), {"token": token})
    second = admin_client.post(reverse("mentors:mentor_import_apply"), {"token": token}, follow=True)
    assert "kedaluwarsa" in second.text and Mentor.objects.count() == 3


def roster_dicts(names, *, notes=""):
    return [{"full_name": f"Pendamping {name}", "role": "BA", "phone": "", "email": f"{name}@contoh.test",
             "notes": notes, "_row": number} for number, name in enumerate(names, start=2)]


def test_applying_an_import_makes_as_many_queries_for_60_rows_as_for_5(sukabumi, admin_user, count_queries):
    """The rows are written in bulk with their history: no query per row (2,000 rows took 30 s on a busy machine
    with one INSERT, one history INSERT and three checks per row)."""
    mentors_import_apply(actor=None, regency=sukabumi, rows=roster_dicts([f"a{i}" for i in range(60)]))
    access_for(admin_user)  # read once per request: the view has read the actor's roles before the service checks them
    with count_queries() as few:  # 3 changed, 2 new
        few_rows = roster_dicts([f"a{i}" for i in range(3)] + ["b0", "b1"], notes="diubah")
        assert mentors_import_apply(actor=admin_user, regency=sukabumi, rows=few_rows).summary == {
            "create": 2, "update": 3, "unchanged": 0, "error": 0}
    with count_queries() as many:  # 30 changed, 30 new
        many_rows = roster_dicts([f"a{i}" for i in range(10, 40)] + [f"c{i}" for i in range(30)], notes="diubah")
        assert mentors_import_apply(actor=admin_user, regency=sukabumi, rows=many_rows).summary == {
            "create": 30, "update": 30, "unchanged": 0, "error": 0}
    count_queries.assert_same(few, many, most=12)
    assert Mentor.objects.filter(regency=sukabumi).count() == 92


def test_an_imported_mentor_has_its_history_and_a_changed_one_a_new_version(sukabumi, admin_user):
    mentors_import_apply(actor=admin_user, regency=sukabumi, rows=roster_dicts(["nina"]))
    mentor = Mentor.objects.get()
    version = mentor.updated_at
    mentors_import_apply(actor=admin_user, regency=sukabumi, rows=roster_dicts(["nina"], notes="pindah"))
    mentor.refresh_from_db()
    assert mentor.notes == "pindah" and mentor.updated_at > version  # an editor that saw the old row is refused
    history = list(mentor.history.order_by("history_date").values_list("history_type", "history_user_id",
                                                                       "history_change_reason", "notes"))
    assert history == [("+", admin_user.pk, "imported", ""), ("~", admin_user.pk, "imported", "pindah")]


def test_a_concurrent_change_during_the_apply_writes_nothing_and_says_why(sukabumi, monkeypatch):
    """The rows are checked again inside the apply; if the database still refuses one (an address another import
    took a moment ago), nothing is written."""
    from mentors import services

    mentors_import_apply(actor=None, regency=sukabumi, rows=roster_dicts(["nina"]))
    checked = services.mentors_import_check

    def stale(**kwargs):  # the check ran before the other import committed: it sees a new address
        preview = checked(**kwargs)
        preview.rows[0].action, preview.rows[0].extra["mentor"].pk = "create", None
        return preview

    monkeypatch.setattr(services, "mentors_import_check", stale)
    result = mentors_import_apply(actor=None, regency=sukabumi, rows=roster_dicts(["nina", "budi"]))
    assert result.rows[0].errors == ["daftar pendamping berubah selama impor: ada perubahan lain yang lebih dulu "
                                     "tersimpan"]
    assert list(Mentor.objects.values_list("email", flat=True)) == ["nina@contoh.test"]
