"""Run the background jobs: django-tasks-db's worker (its `db_worker` command, same options), and beside it a
thread that enqueues the jobs of JOB_SCHEDULE when they are due (toolkit/jobs.py). Run one or more on any node,
e.g. as the systemd unit `koperasi-worker.service` (docs/deployment.md); `make run` starts one beside runserver.
With `--batch` the schedule is read once, the jobs waiting are run, and the command ends."""

import os
import threading

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from toolkit.jobs import schedule_enqueue_due, schedule_loop


class Command(db_worker.Command):
    help = "Run the background jobs (django-tasks-db's worker) and enqueue the scheduled ones when due."

    def handle(self, *args, batch: bool, reload: bool, **options):
        if batch:
            schedule_enqueue_due()
        elif not reload or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            # With --reload, the process that only watches the code does not schedule; the one it runs does.
            threading.Thread(target=schedule_loop, args=(threading.Event(),), name="schedule", daemon=True).start()
        super().handle(*args, batch=batch, reload=reload, **options)
