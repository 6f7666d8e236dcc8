"""Production settings as documented pass Django's deployment check, and the logs are structured."""

import base64
import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from koperasi_portal.logs import JsonFormatter

ROOT = Path(__file__).resolve().parent.parent

# The production environment README.md and docs/deployment.md document.
PRODUCTION = {
    "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "portal.example.go.id",
    "MFA_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    "CSRF_TRUSTED_ORIGINS": "https://portal.example.go.id", "BEHIND_HTTPS_PROXY": "true",
    "SECURE_SSL_REDIRECT": "true", "SECURE_HSTS_SECONDS": "31536000", "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true", "REDIS_URL": "redis://127.0.0.1:6379/0", "TRUSTED_PROXY_COUNT": "1",
    "LOG_FORMAT": "json",
}


def deploy_check(**overrides) -> subprocess.CompletedProcess:
    # Only the documented settings: not the test run's own (DJANGO_ALLOW_ASYNC_UNSAFE for the browser tests).
    env = {key: value for key, value in os.environ.items()
           if key not in PRODUCTION and key not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")}
    env.update(PRODUCTION, **overrides)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_the_documented_production_settings_pass_the_deployment_check():
    result = deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_a_shared_cache_the_deployment_check_warns():
    result = deploy_check(REDIS_URL="")
    assert result.returncode != 0 and "koperasi.W001" in result.stdout + result.stderr


def test_json_log_lines_carry_the_extra_fields():
    record = logging.LogRecord("koperasi.request", logging.INFO, __file__, 1, "GET %s", ("/",), None)
    record.status, record.duration_ms = 200, 12.5
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /" and line["status"] == 200 and line["duration_ms"] == 12.5
    assert line["level"] == "INFO" and line["logger"] == "koperasi.request" and "time" in line


@pytest.mark.django_db
def test_each_request_is_logged_once_with_its_id(caplog, settings):
    settings.LOG_REQUESTS = True
    with caplog.at_level(logging.INFO, logger="koperasi.request"):
        response = Client().get("/healthz/", HTTP_X_REQUEST_ID="abc123")
    records = [r for r in caplog.records if r.name == "koperasi.request"]
    assert len(records) == 1 and records[0].request_id == "abc123" and records[0].status == 200
    assert response["X-Request-ID"] == "abc123"
