"""The reporting chain: the reviewer of the report's month, the PMO report and the office's review, lateness and
reminders, e-mail (queued in the transaction, never breaking a request), visit evidence served only within scope,
the month-end recap against the raw rows, and no dead ends."""

import io
import logging
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image

from cooperatives import reports, services
from cooperatives.models import Cooperative, FollowUp, MonthlyReport, ReportNotice, StageChange, Visit, VisitFile
from cooperatives.selectors import day_start, month_start, next_month
from mentors.models import Mentor
from territories import coverage, publishing
from territories import services as plans
from territories.models import BaVillage, PmoTerritory
from toolkit.models import OutgoingMail
from toolkit.tasks import mail_deliver, mail_sweep

from ..factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def last_month():
    return month_start(month_start(timezone.localdate()) - timedelta(days=1))


def report_url(mentor, month):
    return reverse("cooperatives:report_detail", kwargs={"mentor_pk": mentor.pk, "month": f"{month:%Y-%m}"})


def photo(name="gerai.jpg", size=(800, 600), gps=True, raw=None):
    """A JPEG as a phone writes it: with the time it was taken and (optionally) where."""
    if raw is not None:
        return SimpleUploadedFile(name, raw, content_type="image/jpeg")
    picture = Image.new("RGB", size, (120, 160, 200))
    exif = Image.Exif()
    exif[0x0132] = "2026:11:20 09:41:00"
    if gps:
        exif[0x8825] = {1: "S", 2: (6.0, 55.0, 12.0), 3: "E", 4: (106.0, 55.0, 48.0)}
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def admin_of(split, sukabumi):
    user = UserFactory(email="admin.dinas@contoh.test", full_name="Admin Dinas")
    MembershipFactory(user=user, regency=sukabumi, role="admin")
    return user


# --- who reviews ---------------------------------------------------------------------------------------------


def test_the_reviewer_is_the_pmo_in_force_in_the_reports_month(split, sukabumi):
    month = last_month()
    assert coverage.reviewer_of(split.ba_mentor, month) == split.pmo_mentor
    # A new plan from today puts another PMO over the BA: last month's report still goes to the first one.
    draft = plans.plan_create(actor=None, regency=sukabumi, name="Baru")
    first, second = PmoTerritory.objects.filter(plan=draft).order_by("name")
    PmoTerritory.objects.filter(pk=first.pk).update(mentor=second.mentor)  # the two PMOs change places
    PmoTerritory.objects.filter(pk=second.pk).update(mentor=first.mentor)
    draft.refresh_from_db()
    publishing.plan_publish(actor=None, plan=draft, version=draft.version, effective_from=timezone.localdate(),
                            reviewed_active_id=split.plan.pk)
    now = month_start(timezone.localdate())
    assert coverage.reviewer_of(split.ba_mentor, month) == split.pmo_mentor
    assert coverage.reviewer_of(split.ba_mentor, now) != split.pmo_mentor


def test_without_an_active_pmo_the_office_admin_reviews_the_ba_report(client_for, split, admin_of):
    month = last_month()
    Mentor.objects.filter(pk=split.pmo_mentor.pk).update(is_active=False)
    services.report_save(actor=split.ba, mentor=split.ba_mentor, month=month, obstacles="", next_month_plan="",
                         submit=True)
    assert "admin.dinas@contoh.test" in mail.outbox[-1].to  # every admin of the regency's office
    # The PMO who left no longer sees the BA's reports at all.
    assert client_for(split.pmo).post(report_url(split.ba_mentor, month), {"action": "accept"}).status_code == 404
    accepted = client_for(admin_of).post(report_url(split.ba_mentor, month), {"action": "accept"})
    assert accepted.status_code == 302
    assert MonthlyReport.objects.get(mentor=split.ba_mentor, month=month).status == "accepted"


# --- the BA report's snapshot and the PMO report ---------------------------------------------------------------


