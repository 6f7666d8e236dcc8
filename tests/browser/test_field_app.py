"""The field app on a 360 px phone: visits recorded without a signal are kept on the phone, survive closing the
page, and reach the server exactly once when the signal returns, whatever the network does meanwhile."""

import re
import socket
import threading
import time
from datetime import timedelta
from io import BytesIO

import pytest
from django.test.testcases import QuietWSGIRequestHandler
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from cooperatives.models import Cooperative, FollowUp, MonthlyReport, Visit, VisitFile

from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


def _png(width, height, colour):
    buffer = BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def _phone_photo(width, height):
    """A JPEG as a phone takes it: larger than the server keeps, with the time it was taken in its EXIF."""
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:12:01 10:30:00"  # DateTimeOriginal
    buffer = BytesIO()
    Image.new("RGB", (width, height), "#c62828").save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


PHOTOS = [{"name": "gerai.jpg", "mimeType": "image/jpeg", "buffer": _phone_photo(2600, 1800)},
          {"name": "rapat.png", "mimeType": "image/png", "buffer": _png(320, 240, "#2e7d32")}]
SMALL = [{"name": f"foto-{i}.jpg", "mimeType": "image/jpeg", "buffer": _phone_photo(64, 48)} for i in (1, 2)]
# Every page the server lists for the mentor's phone (/field/pages/) is in the worker's cache.
ALL_KEPT = ("caches.open('field-pages').then(c => c.match('/field/pages/').then(r => r ? r.json() : null)"
            ".then(list => list !== null && Promise.all(list.pages.map(p => c.match(p)))"
            ".then(all => all.every(Boolean))))")


class _CuttableHandler(QuietWSGIRequestHandler):
    """The live server's connection handler, which lets the line below drop a connection without an answer."""

    def get_environ(self):
        environ = super().get_environ()
        environ["field.cut"] = self._cut
        return environ

    def _cut(self):
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)  # the phone sees the connection end with no answer


class _FlakyLine:
    """Between the phone and the live server, for the visits the field app sends (`X-Field-App`). `plan` says, for
    the n-th visit to arrive (by its token), what becomes of each of its sends in turn: "cut" drops the connection
    once the request has arrived, before the portal sees it (nothing recorded); "lost" lets the portal record the
    visit and answer, then drops the connection before the answer leaves (the phone never hears); "stall" holds the
    send until the test lets it go (it takes the signal away meanwhile), then is "lost". While `dark` is set (the
    phone has no signal) every send is "dark": cut, whatever the plan. Other sends are answered. Chromium itself
    sends a request again when a reused connection drops (as often as it has another idle connection, even without
    a signal): the line counts every send, whoever made it."""

    def __init__(self, app, plan):
        self.app, self.plan = app, plan
        self.tokens, self.sends = [], []  # sends: [visit's arrival number, what, the portal's status]
        self.lock = threading.Lock()
        self.stalled, self.released, self.dark = threading.Event(), threading.Event(), threading.Event()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] != "POST" or environ.get("HTTP_X_FIELD_APP") != "1":
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read()
        environ["wsgi.input"] = BytesIO(body)
        token = re.search(rb'name="submission"\r\n\r\n(\w+)\r\n', body).group(1).decode()
        with self.lock:
            if token not in self.tokens:
                self.tokens.append(token)
            number = self.tokens.index(token) + 1
            steps = self.plan.get(number, [])
            earlier = sum(1 for send in self.sends if send[0] == number and send[1] != "dark")
            send = [number, steps[earlier] if earlier < len(steps) else "answer", None]
            if self.dark.is_set():
                send[1] = "dark"
            self.sends.append(send)
        if send[1] == "answer":
            return self.app(environ, start_response)
        if send[1] == "stall":
            self.stalled.set()
            self.released.wait(30)
        if send[1] not in ("cut", "dark"):
            answer = self.app(environ, lambda status, headers, exc_info=None: send.__setitem__(2, status))
            b"".join(answer)
            answer.close()
        environ["field.cut"]()
        raise ConnectionResetError  # the server's handler lets the connection go without a word

    def what_became_of(self, number):
        with self.lock:
            return [(what, status) for n, what, status in self.sends if n == number]


