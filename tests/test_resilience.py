"""Degrade, don't stall: with a table locked by another connection, a page that needs it answers 503 within the
lock timeout while the sign-in page stays fast; /healthz checks the database within a short timeout."""

import threading
import time

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_checks_the_database(client):
    response = client.get("/healthz/")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


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
