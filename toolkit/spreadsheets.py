"""The spreadsheet toolkit every import and export of the portal uses (xlsx and CSV).

- `read_table` reads an upload (size cap, xlsx or CSV) into rows of cells;
- `Sheet` maps the header row to field names and turns the data rows into dicts of cell text;
- each import validates a row with a Django form (`row_form` gives every problem of a row as text) and
  says per row what it would do in an `ImportPreview`, then `apply_all_or_nothing` writes it;
- `preview_store` / `preview_take` keep a checked preview between the dry run and its one apply;
- `xlsx_response` writes a workbook in which text never becomes a formula.

It sits in the bottom app so that every app can use it.
"""

import codecs
import csv
import io
import re
import secrets
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from xml.parsers import expat

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from openpyxl.packaging.relationship import get_rels_path
from openpyxl.reader.excel import ExcelReader, _find_workbook_part
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.xml.constants import ARC_CONTENT_TYPES, ARC_STYLE, SHARED_STRINGS

from .phones import phone_display
from .xlsx import column_letter, workbook_bytes, workbook_stream

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
IMPORT_REQUEST_MAX_BYTES = MAX_UPLOAD_BYTES + 512 * 1024  # the file and the form around it (accepts_upload)
# What a file may hold once opened, checked while it is read and before anything is built from it: a small upload
# can expand enormously (a "zip bomb"), or hold rows 16,384 cells wide or millions of empty rows.
MAX_UNCOMPRESSED_BYTES = 32 * 1024 * 1024  # all the parts of a workbook together, as the archive declares them
MAX_COLUMNS = 200
MAX_ROWS = 5_000  # the imports have their own limits: the largest, the cooperative registry's, is 5,000
MAX_READ_SECONDS = 10.0  # well under the worker timeout
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SpreadsheetError(Exception):
    """The file cannot be read as a spreadsheet; the message (Indonesian and English) says why."""