@pytest.fixture
def flaky_line(live_server):
    """Installs a _FlakyLine in front of the live server for one test; every connection of the test is one that
    can be cut (the handler is chosen when the connection opens)."""
    server = live_server.thread.httpd
    app, handler = server.get_app(), server.RequestHandlerClass
    server.RequestHandlerClass = _CuttableHandler

    def install(plan):
        line = _FlakyLine(app, plan)
        server.set_app(line)
        return line

    yield install
    server.set_app(app)
    server.RequestHandlerClass = handler


@pytest.fixture
def field_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID", is_mobile=True,
                                  has_touch=True, service_workers="allow")
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.base_url = live_server.url
    yield tab
    context.close()


def _wait(condition, seconds=60):
    """Polls the phone (not the database, which the live server is writing to)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.25)
    return condition()


def _ready_offline(tab):
    """Signed in with a signal, the worker installed and the mentor's pages kept; then the signal goes."""
    sign_in(tab, "ba.satu@contoh.test", PASSWORD)
    # Bounded: a worker that never installs fails the test instead of holding it (and CI) for ever.
    tab.evaluate("Promise.race([navigator.serviceWorker.ready.then(() => true), new Promise((_, no) => "
                 "setTimeout(() => no(new Error('no service worker after 60 s')), 60000))])")
    tab.reload()
    tab.wait_for_function("navigator.serviceWorker.controller !== null")
    # Home, the visit form, follow-ups, the offline page, their cooperatives (evaluate awaits the promise: polled).
    assert _wait(lambda: tab.evaluate(ALL_KEPT), seconds=30)
    tab.context.set_offline(True)


def _record(tab, index, summary, count, photos=PHOTOS):
    """One visit typed in the kept visit form without a signal: it is kept, and the form is ready for the next."""
    if index is not None:
        tab.locator("select[name=cooperative]").select_option(index=index)
    tab.locator("input[name=focus_areas][value=outlets]").check()
    tab.fill("textarea[name=summary]", summary)
    tab.fill("input[name='follow-0-action']", f"Tindak lanjut {summary}")
    tab.fill("input[name='follow-0-due_date']", (timezone.localdate() + timedelta(days=7)).isoformat())
    tab.locator("input[name=files]").set_input_files(photos)
    tab.locator("main form.visit-form button[type=submit]").click()
    expect(tab.locator("#field-status .field-count")).to_have_text(f"Kunjungan menunggu dikirim: {count}")
    expect(tab.locator(".field-message")).to_contain_text("Tidak ada sinyal")
    expect(tab.locator("textarea[name=summary]")).to_have_value("")  # ready for the next visit


def _settled(tab, force=False):
    """Waits for the worker's refresh of the kept pages, if one is running (none is left running past the test);
    `force`: a refresh now, however recent the last."""
    tab.evaluate("force => new Promise(done => { const channel = new MessageChannel(); "
                 "channel.port1.onmessage = () => done(true); setTimeout(() => done(false), 60000); "
                 "navigator.serviceWorker.controller.postMessage({type: 'refresh', force}, [channel.port2]); })", force)


def _waiting(tab):
    return tab.evaluate("koperasiField.store.all().then(list => list.map(e => [e.status, e.reason]))")


def _record_ten(tab):
    """Ten visits, two photos each, to the BA's cooperatives in turn: the first with a photo as a phone takes it
    (larger than the server keeps), the others with small ones (the test stays quick)."""
    choices = tab.locator("select[name=cooperative] option:not([value=''])").count()
    for number in range(1, 11):
        _record(tab, 1 + (number - 1) % choices, f"Kunjungan luring {number}", number,
                photos=PHOTOS if number == 1 else SMALL)


