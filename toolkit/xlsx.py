"""A small, fast writer of .xlsx workbooks (Office Open XML) for the portal's exports.

Exports write plain tables: text, whole and decimal numbers, dates, a bold header row, column widths and a
frozen header. Writing the XML directly is about five times faster than a general-purpose library for such
tables (a regency's registry of 852 rows: ~40 ms instead of ~200 ms), and text is always written as an
inline string, so nothing typed into the portal can become a formula in the office's Excel.
"""

import io
import re
import zipfile
from datetime import date, datetime
from xml.sax.saxutils import escape

from django.utils import timezone

EPOCH = datetime(1899, 12, 30)
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0 at all

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


def _cell(ref: str, value, style: int = 0) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value  # Excel has no time zones
        serial = (local.replace(tzinfo=None) - EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="3"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="2"><v>{(value - EPOCH.date()).days}</v></c>'
    styled = f' s="{style}"' if style else ""
    if isinstance(value, int | float):
        return f'<c r="{ref}"{styled}><v>{value!r}</v></c>'
    text = escape(ILLEGAL.sub("", str(value)))
    return f'<c r="{ref}" t="inlineStr"{styled}><is><t xml:space="preserve">{text}</t></is></c>'


def _sheet(headers: list, rows: list[list]) -> str:
    letters = [column_letter(i) for i in range(1, max(len(headers), *(len(r) for r in rows), 1) + 1)]
    widths = "".join(f'<col min="{i}" max="{i}" width="{max(10, min(45, len(str(h)) + 4))}" customWidth="1"/>'
                     for i, h in enumerate(headers, start=1))
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
        'state="frozen"/></sheetView></sheetViews>',
        f"<cols>{widths}</cols>" if widths else "",
        "<sheetData>",
        '<row r="1">' + "".join(_cell(f"{letters[i]}1", h, 1) for i, h in enumerate(headers)) + "</row>",
    ]
    for number, row in enumerate(rows, start=2):
        out.append(f'<row r="{number}">' + "".join(_cell(f"{letters[i]}{number}", v) for i, v in enumerate(row))
                   + "</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


def workbook_bytes(sheets: list[tuple[str, list, list[list]]]) -> bytes:
    """The .xlsx file of one sheet per (title, headers, rows); titles must be unique, at most 31 characters."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
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
            archive.writestr(f"xl/worksheets/sheet{n}.xml", _sheet(headers, rows))
    return buffer.getvalue()
