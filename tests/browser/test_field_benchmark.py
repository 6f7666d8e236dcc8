"""Item 5's figures for the field app (docs/benchmarks.md): how long the visit form takes on a poor network, and
from the phone's cache without one, and how much the app shell weighs compressed. It measures, prints and asserts
nothing about time; it runs only when asked:

    FIELD_BENCHMARK=1 .venv/bin/pytest tests/browser/test_field_benchmark.py -q -s -p no:cacheprovider -n 0
"""

import gzip
import os
from pathlib import Path

import pytest

from koperasi_portal.views import FIELD_ASSETS

from .conftest import sign_in
from .test_field_app import ALL_KEPT, PASSWORD, _wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not os.environ.get("FIELD_BENCHMARK"), reason="set FIELD_BENCHMARK=1 to measure")]
STATIC = Path(__file__).resolve().parent.parent.parent / "static"
POOR = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
TIMING = ("(() => { const n = performance.getEntriesByType('navigation')[0]; "
          "const r = performance.getEntriesByType('resource').reduce((sum, e) => sum + e.transferSize, 0); "
          "return [Math.round(n.domContentLoadedEventEnd), Math.round(n.loadEventEnd), n.transferSize + r]; })()")


def _context(browser, live_server, workers="allow"):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID", is_mobile=True,
                                  has_touch=True, service_workers=workers)
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.base_url = live_server.url
    return context, tab


def test_measure_the_field_app_on_a_poor_network_and_without_one(browser, live_server, split):
    figures = []
    # A first visit on the poor network, before the app is installed (its worker blocked, so that every request
    # goes through the throttled page): the sign-in page with nothing cached, home, then the visit form.
    context, tab = _context(browser, live_server, workers="block")
    cdp = context.new_cdp_session(tab)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    cdp.send("Network.emulateNetworkConditions", POOR)
    tab.goto(tab.base_url + "/accounts/login/", wait_until="load")
    figures.append(("first visit: sign-in page, nothing cached", *tab.evaluate(TIMING)))
    sign_in(tab, "ba.satu@contoh.test", PASSWORD)
    figures.append(("first visit: home after signing in", *tab.evaluate(TIMING)))
    tab.goto(tab.base_url + "/visits/new/", wait_until="load")
    figures.append(("first visit: visit form", *tab.evaluate(TIMING)))
    context.close()
    # The app installed: its worker keeps the shell and the mentor's pages; then no network at all.
    context, tab = _context(browser, live_server)
    sign_in(tab, "ba.satu@contoh.test", PASSWORD)
    tab.wait_for_function("navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready")
    tab.reload(wait_until="load")
    tab.wait_for_function("caches.open('field-pages').then(c => c.match('/visits/new/')).then(Boolean)")
    assert _wait(lambda: tab.evaluate(ALL_KEPT), seconds=60)  # with the BA's cooperatives
    kept = tab.evaluate("caches.open('field-pages').then(c => c.keys().then(keys => Promise.all(keys.map("
                        "k => c.match(k).then(r => r.blob()).then(b => new Response(b.stream().pipeThrough("
                        "new CompressionStream('gzip'))).blob().then(z => [b.size, z.size]))))))")
    context.set_offline(True)
    cached = context.new_page()
    cached.goto(tab.base_url + "/visits/new/", wait_until="load")
    figures.append(("no network: visit form from the cache", *cached.evaluate(TIMING)))
    context.close()

    shell = {name: len(gzip.compress((STATIC / name).read_bytes(), 9)) for name in FIELD_ASSETS}
    print("\n| what | DOMContentLoaded ms | load ms | bytes over the network |")
    for name, ready, loaded, size in figures:
        print(f"| {name} | {ready} | {loaded} | {size} |")
    print(f"\napp shell, gzip -9: {sum(shell.values())} bytes")
    for name, size in shell.items():
        print(f"  {name}: {size}")
    print(f"pages kept for the BA (the list included): {len(kept)}, {sum(size for size, _ in kept)} bytes, "
          f"{sum(size for _, size in kept)} gzipped")