def test_visits_recorded_without_a_signal_arrive_once_when_it_returns(field_phone, split):
    tab = field_phone
    _ready_offline(tab)
    tab.goto(tab.base_url + "/visits/new/")  # from the phone, no signal
    mine = {c.village.name for c in Cooperative.objects.filter(village_id__in=split.villages).select_related("village")}
    options = tab.locator("select[name=cooperative] option:not([value=''])").all_text_contents()
    assert {option.split(" · ")[0] for option in options} == mine  # only the BA's own cooperatives are kept
    started = time.monotonic()
    _record_ten(tab)
    typed = time.monotonic() - started
    expect(tab.locator("#field-status .field-count")).to_have_text("Kunjungan menunggu dikirim: 10")
    sides = tab.evaluate("koperasiField.store.all().then(list => Promise.all(list.flatMap(e => e.photos).map("
                         "p => createImageBitmap(p.blob).then(b => Math.max(b.width, b.height)))))")
    assert sorted(sides) == [64] * 18 + [320, 2000]  # the large photo shrunk on the phone, the small ones kept
    screenshot(tab, "field-waiting-phone")

    # A waiting visit can still be corrected: it opens in the kept form, filled in, and saving replaces it.
    tab.locator("#field-status summary").click()
    tab.locator("#field-status li").first.get_by_role("link", name="Sunting").click()
    expect(tab.locator("textarea[name=summary]")).to_have_value("Kunjungan luring 1")
    tab.fill("textarea[name=summary]", "Kunjungan luring 1, dikoreksi")
    tab.locator("main form.visit-form button[type=submit]").click()
    expect(tab.locator(".field-message")).to_contain_text("Tidak ada sinyal")
    expect(tab.locator("#field-status .field-count")).to_have_text("Kunjungan menunggu dikirim: 10")

    # The page is closed and the app opened again, still without a signal: the ten are still waiting.
    context = tab.context
    tab.close()
    tab = context.new_page()
    tab.goto(field_phone.base_url + "/")
    expect(tab.locator("#field-status .field-count")).to_have_text("Kunjungan menunggu dikirim: 10")
    tab.goto(field_phone.base_url + "/regions/")  # a page the phone does not keep says so plainly
    expect(tab.locator("h1")).to_have_text("Tidak ada sinyal")
    assert Visit.objects.count() == 0

    # The signal returns: each visit arrives once, with its photos and follow-up, within a minute.
    tab.goto(field_phone.base_url + "/")
    posts = []
    tab.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    back = time.monotonic()
    context.set_offline(False)
    assert _wait(lambda: not _waiting(tab), seconds=60), _waiting(tab)  # the phone is told each one arrived
    sent = time.monotonic() - back
    print(f"\nten visits typed offline in {typed:.1f} s; sent in {sent:.1f} s after the signal returned")
    assert Visit.objects.count() == 10 and len(posts) == 10
    assert sorted(Visit.objects.values_list("summary", flat=True)) == sorted(
        ["Kunjungan luring 1, dikoreksi"] + [f"Kunjungan luring {n}" for n in range(2, 11)])
    assert VisitFile.objects.count() == 20 and FollowUp.objects.count() == 10
    assert all(visit.files.count() == 2 and visit.follow_ups.count() == 1 for visit in Visit.objects.all())
    # The photo shrunk on the phone still says when it was taken (the PNG never did).
    assert sorted(str(f.taken_at and timezone.localtime(f.taken_at)) for f in VisitFile.objects.all()) == [
        "2026-12-01 10:30:00+07:00"] * 19 + ["None"]
    expect(tab.locator("#field-status")).to_be_hidden()
    posts.clear()
    tab.evaluate("koperasiField.sync()")
    assert posts == [] and Visit.objects.count() == 10  # a second sync sends nothing
    _settled(tab)