def read_table(upload, *, max_rows: int = MAX_ROWS) -> list[list]:
    """The first sheet of an uploaded .xlsx or .csv file as a list of rows (lists of cell values, trailing empty
    cells dropped). Refuses, with a message, a file that is too large, expands too much, has too many rows
    or columns, takes too long to read, is malformed or is in an encoding the portal cannot tell."""
    name = (getattr(upload, "name", "") or "").lower()
    if upload.size > MAX_UPLOAD_BYTES:
        raise SpreadsheetError(
            _("The file is larger than %(size)d MB. Split it into smaller files.") % {"size": MAX_UPLOAD_BYTES // 2**20}
        )
    if not name.endswith((".xlsx", ".csv")):
        raise SpreadsheetError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    limits = _Limits(max_rows)
    return _read_xlsx(content, limits) if name.endswith(".xlsx") else _read_csv(content, limits)


class _Limits:
    """Counts rows and columns as they are read, and stops the read at the first limit crossed. (Cells need no
    limit of their own: the expanded size bounds them, and a CSV is at most 2 MB.)"""

    def __init__(self, max_rows: int):
        self.max_rows = max_rows
        self.rows = self.filled = 0
        self.deadline = time.monotonic() + MAX_READ_SECONDS

    def take(self, row) -> list:
        self.rows += 1
        cells = list(row)
        while cells and cells[-1] in (None, ""):
            cells.pop()
        if len(cells) > MAX_COLUMNS:
            raise SpreadsheetError(_("Row %(row)d has more than %(max)d columns. Keep only the columns of the "
                                     "template.") % {"row": self.rows, "max": MAX_COLUMNS})
        if cells:
            self.filled += 1
        # The header row is not counted; empty rows count too (beyond a margin), so millions of them stop early.
        if self.filled > self.max_rows + 1 or self.rows > self.max_rows + 10_000:
            raise SpreadsheetError(_("The file has more than %(max)d rows. Split it into smaller files.")
                                   % {"max": self.max_rows})
        if self.rows % 1000 == 0 and time.monotonic() > self.deadline:
            raise SpreadsheetError(_("The file took too long to read. Split it into smaller files."))
        return cells


class _UnsizedSheet(ReadOnlyWorksheet):
    """openpyxl's read-only sheet, without its look for the declared size when a sheet is opened: a sheet that
    declares none is parsed to its end for it (three million empty rows: 7.6 s). The declared size is not trusted
    anyway (A1:XFD1048576 would pad every row to 16,384 cells): rows are read as they are. Its part is counted
    while openpyxl streams it (`_SheetCount`)."""

    def __init__(self, workbook, title: str, path: str, strings: list, limits: _Limits):
        self.limits = limits
        super().__init__(workbook, title, path, strings)

    def _get_size(self):
        self.reset_dimensions()

    def _get_source(self):
        return _CountedSource(super()._get_source(), _SheetCount(self.limits))


# --- what a workbook may hold besides its rows ---------------------------------------------------------------
#
# openpyxl parses a workbook's other parts whole, building an object per XML element, before the first row is
# read: a 9 KB upload whose styles held 1,000,000 <xf/> took 23-30 s and 392 MB; 1.85 million empty shared
# strings or 300,000 defined names did the same. So `_Reader` parses only the parts an import needs, and counts
# the elements of each (streamed through expat, the parser openpyxl itself uses) before openpyxl parses it,
# against bounds a real workbook of an import's size stays far below. The sheet is counted while openpyxl
# streams it: the row and column limits bound its rows, but not what one row or the rest of the sheet holds
# (1,000,000 merged cells in a 58 KB upload: 11 s).
#
# openpyxl's cost per element, measured on the development machine (2 cores, Python 3.11, openpyxl 3.1.5;
# `manage.py benchmark --workbook-parts`, figures in docs/benchmarks.md): 13-17 µs in the styles (a cell format,
# a font), and 58 µs per named style among 500 custom number formats (each looks its format up in a list of all
# of them, built again for it); 11-21 µs per defined name; 3-4 µs per element of the shared strings; 8-13 µs per
# content type or relationship; 9 µs per merged cell, 5 µs per cell. The count adds under 1 µs an element. With
# these bounds the worst allowed workbook, every part at its bound, takes 0.6 s of CPU for a plan, 0.8 s for the
# mentor import (2,000 rows) and 1.6 s for the cooperative registry (5,000 rows): what a real workbook of the
# import's size costs, no more. A refused one stops after reading at most about 1 MB of its parts.
PACKAGE_ELEMENTS = 2_000  # content types, the workbook's relationships: about one per part (at most 1,000 parts)
WORKBOOK_ELEMENTS = 5_000  # sheets and defined names: a real workbook has a few, or a few hundred
STYLE_ELEMENTS = 10_000  # ~60 elements in a new workbook, ~3,000 with 500 cell formats (Excel allows 64,000)
# Each named style looks its number format up in a list of all the custom ones, built again for it (openpyxl).
STYLE_TAGS = {"numFmt": 500, "cellStyle": 1_000}  # Excel: 200-250 custom number formats, 47 built-in styles
STRING_ELEMENTS_PER_ROW = 30  # 15 columns of text, each its own <si><t>, in every row up to the import's limit
SHEET_ELEMENTS_BESIDES_ROWS = 10_000  # column widths, merged cells, validations, conditional formats, links, ...
ROW_ELEMENTS = 3 * 16_384  # Excel's widest row, each cell with a value and a formula
ROW_TAG = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}row"  # openpyxl's row tag, as expat names it


