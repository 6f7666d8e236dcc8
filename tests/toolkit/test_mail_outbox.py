"""The mail outbox: every e-mail is written in the caller's transaction and delivered by the worker, which retries
a failing server with backoff, marks nothing sent before delivery, and loses nothing when a process is killed."""

import os
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import dj_database_url
import pytest
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives, send_mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from toolkit.mail import mail_queue
from toolkit.models import OutgoingMail
from toolkit.tasks import mail_sweep

from ..test_upgrade import PROJECT, Database

pytestmark = pytest.mark.django_db


class FlakyBackend(EmailBackend):
    """A mail server that fails the first `failures` deliveries, then takes every message."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("the mail server is down")
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings, monkeypatch):
    settings.MAIL_DELIVERY_BACKEND = f"{__name__}.FlakyBackend"
    monkeypatch.setattr(FlakyBackend, "failures", 0)
    return FlakyBackend


def test_a_rolled_back_transaction_leaves_no_mail_and_no_job(queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        send_mail("Undangan", "Tautan", None, ["nina@contoh.test"])
        assert OutgoingMail.objects.count() == DBTaskResult.objects.count() == 1
        raise RuntimeError("the request failed after sending")
    assert not OutgoingMail.objects.exists() and not DBTaskResult.objects.exists()
    assert mail.outbox == []


def test_a_message_is_queued_with_its_job_and_sent_only_by_the_worker(work):
    queued = mail_queue(subject="Laporan dikirim", body="Silakan periksa.", to=["pmo@contoh.test"])
    assert (queued.status, queued.attempts, queued.sent_at) == ("waiting", 0, None)
    assert mail.outbox == []
    assert work() == 1
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("sent", 1) and queued.sent_at is not None
    assert [(message.subject, message.to) for message in mail.outbox] == [("Laporan dikirim", ["pmo@contoh.test"])]
    assert work() == 0


def test_a_message_keeps_every_part_through_the_outbox(work):
    message = EmailMultiAlternatives("Atur kata sandi", "Teks", "Portal <portal@contoh.test>", ["a@contoh.test"],
                                     cc=["b@contoh.test"], bcc=["c@contoh.test"], reply_to=["d@contoh.test"],
                                     headers={"X-Portal": "1"})
    message.attach_alternative("<p>HTML</p>", "text/html")
    message.send()
    html_only = EmailMessage("Hanya HTML", "<p>Saja</p>", None, ["e@contoh.test"])
    html_only.content_subtype = "html"  # as allauth builds a message without a text template
    html_only.send()
    work()
    sent, alone = mail.outbox
    assert (sent.subject, sent.body, sent.from_email, sent.to, sent.cc, sent.bcc, sent.reply_to) == (
        "Atur kata sandi", "Teks", "Portal <portal@contoh.test>", ["a@contoh.test"], ["b@contoh.test"],
        ["c@contoh.test"], ["d@contoh.test"])
    assert sent.alternatives == [("<p>HTML</p>", "text/html")] and sent.extra_headers["X-Portal"] == "1"
    assert sent.extra_headers["Message-ID"] == OutgoingMail.objects.get(subject="Atur kata sandi").headers["Message-ID"]
    assert (alone.body, alone.content_subtype) == ("<p>Saja</p>", "html")
    with_file = EmailMessage("Lampiran", "x", None, ["a@contoh.test"])
    with_file.attach("a.txt", "isi", "text/plain")
    with pytest.raises(ValueError, match="attachments"):
        with_file.send()


def test_a_failing_server_is_retried_with_backoff_until_the_mail_is_sent(work, clock, flaky):
    flaky.failures = 2
    queued = mail_queue(subject="Pengingat", body="Laporan", to=["ba@contoh.test"])
    seen = []
    for wait in (None, 1, 5):  # minutes after the previous attempt
        if wait:
            clock.advance(minutes=wait - 1, seconds=59)
            assert work() == 0  # not yet due
            clock.advance(seconds=1)
        assert work() == 1
        queued.refresh_from_db()
        seen.append((queued.status, queued.attempts))
        if queued.status == "waiting":
            assert "the mail server is down" in queued.last_error
            job = DBTaskResult.objects.get(status="READY")
            assert job.run_after == queued.next_attempt_at
    assert seen == [("waiting", 1), ("waiting", 2), ("sent", 3)]
    assert queued.sent_at == clock.now and len(mail.outbox) == 1


def test_after_the_last_attempt_the_mail_is_failed_and_no_longer_tried(work, clock, flaky, settings):
    settings.MAIL_MAX_ATTEMPTS = 3
    flaky.failures = 100
    queued = mail_queue(subject="Pengingat", body="Laporan", to=["ba@contoh.test"])
    for _ in range(10):
        work()
        clock.advance(hours=5)
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.sent_at) == ("failed", 3, None)
    assert not DBTaskResult.objects.filter(status="READY").exists()
    assert mail_sweep.call() == 0 and mail.outbox == []


def test_the_sweep_enqueues_due_mail_that_no_job_will_deliver_and_nothing_else(work, clock):
    pending, lost, orphaned, busy, later = (
        mail_queue(subject=name, body="-", to=["x@contoh.test"]) for name in ("pending", "lost", "orphaned", "busy",
                                                                              "later"))
    jobs = {job.args_kwargs["kwargs"]["mail_id"]: job for job in DBTaskResult.objects.all()}
    jobs[lost.pk].delete()  # an enqueue that never happened
    jobs[orphaned.pk].claim("killed-worker")  # its worker was killed mid-job, ten minutes ago and more
    DBTaskResult.objects.filter(pk=jobs[orphaned.pk].pk).update(started_at=clock.now - timedelta(minutes=11))
    jobs[busy.pk].claim("live-worker")  # running right now
    OutgoingMail.objects.filter(pk=later.pk).update(next_attempt_at=clock.now + timedelta(minutes=5))
    DBTaskResult.objects.filter(pk=jobs[later.pk].pk).delete()

    assert mail_sweep.call() == 2
    swept = DBTaskResult.objects.filter(status="READY").exclude(pk__in=[job.pk for job in jobs.values()])
    assert sorted(job.args_kwargs["kwargs"]["mail_id"] for job in swept) == sorted([lost.pk, orphaned.pk])
    assert mail_sweep.call() == 0  # they have a job now

    work()
    assert sorted(message.subject for message in mail.outbox) == ["lost", "orphaned", "pending"]
    clock.advance(minutes=5)
    assert mail_sweep.call() == 1
    work()
    assert sorted(message.subject for message in mail.outbox) == ["later", "lost", "orphaned", "pending"]


def test_retry_now_in_the_admin_sends_a_failed_mail_again(client, superuser):
    failed = mail_queue(subject="Gagal", body="-", to=["x@contoh.test"])
    sent = mail_queue(subject="Terkirim", body="-", to=["y@contoh.test"])
    OutgoingMail.objects.filter(pk=failed.pk).update(status="failed", sent_at=None, attempts=8, last_error="down")
    mail.outbox.clear()
    client.force_login(superuser)
    listing = client.get("/admin/toolkit/outgoingmail/", {"status__exact": "failed", "q": "x@contoh"})
    assert listing.status_code == 200 and "Gagal" in listing.text and "Terkirim" not in listing.text
    assert client.get(f"/admin/toolkit/outgoingmail/{failed.pk}/change/").status_code == 200
    response = client.post("/admin/toolkit/outgoingmail/", {
        "action": "retry_now", "_selected_action": [failed.pk, sent.pk]}, follow=True)
    assert response.status_code == 200
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("sent", 1)
    assert [message.subject for message in mail.outbox] == ["Gagal"]  # the sent one is not sent again


# --- durability: the acceptance test ----------------------------------------------------------------------

QUEUE_THEN_DIE = """
import time
from django.core.mail import send_mail
from django.core.management import call_command
from django.db import transaction

