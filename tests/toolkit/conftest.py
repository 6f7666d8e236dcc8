"""The job queue as in production (django-tasks-db's database backend), a worker that runs the ready jobs inside
the test's transaction, and a clock that can be moved on."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


@pytest.fixture
def queue(settings):
    """Jobs wait in the database until `work()` runs them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def work(queue):
    """Run the jobs that are ready now, one by one, with django-tasks-db's own Worker.run_task; returns how many."""
    worker = Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id="test-worker", excluded_queue_names=[])

    def run() -> int:
        ran = 0
        while (job := DBTaskResult.objects.ready().get_locked()) is not None:
            job.claim(worker.worker_id)
            worker.run_task(job)
            ran += 1
        return ran

    return run


class Clock:
    def __init__(self, monkeypatch):
        # A second ahead: a default bound to the real `timezone.now` (OutgoingMail.next_attempt_at) is not later.
        self.now = timezone.now() + timedelta(seconds=1)
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """`timezone.now()` stands still until `clock.advance(minutes=…)`."""
    return Clock(monkeypatch)
