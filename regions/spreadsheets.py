"""The spreadsheet toolkit every import and export of the portal uses (xlsx and CSV).

- `read_table` reads an upload (size cap, xlsx or CSV) into rows of cells;
- `Sheet` maps the header row to field names and turns the data rows into dicts of cell text;
- each import validates a row with a Django form (`row_form` gives every problem of a row as text) and
  says per row what it would do in an `ImportPreview`, then `apply_all_or_nothing` writes it;
- `preview_store` / `preview_take` keep a checked preview between the dry run and its one apply;
- `xlsx_response` writes a workbook in which text never becomes a formula.

It sits in the bottom app so that every app can use it.
"""

import csv
import io
import re
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from .xlsx import workbook_bytes

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
    """An .xlsx download with one sheet per (title, headers, rows), written by `regions.xlsx`: text is always
    text, so a value such as "=HYPERLINK(…)" typed into the portal never becomes a formula in Excel."""
    titled = [(re.sub(r"[\[\]:*?/\\]", "-", title)[:31], headers, rows) for title, headers, rows in sheets]
    response = HttpResponse(workbook_bytes(titled), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- from rows of cells to checked rows --------------------------------------------------------------


def cell_text(value) -> str:
    """A cell as the text a person typed: 12.0 is "12", a date is YYYY-MM-DD, nothing is ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return str(value).strip()


def header_key(title) -> str:
    return " ".join(str(title or "").strip().lower().replace("_", " ").split())


@dataclass(frozen=True)
class Sheet:
    """The columns an import understands: field name → the headings offices use for it."""

    columns: dict[str, set[str]]
    required: tuple[str, ...]
    max_rows: int
    missing_message: str  # with %(columns)s: what to say when a required column is absent

    def rows(self, table: list[list]) -> list[dict]:
        """The data rows as dicts of cell text keyed by field name, with `_row` (header = row 1).
        Only the columns the file has are keys; empty rows are dropped."""
        if not table:
            raise SpreadsheetError(_("The file is empty."))
        mapping = {}
        for index, title in enumerate(table[0]):
            key = header_key(title)
            for name, aliases in self.columns.items():
                if key in aliases and name not in mapping.values():
                    mapping[index] = name
        missing = [name for name in self.required if name not in mapping.values()]
        if missing:
            labels = [sorted(self.columns[name])[0] for name in missing]
            raise SpreadsheetError(self.missing_message % {"columns": ", ".join(labels)})
        rows = []
        for number, raw in enumerate(table[1:], start=2):
            values = {name: cell_text(raw[index] if index < len(raw) else None) for index, name in mapping.items()}
            if any(values.values()):
                rows.append({**values, "_row": number})
        if len(rows) > self.max_rows:
            raise SpreadsheetError(_("At most %(max)d rows can be imported at once.") % {"max": self.max_rows})
        return rows


def row_form(form_class, values: dict, **kwargs):
    """A bound row form holding only the fields of the columns the file has (a file without a phone column
    leaves phones alone). Returns (cleaned data, problems as text)."""
    form = form_class(data=values, **kwargs)
    for name in list(form.fields):
        if name not in values and not form.fields[name].required:
            del form.fields[name]
    if form.is_valid():
        return form.cleaned_data, []
    problems = []
    for name, errors in form.errors.items():
        label = str(form.fields[name].label) if name in form.fields and form.fields[name].label else ""
        for error in errors:  # name the column unless the message already does
            problems.append(f"{label}: {error}" if label and label.casefold() not in str(error).casefold()
                            else str(error))
    return {}, problems


@dataclass
class RowResult:
    """What an import would do with one row: create, update, unchanged or error."""

    number: int
    key: str = ""
    action: str = ""
    errors: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    change_labels: list[str] = field(default_factory=list)
    instance: object = None
    extra: dict = field(default_factory=dict)

    def fail(self, *problems: str) -> "RowResult":
        self.action = "error"
        self.errors += [str(p) for p in problems]
        return self


@dataclass
class ImportPreview:
    """The dry run of an import, row by row. Nothing is written while it is built."""

    rows: list[RowResult] = field(default_factory=list)

    @property
    def errors(self) -> list[RowResult]:
        return [row for row in self.rows if row.action == "error"]

    @property
    def summary(self) -> dict[str, int]:
        return {action: sum(1 for row in self.rows if row.action == action)
                for action in ("create", "update", "unchanged", "error")}

    def seen_before(self, row: RowResult, key: str, seen: dict[str, int]) -> int | None:
        """The row number that already had this key, else remember it under this row."""
        if key in seen:
            return seen[key]
        seen[key] = row.number
        return None


def apply_all_or_nothing(preview: ImportPreview, write: Callable[[RowResult], None], *, changed: str) -> ImportPreview:
    """Write every row of a preview without errors in one transaction; if any write fails (the data changed
    since the dry run), nothing is written and the first row says why. `changed` has a %(why)s."""
    if preview.errors:
        return preview
    try:
        with transaction.atomic():
            for row in preview.rows:
                write(row)
    except (ValidationError, IntegrityError) as error:
        why = "; ".join(error.messages) if isinstance(error, ValidationError) else _("another change got there first")
        preview.rows[0].fail(changed % {"why": why})
    return preview


# --- the preview between a dry run and its apply -------------------------------------------------


def preview_store(session, key: str, *, rows: list[dict], **context) -> str:
    """Keep the checked rows of a dry run (cell text from `Sheet.rows`, so JSON keeps them as they are) until the
    user confirms; returns the token the confirm form posts."""
    token = secrets.token_urlsafe(16)
    session[key] = {"token": token, "rows": rows, **context}
    return token


def preview_take(session, key: str, token: str | None) -> dict | None:
    """The kept preview if the token matches, taken out of the session so that a preview applies only once
    (even after a double click). None when it has expired or was already applied."""
    pending = session.get(key)
    if not pending or not token or pending.get("token") != token:
        return None
    del session[key]
    return pending


@dataclass(frozen=True)
class ImportFlow:
    """The preview → apply flow every import shares: read and check an upload, keep the checked rows of a
    clean preview for exactly one apply."""

    key: str  # where the session keeps the preview
    sheet: Sheet

    def preview(self, request, upload, check: Callable[[list[dict]], ImportPreview], **context):
        """(preview, token): the token is None when a row has an error (nothing may be applied).
        Raises SpreadsheetError when the file as a whole cannot be read."""
        rows = self.sheet.rows(read_table(upload))
        preview = check(rows)
        token = None if preview.errors else preview_store(request.session, self.key, rows=rows, **context)
        return preview, token

    def take(self, request) -> dict | None:
        """The kept preview for the posted token, once; None (with a message) when expired or already applied.

        Call it inside the transaction that applies the rows: the token is recorded there (`AppliedImport`), so
        a second, simultaneous click waits for the first and then finds the preview applied."""
        pending = preview_take(request.session, self.key, request.POST.get("token"))
        if pending is not None:
            from .models import AppliedImport

            try:
                with transaction.atomic():
                    AppliedImport.objects.create(token=pending["token"], key=self.key)
            except IntegrityError:
                messages.info(request, _("This import was already applied (the button was pressed twice); "
                                         "nothing was imported a second time."))
                return None
        else:
            messages.error(request, _("This import preview has expired. Upload the file again."))
        return pending