def test_a_submitted_ba_report_keeps_the_month_end_snapshot_and_lists_the_cooperatives_not_visited(client_for, split):
    month = last_month()
    visited = Cooperative.objects.get(village_id=split.villages[0])
    services.visit_create(actor=split.ba, mentor=split.ba_mentor, cooperative=visited, date=month + timedelta(days=3),
                          mode="on_site", focus_areas=["outlets"], summary="Cek gerai", member_count=44)
    client = client_for(split.ba)
    client.post(report_url(split.ba_mentor, month), {"action": "submit", "obstacles": "-", "next_month_plan": "-"})
    report = MonthlyReport.objects.get(mentor=split.ba_mentor, month=month)
    rows = {row["id"]: row for row in report.snapshot["cooperatives"]}
    assert set(rows) == set(Cooperative.objects.filter(village_id__in=split.villages).values_list("pk", flat=True))
    assert rows[visited.pk]["visited"] and rows[visited.pk]["members"] == 44
    assert len(report.snapshot["not_visited"]) == len(split.villages) - 1
    # Later changes do not rewrite what was sent.
    Cooperative.objects.filter(pk=visited.pk).update(stage="operating")
    StageChange.objects.create(cooperative=visited, stage="operating", reached_on=timezone.localdate())
    page = client.get(report_url(split.ba_mentor, month))
    kept = report.snapshot["cooperatives"]
    assert [{key: row[key] for key in kept[0]} for row in page.context["snapshot"]["cooperatives"]] == kept
    assert page.context["snapshot"]["cooperatives"][0]["stage_label"] == "musyawarah desa telah digelar"
    assert "koperasi tidak dikunjungi bulan ini" in page.text


def test_the_pmo_report_goes_from_the_pmo_to_the_office_and_back(client_for, split, admin_of, office_user):
    month = last_month()
    services.report_save(actor=split.ba, mentor=split.ba_mentor, month=month, obstacles="Sinyal lemah",
                         next_month_plan="", submit=True)
    pmo_client = client_for(split.pmo)
    page = pmo_client.get(report_url(split.pmo_mentor, month))
    rows = {row["ba"].pk: row for row in page.context["pmo"]["ba_rows"]}
    assert rows[split.ba_mentor.pk]["status"] == "submitted" and rows[split.ba_mentor.pk]["obstacles"] == "Sinyal lemah"
    assert page.context["pmo"]["totals"]["late"] == sum(1 for row in rows.values() if row["late"])
    mail.outbox.clear()
    pmo_client.post(report_url(split.pmo_mentor, month), {"action": "submit", "obstacles": "Analisis",
                                                          "next_month_plan": "Rencana",
                                                          "send_reason": "Rapat dinas besok"})
    report = MonthlyReport.objects.get(mentor=split.pmo_mentor, month=month)
    assert report.status == "submitted" and report.snapshot["totals"]["sent"] >= 1
    assert report.send_reason == "Rapat dinas besok"
    assert "admin.dinas@contoh.test" in mail.outbox[-1].to and "Laporan" in mail.outbox[-1].subject
    # Office staff read it but only an admin reviews; an empty "return" is refused next to the comment box.
    assert client_for(office_user).post(report_url(split.pmo_mentor, month), {"action": "accept"}).status_code == 403
    admin = client_for(admin_of)
    refused = admin.post(report_url(split.pmo_mentor, month), {"action": "return", "comment": " "})
    assert refused.status_code == 200 and 'class="field-error"' in refused.text
    assert refused.text.index("field-error") > refused.text.index('name="comment"')
    admin.post(report_url(split.pmo_mentor, month), {"action": "return", "comment": "Tambahkan analisis NIB."})
    report.refresh_from_db()
    assert report.status == "returned"
    assert mail.outbox[-1].to == [split.pmo.email] and "Tambahkan analisis NIB." in mail.outbox[-1].body


# --- deadlines, reminders, e-mail ----------------------------------------------------------------------------------


