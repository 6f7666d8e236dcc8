"""Reading and writing the spreadsheets offices exchange (xlsx and CSV).

It sits in the bottom app so that every app's import and export can use it.
"""

import csv
import io
import re
import secrets
import zipfile
from datetime import date, datetime

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 100_000  # a zip-bombed sheet stops here; the imports have their own, lower limits
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SpreadsheetError(Exception):
    """The file cannot be read as a spreadsheet; the message (Indonesian and English) says why."""


def read_table(upload) -> list[list]:
    """The first sheet of an uploaded .xlsx or .csv file as a list of rows (lists of cell values)."""
    name = (getattr(upload, "name", "") or "").lower()
    if upload.size > MAX_UPLOAD_BYTES:
        raise SpreadsheetError(
            _("The file is larger than %(size)d MB. Split it into smaller files.") % {"size": MAX_UPLOAD_BYTES // 2**20}
        )
    content = upload.read()
    if name.endswith(".xlsx"):
        return _read_xlsx(content)
    if name.endswith(".csv"):
        return _read_csv(content)
    raise SpreadsheetError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))


def _read_xlsx(content: bytes) -> list[list]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise SpreadsheetError(_("The file is not a valid Excel workbook (.xlsx).")) from error
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS)]
    finally:
        workbook.close()


def _read_csv(content: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise SpreadsheetError(_("The CSV file is not UTF-8 text."))
    if "\x00" in text:
        raise SpreadsheetError(_("The file is not a valid CSV file."))
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def xlsx_response(sheets: list[tuple[str, list[str], list[list]]], filename: str) -> HttpResponse:
    """An .xlsx download with one sheet per (title, headers, rows).

    Text is always written as text, so a value such as "=HYPERLINK(…)" typed into the portal never
    becomes a formula in the office's Excel.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(re.sub(r"[\[\]:*?/\\]", "-", title)[:31])
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(value) for value in row])
        for cell in sheet.iter_rows(min_row=2):
            for item in cell:
                if isinstance(item.value, str):
                    item.data_type = "s"
        for index, header in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, min(45, len(str(header)) + 4))
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _cell(value):
    if isinstance(value, (datetime, date, int, float)) or value is None:
        return value
    return str(value)


# --- the preview between a dry run and its apply -------------------------------------------------


def _storable(value):
    """A cell value as the session (JSON) can keep it."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)


def preview_store(session, key: str, *, rows: list[dict], **context) -> str:
    """Keep the checked rows of a dry run until the user confirms; returns the token the confirm form posts."""
    token = secrets.token_urlsafe(16)
    session[key] = {"token": token, "rows": [{k: _storable(v) for k, v in row.items()} for row in rows], **context}
    return token


def preview_take(session, key: str, token: str | None) -> dict | None:
    """The kept preview if the token matches, taken out of the session so that a preview applies only once
    (even after a double click). None when it has expired or was already applied."""
    pending = session.get(key)
    if not pending or not token or pending.get("token") != token:
        return None
    del session[key]
    return pending
