"""Properties of every way in: whatever a person uploads or posts, the portal answers with a page (200), a redirect
(302) or a refusal (4xx) that says why, never a server error, and a refused request changes nothing.

Hypothesis throws at each import (mentors, cooperatives, a territory plan) random bytes named .xlsx or .csv,
truncated and damaged workbooks, CSV in odd encodings, random and duplicate headers and random cells; at the
GeoJSON geometry import malformed files; and at the main forms (a visit with its photos, a cooperative's record,
a mentor) random posts. Each example runs in a savepoint that is rolled back, so every example starts from the
same data."""

import csv
import gzip
import io
import json
import os
import re
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from cooperatives import services as registry
from cooperatives.services import COOPERATIVE_SHEET
from mentors.models import Mentor
from mentors.services import MENTOR_SHEET
from regions.models import Boundary, District, Village
from territories import services as plans
from territories.workbook import PLAN_SHEET
from toolkit.xlsx import workbook_bytes

from .factories import MentorFactory

pytestmark = pytest.mark.django_db

# No "explain" phase: on a failure it replays hundreds of requests to say which parts of the input matter.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]
# CI draws the same examples every run (a failure there is reproducible); a laptop explores new ones each time.
IN_CI = bool(os.environ.get("CI"))
FAST = settings(max_examples=50, deadline=None, phases=PHASES, derandomize=IN_CI, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
# The tables whose rows a refused request must leave alone (the figures kept for dashboards are not among them:
# pages refresh those as they are read).
WATCHED_APPS = ["regions", "mentors", "territories", "cooperatives"]
CODES = ["32.02", "32.02.01", "32.02.01.2001", "32.02.01.2002", "32.02.13.2001", "32.02.99.9999", "32.03.01.2001"]


# --- what every answer must be ------------------------------------------------------------------------------


class _Undo(Exception):
    pass


@contextmanager
def undone():
    """Run one example in a savepoint that is rolled back whatever happens."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


def snapshot(*extra) -> dict:
    """The row count of every table of the portal's apps (their history tables too: a changed row leaves one
    there), with `extra` values to compare."""
    counts = {model._meta.label: model._default_manager.count()
              for app in WATCHED_APPS for model in apps.get_app_config(app).get_models()}
    return {"counts": counts, "extra": extra}


def _problems(response) -> list[str]:
    """What the answer says went wrong: form and row errors on the page, error messages queued for the next one."""
    # Only the messages of this request (the client keeps earlier ones in its cookies until a page shows them).
    queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
    said = [str(m) for m in queued if m.level >= message_levels.WARNING]
    context = response.context or {}
    for name in ("form", "formset", "review"):
        form = context.get(name)
        if form is not None and form.is_bound and not form.is_valid():
            said.append(f"{name}: {form.errors}")
    for name in ("preview", "check"):
        preview = context.get(name)
        if preview is not None and preview.errors:
            said += [f"row {row.number}: {row.errors}" for row in preview.errors]
    return said


def assert_answered(response, before: dict, after) -> list[str]:
    """200/302/4xx; a 4xx says why; a refused request (4xx, errors on the page or an error message) changed
    nothing. Returns the problems the answer named."""
    status = response.status_code
    assert status in (200, 302) or 400 <= status < 500, f"answered {status}"
    problems = _problems(response)
    if 400 <= status < 500:
        assert response.content.strip(), f"a bare {status}"
    if 400 <= status < 500 or problems:
        assert after() == before, f"refused ({problems or status}) but changed the data"
    return problems


# --- spreadsheets ----------------------------------------------------------------------------------------------

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252", "latin-1", "shift_jis", "cp437"]
plausible_text = st.sampled_from([
    "BA", "PMO", "ba", "Koordinator", "Nina Lestari", "nina@contoh.test", "bukan-email", "081234567890", "8123",
    "+62 812-3456-7890", "2026-01-01", "31/12/2026", "1/13/2026", "kemarin", "akta notaris", "beroperasi",
    "badan hukum", "AHU-0001234.AH.01.29.TAHUN 2025", "sembako (beroperasi), klinik", "Lainnya", "1000000000",
    "-5", "12.5", "=HYPERLINK(\"x\")", "Wilayah BA 1", "Wilayah PMO 1", "PMO Satu", "BA Satu", "ba.satu@contoh.test",
    *CODES,
])
cell = st.one_of(st.none(), plausible_text, st.text(max_size=25), st.integers(-(10**15), 10**15),
                 st.floats(), st.dates(min_value=date(1, 1, 1)), st.booleans())


def _csv_bytes(rows, delimiter, encoding) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue().encode(encoding, errors="replace")


@st.composite
def tables(draw, sheet):
    """A header row of known and random headings (some twice) and rows of random cells."""
    known = sorted(set().union(*sheet.columns.values()))
    header = draw(st.lists(st.one_of(st.sampled_from(known), st.text(max_size=12), st.none(), st.integers()),
                           max_size=10))
    if header and draw(st.booleans()):
        header.append(draw(st.sampled_from(header)))  # the same column twice
    rows = draw(st.lists(st.lists(cell, max_size=len(header) + 2), max_size=6))
    return [header, *rows]


# Values each column of the imports expects, so that some files are clean and reach the apply step.
VILLAGES = ["32.02.01.1001", "32.02.01.2002", "32.02.01.2003", "32.02.13.2001"]
GOOD = {
    "full_name": st.sampled_from(["Nina Lestari", "Budi Santoso", "BA Satu", "PMO Satu"]),
    "role": st.sampled_from(["BA", "PMO", "ba"]),
    "phone": st.sampled_from(["081234567890", "8123456789", "+62 857-1111-2222", ""]),
    "email": st.sampled_from(["nina@contoh.test", "budi@contoh.test", "ba.satu@contoh.test", ""]),
    "contract_start": st.sampled_from(["2026-01-01", "01/02/2026", ""]),
    "contract_end": st.sampled_from(["2026-12-31", "31/12/2027", ""]),
    "village_code": st.sampled_from(VILLAGES),
    "stage": st.sampled_from(["musyawarah", "akta notaris", ""]),
    "member_count": st.integers(0, 500),
    "units": st.sampled_from(["sembako", "klinik (direncanakan), gudang", ""]),
    "ba_territory": st.sampled_from(["Wilayah BA 1", "Wilayah BA 2"]),
    "ba": st.sampled_from(["BA Satu", ""]), "ba_email": st.sampled_from(["ba.satu@contoh.test", ""]),
    "pmo_territory": st.sampled_from(["Wilayah PMO 1", ""]), "pmo": st.sampled_from(["PMO Satu", ""]),
    "pmo_email": st.sampled_from(["pmo.satu@contoh.test", ""]),
}


@st.composite
def template_tables(draw, sheet):
    """The import's required columns and a few others (one heading each, in any order), and rows whose cells
    are mostly what the column expects."""
    others = [name for name in sheet.columns if name not in sheet.required]
    fields = [*sheet.required, *draw(st.lists(st.sampled_from(others), unique=True, max_size=4))]
    fields = draw(st.permutations(fields))
    header = [draw(st.sampled_from(sorted(sheet.columns[name]))) for name in fields]
    row = st.tuples(*[GOOD[name] if name in sheet.required and name in GOOD else
                      st.one_of(GOOD.get(name, st.just("")), st.none(), cell) for name in fields])
    return [header, *map(list, draw(st.lists(row, min_size=1, max_size=4)))]


@st.composite
def spreadsheet_uploads(draw, sheet):
    """(file name, content) of a malformed or odd spreadsheet."""
    kind = draw(st.sampled_from(["bytes", "truncated", "damaged", "zip field", "csv text", "csv table",
                                 "xlsx table", "csv template", "xlsx template"]))
    name = draw(st.sampled_from(["lembar.xlsx", "lembar.csv", "LEMBAR.XLSX", "lembar.xls", "lembar"])) \
        if kind == "bytes" else "lembar.csv" if kind.startswith("csv") else "lembar.xlsx"
    if kind == "bytes":
        return name, draw(st.binary(max_size=3000))
    if kind == "csv text":
        return name, draw(st.text(max_size=300)).encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    table = draw(template_tables(sheet) if kind.endswith("template") else tables(sheet))
    if kind in ("csv table", "csv template"):
        return name, _csv_bytes(table, draw(st.sampled_from([",", ";", "\t"])), draw(st.sampled_from(ENCODINGS)))
    header, *rows = table
    content = workbook_bytes([("Lembar", header, rows)])
    if kind == "truncated":
        return name, content[:draw(st.integers(0, len(content) - 1))]
    if kind == "zip field":  # a field of the archive's directory: versions, flags, compression method
        entries = [found.start() for found in re.finditer(rb"PK\x01\x02", content)]
        at = draw(st.sampled_from(entries)) + draw(st.sampled_from([4, 6, 8, 10]))
        return name, content[:at] + draw(st.integers(0, 0xFFFF)).to_bytes(2, "little") + content[at + 2:]
    if kind == "damaged":
        at = draw(st.integers(0, len(content) - 1))
        return name, content[:at] + bytes([draw(st.integers(0, 255))]) + content[at + 1:]
    return name, content


def _upload_and_apply(client, url, apply_url, data, name, content, before):
    """Upload for the dry run; when it is clean, apply it. Both must answer; a refused one changes nothing."""
    response = client.post(url, {**data, "file": SimpleUploadedFile(name, content)})
    assert_answered(response, before, snapshot)
    assert snapshot() == before, "the dry run wrote to the database"
    token = (response.context or {}).get("token") if response.status_code == 200 else None
    event("a clean dry run, applied" if token else "refused at the dry run")
    applied = client.post(apply_url, {"token": token or "not-a-token"})
    assert_answered(applied, before, snapshot)
    if not token:
        assert snapshot() == before, "an apply without a clean preview wrote to the database"


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return client


@FAST
@given(upload=spreadsheet_uploads(MENTOR_SHEET))
def test_the_mentor_import_answers_any_file_and_a_refused_one_changes_nothing(admin, sukabumi, upload):
    with undone():
        _upload_and_apply(admin, "/mentors/import/", "/mentors/import/apply/", {"regency": sukabumi.pk}, *upload,
                          before=snapshot())


@FAST
@given(upload=spreadsheet_uploads(COOPERATIVE_SHEET))
def test_the_cooperative_import_answers_any_file_and_a_refused_one_changes_nothing(admin, admin_user, sukabumi,
                                                                                   upload):
    with undone():
        _upload_and_apply(admin, "/cooperatives/import/", "/cooperatives/import/apply/", {"regency": sukabumi.pk},
                          *upload, before=snapshot())


@pytest.fixture
def draft(sukabumi, admin_user):
    MentorFactory(regency=sukabumi, role=Mentor.Role.PMO, full_name="PMO Satu", email="pmo.satu@contoh.test")
    MentorFactory(regency=sukabumi, role=Mentor.Role.BA, full_name="BA Satu", email="ba.satu@contoh.test")
    return plans.plan_create(actor=admin_user, regency=sukabumi, name="Draf", clone=False)


@FAST
@given(upload=spreadsheet_uploads(PLAN_SHEET))
def test_the_plan_import_answers_any_file_and_a_refused_one_changes_nothing(admin, draft, upload):
    with undone():
        _upload_and_apply(admin, f"/plans/{draft.pk}/import/", f"/plans/{draft.pk}/import/apply/",
                          {"version": draft.version}, *upload, before=snapshot())


# --- GeoJSON -----------------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)
numbers = st.one_of(st.floats(-200, 200), st.integers(-1000, 1000), st.floats(), st.text(max_size=3), st.none())
points = st.one_of(st.lists(numbers, min_size=0, max_size=3), numbers)
rings = st.lists(points, max_size=6)
geometries = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(["Polygon", "MultiPolygon", "Point", "LineString", "Nope"]),
                           "coordinates": st.one_of(st.lists(rings, max_size=3), st.lists(st.lists(rings, max_size=2),
                                                                                          max_size=2), json_values)}),
    json_values)
features = st.one_of(
    st.fixed_dictionaries({"type": st.just("Feature"),
                           "properties": st.one_of(st.fixed_dictionaries(
                               {"code": st.one_of(st.sampled_from(CODES), json_values)},
                               optional={"lat": numbers, "lng": numbers}), json_values),
                           "geometry": geometries}),
    json_values)
collections = st.one_of(
    st.fixed_dictionaries({"type": st.just("FeatureCollection"), "features": st.lists(features, max_size=5)}),
    st.fixed_dictionaries({"type": st.sampled_from(["FeatureCollection", "Feature", 5]), "features": json_values}),
    json_values)


# A file: a JSON document (or random bytes), plain or compressed, whole or cut at a fraction of its length.
geojson_files = st.tuples(st.one_of(collections, st.binary(max_size=500)),
                          st.sampled_from(["batas.geojson", "batas.geojson.gz"]),
                          st.one_of(st.none(), st.floats(0, 1, exclude_max=True)))


def _geojson_bytes(document, name, cut) -> bytes:
    content = document if isinstance(document, bytes) else json.dumps(document, allow_nan=True).encode()
    content = gzip.compress(content) if name.endswith(".gz") else content
    return content if cut is None else content[:int(len(content) * cut)]


def _places():
    return (list(Village.objects.order_by("pk").values_list("latitude", "longitude")),
            list(District.objects.order_by("pk").values_list("latitude", "longitude")),
            list(Boundary.objects.order_by("code").values_list("code", "geometry", "neighbours")))


@settings(max_examples=150, deadline=None, phases=PHASES, derandomize=IN_CI,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(file=geojson_files)
def test_the_geometry_import_imports_or_refuses_with_a_message_and_a_refused_file_changes_nothing(
        sukabumi, tmp_path_factory, file):
    path = tmp_path_factory.mktemp("geojson") / file[1]
    path.write_bytes(_geojson_bytes(*file))
    with undone():
        before = _places()
        try:
            call_command("import_geometry", str(path), stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError as error:
            assert str(error).strip()
            assert _places() == before, "a refused file changed coordinates or boundaries"


# --- the main forms ----------------------------------------------------------------------------------------------

texts = st.one_of(plausible_text, st.text(max_size=40), st.text(max_size=2000), st.just(""))
day_texts = st.one_of(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).map(str), texts,
                      st.sampled_from(["2026-02-30", "0000-00-00", "9999-12-31", "today"]))


def post_values(fields: dict):
    """A post of the given fields, each either left as it is (None), blanked, or set to a random value."""
    return st.fixed_dictionaries({}, optional={name: values for name, values in fields.items()})


# EXIF stores degrees, minutes and seconds as unsigned fractions; past 2**32 Pillow writes n/0, as damaged files do.
coordinates = st.tuples(*[st.one_of(st.sampled_from([0.0, 6.5, 1e10]), st.floats(0, 1e12))] * 3)
# A file for a visit, as (kind, name, detail), made into an upload by `_evidence`: random bytes, a fake PDF, a JPEG
# cut short, or a JPEG with an odd EXIF time and GPS position (detail: (time, latitude ref, latitude, longitude)).
evidence_specs = st.one_of(
    st.tuples(st.just("bytes"), st.sampled_from(["foto.jpg", "dok.pdf", "foto"]), st.binary(max_size=2000)),
    st.tuples(st.just("pdf"), st.sampled_from(["dok.pdf", "foto.jpg"]), st.binary(max_size=200)),
    st.tuples(st.just("truncated"), st.sampled_from(["foto.jpg", "foto.png"]), st.floats(0, 1, exclude_max=True)),
    st.tuples(st.just("exif"), st.just("foto.jpg"), st.tuples(
        st.one_of(st.just("2026:11:20 09:41:00"), st.text(max_size=20)), st.sampled_from(["N", "S", "X"]),
        coordinates, coordinates)),
)


def _evidence(kind, name, detail) -> SimpleUploadedFile:
    if kind == "bytes":
        return SimpleUploadedFile(name, detail)
    if kind == "pdf":
        return SimpleUploadedFile(name, b"%PDF-1.4\n" + detail)
    exif = Image.Exif()
    if kind == "exif":
        taken, reference, latitude, longitude = detail
        exif[0x0132] = taken
        exif[0x8825] = {1: reference, 2: latitude, 3: "E", 4: longitude}
    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), (90, 120, 150)).save(buffer, "JPEG", exif=exif)
    content = buffer.getvalue()
    return SimpleUploadedFile(name, content[:int(len(content) * detail)] if kind == "truncated" else content,
                              content_type="image/jpeg")


def _media_files() -> int:
    from django.conf import settings as django_settings

    return sum(1 for p in Path(django_settings.MEDIA_ROOT).rglob("*") if p.is_file())


@pytest.fixture
def ba_client(client, split):
    client.force_login(split.ba)
    return client


@pytest.fixture
def visited(split):
    """A cooperative of the BA's territory."""
    from cooperatives.models import Cooperative

    return Cooperative.objects.filter(village_id__in=split.villages).order_by("pk").first()


