"""The backup of docs/operations.md works: `scripts/backup.sh` dumps a portal with data in it, `scripts/restore.sh`
restores the dump into a new database and the uploaded files into a new folder, and the restored portal has every
row, signs a mentor in with their password and serves their visit's photo byte for byte.

PostgreSQL only (the backup is pg_dump and pg_restore): run with DATABASE_URL=postgres://…. The data must be
committed for pg_dump to see it, hence `transactional_db`.
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import global_settings
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from cooperatives import services
from cooperatives.models import Cooperative, FollowUp, MemberCount, MonthlyReport, Visit, VisitFile
from cooperatives.selectors import month_start
from mentors.models import Membership, Mentor, User
from regions.models import Village
from reporting.models import RegencyFigures
from territories.models import BaTerritory, TerritoryPlan

PROJECT = Path(__file__).resolve().parent.parent
PORTAL_APPS = ["regions", "mentors", "territories", "cooperatives", "koperasi_portal"]
TOOLS = ["pg_dump", "pg_restore", "createdb", "dropdb", "tar"]
PASSWORD = "restored-koperasi-2025"  # hashed with the production hasher, as on the server

MISSING_TOOLS = [tool for tool in TOOLS if shutil.which(tool) is None]

pytestmark = [
    pytest.mark.skipif("postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
                       reason="needs PostgreSQL: the backup is pg_dump/pg_restore (run with DATABASE_URL=postgres://…)"),
    # In CI the tools must be there: the `tools` fixture fails instead.
    pytest.mark.skipif(bool(MISSING_TOOLS) and not os.environ.get("CI"),
                       reason=f"the backup needs PostgreSQL's client tools: {', '.join(MISSING_TOOLS)} not on PATH"),
]


def _url(name: str) -> str:
    """A libpq URL (as DATABASE_URL is written) for database `name` on the test database's server."""
    config = connection.settings_dict
    auth = quote(config["USER"] or "", safe="")
    if config["PASSWORD"]:
        auth += ":" + quote(config["PASSWORD"], safe="")
    port = f":{config['PORT']}" if config["PORT"] else ""
    return f"postgres://{auth}@{config['HOST'] or ''}{port}/{name}"


def _environment(**values) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in {"FILE_STORAGE_BACKEND", "BACKUP_KEEP_DAYS", "KOPERASI_WEB_PROCESS"}}
    return {**env, **values}


def _run(*command, env) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
    return result


def _connect(name: str):
    """A psycopg connection to database `name` on the test database's server, outside Django."""
    import psycopg

    config = connection.settings_dict
    return psycopg.connect(dbname=name, user=config["USER"], password=config["PASSWORD"] or None,
                           host=config["HOST"] or None, port=config["PORT"] or None, autocommit=True)


