"""The reporting chain end to end on a phone (360 × 740): a BA records a visit with a photo and submits the
month; the PMO is e-mailed, returns it; the BA fixes and resubmits; the PMO accepts and submits the PMO report;
an office admin accepts it; the month-end recap lists the visit."""

import io

import pytest
from django.core import mail
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from cooperatives.models import MonthlyReport, Visit, VisitFile
from cooperatives.selectors import month_start

from ..factories import MembershipFactory, UserFactory
from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Rahasia-Rantai-1"


def _phone(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID", is_mobile=True,
                                  has_touch=True)
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.base_url = live_server.url
    return tab


def _as(browser, live_server, user):
    tab = _phone(browser, live_server)
    sign_in(tab, user.email, PASSWORD)
    return tab


def _fits(tab, what):
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{what} scrolls sideways ({width} px)"


def test_a_report_goes_from_the_ba_to_the_pmo_to_the_office(browser, live_server, split, sukabumi, tmp_path):
    admin = UserFactory(email="admin.dinas@contoh.test", full_name="Admin Dinas")
    MembershipFactory(user=admin, regency=sukabumi, role="admin")
    for user in (split.ba, split.pmo, admin):
        user.set_password(PASSWORD)
        user.save()
    month = month_start(timezone.localdate())
    picture = tmp_path / "gerai.jpg"
    Image.new("RGB", (1600, 1200), (90, 140, 60)).save(picture, "JPEG")

    # The BA records a visit with a photo from the phone's files, and submits the month.
    ba = _as(browser, live_server, split.ba)
    ba.goto(f"{ba.base_url}/visits/new/")
    ba.locator("#id_cooperative").select_option(index=1)
    ba.check("input[name=focus_areas][value=outlets]")
    ba.fill("#id_summary", "Memeriksa persiapan gerai dan lahan.")
    ba.fill("#id_place", "Gerai sembako")
    ba.set_input_files("#id_files", str(picture))
    _fits(ba, "the visit form")
    ba.locator("form.visit-form button[type=submit]").last.click()
    expect(ba.locator(".message-success")).to_be_visible()
    visit = Visit.objects.get()
    assert visit.files.get().kind == VisitFile.Kind.PHOTO
    expect(ba.locator("ul.evidence img")).to_be_visible()
    screenshot(ba, "chain-visit-with-photo")
    report_path = f"/reports/{split.ba_mentor.pk}/{month:%Y-%m}/"
    ba.goto(ba.base_url + report_path)
    _fits(ba, "the BA's report")
    ba.fill("#id_obstacles", "Sinyal lemah di dua desa.")
    ba.locator("details.confirm:has(button[value=submit]) > summary").click()  # the confirmation step
    ba.locator("button[value=submit]").click()
    expect(ba.locator(".message-success")).to_be_visible()
    assert MonthlyReport.objects.get(mentor=split.ba_mentor, month=month).status == "submitted"
    assert split.pmo.email in mail.outbox[-1].to and report_path in mail.outbox[-1].body

    # The PMO follows the e-mail's link and returns the report; an empty comment is refused next to its box.
    pmo = _as(browser, live_server, split.pmo)
    pmo.goto(pmo.base_url + report_path)
    pmo.locator("button[value=return]").click()
    expect(pmo.locator("#review ~ form .field-error, form .field-error").first).to_be_visible()
    assert pmo.evaluate("document.activeElement.name") == "comment"
    pmo.fill("textarea[name=comment]", "Tambahkan jumlah anggota koperasi yang dikunjungi.")
    pmo.locator("button[value=return]").click()
    expect(pmo.locator(".message-success")).to_be_visible()
    assert split.ba.email in mail.outbox[-1].to and "Tambahkan jumlah anggota" in mail.outbox[-1].body

    # The BA fixes it and sends it again; the PMO accepts it, then submits the PMO report.
    ba.goto(ba.base_url + report_path)
    expect(ba.locator("article.message-warning")).to_contain_text("Tambahkan jumlah anggota")
    ba.fill("#id_obstacles", "Sinyal lemah di dua desa. Anggota: 44 orang.")
    ba.locator("details.confirm:has(button[value=submit]) > summary").click()  # the confirmation step
    ba.locator("button[value=submit]").click()
    expect(ba.locator(".message-success")).to_be_visible()
    pmo.goto(pmo.base_url + report_path)
    pmo.locator("details.confirm:has(button[value=accept]) > summary").click()  # the confirmation step
    pmo.locator("button[value=accept]").click()
    expect(pmo.locator(".message-success")).to_be_visible()
    assert MonthlyReport.objects.get(mentor=split.ba_mentor, month=month).status == "accepted"
    pmo_path = f"/reports/{split.pmo_mentor.pk}/{month:%Y-%m}/"
    pmo.goto(pmo.base_url + pmo_path)
    expect(pmo.locator(".pmo-compilation")).to_contain_text(split.ba_mentor.full_name)
    _fits(pmo, "the PMO report")
    pmo.fill("#id_obstacles", "Satu BA terlambat; pendampingan NIB berjalan.")
    expect(pmo.locator("#open-reports")).to_contain_text("belum dikirim")  # the rest of the team
    pmo.fill("#id_send_reason", "Tenggat dinas; BA lain menyusul.")
    pmo.locator("details.confirm:has(button[value=submit]) > summary").click()  # the confirmation step
    pmo.locator("button[value=submit]").click()
    expect(pmo.locator(".message-success")).to_be_visible()
    assert admin.email in mail.outbox[-1].to
    screenshot(pmo, "chain-pmo-report")

    # An office admin accepts the PMO report; the month-end recap lists the visit.
    office = _as(browser, live_server, admin)
    office.goto(office.base_url + pmo_path)
    office.locator("details.confirm:has(button[value=accept]) > summary").click()  # the confirmation step
    office.locator("button[value=accept]").click()
    expect(office.locator(".message-success")).to_be_visible()
    assert MonthlyReport.objects.get(mentor=split.pmo_mentor, month=month).status == "accepted"
    office.goto(f"{office.base_url}/reports/recap/?month={month:%Y-%m}")
    expect(office.locator("#recap-visits")).to_have_text("1")
    expect(office.locator(".recap-bas")).to_contain_text(split.ba_mentor.full_name)
    expect(office.locator(".signature")).to_contain_text("Mengetahui")
    _fits(office, "the recap")
    screenshot(office, "chain-recap")
    for tab in (ba, pmo, office):
        tab.context.close()


def test_a_photo_cannot_be_opened_from_outside_the_scope(browser, live_server, split, other_admin):
    from cooperatives import services
    from cooperatives.models import Cooperative

    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 20, 30)).save(buffer, "JPEG")
    from django.core.files.uploadedfile import SimpleUploadedFile

    visit = services.visit_create(actor=None, mentor=split.ba_mentor, cooperative=cooperative,
                                  date=timezone.localdate(), mode="on_site", focus_areas=["outlets"], summary="x",
                                  files=[SimpleUploadedFile("a.jpg", buffer.getvalue())])
    other_admin.set_password(PASSWORD)
    other_admin.save()
    tab = _as(browser, live_server, other_admin)
    response = tab.goto(f"{tab.base_url}/visits/files/{visit.files.get().pk}/")
    assert response.status == 404
    tab.context.close()
