"""The field app on a 360 px phone: visits recorded without a signal are kept on the phone, survive closing the
page, and reach the server exactly once when the signal returns, whatever the network does meanwhile."""

import time
from datetime import timedelta
from io import BytesIO

import pytest
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
    tab.evaluate("navigator.serviceWorker.ready.then(() => true)")
    tab.reload()
    tab.wait_for_function("caches.open('field-pages').then(c => c.match('/visits/new/')).then(Boolean)"
                          " && navigator.serviceWorker.controller !== null")
    tab.wait_for_function("caches.open('field-pages').then(c => Promise.all(['/', '/visits/new/', '/follow-ups/', "
                          "'/offline/'].map(p => c.match(p)))).then(all => all.every(Boolean))")
    tab.context.set_offline(True)


def _record(tab, index, summary, count):
    tab.locator("select[name=cooperative]").select_option(index=index)
    tab.locator("input[name=focus_areas][value=outlets]").check()
    tab.fill("textarea[name=summary]", summary)
    tab.fill("input[name='follow-0-action']", f"Tindak lanjut {summary}")
    tab.fill("input[name='follow-0-due_date']", (timezone.localdate() + timedelta(days=7)).isoformat())
    tab.locator("input[name=files]").set_input_files(PHOTOS)
    tab.locator("main form.visit-form button[type=submit]").click()
    expect(tab.locator("#field-status .field-count")).to_have_text(f"Kunjungan menunggu dikirim: {count}")
    expect(tab.locator(".field-message")).to_contain_text("Tidak ada sinyal")
    expect(tab.locator("textarea[name=summary]")).to_have_value("")  # ready for the next visit


def _waiting(tab):
    return tab.evaluate("koperasiField.store.all().then(list => list.map(e => [e.status, e.reason]))")


def test_visits_recorded_without_a_signal_arrive_once_when_it_returns(field_phone, split):
    tab = field_phone
    _ready_offline(tab)
    tab.goto(tab.base_url + "/visits/new/")  # from the phone, no signal
    mine = {c.village.name for c in Cooperative.objects.filter(village_id__in=split.villages).select_related("village")}
    options = tab.locator("select[name=cooperative] option:not([value=''])").all_text_contents()
    assert {option.split(" · ")[0] for option in options} == mine  # only the BA's own cooperatives are kept
    for index in (1, 2, 3):
        _record(tab, index, f"Kunjungan luring {index}", index)
    expect(tab.locator("#field-status .field-count")).to_have_text("Kunjungan menunggu dikirim: 3")
    sides = tab.evaluate("koperasiField.store.all().then(list => Promise.all(list.flatMap(e => e.photos).map("
                         "p => createImageBitmap(p.blob).then(b => Math.max(b.width, b.height)))))")
    assert sorted(sides) == [320, 320, 320, 2000, 2000, 2000]  # the large photo shrunk on the phone
    screenshot(tab, "field-waiting-phone")

    # A waiting visit can still be corrected: it opens in the kept form, filled in, and saving replaces it.
    tab.locator("#field-status summary").click()
    tab.locator("#field-status li").first.get_by_role("link", name="Sunting").click()
    expect(tab.locator("textarea[name=summary]")).to_have_value("Kunjungan luring 1")
    tab.fill("textarea[name=summary]", "Kunjungan luring 1, dikoreksi")
    tab.locator("main form.visit-form button[type=submit]").click()
    expect(tab.locator(".field-message")).to_contain_text("Tidak ada sinyal")
    expect(tab.locator("#field-status .field-count")).to_have_text("Kunjungan menunggu dikirim: 3")

    # The page is closed and opened again, still without a signal: the three are still waiting.
    context = tab.context
    tab.close()
    tab = context.new_page()
    tab.goto(field_phone.base_url + "/")
    expect(tab.locator("#field-status .field-count")).to_have_text("Kunjungan menunggu dikirim: 3")
    tab.goto(field_phone.base_url + "/regions/")  # a page the phone does not keep says so plainly
    expect(tab.locator("h1")).to_have_text("Tidak ada sinyal")
    assert Visit.objects.count() == 0

    # The signal returns: each visit arrives once, with its photos and follow-up.
    tab.goto(field_phone.base_url + "/")
    context.set_offline(False)
    assert _wait(lambda: not _waiting(tab)), _waiting(tab)  # the phone is told each one arrived
    assert Visit.objects.count() == 3
    assert sorted(Visit.objects.values_list("summary", flat=True)) == [
        "Kunjungan luring 1, dikoreksi", "Kunjungan luring 2", "Kunjungan luring 3"]
    assert VisitFile.objects.count() == 6 and FollowUp.objects.count() == 3
    # The photo shrunk on the phone still says when it was taken.
    assert sorted(str(f.taken_at and timezone.localtime(f.taken_at)) for f in VisitFile.objects.all()) == [
        "2026-12-01 10:30:00+07:00"] * 3 + ["None"] * 3
    expect(tab.locator("#field-status")).to_be_hidden()
    posts = []
    tab.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    tab.evaluate("koperasiField.sync()")
    assert posts == [] and Visit.objects.count() == 3  # a second sync sends nothing


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
