"""A small, fast writer of .xlsx workbooks (Office Open XML) for the portal's exports.

Exports write plain tables: text, whole and decimal numbers, dates, a bold header row, column widths and a
frozen header. Writing the XML directly is about five times faster than a general-purpose library for such
tables (a regency's registry of 852 rows: ~40 ms instead of ~200 ms), and text is always written as an
inline string, so nothing typed into the portal can become a formula in the office's Excel.

Every file must open in Excel and LibreOffice (tests/toolkit/test_xlsx_libreoffice.py opens each export), so:
- NaN and ±infinity (float or Decimal) have no cell value in a workbook: they are written as empty cells;
- a Decimal is a number (as a float: what Excel keeps of it), a bool a boolean, None an empty cell;
- a date or datetime is a date serial with a date format; Excel's calendar starts on 1900-01-01 (and counts a
  1900-02-29 that never was), so an earlier date is written as its ISO text;
- characters XML 1.0 forbids (control characters, lone surrogates, U+FFFE/U+FFFF) are removed from text and
  text longer than a cell holds (32,767 characters, counted as Excel does in UTF-16 units) is cut;
- sheet titles must be 1-31 characters without []:*?/\\, not start or end with an apostrophe, not be Excel's
  reserved "History" and be unique ignoring case: anything else raises ValueError before a byte is written.
Rows are streamed: each sheet's XML goes into its zip entry in chunks as the rows are read (they may be any
iterable, a generator included), so the memory used is the compressed file, not the rows' XML.
"""

import io
import math
import re
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone

EPOCH = datetime(1899, 12, 30)  # serial 0 for dates from 1900-03-01 on (Excel's 1900 leap-year bug)
FIRST_DATE = date(1900, 1, 1)  # serial 1; before it Excel has no dates
LEAP_BUG = date(1900, 3, 1)  # before it a serial is one day less than from EPOCH
# Not allowed in XML 1.0 at all: C0 controls but tab and line breaks, lone surrogates, U+FFFE and U+FFFF.
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_TEXT = 32_767  # Excel's limit for a cell's text, in UTF-16 code units; longer text is cut to it
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # a sheet's size in Excel
TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
CHUNK = 1 << 16  # characters of XML gathered before each write into the zip entry

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" '
              'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets>'
    "</workbook>"
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{sheets}'
    '<Relationship Id="rIdStyles" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Styles: 0 plain, 1 bold (header), 2 date (dd-mm-yyyy), 3 date and time.
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd\\-mm\\-yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd\\-mm\\-yyyy\\ hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value) -> str:
    """Text as a cell can hold it: without what XML forbids, cut to Excel's 32,767 UTF-16 units (an astral
    character such as an emoji counts two), escaped for XML."""
    text = ILLEGAL.sub("", str(value))
    if len(text) > MAX_TEXT // 2 and len(encoded := text.encode("utf-16-le")) > 2 * MAX_TEXT:
        text = encoded[:2 * MAX_TEXT].decode("utf-16-le", errors="ignore")  # a half-cut pair is dropped
    # escape()'s replacements, made only where they are needed (most cells have none: a workbook has tens of
    # thousands of cells).
    if "&" in text:
        text = text.replace("&", "&amp;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    return text


def _cell(ref: str, value, style: int = 0) -> str:
    if value is None:
        return ""
    styled = f' s="{style}"' if style else ""
    if isinstance(value, str):
        text = _text(value)
        return f'<c r="{ref}" t="inlineStr"{styled}><is><t xml:space="preserve">{text}</t></is></c>' if text else ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"{styled}><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"{styled}><v>{int(value)}</v></c>'  # int(): an IntEnum's repr is not a number
    if isinstance(value, float | Decimal):
        # A Decimal too large for a float is infinity; float() refuses a Decimal's signalling NaN.
        number = float(value) if not isinstance(value, Decimal) or value.is_finite() else math.nan
        return f'<c r="{ref}"{styled}><v>{number!r}</v></c>' if math.isfinite(number) else ""
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value  # Excel has no time zones
        local = local.replace(tzinfo=None)
        if local.date() < FIRST_DATE:
            return _cell(ref, local.isoformat(sep=" "), style)
        serial = (local - EPOCH).total_seconds() / 86400 - (local.date() < LEAP_BUG)
        return f'<c r="{ref}" s="3"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        if value < FIRST_DATE:
            return _cell(ref, value.isoformat(), style)
        return f'<c r="{ref}" s="2"><v>{(value - EPOCH.date()).days - (value < LEAP_BUG)}</v></c>'
    return _cell(ref, str(value), style)


def _sheet(headers: list, rows: Iterable) -> Iterable[str]:
    """The worksheet's XML in chunks of about CHUNK characters, reading `rows` once, as it goes."""
    letters = [column_letter(i) for i in range(1, len(headers) + 1)]

    def row_xml(number: int, values, style: int = 0) -> str:
        values = list(values)
        if len(values) > len(letters):
            if len(values) > MAX_COLUMNS:
                raise ValueError(f"A sheet holds at most {MAX_COLUMNS:,} columns; row {number} has {len(values):,}.")
            letters.extend(column_letter(i) for i in range(len(letters) + 1, len(values) + 1))
        # Empty cells and text, the most of a sheet's cells, are written here without a call to _cell each.
        styled = f' s="{style}"' if style else ""
        cells = [f'<row r="{number}">']
        for letter, value in zip(letters, values, strict=False):  # a short row leaves the rest empty
            if value is None:
                continue
            if type(value) is str:
                if value and (text := _text(value)):
                    cells.append(f'<c r="{letter}{number}" t="inlineStr"{styled}><is><t xml:space="preserve">'
                                 f'{text}</t></is></c>')
                continue
            cells.append(_cell(f"{letter}{number}", value, style))
        cells.append("</row>")
        return "".join(cells)

    widths = "".join(f'<col min="{i}" max="{i}" width="{max(10, min(45, len(str(h)) + 4))}" customWidth="1"/>'
                     for i, h in enumerate(headers, start=1))
    chunk = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
        'state="frozen"/></sheetView></sheetViews>',
        f"<cols>{widths}</cols>" if widths else "",
        "<sheetData>",
        row_xml(1, headers, 1),
    ]
    size = 0
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS:
            raise ValueError(f"A sheet holds at most {MAX_ROWS:,} rows.")
        xml = row_xml(number, row)
        chunk.append(xml)
        size += len(xml)
        if size >= CHUNK:
            yield "".join(chunk)
            chunk, size = [], 0
    chunk.append("</sheetData></worksheet>")
    yield "".join(chunk)