def test_late_reports_and_reminders_are_sent_once_each(split, sukabumi, client_for, office_user):
    month = last_month()
    due = reports.due_date(sukabumi, month)
    mail.outbox.clear()
    call_command("send_report_reminders", "--today", (due - timedelta(days=3)).isoformat(), stdout=io.StringIO())
    reminded = {m.to[0] for m in mail.outbox}
    assert split.ba.email in reminded and all("Pengingat" in m.subject for m in mail.outbox)
    call_command("send_report_reminders", "--today", (due - timedelta(days=2)).isoformat(), stdout=io.StringIO())
    assert {m.to[0] for m in mail.outbox} == reminded  # once per report
    mail.outbox.clear()
    call_command("send_report_reminders", "--today", (due + timedelta(days=1)).isoformat(), stdout=io.StringIO())
    late = [m for m in mail.outbox if split.ba.email in m.to]
    assert len(late) == 1 and split.pmo.email in late[0].to and "terlambat" in late[0].subject
    assert ReportNotice.objects.filter(mentor=split.ba_mentor, kind="late").count() == 1
    if timezone.localdate() > due:
        page = client_for(office_user).get(reverse("cooperatives:report_list"), {"month": f"{month:%Y-%m}"})
        assert page.context["counts"]["late"] == page.context["counts"]["missing"] > 0


class RefusingBackend(EmailBackend):
    """A mail server that refuses some addresses."""

    refused: set[str] = set()

    def send_messages(self, messages):
        if any(set(message.recipients()) & self.refused for message in messages):
            raise ConnectionRefusedError("refused")
        return super().send_messages(messages)


def test_a_reminder_whose_mail_failed_is_queued_again_by_the_next_run_and_a_sent_one_is_not(split, sukabumi,
                                                                                             settings, monkeypatch):
    settings.MAIL_DELIVERY_BACKEND = f"{__name__}.RefusingBackend"
    settings.MAIL_MAX_ATTEMPTS = 1
    monkeypatch.setattr(RefusingBackend, "refused", {split.ba.email})
    due = reports.due_date(sukabumi, last_month())
    mail.outbox.clear()

    def run(day):
        output = io.StringIO()
        call_command("send_report_reminders", "--today", day.isoformat(), stdout=output)
        return output.getvalue()

    first = run(due - timedelta(days=3))
    reminded = {message.to[0] for message in mail.outbox}
    assert split.ba.email not in reminded and split.other_ba.email in reminded
    notice = ReportNotice.objects.get(mentor=split.ba_mentor, kind="reminder")
    assert notice.mail_status == "failed"
    notices = ReportNotice.objects.count()  # those of mentors without an account count as sent: nobody to tell
    assert f"{notices - 1} sent, 0 waiting, 1 failed" in first

    RefusingBackend.refused = set()  # the address works again
    mail.outbox.clear()
    second = run(due - timedelta(days=2))
    assert [message.to for message in mail.outbox] == [[split.ba.email]]  # only the failed one, once
    assert "1 reminders and 0 late notices queued" in second and "(1 again" in second
    assert f"{notices} sent, 0 waiting, 0 failed" in second
    notice.refresh_from_db()
    assert notice.mail_status == "sent" and ReportNotice.objects.filter(mentor=split.ba_mentor).count() == 1

    mail.outbox.clear()
    assert "0 reminders" in run(due - timedelta(days=1)) and mail.outbox == []


def test_a_person_who_turned_email_off_gets_none(client_for, split):
    client_for(split.pmo).post(reverse("profile"), {})  # the switch unticked
    split.pmo.refresh_from_db()
    assert not split.pmo.email_notifications
    mail.outbox.clear()
    services.report_save(actor=split.ba, mentor=split.ba_mentor, month=last_month(), obstacles="",
                         next_month_plan="", submit=True)
    assert mail.outbox == []


