"""axe-core over the main pages of every role (tests/pages.py), in Chromium on a desk and on a phone: no serious or
critical violation. tests/browser/test_dashboards.py does the same for the dashboards and maps on the demo data.

People are signed in with `force_login` and the session cookie handed to the browser (an admin's sign-in form asks
for the authenticator code; the pages, not the sign-in, are under test here)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from ..pages import ROLES, build_scene, pages, users

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
SIZES = {"desk": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}


@pytest.fixture
def scene(split, sukabumi, admin_user):
    return build_scene(split, sukabumi, admin_user)


def _violations(tab, path) -> list[str]:
    """Open a page, let its map and charts draw, and return its serious or critical axe violations as text."""
    response = tab.goto(tab.base_url + path)
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    assert "/accounts/" not in tab.url or path.startswith("/accounts/"), f"{path} was sent to {tab.url}"
    if tab.locator(".map[data-source]").count():  # the only content fetched after the page has loaded
        tab.wait_for_selector(".map[data-ready]")
    tab.evaluate(AXE)
    result = tab.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(
        " ".join(node["target"]) + (f" [{node['failureSummary'].splitlines()[-1].strip()}]"
                                    if node.get("failureSummary") else "") for node in v["nodes"][:4])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("role", ROLES)
def test_the_main_pages_of_each_role_have_no_serious_accessibility_violation(browser, live_server, scene,
                                                                             office_user, role):
    person = users(scene, office_user)[role]
    cookies = []
    if person is not None:
        client = Client()
        client.force_login(person)
        cookies = [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url}]
    problems = []
    for size, viewport in SIZES.items():
        context = browser.new_context(viewport=viewport, locale="id-ID", is_mobile=size == "phone",
                                      has_touch=size == "phone")
        context.add_cookies(cookies)
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        tab.base_url = live_server.url
        for path in pages(scene)[role]:
            problems += [f"{size} {path}: {violation}" for violation in _violations(tab, path)]
        context.close()
    assert not problems, f"{role}: {len(problems)} serious or critical violations:\n" + "\n".join(problems)
