"""The portal's own .xlsx writer: what an office opens in Excel."""

import io
from datetime import date, datetime

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