def test_a_visit_refused_on_sync_stays_waiting_with_its_reason_and_signing_out_clears_the_phone(field_phone, split):
    tab = field_phone
    _ready_offline(tab)
    tab.goto(tab.base_url + "/visits/new/")
    _record(tab, 1, "Bulan sudah dilaporkan", 1)
    MonthlyReport.objects.create(mentor=split.ba_mentor, month=timezone.localdate().replace(day=1),
                                 status=MonthlyReport.Status.SUBMITTED)
    tab.context.set_offline(False)
    assert _wait(lambda: [status for status, _ in _waiting(tab)] == ["refused"])
    assert "sudah dikirim" in _waiting(tab)[0][1] and Visit.objects.count() == 0
    tab.locator("#field-status summary").click()
    expect(tab.locator("#field-status .field-reason")).to_contain_text("sudah dikirim")
    screenshot(tab, "field-refused-phone")
    tab.set_viewport_size({"width": 1280, "height": 800})
    screenshot(tab, "field-refused-desk")
    tab.set_viewport_size({"width": 360, "height": 740})

    # Signing out warns of the unsent visit, then forgets everything the phone kept.
    warnings = []
    tab.on("dialog", lambda dialog: (warnings.append(dialog.message), dialog.accept()))
    tab.locator("form.logout button").click()
    tab.wait_for_url("**/accounts/login/**")
    assert warnings and "belum terkirim" in warnings[0]
    assert tab.evaluate("new Promise(r => { const q = indexedDB.open('koperasi-field', 1); q.onsuccess = () => "
                        "{ const t = q.result.transaction('visits').objectStore('visits').count(); "
                        "t.onsuccess = () => r(t.result); }; })") == 0
    assert tab.evaluate("caches.has('field-pages')") is False


def test_a_phone_without_room_says_the_visit_was_not_kept_and_keeps_the_form_filled(field_phone, split):
    tab = field_phone
    _ready_offline(tab)
    tab.goto(tab.base_url + "/visits/new/")
    cdp = tab.context.new_cdp_session(tab)
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": tab.base_url, "quotaSize": 20_000})
    tab.locator("select[name=cooperative]").select_option(index=1)
    tab.locator("input[name=focus_areas][value=outlets]").check()
    tab.fill("textarea[name=summary]", "Ponsel penuh")
    tab.locator("input[name=files]").set_input_files(PHOTOS)
    tab.locator("main form.visit-form button[type=submit]").click()
    expect(tab.locator(".field-message")).to_contain_text("Penyimpanan ponsel penuh")
    expect(tab.locator("textarea[name=summary]")).to_have_value("Ponsel penuh")  # nothing lost: fix and save again
    assert _waiting(tab) == []


def test_a_cooperative_page_never_opened_online_is_readable_offline_and_records_a_visit(field_phone, split):
    tab = field_phone
    _ready_offline(tab)  # only home was opened with a signal
    own = Cooperative.objects.filter(village_id__in=split.villages).select_related("village")
    kept = tab.evaluate("caches.open('field-pages').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))")
    assert {p for p in kept if p.startswith("/cooperatives/")} == {
        p for c in own for p in (c.get_absolute_url(), f"{c.get_absolute_url()}visits/new/")}  # theirs, no other
    cooperative = own.order_by("village__name").last()
    tab.goto(tab.base_url + cooperative.get_absolute_url())
    expect(tab.locator("h1")).to_have_text(cooperative.name)
    expect(tab.locator("main")).to_contain_text(cooperative.get_stage_display())
    tab.locator("main").get_by_role("button", name="Catat kunjungan").click()
    expect(tab).to_have_url(tab.base_url + f"/cooperatives/{cooperative.pk}/visits/new/")
    _record(tab, None, "Dicatat dari halaman koperasi", 1, photos=SMALL)
    # Opened again from the phone's copy, the form is another visit, not the same one again.
    tab.goto(tab.base_url + f"/cooperatives/{cooperative.pk}/visits/new/")
    _record(tab, None, "Kunjungan kedua hari ini", 2, photos=SMALL)
    elsewhere = Cooperative.objects.exclude(village_id__in=split.villages).first()
    tab.goto(tab.base_url + elsewhere.get_absolute_url())  # not theirs: never kept
    expect(tab.locator("h1")).to_have_text("Tidak ada sinyal")

    tab.context.set_offline(False)
    assert _wait(lambda: not _waiting(tab)), _waiting(tab)
    assert sorted(Visit.objects.filter(cooperative=cooperative).values_list("summary", flat=True)) == [
        "Dicatat dari halaman koperasi", "Kunjungan kedua hari ini"]
    assert VisitFile.objects.filter(visit__cooperative=cooperative).count() == 4
    _settled(tab)
    # A cooperative kept before and no longer theirs (its village handed over) is dropped at the next refresh.
    gone = elsewhere.get_absolute_url()
    tab.evaluate(f"caches.open('field-pages').then(c => c.put('{gone}', new Response('kept before')))")
    _settled(tab, force=True)
    kept = tab.evaluate("caches.open('field-pages').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))")
    assert gone not in kept and cooperative.get_absolute_url() in kept