for app in ("toolkit", "django_tasks_database"):
    call_command("migrate", app, verbosity=0)
for number in range(20):
    send_mail(f"durability {number:02d}", "Queued just before the process died.", None,
              [f"mentor{number}@contoh.test"])
with transaction.atomic():
    send_mail("never committed", "Queued in the transaction the process died in.", None, ["nobody@contoh.test"])
    print("queued", flush=True)
    time.sleep(120)
"""


def _delivered(folder: Path) -> Counter:
    subjects = Counter()
    for file in folder.glob("*.log") if folder.exists() else ():
        for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("Subject: "):
                subjects[line.removeprefix("Subject: ")] += 1
    return subjects


def _statuses(database: Database) -> dict[str, int]:
    sql = "SELECT status, count(*) FROM toolkit_outgoingmail GROUP BY status"
    if "postgresql" in database.engine:
        import psycopg

        config = dj_database_url.parse(database.url)
        with psycopg.connect(dbname=database.name, user=config["USER"], password=config["PASSWORD"] or None,
                             host=config["HOST"] or None, port=config["PORT"] or None) as conn:
            return dict(conn.execute(sql).fetchall())
    import sqlite3

    with sqlite3.connect(database.path) as conn:
        return dict(conn.execute(sql).fetchall())


def test_mail_queued_just_before_the_process_is_killed_is_delivered_exactly_once_by_the_worker(tmp_path):
    database = Database(tmp_path)
    folder = tmp_path / "mail"
    env = {**os.environ, "DATABASE_URL": database.url, "DEBUG": "true", "DJANGO_SETTINGS_MODULE":
           "koperasi_portal.settings", "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
           "EMAIL_FILE_PATH": str(folder)}
    web = worker = None
    try:
        # A process queues 20 e-mails (committed) and a 21st in a transaction it never commits, then is killed.
        web = subprocess.Popen([sys.executable, "manage.py", "shell", "-v", "0", "-c", QUEUE_THEN_DIE], cwd=PROJECT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([web.stdout], [], [], 60)
        line = web.stdout.readline() if ready else ""
        assert line == "queued\n", web.stderr.read() if web.poll() is not None else "no answer within 60 s"
        web.send_signal(signal.SIGKILL)
        web.wait(timeout=10)
        assert _delivered(folder) == Counter()  # nothing went out before a worker ran

        # A worker starts afterwards and delivers them, with the real transport of EMAIL_BACKEND.
        log = tmp_path / "worker.log"
        with log.open("w") as output:
            worker = subprocess.Popen(
                [sys.executable, "manage.py", "run_worker", "--no-reload", "--interval", "0.2", "--no-startup-delay"],
                cwd=PROJECT, env=env, stdout=output, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and worker.poll() is None and sum(_delivered(folder).values()) < 20:
                time.sleep(0.2)
            time.sleep(0.5)  # a second delivery of any of them would show now
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=15)

        expected = Counter({f"durability {number:02d}": 1 for number in range(20)})
        assert _delivered(folder) == expected, log.read_text()
        assert _statuses(database) == {"sent": 20}
    finally:
        for process in (web, worker):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        database.drop()
