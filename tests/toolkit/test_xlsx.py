"""The portal's own .xlsx writer: what an office opens in Excel."""

import io
import re
import tracemalloc
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from toolkit.xlsx import column_letter, workbook_bytes


def test_a_workbook_keeps_values_types_and_never_writes_a_formula():
    rows = [["32.02.01.2002", "Tonjong & <Sukamaju>", '=HYPERLINK("http://x")', 1250, 4.5, date(2026, 1, 2),
             datetime(2026, 1, 2, 3, 4), None, "bel\x07l"]]
    book = load_workbook(io.BytesIO(workbook_bytes([("Koperasi", list("ABCDEFGHI"), rows), ("Ringkasan", ["x"], [])])))
    sheet = book["Koperasi"]
    assert book.sheetnames == ["Koperasi", "Ringkasan"]
    assert sheet["A1"].value == "A" and sheet["A1"].font.b and sheet.freeze_panes == "A2"
    values = [cell.value for cell in sheet[2]]
    assert values[:5] == ["32.02.01.2002", "Tonjong & <Sukamaju>", '=HYPERLINK("http://x")', 1250, 4.5]
    assert sheet["C2"].data_type == "s"  # text, not a formula
    assert values[5].date() == date(2026, 1, 2) and values[6] == datetime(2026, 1, 2, 3, 4)
    assert values[7] is None and values[8] == "bell"  # a control character cannot be in a workbook


def test_columns_are_lettered_as_excel_does():
    assert [column_letter(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]


def _values(rows, headers=("A",)):
    """The data rows of a one-sheet workbook as openpyxl reads them back, and the sheet."""
    sheet = load_workbook(io.BytesIO(workbook_bytes([("Data", list(headers), rows)])))["Data"]
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)], sheet


def test_nan_and_infinity_are_written_as_empty_cells():
    rows = [[float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("-Infinity"), Decimal("sNaN"),
             Decimal("1E+400"), 1.5]]
    values, _sheet = _values(rows)
    assert values == [[None] * 7 + [1.5]]


def test_decimals_are_numbers():
    values, sheet = _values([[Decimal("12.50"), Decimal("-0.1"), Decimal("1E+3"), Decimal("123456789.125")]])
    assert values == [[12.5, -0.1, 1000, 123456789.125]]
    assert {cell.data_type for cell in sheet[2]} == {"n"}


def test_text_longer_than_a_cell_holds_is_cut_to_32767_characters():
    exactly, emoji = "é" * 32_767, "😀" * 20_000  # an emoji is two of Excel's characters (UTF-16 units)
    values, _sheet = _values([["x" * 40_000, "&" * 40_000, exactly, emoji]])
    assert values[0][0] == "x" * 32_767 and values[0][1] == "&" * 32_767  # cut before escaping
    assert values[0][2] == exactly and values[0][3] == "😀" * 16_383


def test_characters_xml_forbids_are_removed():
    values, _sheet = _values([["a\x00b\x0bc\x1fd\ufffee\uffff f\ud800g\udfffh\ti\nj", "\x07"]], headers="AB")
    assert values == [["abcde fgh\ti\nj", None]]


@pytest.mark.parametrize("titles, message", [
    (["Koperasi", "koperasi"], "Two sheets are titled 'koperasi'"),
    (["Ärzte", "äRZTE"], "Two sheets"),
    ([""], "1-31 characters"),
    (["x" * 32], "1-31 characters"),
    (["a/b"], "cannot contain"), (["a:b"], "cannot contain"), (["a[1]"], "cannot contain"), (["a?"], "cannot contain"),
    (["a\\b"], "cannot contain"), (["a*"], "cannot contain"), (["bel\x07"], "cannot contain"),
    (["'kutip"], "apostrophe"), (["kutip'"], "apostrophe"),
    (["history"], "reserves"),
])
def test_duplicate_or_invalid_sheet_titles_are_refused(titles, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        workbook_bytes([(title, ["A"], [[1]]) for title in titles])


def test_titles_excel_accepts_are_kept():
    titles = ["x" * 31, "Tonjong & <Sukamaju>", "Laporan PMO (2026)", "Rekap's"]
    book = load_workbook(io.BytesIO(workbook_bytes([(title, ["A"], []) for title in titles])))
    assert book.sheetnames == titles


def test_dates_are_dates_with_a_date_format_even_in_excels_first_months(settings):
    settings.TIME_ZONE = "Asia/Jakarta"
    aware = datetime(2026, 1, 2, 1, 30, tzinfo=UTC)  # 08:30 in Jakarta
    values, sheet = _values([[date(2026, 1, 2), datetime(2026, 1, 2, 3, 4), aware, date(1900, 1, 1),
                              date(1900, 2, 28), date(1900, 3, 1), date(1899, 12, 31)]])
    assert values == [[datetime(2026, 1, 2), datetime(2026, 1, 2, 3, 4), datetime(2026, 1, 2, 8, 30),
                       datetime(1900, 1, 1), datetime(1900, 2, 28), datetime(1900, 3, 1), "1899-12-31"]]
    formats = [sheet.cell(2, n).number_format.replace("\\", "") for n in (1, 2, 4)]
    assert formats == ["dd-mm-yyyy", "dd-mm-yyyy hh:mm", "dd-mm-yyyy"]
    assert all(sheet.cell(2, n).is_date for n in range(1, 7))


def test_booleans_are_booleans_and_none_is_an_empty_cell():
    values, sheet = _values([[True, None, False, "", 0]])
    assert values == [[True, None, False, None, 0]]
    assert sheet["A2"].data_type == sheet["C2"].data_type == "b"


def test_rows_are_read_once_as_they_are_written():
    rows = ([n, f"baris {n}", *(["lebih"] if n == 3 else [])] for n in range(1, 4))  # a generator
    values, _sheet = _values(rows, headers=["Nomor", "Teks"])
    assert values == [[1, "baris 1", None], [2, "baris 2", None], [3, "baris 3", "lebih"]]


def test_memory_does_not_grow_with_the_rows():
    """The sheet's XML goes into the zip as it is made: what is held is the compressed file, not the XML."""
    rows = [[f"Koperasi Desa {n}", n, n / 7, date(2026, 1, 1 + n % 28)] * 5 for n in range(10_000)]  # as views do
    tracemalloc.start()
    try:
        data = workbook_bytes([("Data", [f"K{n}" for n in range(20)], rows)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak - len(data) < 2 * 2**20  # the writer before streaming held ~30 MiB of XML here


def test_text_and_empty_cells_are_written_as_a_cell_by_cell_sheet_writes_them():
    from toolkit.xlsx import _cell, _sheet

    row = ["Koperasi A&B <Jaya>", "", None, "plain", 7, date(2026, 1, 2), "x" * 20_000, "tab\there", "a\x01b",
           "\x02", 1.5, True]
    headers = [f"h{i}" for i in range(len(row))]
    xml = "".join(_sheet(headers, [row, row[:3]]))
    letters = [column_letter(i) for i in range(1, len(row) + 1)]
    expected = "".join(_cell(f"{letter}2", value) for letter, value in zip(letters, row, strict=True))
    assert f'<row r="2">{expected}</row><row r="3">{_cell("A3", row[0])}</row>' in xml
    sheet = load_workbook(io.BytesIO(workbook_bytes([("S", headers, [row])]))).active
    values = [cell.value for cell in sheet[2]]
    assert values[0] == "Koperasi A&B <Jaya>" and values[1] is None and values[2] is None and values[8] == "ab"