def _visit() -> dict:
    """A visit form that is right as it is."""
    return {"date": timezone.localdate().isoformat(), "mode": "on_site", "focus_areas": ["institutions"],
            "summary": "Uji", "follow-TOTAL_FORMS": "2", "follow-INITIAL_FORMS": "0"}


@FAST
@given(post=post_values({
    "date": day_texts, "mode": st.one_of(st.sampled_from(["on_site", "phone", "online"]), texts),
    "focus_areas": st.lists(st.one_of(st.sampled_from(["institutions", "capital", "markets", "management"]), texts),
                            max_size=3),
    "summary": texts, "time": st.one_of(st.sampled_from(["09:30", "25:00", "9"]), texts), "place": texts,
    "participants": texts, "latitude": st.one_of(numbers.map(str), texts), "longitude": st.one_of(numbers.map(str),
                                                                                                  texts),
    "member_count": st.one_of(st.integers(-5, 10**12).map(str), texts), "submission": texts,
    "follow-TOTAL_FORMS": st.one_of(st.sampled_from(["0", "1", "2", "1000000"]), texts),
    "follow-INITIAL_FORMS": st.sampled_from(["0", "x"]),
    "follow-0-action": texts, "follow-0-due_date": day_texts,
}), files=st.lists(evidence_specs, max_size=2))
def test_the_visit_form_answers_any_post_and_a_refused_one_stores_nothing(ba_client, visited, post, files):
    data = {**_visit(), **post, "files": [_evidence(*spec) for spec in files]}
    with undone():
        before = snapshot(_media_files())
        response = ba_client.post(f"/cooperatives/{visited.pk}/visits/new/", data)
        assert_answered(response, before, lambda: snapshot(_media_files()))