def test_with_the_mail_server_down_submitting_still_works_and_the_mail_waits_to_be_retried(client_for, split,
                                                                                           settings, caplog):
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2  # nothing listens there
    month = last_month()
    with caplog.at_level(logging.WARNING, logger="koperasi.mail"):
        response = client_for(split.ba).post(report_url(split.ba_mentor, month), {
            "action": "submit", "obstacles": "-", "next_month_plan": "-"})
    assert response.status_code == 302
    assert MonthlyReport.objects.get(mentor=split.ba_mentor, month=month).status == "submitted"
    waiting = OutgoingMail.objects.get()
    assert (waiting.to, waiting.status, waiting.attempts) == ([split.pmo.email], "waiting", 1)
    assert "Connection refused" in waiting.last_error and waiting.next_attempt_at > timezone.now()
    assert any("not sent (attempt 1 of 8)" in record.message for record in caplog.records)
    assert mail.outbox == []

    # The server is back; once the mail is due again, the sweep hands it to a delivery job.
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutgoingMail.objects.update(next_attempt_at=timezone.now())
    mail_sweep.call()
    waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts) == ("sent", 2) and waiting.sent_at is not None
    assert [message.to for message in mail.outbox] == [[split.pmo.email]]


# --- evidence --------------------------------------------------------------------------------------------------


def _record(client, cooperative, *files, **extra):
    return client.post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}), {
        "date": timezone.localdate().isoformat(), "mode": "on_site", "focus_areas": ["outlets"],
        "summary": "Foto gerai", "follow-TOTAL_FORMS": 0, "follow-INITIAL_FORMS": 0, "files": list(files), **extra})


def test_a_visit_photo_is_re_encoded_with_its_time_and_place_and_served_only_within_scope(client_for, split,
                                                                                         other_admin):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    client = client_for(split.ba)
    pdf = SimpleUploadedFile("notulen.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF",
                             content_type="application/pdf")
    response = _record(client, cooperative, photo(size=(4000, 3000)), pdf, time="09:30", place="Gerai",
                       participants="Ketua, 8 anggota", latitude="-6.920000", longitude="106.930000")
    assert response.status_code == 302
    visit = Visit.objects.get(cooperative=cooperative)
    assert (visit.place, visit.participants, str(visit.latitude)) == ("Gerai", "Ketua, 8 anggota", "-6.920000")
    picture, document = visit.files.order_by("kind", "id").reverse()
    assert (picture.kind, document.kind) == ("photo", "document")
    assert timezone.localtime(picture.taken_at).strftime("%Y-%m-%d %H:%M") == "2026-11-20 09:41"
    assert (str(picture.latitude), str(picture.longitude)) == ("-6.920000", "106.930000")
    stored = Image.open(picture.file.open("rb"))
    assert stored.format == "JPEG" and max(stored.size) == 2000 and not stored.getexif()
    url = reverse("cooperatives:visit_file", kwargs={"pk": picture.pk})
    shown = client.get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert client.get(url, {"thumb": 1}).status_code == 200
    page = client.get(cooperative.get_absolute_url()).text
    assert url in page and picture.file.name not in page  # linked through the view, never by its stored path
    # Another regency's admin does not even learn that it exists.
    assert client_for(other_admin).get(url).status_code == 404


@pytest.mark.parametrize("upload, message", [
    (photo(raw=b"x" * (30 * 1024 * 1024), name="besar.jpg"), "terlalu besar"),
    (SimpleUploadedFile("bukan-foto.jpg", b"ini teks biasa, bukan gambar", content_type="image/jpeg"),
     "bukan foto"),
])
def test_a_file_too_large_or_not_an_image_is_refused_and_nothing_is_stored(client_for, split, upload, message,
                                                                           settings):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    response = _record(client_for(split.ba), cooperative, upload)
    assert response.status_code == 200 and message in response.text
    assert not Visit.objects.exists() and not VisitFile.objects.exists()


# --- the month-end recap ------------------------------------------------------------------------------------------


