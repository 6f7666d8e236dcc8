"""Uploads that cannot hurt: files that expand enormously, rows 16,384 cells wide, millions of rows, 50 MB bodies,
malformed XML, unknown encodings and duplicate headers are refused quickly, with a clear message, without using
much memory, and without writing anything."""

import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from koperasi_portal.middleware import RequestBodyLimitMiddleware
from mentors.models import Mentor
from regions.spreadsheets import MAX_COLUMNS, Sheet, SpreadsheetError, read_table
from regions.xlsx import column_letter, workbook_bytes


@pytest.fixture(autouse=True)
def _in_english():
    """The messages are checked in English here (the Indonesian ones are checked through the pages)."""
    with translation.override("en"):
        yield


SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


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
def test_a_hostile_workbook_is_refused_quickly_and_cheaply(bombs, kind):
    content = bombs[kind]
    assert len(content) < 2 * 2**20, "each of these files passes the 2 MB cap on the upload itself"
    started = time.perf_counter()
    with pytest.raises(SpreadsheetError) as refused:
        read_table(upload(content))
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"{kind}: {elapsed:.2f} s"
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


def test_the_declared_size_of_a_sheet_is_not_trusted():
    """A sheet that claims A1:XFD1048576 is read by its real rows."""
    content = workbook_with_sheet(rows_of_numbers(3), dimension="A1:XFD1048576")
    started = time.perf_counter()
    assert read_table(upload(content)) == [[1], [2], [3]]
    assert time.perf_counter() - started < 1.0


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
    started = time.perf_counter()
    response = RequestBodyLimitMiddleware(lambda request: pytest.fail("the view ran"))(request)
    assert time.perf_counter() - started < 0.5
    assert response.status_code == 413
    assert "Kiriman terlalu besar" in response.content.decode() and "2 MB" in response.content.decode()


@pytest.mark.django_db
def test_a_50_mb_upload_to_an_import_changes_nothing(admin_client):
    before = Mentor.objects.count()
    body = b"x" * (50 * 2**20)
    started = time.perf_counter()
    response = admin_client.generic("POST", reverse("mentors:mentor_import"), body,
                                    content_type="multipart/form-data; boundary=abc")
    assert time.perf_counter() - started < 2.0
    assert response.status_code == 413 and Mentor.objects.count() == before


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


def test_a_worker_reading_every_hostile_workbook_stays_under_300_mb(bombs, tmp_path):
    """A fresh process with the portal loaded (as a gunicorn worker is) reads each file in turn: its peak
    resident memory stays under 300 MB and each file is refused in under 2 s."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    for name, content in bombs.items():
        (tmp_path / f"{name.replace(' ', '_')}.xlsx").write_bytes(content)
    script = """
import json, os, sys, time
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from regions.spreadsheets import SpreadsheetError, read_table
result = {"files": {}}
for path in sorted(sys.argv[1:]):
    started = time.perf_counter()
    try:
        read_table(SimpleUploadedFile(os.path.basename(path), open(path, "rb").read()))
        outcome = "read"
    except SpreadsheetError:
        outcome = "refused"
    result["files"][os.path.basename(path)] = [outcome, time.perf_counter() - started]
# The high-water mark of this process's own memory (ru_maxrss would carry the parent's across exec).
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
result["peak_mb"] = int(hwm.split()[1]) / 1024
print(json.dumps(result))
"""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "koperasi_portal.settings"}
    done = subprocess.run([sys.executable, "-c", script, *map(str, sorted(tmp_path.glob("*.xlsx")))], cwd=root,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(result["files"]) == len(bombs)
    for name, (outcome, seconds) in result["files"].items():
        assert outcome == "refused" and seconds < 2.0, (name, outcome, seconds)
    assert result["peak_mb"] < 300, result
    print(f"peak {result['peak_mb']:.0f} MB; " + ", ".join(f"{n}: {s:.2f} s" for n, (_o, s) in
                                                          result["files"].items()))
