"""Periodic jobs, enqueued on the project's one job runner.

JOB_SCHEDULE maps a job (the dotted path of a django-tasks `Task`) to when it runs: every N seconds (an int), daily
at "HH:MM" in TIME_ZONE, or hourly at "*:MM" (a job that acts in each regency's own time zone at a local hour).
Adding a job is one line there. `manage.py run_worker` calls `schedule_enqueue_due` every few seconds beside its
worker. The next run of each job is a row (`ScheduledJob`); a scheduler enqueues a
due run only by moving that row on from the value it read, in the same transaction as the job's row, so however
many workers run on however many nodes, each run is enqueued once. A daily run missed while no worker ran is
enqueued once when one starts again.
"""

import logging
import threading
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core import checks
from django.db import OperationalError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import Task

from .models import ScheduledJob

logger = logging.getLogger("koperasi.jobs")

TICK_SECONDS = 5


def _daily_time(when: str) -> time:
    return time.fromisoformat(when.replace("*", "00", 1) if when.startswith("*:") else when)


def next_run(when: int | str, after: datetime) -> datetime:
    """The first run strictly after `after`: `when` seconds later, the next "HH:MM" in TIME_ZONE, or the next
    minute MM of an hour ("*:MM")."""
    if isinstance(when, int):
        return after + timedelta(seconds=when)
    at = _daily_time(when)
    if when.startswith("*:"):
        candidate = after.replace(minute=at.minute, second=0, microsecond=0)
        return candidate if candidate > after else candidate + timedelta(hours=1)
    day = timezone.localtime(after).date()
    candidate = timezone.make_aware(datetime.combine(day, at))
    if candidate <= after:
        candidate = timezone.make_aware(datetime.combine(day + timedelta(days=1), at))
    return candidate


def _first_run(when: int | str, now: datetime) -> datetime:
    """A job new to the schedule: a periodic one runs at once, a daily one at its next time."""
    return now if isinstance(when, int) else next_run(when, now)


def schedule_enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue each job of JOB_SCHEDULE that is due, once; returns the paths enqueued by this call."""
    now = now or timezone.now()
    schedule = settings.JOB_SCHEDULE
    known = set(ScheduledJob.objects.filter(path__in=schedule).values_list("path", flat=True))
    if missing := [path for path in schedule if path not in known]:
        ScheduledJob.objects.bulk_create([ScheduledJob(path=path, next_run_at=_first_run(schedule[path], now))
                                          for path in missing], ignore_conflicts=True)
    enqueued = []
    for path, when in schedule.items():
        try:
            if _claim_and_enqueue(path, when, now):
                enqueued.append(path)
        except OperationalError:
            raise  # the database, not this job: the caller tries again
        except Exception:
            logger.exception("The scheduled job %s could not be enqueued.", path)
    return enqueued


@transaction.atomic
def _claim_and_enqueue(path: str, when: int | str, now: datetime) -> bool:
    # PostgreSQL: a row that another scheduler is claiming is skipped, not waited for. The claim itself is the
    # conditional UPDATE, which also holds on SQLite (where select_for_update does nothing).
    job = ScheduledJob.objects.select_for_update(skip_locked=True).filter(path=path, next_run_at__lte=now).first()
    if job is None:
        return False
    claimed = ScheduledJob.objects.filter(pk=job.pk, next_run_at=job.next_run_at).update(
        next_run_at=next_run(when, now), last_run_at=now)
    if claimed:
        import_string(path).enqueue()
    return bool(claimed)


def schedule_loop(stop: threading.Event, tick: float = TICK_SECONDS) -> None:
    """Enqueue the due jobs every `tick` seconds until `stop` is set. A database that is locked (SQLite, while
    another process writes) or away is retried at the next tick; nothing ends the loop but `stop`."""
    while not stop.is_set():
        try:
            close_old_connections()
            for path in schedule_enqueue_due():
                logger.info("Enqueued the scheduled job %s.", path)
        except OperationalError as error:
            logger.warning("The schedule could not be read (%s); trying again in %s s.", error, tick)
        except Exception:
            logger.exception("The schedule failed; trying again in %s s.", tick)
        stop.wait(tick)
    close_old_connections()


@checks.register()
def check_schedule(app_configs, **kwargs):
    """Each entry of JOB_SCHEDULE names a task and a valid time, so that a typo fails `manage.py check`."""
    errors = []
    for path, when in getattr(settings, "JOB_SCHEDULE", {}).items():
        try:
            job = import_string(path)
        except ImportError as error:
            errors.append(checks.Error(f"JOB_SCHEDULE: {path} cannot be imported ({error}).", id="toolkit.E001"))
            continue
        if not isinstance(job, Task):
            errors.append(checks.Error(f"JOB_SCHEDULE: {path} is not a task (decorate it with @task()).",
                                       id="toolkit.E002"))
        valid = isinstance(when, int) and not isinstance(when, bool) and when > 0
        if isinstance(when, str):
            try:
                valid = _daily_time(when) is not None
            except ValueError:
                valid = False
        if not valid:
            errors.append(checks.Error(f"JOB_SCHEDULE: {path} runs every N seconds (a positive int), daily at "
                                       f"\"HH:MM\" or hourly at \"*:MM\", not {when!r}.", id="toolkit.E003"))
    return errors