def _rows(name: str) -> dict[str, int | None]:
    """Every table of the database with its row count, and every sequence with its last value (so that a new row
    in the restored database does not collide with a restored one)."""
    with _connect(name) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        found = {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
        for sequence, value in conn.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"):
            found[f"sequence {sequence}"] = value
    return found


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture
def tools():
    """pg_dump and its companions: outside CI their absence skips the module (above), in CI it fails."""
    if MISSING_TOOLS:
        pytest.fail(f"the backup needs PostgreSQL's client tools: {', '.join(MISSING_TOOLS)} not on PATH")


@pytest.fixture
def restored_name():
    """The name of the new database the backup is restored into; dropped when the test ends."""
    name = f"koperasi_restored_{uuid.uuid4().hex[:10]}"
    yield name
    with _connect("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile("gerai.jpg", buffer.getvalue(), content_type="image/jpeg")


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("notulen-rapat.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF",
                              content_type="application/pdf")


@pytest.fixture
def portal_in_use(transactional_db, split, office_user, settings, tmp_path):
    """Sukabumi with a published split, a cooperative in every village, accounts for office staff, an admin, a
    PMO and BAs; last month's visits of one BA with follow-ups, members counted, a photo and a PDF, and their
    submitted report; the figures of the home pages. Committed, and the uploads under a MEDIA_ROOT of its own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    month = month_start(month_start(timezone.localdate()) - timedelta(days=1))
    cooperatives = list(Cooperative.objects.filter(village_id__in=split.villages).order_by("pk")[:3])
    visits = [services.visit_create(
        actor=split.ba, mentor=split.ba_mentor, cooperative=cooperative, date=month + timedelta(days=3 + day),
        mode="on_site", focus_areas=["outlets"], summary=f"Cek gerai {day}", member_count=40 + day,
        follow_ups=[("Lengkapi NPWP", timezone.localdate() + timedelta(days=7))],
        files=[_photo(), _pdf()] if day == 0 else ()) for day, cooperative in enumerate(cooperatives)]
    services.report_save(actor=split.ba, mentor=split.ba_mentor, month=month, obstacles="Sinyal lemah",
                         next_month_plan="Kunjungi semua koperasi", submit=True)
    call_command("refresh_figures", stdout=io.StringIO())
    with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
        split.ba.set_password(PASSWORD)
        split.ba.save(update_fields=["password"])
    return split, visits[0].files.get(kind=VisitFile.Kind.PHOTO)


# Run against the restored copies, as the portal would be after DATABASE_URL and MEDIA_ROOT point at them:
# `manage.py migrate --check`, a wrong password, the right one, the home page and the visit's photo.
RESTORED_PORTAL = r"""
import hashlib, json, sys
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse

email, password, photo_pk = sys.argv[1], sys.argv[2], int(sys.argv[3])
setup_test_environment()
try:
    call_command("migrate", check_unapplied=True, verbosity=0)
    migrations_pending = False
except SystemExit:
    migrations_pending = True
client = Client()
refused = client.post(reverse("account_login"), {"login": email, "password": password + "-lain"})
refused_user = client.session.get("_auth_user_id")
signed_in = client.post(reverse("account_login"), {"login": email, "password": password})
home = client.get(reverse("home"))
photo = client.get(reverse("cooperatives:visit_file", kwargs={"pk": photo_pk}))
content = b"".join(photo.streaming_content) if photo.status_code == 200 else b""
print(json.dumps({
    "migrations_pending": migrations_pending,
    "wrong_password": [refused.status_code, refused_user],
    "sign_in": [signed_in.status_code, signed_in.get("Location")],
    "signed_in_user": client.session.get("_auth_user_id"),
    "home": home.status_code,
    "photo": [photo.status_code, hashlib.sha256(content).hexdigest()],
}))
"""


def test_a_nightly_backup_restores_into_a_new_database_with_every_row_a_sign_in_and_the_files(
        tools, portal_in_use, restored_name, tmp_path):
    split, photo = portal_in_use
    database = connection.settings_dict["NAME"]
    media = Path(django_settings.MEDIA_ROOT)
    backups, restored_media = tmp_path / "backups", tmp_path / "restored-media"

    before = _rows(database)
    _run("scripts/backup.sh", str(backups), env=_environment(DATABASE_URL=_url(database), MEDIA_ROOT=str(media)))
    [dump] = backups.glob("koperasi-*.dump")
    [archive] = backups.glob("koperasi-*-media.tar.gz")
    assert dump.name.removesuffix(".dump") == archive.name.removesuffix("-media.tar.gz")
    _run("scripts/restore.sh", str(dump), restored_name, str(archive), str(restored_media),
         env=_environment(DATABASE_URL=_url("postgres")))

    # Every table of the portal's apps (and Django's and allauth's own: sessions, permissions, e-mail addresses) is
    # there with the same rows, and every sequence goes on from the same number.
    portal_tables = {model._meta.db_table for label in PORTAL_APPS
                     for model in apps.get_app_config(label).get_models(include_auto_created=True)}
    assert portal_tables <= before.keys()
    assert _rows(restored_name) == before
    seeded = [Village, User, Membership, Mentor, TerritoryPlan, BaTerritory, Cooperative, Visit, FollowUp, MemberCount,
              MonthlyReport, VisitFile, Visit.history.model, RegencyFigures]
    assert all(before[model._meta.db_table] > 0 for model in seeded), before

    # Every uploaded file comes back byte for byte, under the path the database records.
    assert _files(restored_media) == _files(media)
    assert {photo.file.name, photo.thumbnail.name} <= _files(restored_media).keys()

    # The restored portal: migrations in step, the BA's password (production hasher) signs them in, a wrong one
    # does not, and their visit's photo is served from the restored files.
    result = _run(sys.executable, "-c", RESTORED_PORTAL, split.ba.email, PASSWORD, str(photo.pk), env=_environment(
        DATABASE_URL=_url(restored_name), MEDIA_ROOT=str(restored_media), DEBUG="true", SECURE_SSL_REDIRECT="false",
        DJANGO_SETTINGS_MODULE="koperasi_portal.settings", DB_CONN_MAX_AGE="0"))
    portal = json.loads(result.stdout.strip().splitlines()[-1])
    assert portal["migrations_pending"] is False
    assert portal["wrong_password"] == [200, None]
    assert portal["sign_in"] == [302, "/"]
    assert portal["signed_in_user"] == str(split.ba.pk)
    assert portal["home"] == 200
    assert portal["photo"] == [200, hashlib.sha256((media / photo.file.name).read_bytes()).hexdigest()]