class _ElementCount:
    """Counts the elements of one XML part as its bytes are fed (expat), and refuses the file as soon as a bound
    is crossed: `limit` elements in all, or `tags[name]` elements of a local name. `message` has %(max)d.
    A document type declaration (entities) is refused too: no workbook has one."""

    def __init__(self, message: str, limit: int, tags: dict[str, int] | None = None, **values):
        self.message, self.limit, self.values = message, limit, values
        self.tag_limits = tags or {}
        self.tags = dict.fromkeys(self.tag_limits, 0)
        self.total = 0
        self.finished = False
        self.parser = expat.ParserCreate(namespace_separator="}")
        self.parser.ordered_attributes = True  # a list, cheaper than a dict for each element
        self.parser.StartElementHandler = self.start
        self.parser.StartDoctypeDeclHandler = self.doctype

    def feed(self, data: bytes) -> None:
        """The next bytes of the part; b"" at its end."""
        if self.finished:
            return
        self.finished = not data
        try:
            self.parser.Parse(data, self.finished)
        except expat.ExpatError as error:
            raise SpreadsheetError(_("The file is not a valid Excel workbook (.xlsx).")) from error

    def refuse(self, limit: int):
        raise SpreadsheetError(self.message % {"max": limit, **self.values})

    def doctype(self, *args):
        raise SpreadsheetError(_("The file is not a valid Excel workbook (.xlsx)."))

    def start(self, name: str, attributes) -> None:
        self.total += 1
        if self.total > self.limit:
            self.refuse(self.limit)
        local = name[name.rfind("}") + 1:]  # openpyxl reads most elements by their local name alone
        if local in self.tags:
            self.tags[local] += 1
            if self.tags[local] > self.tag_limits[local]:
                self.refuse(self.tag_limits[local])


class _SheetCount(_ElementCount):
    """A sheet's count, taken while openpyxl streams it: the elements of each row (openpyxl builds a row whole
    before the row limits see it) and those outside the rows, with a look at the clock at each row."""

    def __init__(self, limits: _Limits):
        super().__init__(_("The sheet holds more than %(max)d merged cells, formats and other entries besides its "
                           "rows. Copy its rows into a new workbook, or split it."), SHEET_ELEMENTS_BESIDES_ROWS)
        self.deadline = limits.deadline
        self.parser.EndElementHandler = self.end
        self.open = self.in_row = self.rows = self.besides_rows = 0  # open: the depth inside the current row

    def start(self, name: str, attributes) -> None:
        if self.open:  # inside a row, the common case
            self.open += 1
            self.in_row += 1
            if self.in_row > ROW_ELEMENTS:
                raise SpreadsheetError(_("Row %(row)d holds more than %(max)d cells and values. Keep only the "
                                         "columns of the template.") % {"row": self.rows, "max": ROW_ELEMENTS})
        elif name == ROW_TAG:
            self.open, self.in_row = 1, 0
            number = dict(zip(attributes[::2], attributes[1::2], strict=True)).get("r", "")
            self.rows = int(number) if number.isdigit() else self.rows + 1
            if time.monotonic() > self.deadline:
                raise SpreadsheetError(_("The file took too long to read. Split it into smaller files."))
        else:
            self.besides_rows += 1
            if self.besides_rows > self.limit:
                self.refuse(self.limit)

    def end(self, name: str) -> None:
        if self.open:
            self.open -= 1


class _CountedSource:
    """A part as openpyxl streams it, counted on the way (the count runs one read ahead of openpyxl's parse)."""

    def __init__(self, source, count: _ElementCount):
        self.source, self.count = source, count

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.count.feed(data)
        return data

    def close(self) -> None:
        self.source.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class _Reader(ExcelReader):
    """openpyxl's reader (`ExcelReader.read`, read-only, values only), reading only what an import needs and
    counting each part before parsing it: the content types, the shared strings, the workbook part (its sheets,
    and its defined names, which are not applied) and its relationships, the styles (which tell dates from
    numbers) and the first worksheet, streamed. Document properties, the theme, external links, the other sheets,
    their relationships and charts are never parsed."""

    def __init__(self, source, limits: _Limits):
        super().__init__(source, read_only=True, data_only=True, keep_links=False)
        self.limits = limits

    def count(self, name: str, message: str, limit: int, **bounds) -> None:
        """Count a part before openpyxl parses it (an absent part is left to openpyxl: it goes without it or
        refuses the file)."""
        try:
            part = self.archive.open(name)
        except KeyError:
            return
        count = _ElementCount(message, limit, **bounds)
        with part:
            while chunk := part.read(2**16):
                count.feed(chunk)
        count.feed(b"")

    def read(self) -> None:
        parts = _("The workbook lists more than %(max)d parts and links. Save it again in Excel, or split it.")
        self.count(ARC_CONTENT_TYPES, parts, PACKAGE_ELEMENTS)
        self.read_manifest()
        strings = self.package.find(SHARED_STRINGS)
        if strings is not None:
            rows = self.limits.max_rows
            self.count(strings.PartName[1:], _("The workbook holds more texts than %(rows)d rows need (more than "
                                               "%(max)d entries). Save it again in Excel, or split it."),
                       (rows + 1) * STRING_ELEMENTS_PER_ROW, rows=rows)
        self.read_strings()
        workbook = _find_workbook_part(self.package).PartName[1:]
        self.count(workbook, _("The workbook has more than %(max)d sheets and names. Copy its rows into a new "
                               "workbook, or split it."), WORKBOOK_ELEMENTS)
        self.count(get_rels_path(workbook), parts, PACKAGE_ELEMENTS)
        self.read_workbook()
        self.count(ARC_STYLE, _("The workbook has more than %(max)d cell formats, number formats and styles. Copy "
                                "its rows into a new workbook, or split it."), STYLE_ELEMENTS, tags=STYLE_TAGS)
        apply_stylesheet(self.archive, self.wb)
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                self.wb._sheets.append(_UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings,
                                                     self.limits))
                return