def test_the_recap_figures_equal_those_computed_from_the_raw_rows(client_for, split, office_user, sukabumi):
    month = last_month()
    end = next_month(month)
    cooperatives = list(Cooperative.objects.filter(village__district__regency=sukabumi))
    for index, cooperative in enumerate(cooperatives[:5]):
        visit = services.visit_create(actor=split.ba if cooperative.village_id in split.villages else None,
                                      mentor=split.ba_mentor, cooperative=cooperative,
                                      date=month + timedelta(days=index), mode="phone", focus_areas=["training"],
                                      summary="x", follow_ups=[("Tindak", month + timedelta(days=2))])
        if index % 2:
            FollowUp.objects.filter(visit=visit).update(done=True, done_at=timezone.now())
    StageChange.objects.create(cooperative=cooperatives[0], stage="notary_deed", reached_on=month + timedelta(days=1))
    services.report_save(actor=split.ba, mentor=split.ba_mentor, month=month, obstacles="", next_month_plan="",
                         submit=True)
    page = client_for(office_user).get(reverse("reporting:recap"), {"month": f"{month:%Y-%m}"})
    figures = page.context["figures"]
    visits = [v for v in Visit.objects.all() if month <= v.date < end]
    assert figures["visits"] == len(visits) == 5
    visited = {v.cooperative_id for v in visits}
    assert {c.pk for c in figures["not_visited"]} == {c.pk for c in cooperatives} - visited
    overdue = [f for f in FollowUp.objects.all() if f.due_date < end and (not f.done or f.done_at.date() >= end)]
    assert figures["overdue"] == len(overdue)
    covered = set(BaVillage.objects.filter(plan=split.plan).values_list("village_id", flat=True))
    assert figures["covered"] == len(covered) == 386
    last_stage = {}
    for change in StageChange.objects.filter(reached_on__lt=end).order_by("reached_on", "id"):
        last_stage[change.cooperative_id] = change.stage
    expected = {}
    for cooperative in cooperatives:
        stage = last_stage.get(cooperative.pk, cooperative.stage)
        expected[stage] = expected.get(stage, 0) + 1
    assert {value: count for value, _label, count in figures["stages"] if count} == expected
    bas = Mentor.objects.filter(regency=sukabumi, role="ba", is_active=True)
    assert figures["reports"]["ba"]["expected"] == bas.count() and figures["reports"]["ba"]["sent"] == 1
    ba_visits = {row["mentor"]: row["visits"] for row in figures["ba_rows"]}
    assert ba_visits[split.ba_mentor.pk] == 5
    assert "Mengetahui," in page.text and "Kepala Dinas Koperasi" not in page.text  # no office settings: no guess
    assert "belum dapat ditandatangani" in page.text
    workbook = client_for(office_user).get(reverse("reporting:recap"), {"month": f"{month:%Y-%m}",
                                                                            "format": "xlsx"})
    assert workbook.status_code == 200 and workbook["Content-Type"].startswith("application/vnd.openxml")


# --- no dead ends ---------------------------------------------------------------------------------------------


def test_a_visit_in_a_submitted_month_says_so_before_the_form_opens(client_for, split):
    month = last_month()
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    visit = services.visit_create(actor=split.ba, mentor=split.ba_mentor, cooperative=cooperative,
                                  date=month + timedelta(days=2), mode="phone", focus_areas=["training"], summary="x")
    services.report_save(actor=split.ba, mentor=split.ba_mentor, month=month, obstacles="", next_month_plan="",
                         submit=True)
    client = client_for(split.ba)
    opened = client.get(reverse("cooperatives:visit_update", kwargs={"pk": visit.pk}), follow=True)
    assert opened.redirect_chain and "tidak dapat dikoreksi lagi" in opened.text
    assert "terkunci" in client.get(cooperative.get_absolute_url()).text


