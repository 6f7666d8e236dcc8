"""Uploads that cannot hurt: files that expand enormously, rows 16,384 cells wide, millions of rows, styles, texts
or names by the million, 50 MB bodies, malformed XML, unknown encodings and duplicate headers are refused early,
with a clear message, without using much memory, and without writing anything.

"Early" is measured by the work done before the refusal (the bytes read out of the workbook), not in seconds,
which depend on how busy the machine is: the seconds are in docs/benchmarks.md (`manage.py benchmark
--workbook-parts`)."""

import io
import tracemalloc
import zipfile
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.test.client import FakePayload
from django.urls import reverse
from django.utils import translation

from koperasi_portal.middleware import RequestBodyLimitMiddleware
from mentors.models import Mentor
from mentors.services import MENTOR_SHEET
from toolkit import spreadsheets
from toolkit.spreadsheets import MAX_COLUMNS, Sheet, SpreadsheetError, read_table
from toolkit.xlsx import STYLES, column_letter, workbook_bytes


@pytest.fixture(autouse=True)
def _in_english():
    """The messages are checked in English here (the Indonesian ones are checked through the pages)."""
    with translation.override("en"):
        yield


@pytest.fixture
def bytes_read(monkeypatch):
    """The bytes read out of the parts of every workbook (once expanded): how much of a file was looked at."""
    tally = SimpleNamespace(total=0)
    read = zipfile.ZipExtFile.read

    def counted(self, n=-1):
        data = read(self, n)
        tally.total += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counted)
    return tally


XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHEET_HEAD = f"{XML_HEAD}<worksheet {MAIN}>"
STRINGS_TYPE = ('<Override PartName="/xl/sharedStrings.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')