@FAST
@given(files=st.lists(evidence_specs, min_size=1, max_size=3))
def test_a_visit_answers_any_photo_or_document_and_a_refused_one_stores_nothing(ba_client, visited, files):
    """A visit that is otherwise right, with damaged or odd files: each is checked before anything is written."""
    with undone():
        before = snapshot(_media_files())
        response = ba_client.post(f"/cooperatives/{visited.pk}/visits/new/",
                                  {**_visit(), "files": [_evidence(*spec) for spec in files]})
        assert_answered(response, before, lambda: snapshot(_media_files()))


@pytest.fixture
def record(admin, admin_user, sukabumi):
    """A cooperative and its edit form's data as the page gives it."""
    from cooperatives.models import Cooperative

    registry.cooperatives_ensure(actor=admin_user, regency=sukabumi)
    cooperative = Cooperative.objects.order_by("pk").first()
    form = admin.get(f"/cooperatives/{cooperative.pk}/edit/").context["form"]
    initial = {name: ("" if value is None else value) for name, value in form.initial.items()}
    return cooperative, {**initial, "version": form["version"].value()}


def _cooperative_state(cooperative):
    cooperative.refresh_from_db()
    return {field.name: getattr(cooperative, field.name) for field in cooperative._meta.concrete_fields}


