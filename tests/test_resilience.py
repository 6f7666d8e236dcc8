"""Degrade, don't stall: with a table locked by another connection, a page that needs it answers 503 within the
lock timeout while the sign-in page stays fast; a database that refuses connections and a Redis that is down or
silent answer the 503 page with Retry-After on every page, sign-in included; /healthz names the part that is down."""

import contextlib
import socket
import threading
import time

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_checks_the_database_and_the_cache(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def _unavailable(response, part: str) -> bool:
    text = response.content.decode()
    return (response.status_code == 503 and response["Retry-After"] == "60"
            and "tidak dapat melayani" in text and part in text)


@contextlib.contextmanager
def _silent_server():
    """A port that accepts connections and never answers (a Redis that hangs)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def _closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.mark.parametrize("redis", ["down", "silent"])
def test_with_redis_down_or_silent_sign_in_and_pages_answer_503_and_healthz_names_the_cache(redis, office_user,
                                                                                             settings):
    office = Client(raise_request_exception=False)
    office.force_login(office_user)
    with contextlib.ExitStack() as stack:
        port = stack.enter_context(_silent_server()) if redis == "silent" else _closed_port()
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": f"redis://127.0.0.1:{port}/0",
                                       "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
        started = time.perf_counter()
        sign_in = Client(raise_request_exception=False).post(
            reverse("account_login"), {"login": office_user.email, "password": "correct-horse-battery"})
        seconds = time.perf_counter() - started
        dashboard = office.get(reverse("reporting:dashboard"))
        health = Client(raise_request_exception=False).get("/healthz/")
    assert _unavailable(sign_in, "penyimpanan sementara bersama") and seconds < 10
    assert _unavailable(dashboard, "penyimpanan sementara bersama")
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable", "database": "ok", "cache": "unreachable"}


def test_with_the_database_refusing_connections_every_page_answers_503_and_healthz_names_it(office_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database server that can refuse connections (CI runs this on PostgreSQL)")
    office = Client(raise_request_exception=False)
    office.force_login(office_user)
    saved = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = _closed_port()
    try:
        pages = {"home": office.get("/"), "registry": office.get(reverse("cooperatives:cooperative_list")),
                 "sign-in": Client(raise_request_exception=False).post(
                     reverse("account_login"), {"login": office_user.email, "password": "correct-horse-battery"})}
        health = Client(raise_request_exception=False).get("/healthz/")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved
    for name, response in pages.items():
        assert _unavailable(response, "basis data"), name
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable", "database": "unreachable or busy", "cache": "ok"}


def _in_a_web_thread(action):
    """Run `action` in its own thread, hence on its own database connection (as a gunicorn worker would)."""
    result = {}

    def run():
        started = time.perf_counter()
        try:
            result["response"] = action()
        finally:
            result["seconds"] = time.perf_counter() - started
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return result


def test_a_locked_table_answers_503_within_the_lock_timeout_and_sign_in_stays_fast(office_user, sukabumi):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's lock_timeout (CI runs this on PostgreSQL)")
    import psycopg

    options = connections.settings["default"].setdefault("OPTIONS", {})
    saved = options.get("options")
    # The web process's settings (wsgi.py), made short for the test.
    options["options"] = "-c statement_timeout=5000 -c lock_timeout=1000"
    office = Client()
    office.force_login(office_user)
    params = connection.get_connection_params()
    locker = psycopg.connect(**{k: v for k, v in params.items() if k in ("dbname", "host", "port", "user",
                                                                           "password")})
    try:
        locker.execute("BEGIN")
        locker.execute("LOCK TABLE cooperatives_cooperative IN ACCESS EXCLUSIVE MODE")
        busy = _in_a_web_thread(lambda: office.get(reverse("cooperatives:cooperative_list")))
        sign_in = _in_a_web_thread(lambda: Client().get("/accounts/login/"))
    finally:
        locker.execute("ROLLBACK")
        locker.close()
        if saved is None:
            options.pop("options", None)
        else:
            options["options"] = saved
    assert busy["response"].status_code == 503 and busy["response"]["Retry-After"] == "30"
    assert "Portal sedang sibuk" in busy["response"].content.decode() and busy["seconds"] < 3
    assert sign_in["response"].status_code == 200 and sign_in["seconds"] < 1