def workbook_with_sheet(write_rows, *, dimension: str = "") -> bytes:
    """A valid workbook whose first sheet's rows are written, streamed, by `write_rows(out)`."""
    base = zipfile.ZipFile(io.BytesIO(workbook_bytes([("Data", ["a"], [])])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in base.infolist():
            if part.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(part.filename, base.read(part.filename))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            write_rows(sheet)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def workbook_with_parts(parts: dict[str, str], *, rows: list[list] | None = None) -> bytes:
    """A valid workbook of one sheet (`rows`, or a heading "a") with some of its parts replaced or added; shared
    strings, when given, are declared in the content types."""
    base = zipfile.ZipFile(io.BytesIO(workbook_bytes([("Data", ["a"], [])] if rows is None else
                                                     [("Data", rows[0], rows[1:])])))
    contents = {name: base.read(name).decode() for name in base.namelist()}
    contents.update(parts)
    if "xl/sharedStrings.xml" in parts:
        contents["[Content_Types].xml"] = contents["[Content_Types].xml"].replace("</Types>", STRINGS_TYPE + "</Types>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in contents.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def workbook_part(name: str, content: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(content)).read(name).decode()


def rows_of_numbers(count: int, *, columns: int = 1):
    def write(out):
        chunk = []
        for number in range(1, count + 1):
            cells = "".join(f'<c r="{column_letter(c)}{number}"><v>{number}</v></c>' for c in range(1, columns + 1))
            chunk.append(f'<row r="{number}">{cells}</row>')
            if len(chunk) == 10_000:
                out.write("".join(chunk).encode())
                chunk.clear()
        out.write("".join(chunk).encode())
    return write


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    """Each is well under the 2 MB cap on the upload; opened, each would cost seconds and gigabytes."""

    def repeated(row: bytes, count: int):
        def write(out):
            for _ in range(count // 100_000):
                out.write(row * 100_000)
        return write

    def wide(out):
        cells = "".join(f'<c r="{column_letter(c)}1" t="inlineStr"><is><t>x</t></is></c>' for c in range(1, 16_385))
        out.write(f'<row r="1">{cells}</row>'.encode())

    return {
        "expanding": workbook_with_sheet(repeated(b'<row><c t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c>"
                                                  b"</row>", 200_000)),  # 200 MB of one row
        "16384 columns": workbook_with_sheet(wide),
        "3 million rows": workbook_with_sheet(repeated(b"<row><c><v>1</v></c></row>", 3_000_000)),
        "3 million empty rows": workbook_with_sheet(repeated(b"<row/>", 3_000_000)),
    }


def upload(content: bytes, name: str = "data.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize("kind", ["expanding", "16384 columns", "3 million rows", "3 million empty rows"])
def test_a_hostile_workbook_is_refused_early_and_cheaply(bombs, kind, bytes_read):
    content = bombs[kind]
    assert len(content) < 2 * 2**20, "each of these files passes the 2 MB cap on the upload itself"
    with pytest.raises(SpreadsheetError) as refused:
        read_table(upload(content))
    expanded = sum(part.file_size for part in zipfile.ZipFile(io.BytesIO(content)).infolist())
    assert bytes_read.total < 2 * 2**20, f"{kind}: {bytes_read.total:,} of its {expanded:,} bytes read"
    message = str(refused.value)
    assert any(word in message for word in ("expands", "columns", "rows")), message
    tracemalloc.start()  # a second read, to measure what it allocates (tracing slows it down)
    try:
        with pytest.raises(SpreadsheetError):
            read_table(upload(content))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * 2**20, f"{kind}: {peak / 2**20:.0f} MB"


# --- what a workbook holds besides its rows ------------------------------------------------------------------

WORKBOOK_HEAD = (f'{XML_HEAD}<workbook {MAIN} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                 'relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets>')


def named_styles(count: int) -> str:
    """`count` named styles, each with a custom number format, among count / 2 of them."""
    formats = count // 2
    numbers = "".join(f'<numFmt numFmtId="{164 + i}" formatCode="0.0_{i}"/>' for i in range(formats))
    xfs = f'<xf numFmtId="{163 + formats}"/>' * count
    styles = "".join(f'<cellStyle name="s{i}" xfId="{i}"/>' for i in range(count))
    return (f"{XML_HEAD}<styleSheet {MAIN}><numFmts>{numbers}</numFmts><fonts><font/></fonts>"
            '<fills><fill><patternFill patternType="none"/></fill></fills><borders><border/></borders>'
            f"<cellStyleXfs>{xfs}</cellStyleXfs><cellXfs><xf/></cellXfs><cellStyles>{styles}</cellStyles></styleSheet>")


@pytest.fixture(scope="module")
def hostile_parts() -> dict[str, tuple[bytes, str]]:
    """Workbooks of a few KB whose other parts openpyxl would parse whole before the first row (a 9 KB upload with
    1,000,000 cell formats took 23-30 s and 392 MB), or whose sheet holds millions of things besides rows: each
    with what its refusal says."""
    names = "".join(f'<definedName name="n{i}">Data!$A$1</definedName>' for i in range(300_000))
    entity = (f'{XML_HEAD}<!DOCTYPE workbook [<!ENTITY name "<definedName name=\'x\'>Data!$A$1</definedName>">]>'
              + WORKBOOK_HEAD.removeprefix(XML_HEAD) + "<definedNames>&name;</definedNames></workbook>")
    return {
        "1,000,000 cell formats": (workbook_with_parts(
            {"xl/styles.xml": STYLES.replace("</cellXfs>", "<xf/>" * 1_000_000 + "</cellXfs>")}), "cell formats"),
        "5,000 named styles": (workbook_with_parts({"xl/styles.xml": named_styles(5_000)}), "cell formats"),
        "1,850,000 empty texts": (workbook_with_parts(
            {"xl/sharedStrings.xml": f"{XML_HEAD}<sst {MAIN}>{'<si/>' * 1_850_000}</sst>"}), "texts"),
        "300,000 defined names": (workbook_with_parts(
            {"xl/workbook.xml": f"{WORKBOOK_HEAD}<definedNames>{names}</definedNames></workbook>"}),
            "sheets and names"),
        "1,000,000 merged cells": (workbook_with_parts({"xl/worksheets/sheet1.xml": (
            f'{SHEET_HEAD}<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData><mergeCells>'
            + '<mergeCell ref="A1:B1"/>' * 1_000_000 + "</mergeCells></worksheet>")}), "besides its rows"),
        "a row of 1,000,000 cells": (workbook_with_parts({"xl/worksheets/sheet1.xml": (
            f'{SHEET_HEAD}<sheetData><row r="1">' + '<c r="A1"><v>1</v></c>' * 1_000_000
            + "</row></sheetData></worksheet>")}), "Row 1 holds more than"),
        "a document type with an entity": (workbook_with_parts({"xl/workbook.xml": entity}),
                                           "not a valid Excel workbook"),
    }


@pytest.mark.parametrize("kind", ["1,000,000 cell formats", "5,000 named styles", "1,850,000 empty texts",
                                  "300,000 defined names", "1,000,000 merged cells", "a row of 1,000,000 cells",
                                  "a document type with an entity"])
def test_a_workbook_with_millions_of_anything_but_rows_is_refused_before_they_are_parsed(hostile_parts, kind,
                                                                                        bytes_read):
    content, message = hostile_parts[kind]
    assert len(content) < 2 * 2**20, "each passes the 2 MB cap on the upload itself"
    with pytest.raises(SpreadsheetError, match=message) as refused:
        read_table(upload(content), max_rows=MENTOR_SHEET.max_rows)
    assert "Save it again in Excel, or split it." in str(refused.value) or "Copy its rows" in str(
        refused.value) or "Keep only the columns" in str(refused.value) or "not a valid" in str(refused.value)
    # Only the start of the part was read: openpyxl never parsed it.
    assert bytes_read.total < 2**20, f"{kind}: {bytes_read.total:,} bytes read"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["1,000,000 cell formats", "1,850,000 empty texts", "300,000 defined names"])
def test_such_a_workbook_posted_to_an_import_is_refused_with_its_message_and_writes_nothing(admin_client, sukabumi,
                                                                                           hostile_parts, kind):
    content, _message = hostile_parts[kind]
    with translation.override("id"), pytest.raises(SpreadsheetError) as refused:
        read_table(upload(content), max_rows=MENTOR_SHEET.max_rows)
    response = admin_client.post(reverse("mentors:mentor_import"), {"regency": sukabumi.pk, "file": upload(content)})
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [str(refused.value)]
    assert not Mentor.objects.exists()


def shared_strings_workbook(table: list[list[str]], *, formats: int, names: int) -> bytes:
    """A table saved as Excel saves it, each text once in the shared strings and the cells pointing at them, with
    `formats` more cell formats and `names` defined names."""
    index: dict[str, int] = {}
    rows = []
    for number, row in enumerate(table, start=1):
        rows.append(f'<row r="{number}">' + "".join(
            f'<c r="{column_letter(column)}{number}" t="s"><v>{index.setdefault(text, len(index))}</v></c>'
            for column, text in enumerate(row, start=1)) + "</row>")
    return workbook_with_parts({
        "xl/sharedStrings.xml": f"{XML_HEAD}<sst {MAIN}>" + "".join(f"<si><t>{text}</t></si>" for text in index)
                                + "</sst>",
        "xl/worksheets/sheet1.xml": f"{SHEET_HEAD}<sheetData>{''.join(rows)}</sheetData></worksheet>",
        "xl/styles.xml": STYLES.replace("</cellXfs>", "<xf/>" * formats + "</cellXfs>"),
        "xl/workbook.xml": WORKBOOK_HEAD + "<definedNames>" + "".join(
            f'<definedName name="n{i}">Data!$A${i + 1}</definedName>' for i in range(names))
                           + "</definedNames></workbook>",
    })


@pytest.mark.django_db
def test_a_large_but_real_workbook_at_the_import_limit_still_imports(admin_client, sukabumi):
    """2,000 mentors (the import's limit) with 14 columns of different texts in every row, 9,000 cell formats and
    4,000 defined names: near each bound, and imported."""
    header = ["Nama", "Peran", "Telepon", "Email", "Mulai Kontrak", "Akhir Kontrak", "Catatan",
              *(f"Kolom {i}" for i in range(1, 11))]
    table = [header] + [[f"Pendamping {i}", "BA", f"0812{i:08d}", f"p{i}@contoh.test", f"0{1 + i % 9}/01/2026",
                         f"3{i % 2}/12/2026", f"catatan {i}", *(f"isian {i}-{c}" for c in range(1, 11))]
                        for i in range(MENTOR_SHEET.max_rows)]
    content = shared_strings_workbook(table, formats=9_000, names=4_000)
    strings = workbook_part("xl/sharedStrings.xml", content).count("<si>")
    assert strings * 2 > 0.9 * (MENTOR_SHEET.max_rows + 1) * spreadsheets.STRING_ELEMENTS_PER_ROW
    preview = admin_client.post(reverse("mentors:mentor_import"), {"regency": sukabumi.pk, "file": upload(content)})
    assert preview.context["preview"].summary == {"create": 2000, "update": 0, "unchanged": 0, "error": 0}
    admin_client.post(reverse("mentors:mentor_import_apply"), {"token": preview.context["token"]})
    assert Mentor.objects.filter(regency=sukabumi).count() == 2000


def test_the_declared_size_of_a_sheet_is_not_trusted(monkeypatch):
    """A sheet that claims A1:XFD1048576 is read by its real rows, not padded to 16,384 cells each."""
    widths = []
    take = spreadsheets._Limits.take
    monkeypatch.setattr(spreadsheets._Limits, "take", lambda self, row: widths.append(len(row)) or take(self, row))
    content = workbook_with_sheet(rows_of_numbers(3), dimension="A1:XFD1048576")
    assert read_table(upload(content)) == [[1], [2], [3]]
    assert widths == [1, 1, 1]


def test_the_sheets_own_row_limit_stops_the_read_early():
    content = workbook_with_sheet(rows_of_numbers(5_001))  # a header and 5,000 rows
    with pytest.raises(SpreadsheetError, match="more than 2000 rows"):
        read_table(upload(content), max_rows=2000)
    assert len(read_table(upload(content), max_rows=5000)) == 5001


def test_a_wide_but_allowed_row_is_read_without_its_trailing_empty_cells():
    content = workbook_with_sheet(rows_of_numbers(3, columns=MAX_COLUMNS), dimension="A1:XFD1048576")
    rows = read_table(upload(content))
    assert len(rows) == 3 and len(rows[0]) == MAX_COLUMNS


def test_malformed_xml_in_a_workbook_is_a_clear_error():
    good = zipfile.ZipFile(io.BytesIO(workbook_bytes([("Data", ["nama"], [["Budi"]])])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in good.infolist():
            data = good.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2] + b"<c><<<&&"
            archive.writestr(part.filename, data)
    with pytest.raises(SpreadsheetError, match="not a valid Excel workbook"):
        read_table(upload(buffer.getvalue()))
    with pytest.raises(SpreadsheetError, match="not a valid Excel workbook"):
        read_table(upload(b"PK\x03\x04 not really a zip"))


# --- encodings and headers ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"])
def test_csv_in_the_encodings_offices_use_reads_the_same(encoding):
    text = "nama;kecamatan\nKoperasi Café Cibadak;Cibadak\nKoperasi Sukamaju;Cisaat\n"
    rows = read_table(upload(text.encode(encoding), "data.csv"))
    assert rows == [["nama", "kecamatan"], ["Koperasi Café Cibadak", "Cibadak"], ["Koperasi Sukamaju", "Cisaat"]]


@pytest.mark.parametrize("encoding", ["shift_jis", "gb2312", "koi8-r"])
def test_csv_in_an_encoding_that_would_become_garbage_is_refused(encoding):
    text = {"shift_jis": "名前,地区\n協同組合,東京\n山田太郎,大阪\n",
            "gb2312": "名称,地区\n合作社,北京\n张三,上海\n",
            "koi8-r": "имя,район\nКооператив,Москва\nИванов,Казань\n"}[encoding]
    with pytest.raises(SpreadsheetError, match="encoding of the CSV file is not recognised"):
        read_table(upload(text.encode(encoding), "data.csv"))


def test_duplicate_headers_name_both_columns():
    sheet = Sheet(columns={"name": {"nama", "nama lengkap"}, "phone": {"telepon"}}, required=("name",),
                  max_rows=10, missing_message="missing %(columns)s")
    with pytest.raises(SpreadsheetError) as refused:
        sheet.rows([["nama", "telepon", "nama lengkap"], ["Budi", "0812", "Budi Santoso"]])
    message = str(refused.value)
    assert '"nama" (column A)' in message and '"nama lengkap" (column C)' in message


# --- the request body, before anything reads it -------------------------------------------------------------


class Unreadable(io.RawIOBase):
    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@pytest.mark.django_db
def test_a_50_mb_body_is_refused_from_its_declared_length_without_reading_it(admin_user):
    request = RequestFactory().post(reverse("mentors:mentor_import"), data=b"", content_type="multipart/form-data")
    request.META["CONTENT_LENGTH"] = str(50 * 2**20)
    request.META["wsgi.input"] = Unreadable()
    response = RequestBodyLimitMiddleware(lambda request: pytest.fail("the view ran"))(request)
    assert response.status_code == 413
    assert "Kiriman terlalu besar" in response.content.decode() and "2 MB" in response.content.decode()


@pytest.mark.django_db
def test_a_50_mb_upload_to_an_import_changes_nothing_and_is_not_read(admin_client, monkeypatch):
    read = []
    for name in ("read", "readline"):
        original = getattr(FakePayload, name)
        monkeypatch.setattr(FakePayload, name, lambda self, *args, _original=original: read.append(
            _original(self, *args)) or read[-1])
    before = Mentor.objects.count()
    body = b"x" * (50 * 2**20)
    response = admin_client.generic("POST", reverse("mentors:mentor_import"), body,
                                    content_type="multipart/form-data; boundary=abc")
    assert response.status_code == 413 and Mentor.objects.count() == before
    assert sum(map(len, read)) == 0, "the body was read"


@pytest.mark.django_db
def test_a_visit_may_carry_larger_photos_than_an_import(split):
    client = Client()
    client.force_login(split.ba)
    from cooperatives.models import Cooperative

    cooperative = Cooperative.objects.get(village=split.villages[0])
    url = reverse("cooperatives:visit_create", args=[cooperative.pk])
    big = client.generic("POST", url, b"x" * (20 * 2**20), content_type="multipart/form-data; boundary=abc")
    assert big.status_code != 413
    huge = client.generic("POST", url, b"x" * (80 * 2**20), content_type="multipart/form-data; boundary=abc")
    assert huge.status_code == 413


@pytest.mark.django_db
def test_a_chunked_body_without_a_length_is_refused(admin_user):
    request = RequestFactory().post(reverse("mentors:mentor_import"), data=b"", content_type="multipart/form-data")
    request.META.pop("CONTENT_LENGTH", None)
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    request.META["wsgi.input"] = Unreadable()
    assert RequestBodyLimitMiddleware(lambda request: pytest.fail("the view ran"))(request).status_code == 411


@pytest.mark.django_db
def test_a_hostile_workbook_posted_to_an_import_writes_nothing(admin_client, sukabumi, bombs):
    before = Mentor.objects.count()
    with translation.override("id"):
        response = admin_client.post(reverse("mentors:mentor_import"),
                                     {"regency": sukabumi.pk, "file": upload(bombs["16384 columns"])})
    assert response.status_code == 200
    assert "lebih dari 200 kolom" in response.text and Mentor.objects.count() == before


def test_a_worker_reading_every_hostile_workbook_stays_under_300_mb(bombs, hostile_parts, tmp_path):
    """A fresh process with the portal loaded (as a gunicorn worker is) reads each file in turn: its peak
    resident memory stays under 300 MB and each file is refused after reading less than 2 MB of it (the seconds
    are printed, for docs/benchmarks.md)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    files = {**bombs, **{kind: content for kind, (content, _message) in hostile_parts.items()}}
    for name, content in files.items():
        (tmp_path / f"{name.replace(' ', '_').replace(',', '')}.xlsx").write_bytes(content)
    script = """
import json, os, sys, time, zipfile
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from toolkit.spreadsheets import SpreadsheetError, read_table
read, counted = zipfile.ZipExtFile.read, [0]
def count(self, n=-1):
    data = read(self, n)
    counted[0] += len(data)
    return data
zipfile.ZipExtFile.read = count
result = {"files": {}}
for path in sorted(sys.argv[1:]):
    counted[0] = 0
    started = time.perf_counter()
    try:
        read_table(SimpleUploadedFile(os.path.basename(path), open(path, "rb").read()), max_rows=2000)
        outcome = "read"
    except SpreadsheetError:
        outcome = "refused"
    result["files"][os.path.basename(path)] = [outcome, counted[0], time.perf_counter() - started]
# The high-water mark of this process's own memory (ru_maxrss would carry the parent's across exec).
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
result["peak_mb"] = int(hwm.split()[1]) / 1024
print(json.dumps(result))
"""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "koperasi_portal.settings"}
    done = subprocess.run([sys.executable, "-c", script, *map(str, sorted(tmp_path.glob("*.xlsx")))], cwd=root,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(result["files"]) == len(files)
    for name, (outcome, read, _seconds) in result["files"].items():
        assert outcome == "refused" and read < 2 * 2**20, (name, outcome, read)
    assert result["peak_mb"] < 300, result
    print(f"peak {result['peak_mb']:.0f} MB; " + ", ".join(f"{n}: {s:.2f} s ({r / 1024:.0f} KB read)" for n, (_o, r, s)
                                                          in result["files"].items()))
