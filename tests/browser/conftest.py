"""Browser tests drive the system Chromium (/usr/bin/chromium) with Playwright against a live server."""

import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

HANG_SECONDS = 300  # the longest browser test takes about a minute on a loaded machine


def _chromium_of_this_worker() -> list[int]:
    """The Chromium processes this test process started (through Playwright's driver)."""
    parents, found = {}, []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor and ancestor != os.getpid():
            ancestor = parents.get(ancestor)
        if ancestor == os.getpid():
            try:
                if b"chromium" in (Path("/proc") / str(pid) / "cmdline").read_bytes():
                    found.append(pid)
            except OSError:
                continue
    return found


@pytest.fixture(autouse=True)
def browser_test_bounded(request):
    """A browser test waiting on a call the browser never answers is stopped after HANG_SECONDS: its Chromium is
    ended, so the call raises and the run fails naming the test, instead of holding the run (and CI) for ever."""

    def stop():
        sys.stderr.write(f"\n{request.node.nodeid}: no answer from the browser in {HANG_SECONDS} s: Chromium ended\n")
        for pid in _chromium_of_this_worker():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    timer = threading.Timer(HANG_SECONDS, stop)
    timer.daemon = True
    timer.start()
    yield
    timer.cancel()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: install Debian's chromium package (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        # The field app's service worker (every mentor's session) fetches the mentor's pages in the background, several
        # at a time. The live server shares one SQLite connection between its threads, and those concurrent requests
        # stalled it for good in three CI runs. Only the tests about the field app let the worker in
        # (`service_workers="allow"`); the others test the pages, not the background work.
        launch_context = chromium.new_context

        def new_context(**options):
            options.setdefault("service_workers", "block")
            return launch_context(**options)

        chromium.new_context = new_context
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.base_url = live_server.url
    yield tab
    context.close()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID", is_mobile=True,
                                  has_touch=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.base_url = live_server.url
    yield tab
    context.close()


def screenshot(tab, name):
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(tab, email, password, *, secret=None):
    """Sign in through the form; an admin then types the code of their authenticator app (the factories' one
    unless `secret` says otherwise)."""
    from tests.factories import TOTP_SECRET, totp_code

    tab.goto(tab.base_url + "/")
    tab.fill("#id_login", email)
    tab.fill("#id_password", password)
    tab.get_by_role("button", name="Masuk").click()
    tab.wait_for_load_state()
    for _attempt in range(2):  # a code is accepted once: a second sign-in in the same 30 s waits for the next
        if "/accounts/2fa/authenticate/" not in tab.url:
            break
        if _attempt:
            time.sleep(30.5 - time.time() % 30)
        tab.fill("input[name=code]", totp_code(secret or TOTP_SECRET))
        tab.press("input[name=code]", "Enter")
        tab.wait_for_load_state()
    tab.wait_for_url(tab.base_url + "/")