def _read_xlsx(content: bytes, limits: _Limits) -> list[list]:
    not_a_workbook = _("The file is not a valid Excel workbook (.xlsx).")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, NotImplementedError) as error:
        raise SpreadsheetError(not_a_workbook) from error  # NotImplementedError: a zip format Python cannot read
    # The archive's declared sizes bound what reading it can produce: zipfile stops at the declared size.
    if len(parts) > 1000 or sum(part.file_size for part in parts) > MAX_UNCOMPRESSED_BYTES:
        raise SpreadsheetError(_("The workbook expands to more than %(size)d MB when opened. Save it again in "
                                 "Excel, or split it.") % {"size": MAX_UNCOMPRESSED_BYTES // 2**20})
    reader = _Reader(io.BytesIO(content), limits)
    try:
        reader.read()
        sheet = reader.wb.worksheets[0]
        return [limits.take(row) for row in sheet.iter_rows(values_only=True)]
    except SpreadsheetError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure of the parser on an untrusted file is "not valid"
        raise SpreadsheetError(not_a_workbook) from error
    finally:
        reader.archive.close()


BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def decode_text(content: bytes) -> str:
    """The text of a CSV file in UTF-8 (with or without a byte order mark), UTF-16 (with a mark, or without one
    when every other byte is zero) or Windows-1252. Anything else is refused: read as one of those it would
    become garbage without anyone noticing."""
    unknown = SpreadsheetError(_("The encoding of the CSV file is not recognised. Save it as \"CSV UTF-8\" "
                                 "in Excel and upload it again."))
    encoding = next((name for bom, name in BOMS if content.startswith(bom)), None)
    if encoding is None and len(content) >= 4:
        even, odd = content[0::2], content[1::2]
        if odd.count(0) > 0.4 * len(odd) and not even.count(0):
            encoding = "utf-16-le"
        elif even.count(0) > 0.4 * len(even) and not odd.count(0):
            encoding = "utf-16-be"
    for candidate in ([encoding] if encoding else ["utf-8", "cp1252"]):
        try:
            text = content.decode(candidate)
        except UnicodeDecodeError:
            continue
        if candidate == "cp1252" and not plausible_windows_text(text):
            raise unknown
        if "\x00" in text:
            raise SpreadsheetError(_("The file is not a valid CSV file."))
        return text
    raise unknown


def plausible_windows_text(text: str) -> bool:
    """Text in Windows-1252 is mostly plain letters with an accented one here and there. Japanese, Chinese or
    Cyrillic bytes read as Windows-1252 give runs of symbols and accented capitals instead."""
    letters = [char for char in text if char.isalpha() or ord(char) > 127]
    strange = sum(1 for char in letters if ord(char) > 127)
    return not letters or strange <= max(3, 0.1 * len(letters))


def _read_csv(content: bytes, limits: _Limits) -> list[list]:
    text = decode_text(content)
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    try:
        return [limits.take(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as error:
        raise SpreadsheetError(_("The file is not a valid CSV file.")) from error


def export_refusal(request, filterset, list_url: str):
    """Why an export of a list cannot be made, as the list page with a message (nothing is exported): someone who
    sees several regencies has not chosen one (`export_needs_regency`), or a filter is not valid. None when it can.
    """
    if getattr(filterset, "export_needs_regency", False):
        messages.error(request, _("Choose a regency first: a workbook holds one regency at a time."))
        return redirect(f"{list_url}?{request.GET.urlencode()}")
    if not filterset.is_valid():
        problems = "; ".join(f"{filterset.filters[name].label}: {' '.join(errors)}" if name in filterset.filters
                             else " ".join(errors) for name, errors in filterset.errors.items())
        messages.error(request, _("The filter is not valid, so nothing was exported: %(problems)s")
                       % {"problems": problems})
        return redirect(list_url)
    return None


def xlsx_response(sheets: list[tuple[str, list[str], list[list]]], filename: str) -> HttpResponse:
    """An .xlsx download with one sheet per (title, headers, rows), written by `toolkit.xlsx`: text is always
    text, so a value such as "=HYPERLINK(…)" typed into the portal never becomes a formula in Excel."""
    titled = [(re.sub(r"[\[\]:*?/\\]", "-", title)[:31], headers, rows) for title, headers, rows in sheets]
    response = HttpResponse(workbook_bytes(titled), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_stream_response(sheets: list[tuple[str, list[str], object]], filename: str) -> StreamingHttpResponse:
    """An .xlsx download sent as it is written (`toolkit.xlsx.workbook_stream`): the rows of each sheet may be a
    generator, read while the response goes out, so a workbook of the whole country never sits in memory."""
    titled = [(re.sub(r"[\[\]:*?/\\]", "-", title)[:31], headers, rows) for title, headers, rows in sheets]
    response = StreamingHttpResponse(workbook_stream(titled), content_type=XLSX_TYPE)
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
        mapping, first_column = {}, {}
        for index, title in enumerate(table[0]):
            key = header_key(title)
            for name, aliases in self.columns.items():
                if key not in aliases:
                    continue
                if name in first_column:
                    raise SpreadsheetError(
                        _("Two columns hold the same field: \"%(first)s\" (column %(a)s) and \"%(second)s\" "
                          "(column %(b)s). Keep one of them.")
                        % {"first": table[0][first_column[name]], "a": column_letter(first_column[name] + 1),
                           "second": title, "b": column_letter(index + 1)})
                first_column[name] = index
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


def shown_value(model, name: str, value) -> str:
    """A field's value as a person reads it in an import preview: a choice's label, yes or no, a phone number as
    it is written, empty as ""."""
    if value is None or value == "":
        return ""
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if "phone" in name:
        return phone_display(str(value))
    return str(value)


def change_details(model, before, after: dict, names: list[str]) -> list[dict]:
    """What a preview shows of a row's changed fields: each one's label, its value now (empty for a new record)
    and the file's value."""
    return [{"label": str(model._meta.get_field(name).verbose_name),
             "old": shown_value(model, name, getattr(before, name) if before is not None else None),
             "new": shown_value(model, name, after.get(name))} for name in names]


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
    details: list[dict] = field(default_factory=list)  # per changed field: label, old and new as a person reads them
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


def apply_all_or_nothing(preview: ImportPreview, write: Callable[[RowResult], None] | None = None, *, changed: str,
                         write_all: Callable[[list[RowResult]], None] | None = None) -> ImportPreview:
    """Write every row of a preview without errors in one transaction, one by one with `write` or all at once
    with `write_all` (bulk statements); if any write fails (the data changed since the dry run), nothing is
    written and the first row says why. `changed` has a %(why)s."""
    if preview.errors:
        return preview
    try:
        with transaction.atomic():
            if write_all is not None:
                write_all(preview.rows)
            else:
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

    def preview(self, request, upload, check: Callable[[list[dict]], ImportPreview], *, max_rows: int | None = None,
                **context):
        """(preview, token): the token is None when a row has an error (nothing may be applied). `max_rows`
        replaces the sheet's limit where it depends on what is imported into (a plan: its regency's villages).
        Raises SpreadsheetError when the file as a whole cannot be read."""
        sheet = self.sheet if max_rows is None else replace(self.sheet, max_rows=max_rows)
        rows = sheet.rows(read_table(upload, max_rows=sheet.max_rows))
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
