"""Every kind of workbook the portal writes opens in a real spreadsheet program: LibreOffice Calc (Debian's
libreoffice-calc-nogui) opens it headless and saves it again as .xlsx, and what it saved is read back with
openpyxl. LibreOffice repairs what it cannot read without a word (a NaN becomes 0, a duplicate sheet is renamed),
so the values are compared, not just the conversion's success. Skipped locally without `soffice`; in CI
(`CI` set) a missing LibreOffice fails, as the browser tests do for Chromium."""

import io
import os
import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from toolkit.xlsx import workbook_bytes

SOFFICE = os.environ.get("SOFFICE_PATH") or shutil.which("soffice") or shutil.which("libreoffice")
FORMULA_TEXT = '=HYPERLINK("http://contoh.test";"klik")'
LONG_TEXT = "Catatan kunjungan. " * 2_000  # 38,000 characters: more than a cell holds


@pytest.fixture(scope="session")
def reopen(tmp_path_factory):
    """reopen(content, …) → the workbooks as LibreOffice saves them again (one soffice run for all)."""
    if not SOFFICE:
        message = "LibreOffice not found (soffice): install Debian's libreoffice-calc-nogui package"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    profile = tmp_path_factory.mktemp("libreoffice-profile")  # its own profile: no clash with a running office

    def convert(*contents: bytes):
        work = tmp_path_factory.mktemp("libreoffice")
        (work / "in").mkdir()
        sources = []
        for number, content in enumerate(contents):
            sources.append(work / "in" / f"book{number}.xlsx")
            sources[-1].write_bytes(content)
        result = subprocess.run(
            [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--convert-to",
             "xlsx:Calc MS Excel 2007 XML", "--outdir", str(work / "out"), *map(str, sources)],
            capture_output=True, text=True, timeout=300, check=False)
        books = []
        for source in sources:
            saved = work / "out" / source.name
            assert saved.exists(), f"LibreOffice could not open {source.name}: {result.stdout} {result.stderr}"
            books.append(load_workbook(saved))
        return books

    return convert


def cells(book) -> dict:
    """Every non-empty cell of every sheet, by sheet title and coordinate."""
    return {(sheet.title, cell.coordinate): cell.value for sheet in book.worksheets for row in sheet.iter_rows()
            for cell in row if cell.value is not None}


def assert_same_values(original: bytes, reopened) -> None:
    """LibreOffice read every sheet and cell as the portal wrote it (text as text, numbers, dates)."""
    written = load_workbook(io.BytesIO(original))
    assert reopened.sheetnames == written.sheetnames
    expected, got = cells(written), cells(reopened)
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, bool):  # LibreOffice has no boolean cell: it saves TRUE as the formula =TRUE()
            assert got[key] in (value, f"={str(value).upper()}()"), key
        elif isinstance(value, float):
            assert got[key] == pytest.approx(value, rel=1e-14), key
        else:
            assert got[key] == value, key


def test_numbers_dates_and_text_survive_libreoffice(reopen):
    rows = [
        [1250, -7, 2**40, Decimal("12.50"), Decimal("-0.125"), 4.5, 1 / 3],
        [date(2026, 1, 2), datetime(2026, 1, 2, 3, 4), date(1900, 1, 1), date(1900, 3, 1), None, True, False],
        [FORMULA_TEXT, "+62 812-3456-7890", "Koperasi Desa Merah Putih Cibadak — ‘Sejahtera’ ✓ 😀", "مرحبا 你好",
         "007", "Tonjong & <Sukamaju>", "baris satu\nbaris dua"],
        [LONG_TEXT, float("nan"), float("inf"), Decimal("NaN"), "bel\x07l", "", "1.234,5"],
    ]
    content = workbook_bytes([("Koperasi & Desa", list("ABCDEFG"), rows), ("Ringkasan", ["Kosong"], [])])
    (book,) = reopen(content)
    assert_same_values(content, book)
    sheet = book["Koperasi & Desa"]
    assert [c.value for c in sheet[2]] == [1250, -7, 2**40, 12.5, -0.125, 4.5, pytest.approx(1 / 3)]
    assert [c.value for c in sheet[3]][:4] == [datetime(2026, 1, 2), datetime(2026, 1, 2, 3, 4),
                                                datetime(1900, 1, 1), datetime(1900, 3, 1)]
    assert sheet["A3"].is_date and sheet["B3"].is_date
    assert sheet["A4"].value == FORMULA_TEXT and sheet["A4"].data_type == "s"  # text, never a formula
    assert sheet["E4"].value == "007" and sheet["G5"].value == "1.234,5"  # text stays text, not a number
    assert sheet["C4"].value == "Koperasi Desa Merah Putih Cibadak — ‘Sejahtera’ ✓ 😀"
    assert sheet["A5"].value == LONG_TEXT[:32_767]
    assert [sheet.cell(5, n).value for n in (2, 3, 4, 5)] == [None, None, None, "bell"]
    assert book["Ringkasan"]["A1"].value == "Kosong"


EXPORTS = [
    ("cooperatives:cooperative_export", {}, {}),
    ("mentors:mentor_export", {}, {}),
    ("territories:plan_export", {"pk": "plan"}, {}),
    ("cooperatives:report_list", {}, {"format": "xlsx"}),
    ("reporting:recap", {}, {"format": "xlsx"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name, kwargs, query", EXPORTS, ids=[name for name, _k, _q in EXPORTS])
def test_each_export_opens_in_libreoffice(client, admin_user, split, reopen, name, kwargs, query):
    # A mentor who typed a formula, and non-Latin text, into their name: both stay text in every export.
    split.ba_mentor.full_name = f"{FORMULA_TEXT} Siti Nurhaliza 😀"
    split.ba_mentor.save()
    client.force_login(admin_user)
    response = client.get(reverse(name, kwargs={key: split.plan.pk for key in kwargs}), query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    content = b"".join(response.streaming_content) if response.streaming else response.content  # the recap streams
    (book,) = reopen(content)
    assert_same_values(content, book)
    assert any(sheet.max_row > 1 for sheet in book.worksheets)
    formula_cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
                     if cell.data_type == "f"]
    assert not formula_cells
    if name in ("mentors:mentor_export", "territories:plan_export", "cooperatives:report_list", "reporting:recap"):
        assert f"{FORMULA_TEXT} Siti Nurhaliza 😀" in cells(book).values()


@pytest.mark.django_db
def test_each_dashboard_table_opens_in_libreoffice(client, admin_user, split, reopen):
    client.force_login(admin_user)
    office = ["breakdown", "funnel", "trend", "workload", "recency"]
    responses = [client.get(reverse("reporting:dashboard_export", args=[table])) for table in office]
    client.force_login(split.pmo)
    responses.append(client.get(reverse("reporting:dashboard_export", args=["team"])))
    assert [response.status_code for response in responses] == [200] * 6
    for response, book in zip(responses, reopen(*(r.content for r in responses)), strict=True):
        assert_same_values(response.content, book)