def check_titles(titles: list) -> None:
    """Refuse (ValueError) sheet titles Excel would not open: see the module's docstring."""
    seen = set()
    for title in titles:
        if not isinstance(title, str) or not 1 <= len(title) <= 31:
            raise ValueError(f"A sheet title must be 1-31 characters: {title!r}.")
        if TITLE_FORBIDDEN.search(title) or ILLEGAL.search(title) or title.startswith("'") or title.endswith("'"):
            raise ValueError(f"A sheet title cannot contain []:*?/\\ or control characters, nor start or end with "
                             f"an apostrophe: {title!r}.")
        if title.casefold() == "history":
            raise ValueError("Excel reserves the sheet title 'History'.")
        if title.casefold() in seen:
            raise ValueError(f"Two sheets are titled {title!r} (titles are compared ignoring case).")
        seen.add(title.casefold())


def _write_parts(archive: zipfile.ZipFile, sheets: list) -> Iterable[None]:
    """Write the workbook's parts into `archive`, pausing (yielding) after each chunk of a sheet's XML (the titles
    are checked by the caller)."""
    numbers = range(1, len(sheets) + 1)
    archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(
        sheets="".join(SHEET_TYPE.format(n=n) for n in numbers)))
    archive.writestr("_rels/.rels", ROOT_RELS)
    archive.writestr("xl/workbook.xml", WORKBOOK.format(sheets="".join(
        f'<sheet name="{escape(title, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
        for n, (title, _h, _r) in zip(numbers, sheets, strict=True))))
    archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(sheets="".join(
        f'<Relationship Id="rId{n}" '
        f'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        f'Target="worksheets/sheet{n}.xml"/>' for n in numbers)))
    archive.writestr("xl/styles.xml", STYLES)
    for n, (_title, headers, rows) in zip(numbers, sheets, strict=True):
        with archive.open(f"xl/worksheets/sheet{n}.xml", "w") as entry:
            for chunk in _sheet(list(headers), rows):
                entry.write(chunk.encode())
                yield


def write_workbook(target, sheets: Iterable[tuple[str, list, Iterable]]) -> None:
    """Write the .xlsx file of one sheet per (title, headers, rows) into `target` (a path or a binary file);
    `rows` is read once, as the sheet is written: a generator keeps memory flat however many rows there are."""
    sheets = list(sheets)
    check_titles([title for title, _headers, _rows in sheets])
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for _paused in _write_parts(archive, sheets):
            pass


def workbook_bytes(sheets: Iterable[tuple[str, list, Iterable]]) -> bytes:
    """The .xlsx file of one sheet per (title, headers, rows), as `write_workbook` writes it."""
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    return buffer.getvalue()


class _Pipe(io.RawIOBase):
    """A write-only, unseekable file whose bytes are taken away as they come (zipfile then writes each entry's
    sizes after its data, as it does for any stream)."""

    def __init__(self):
        super().__init__()
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def workbook_stream(sheets: Iterable[tuple[str, list, Iterable]]) -> Iterable[bytes]:
    """The .xlsx file as `write_workbook` writes it, in pieces as they are compressed: each sheet's rows are read
    as the pieces are taken, so a response can send a workbook of any size with the memory of one chunk. Titles
    are checked before the first piece."""
    sheets = list(sheets)
    check_titles([title for title, _headers, _rows in sheets])

    def pieces():
        pipe = _Pipe()
        with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as archive:
            for _paused in _write_parts(archive, sheets):
                if data := pipe.take():
                    yield data
        if data := pipe.take():
            yield data

    return pieces()