def test_the_report_list_exports_to_excel(client_for, office_user, split):
    response = client_for(office_user).get(reverse("cooperatives:report_list"), {"format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")


def test_a_late_report_is_marked_on_the_report_page(client_for, split, sukabumi):
    month = month_start(date(2026, 1, 1))
    page = client_for(split.ba).get(report_url(split.ba_mentor, month))
    assert page.context["late"] == ("unsent" if timezone.localdate() > reports.due_date(sukabumi, month) else "")


def test_report_mail_is_queued_in_the_transaction_and_a_rollback_sends_none(split, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # jobs wait for the worker
    mail.outbox.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.report_save(actor=split.ba, mentor=split.ba_mentor, month=last_month(), obstacles="",
                             next_month_plan="", submit=True)
        assert OutgoingMail.objects.count() == DBTaskResult.objects.count() == 1
        raise RuntimeError("the request fails after the report was saved")
    assert not OutgoingMail.objects.exists() and not DBTaskResult.objects.exists() and mail.outbox == []

    services.report_save(actor=split.ba, mentor=split.ba_mentor, month=last_month(), obstacles="",
                         next_month_plan="", submit=True)
    queued, job = OutgoingMail.objects.get(), DBTaskResult.objects.get()
    assert queued.status == "waiting" and mail.outbox == []  # nothing until the worker runs the job
    assert (job.task_path, job.args_kwargs["kwargs"]) == ("toolkit.tasks.mail_deliver", {"mail_id": queued.pk})
    mail_deliver.call(**job.args_kwargs["kwargs"])
    assert [message.to for message in mail.outbox] == [[split.pmo.email]]


def test_the_home_pages_ask_for_the_pmo_report_and_show_it_waiting_for_the_office(client_for, split, admin_of):
    month = last_month()
    pmo_home = client_for(split.pmo).get("/").text
    assert "Kirim laporan PMO Anda" in pmo_home and report_url(split.pmo_mentor, month) in pmo_home
    services.report_save(actor=split.pmo, mentor=split.pmo_mentor, month=month, obstacles="", next_month_plan="",
                         submit=True, send_reason="Batas waktu dinas")
    assert "Kirim laporan PMO Anda" not in client_for(split.pmo).get("/").text
    office_home = client_for(admin_of).get("/").text
    assert "Periksa laporan PMO" in office_home and report_url(split.pmo_mentor, month) in office_home


def test_the_pmo_report_counts_each_bas_visits_cooperatives_and_follow_ups_of_the_month(client_for, split):
    month = last_month()
    cooperatives = list(Cooperative.objects.filter(village_id__in=split.villages).order_by("pk")[:2])
    first = services.visit_create(actor=None, mentor=split.ba_mentor, cooperative=cooperatives[0],
                                  date=month + timedelta(days=2), mode="phone", focus_areas=["training"],
                                  summary="Satu", follow_ups=[("Cek NIB", month + timedelta(days=9)),
                                                              ("Cek rekening", month + timedelta(days=9))])
    for day, cooperative in ((4, cooperatives[0]), (6, cooperatives[1])):
        services.visit_create(actor=None, mentor=split.ba_mentor, cooperative=cooperative,
                              date=month + timedelta(days=day), mode="phone", focus_areas=["training"], summary="Lagi")
    # One follow-up done within the month, one after it: only the first is closed in the month.
    done_in_month, done_later = list(first.follow_ups.order_by("pk"))
    morning = timedelta(hours=9)
    tenth = day_start(month + timedelta(days=10))
    FollowUp.objects.filter(pk=done_in_month.pk).update(done=True, done_at=tenth + morning)
    FollowUp.objects.filter(pk=done_later.pk).update(done=True, done_at=day_start(next_month(month)) + morning)
    compiled = reports.pmo_compilation(split.pmo_mentor, month)
    rows = {row["ba"].pk: row for row in compiled["ba_rows"]}
    mine = rows[split.ba_mentor.pk]
    assert (mine["visits"], mine["visited"], mine["opened"], mine["closed"]) == (3, 2, 2, 1)
    assert all(row["closed"] == 0 and row["visits"] == 0 for pk, row in rows.items() if pk != split.ba_mentor.pk)
    # The page shows the same row, the BA's name linking to their page and the status to their report.
    page = client_for(split.pmo).get(report_url(split.pmo_mentor, month))
    shown = next(row for row in page.context["pmo_rows"] if row["name"] == split.ba_mentor.full_name)
    assert (shown["visits"], shown["visited"], shown["opened"], shown["closed"]) == (3, 2, 2, 1)
    assert shown["url"] == split.ba_mentor.get_absolute_url() and shown["report_url"] == report_url(split.ba_mentor,
                                                                                                     month)
    assert f'<a href="{shown["report_url"]}"><span class="badge report-missing">' in page.text
