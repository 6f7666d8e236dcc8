"""The schedule of periodic jobs: when each runs next, each due run enqueued once however many schedulers run, and a
scheduler that outlives a locked database."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from toolkit import jobs
from toolkit.tasks import mail_sweep, task_results_prune

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")
SCHEDULE = {"toolkit.tasks.mail_sweep": 60, "cooperatives.tasks.report_reminders_send": "07:15"}


def enqueued() -> list[str]:
    return sorted(DBTaskResult.objects.values_list("task_path", flat=True))


def test_a_job_runs_every_n_seconds_or_daily_at_a_local_time():
    at_seven = datetime(2026, 11, 28, 7, 0, tzinfo=JAKARTA)
    assert jobs.next_run(60, at_seven) == at_seven + timedelta(seconds=60)
    assert jobs.next_run("07:15", at_seven) == datetime(2026, 11, 28, 7, 15, tzinfo=JAKARTA)
    assert jobs.next_run("07:15", datetime(2026, 11, 28, 7, 15, tzinfo=JAKARTA)) == datetime(
        2026, 11, 29, 7, 15, tzinfo=JAKARTA)
    # 23:30 UTC is already the next morning in Jakarta (UTC+7).
    assert jobs.next_run("07:15", datetime(2026, 11, 28, 23, 30, tzinfo=ZoneInfo("UTC"))) == datetime(
        2026, 11, 29, 7, 15, tzinfo=JAKARTA)


def test_each_due_job_is_enqueued_once_then_at_its_next_time(queue, settings):
    settings.JOB_SCHEDULE = SCHEDULE
    start = datetime(2026, 11, 28, 7, 0, tzinfo=JAKARTA)
    assert jobs.schedule_enqueue_due(start) == ["toolkit.tasks.mail_sweep"]  # a new periodic job runs at once
    assert jobs.schedule_enqueue_due(start) == []
    assert jobs.schedule_enqueue_due(start + timedelta(seconds=59)) == []
    assert jobs.schedule_enqueue_due(start + timedelta(seconds=60)) == ["toolkit.tasks.mail_sweep"]
    assert jobs.schedule_enqueue_due(datetime(2026, 11, 28, 7, 15, tzinfo=JAKARTA)) == [
        "toolkit.tasks.mail_sweep", "cooperatives.tasks.report_reminders_send"]
    assert enqueued() == ["cooperatives.tasks.report_reminders_send"] + ["toolkit.tasks.mail_sweep"] * 3
    # A worker that was down at 07:15 catches the day's run up once, when it starts again.
    assert jobs.schedule_enqueue_due(datetime(2026, 11, 29, 9, 0, tzinfo=JAKARTA)) == [
        "toolkit.tasks.mail_sweep", "cooperatives.tasks.report_reminders_send"]
    assert jobs.schedule_enqueue_due(datetime(2026, 11, 29, 9, 0, 30, tzinfo=JAKARTA)) == []


def test_two_schedulers_that_read_the_same_due_run_enqueue_it_once(queue, settings, monkeypatch):
    """Scheduler B runs in full between scheduler A reading the due row and A claiming it: the moment two
    schedulers on two nodes race for the same run."""
    settings.JOB_SCHEDULE = {"toolkit.tasks.mail_sweep": 60}
    start = datetime(2026, 11, 28, 7, 0, tzinfo=JAKARTA)
    jobs.schedule_enqueue_due(start)
    DBTaskResult.objects.all().delete()
    due = start + timedelta(minutes=1)
    real_next_run = jobs.next_run
    interleaved = []

    def next_run_of_a(when, after):
        if not interleaved:  # A has read the row and is about to claim it: B goes first
            interleaved.append(None)
            interleaved[0] = jobs.schedule_enqueue_due(due)
        return real_next_run(when, after)

    monkeypatch.setattr(jobs, "next_run", next_run_of_a)
    assert jobs.schedule_enqueue_due(due) == []  # A
    assert interleaved == [["toolkit.tasks.mail_sweep"]]  # B
    assert enqueued() == ["toolkit.tasks.mail_sweep"]


def test_the_scheduler_keeps_going_when_the_database_is_locked(monkeypatch):
    stop = threading.Event()
    calls = []

    def enqueue_due():
        calls.append(len(calls))
        if len(calls) == 1:
            raise OperationalError("database is locked")
        if len(calls) == 2:
            raise RuntimeError("anything else")
        stop.set()
        return []

    monkeypatch.setattr(jobs, "schedule_enqueue_due", enqueue_due)
    monkeypatch.setattr(jobs, "close_old_connections", lambda: None)  # the test's own connection stays
    thread = threading.Thread(target=jobs.schedule_loop, args=(stop,), kwargs={"tick": 0.01}, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive() and calls == [0, 1, 2]


def test_a_wrong_schedule_fails_the_system_check(settings, capsys):
    settings.JOB_SCHEDULE = {"toolkit.tasks.no_such_job": 60, "toolkit.jobs.next_run": 60,
                             "toolkit.tasks.mail_sweep": "7 pagi"}
    errors = {error.id: error.msg for error in jobs.check_schedule(None)}
    assert set(errors) == {"toolkit.E001", "toolkit.E002", "toolkit.E003"}
    assert "7 pagi" in errors["toolkit.E003"]
    settings.JOB_SCHEDULE = SCHEDULE
    call_command("check")


def test_results_of_jobs_finished_two_weeks_ago_are_pruned_and_the_others_kept(queue):
    old, recent, waiting = (mail_sweep.enqueue().id for _ in range(3))
    DBTaskResult.objects.filter(pk=old).update(status="SUCCESSFUL", finished_at=timezone.now() - timedelta(days=15))
    DBTaskResult.objects.filter(pk=recent).update(status="FAILED", finished_at=timezone.now() - timedelta(days=13))
    task_results_prune.call()
    assert sorted(str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)) == sorted([recent, waiting])