def _sending_done(tab):
    return tab.evaluate("!document.documentElement.classList.contains('field-sending')")


def test_a_flaky_network_loses_no_visit_and_records_none_twice(field_phone, split, flaky_line):
    tab = field_phone
    _ready_offline(tab)
    tab.goto(tab.base_url + "/visits/new/")
    _record_ten(tab)
    # The 4th visit's send reaches the portal as the signal goes: the portal records it, the phone never hears (nor
    # do Chromium's own tries again, which no longer get out). Later the 6th visit's first three sends drop before
    # the portal sees them, and the 8th's first three are recorded and their answers lost.
    line = flaky_line({4: ["stall"], 6: ["cut"] * 3, 8: ["lost"] * 3})
    tab.context.set_offline(False)
    assert _wait(line.stalled.is_set, seconds=30)
    tab.context.set_offline(True)
    line.dark.set()
    line.released.set()
    assert _wait(lambda: line.what_became_of(4)[:1] == [("stall", "201 Created")] and _sending_done(tab)
                 and len(_waiting(tab)) == 7), (line.sends, _waiting(tab))
    expect(tab.locator("#field-status .field-count")).to_have_text("Kunjungan menunggu dikirim: 7")  # 4 to 10
    assert Visit.objects.count() == 4  # the 4th is on the server, and still waiting on the phone

    line.dark.clear()
    tab.context.set_offline(False)
    # The phone tries again on its own (on the signal's return, then every 30 s: here as soon as the last try ends).
    assert _wait(lambda: tab.evaluate("Promise.race([koperasiField.sync().then(() => koperasiField.store.all())"
                                      ".then(list => list.length === 0), new Promise(r => setTimeout(() => r(false), "
                                      "30000))])"), seconds=60), _waiting(tab)
    # What the line did (a send answered "busy" by the test's SQLite, whose tables lock under concurrent writers,
    # is sent again too: hence "at least").
    assert line.what_became_of(4)[0] == ("stall", "201 Created")
    assert [became for became in line.what_became_of(4) if became[0] != "dark"][1:] == [("answer", None)]
    assert [what for what, _ in line.what_became_of(6)][:4] == ["cut"] * 3 + ["answer"]
    assert line.what_became_of(8)[:4] == [("lost", "201 Created")] * 3 + [("answer", None)]
    assert len(line.tokens) == 10
    # Exactly one visit per token, each with its two photos and its follow-up.
    assert sorted(Visit.objects.values_list("summary", flat=True)) == sorted(
        f"Kunjungan luring {n}" for n in range(1, 11))
    assert sorted(Visit.objects.values_list("submission", flat=True)) == sorted(line.tokens)
    assert VisitFile.objects.count() == 20 and FollowUp.objects.count() == 10
    assert all(visit.files.count() == 2 and visit.follow_ups.count() == 1 for visit in Visit.objects.all())
    sends = len(line.sends)
    tab.evaluate("koperasiField.sync()")
    assert len(line.sends) == sends  # a second sync sends nothing
    _settled(tab)