@FAST
@given(post=post_values({
    "name": texts, "stage": st.one_of(st.sampled_from(["musyawarah", "legal_entity", "operating", "notary_deed"]),
                                      texts),
    "legal_entity_number": st.one_of(st.sampled_from(["AHU-0001234.AH.01.29.TAHUN 2025", "AHU-1"]), texts),
    "legal_entity_date": day_texts, "member_count": st.one_of(st.integers(-5, 10**12).map(str), texts),
    "chair_phone": texts, "manager_phone": texts, "npwp": st.one_of(st.from_regex(r"\A[0-9.\-]{0,20}\Z"), texts),
    "nib": st.one_of(st.from_regex(r"\A[0-9]{0,14}\Z"), texts), "nik_date": day_texts, "npwp_date": day_texts,
    "units": st.lists(st.one_of(st.sampled_from(["sembako", "clinic", "office"]), texts), max_size=3),
    "other_units": texts, "stage_reached_on": day_texts, "stage_reason": texts, "version": texts,
    "simkopdes_status": texts, "simkopdes_updated_on": day_texts, "microsite_status": texts,
    "bank_account_date": day_texts, "proposal_date": day_texts,
}))
def test_the_cooperative_form_answers_any_post_and_a_refused_one_changes_nothing(admin, record, post):
    cooperative, initial = record
    data = {**initial, **post}
    with undone():
        before = snapshot(_cooperative_state(cooperative))
        response = admin.post(f"/cooperatives/{cooperative.pk}/edit/", data)
        assert_answered(response, before, lambda: snapshot(_cooperative_state(cooperative)))


@pytest.fixture
def mentor(sukabumi):
    return MentorFactory(regency=sukabumi, full_name="Pendamping Uji", email="uji@contoh.test",
                         contract_start=timezone.localdate() - timedelta(days=30))


@FAST
@given(post=post_values({
    "regency": st.one_of(st.integers(-1, 10**6).map(str), texts), "full_name": texts,
    "role": st.one_of(st.sampled_from(["ba", "pmo", "BA"]), texts), "phone": texts,
    "email": st.one_of(st.emails(), texts), "contract_start": day_texts, "contract_end": day_texts, "notes": texts,
    "version": texts,
}), editing=st.booleans())
def test_the_mentor_form_answers_any_post_and_a_refused_one_changes_nothing(admin, sukabumi, mentor, post, editing):
    data = {"regency": str(sukabumi.pk), "full_name": "Nina", "role": "ba", **post}
    url = f"/mentors/{mentor.pk}/edit/" if editing else "/mentors/new/"
    with undone():
        before = snapshot(list(Mentor.objects.order_by("pk").values()))
        response = admin.post(url, data)
        assert_answered(response, before, lambda: snapshot(list(Mentor.objects.order_by("pk").values())))
