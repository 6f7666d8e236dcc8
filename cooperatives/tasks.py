"""Background jobs about reports, on the project's job runner (scheduled in settings.JOB_SCHEDULE)."""

from datetime import date, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_tasks import task

from mentors.models import Mentor
from regions import timezones
from territories import coverage
from toolkit.models import OutgoingMail

from . import notifications
from .models import MonthlyReport, ReportNotice
from .reports import due_date, month_start


@task()
def report_reminders_send(today: str | None = None) -> dict:
    """Hourly: in each time zone whose clock has reached REPORT_REMINDER_TIME today, remind the mentors of its
    regencies of the report due soon (REPORT_REMINDER_DAYS before the due day, their regency's), and tell mentors
    and their reviewers of reports that became late. Each notice is queued once per report however often this
    runs, and queued again (once per run) only when its e-mail failed: a run the worker missed is made up by the
    next. `today` (YYYY-MM-DD) is the day to act as in every zone, at once, for a catch-up run. Returns what was
    queued and where the month's notices stand (of the last day acted on)."""
    at = time.fromisoformat(settings.REPORT_REMINDER_TIME)
    days: dict[date, list[str]] = {}
    for zone_name in timezones.ZONES:
        if today:
            days.setdefault(date.fromisoformat(today), []).append(zone_name)
            continue
        local = timezone.localtime(timezone.now(), timezones.zone(zone_name))
        if local.time() >= at:
            days.setdefault(local.date(), []).append(zone_name)
    result = {"day": "", "month": "", "reminders": 0, "late": 0, "again": 0}
    for day, zones in sorted(days.items()):
        done = _reminders_send(day, zones)
        result.update(day=done.pop("day"), month=done.pop("month"))
        for key in ("reminders", "late", "again"):
            result[key] += done.pop(key)
        result.update(done)
    if not days:  # no zone has reached the hour yet today
        result.update(day=timezone.localdate().isoformat(), **_notice_states(None))
    result["zones"] = [zone_name for zones in days.values() for zone_name in zones]
    return result


def _reminders_send(day: date, zones: list[str]) -> dict:
    """The reminders and late notices of `day` for the mentors of the regencies in `zones`."""
    month = month_start(month_start(day) - timedelta(days=1))  # the report due this month: last month's
    queued = {ReportNotice.Kind.REMINDER: 0, ReportNotice.Kind.LATE: 0}
    again = 0
    known = {(mentor_id, kind): status or OutgoingMail.Status.SENT for mentor_id, kind, status in
             ReportNotice.objects.filter(month=month).values_list("mentor_id", "kind", "mail__status")}
    # Active PMOs, and active BAs whose territory held villages at the month's end: a BA without one owes nothing.
    mentors = Mentor.objects.filter(
        Q(role=Mentor.Role.PMO) | Q(coverage.bas_covering_on(coverage.review_day(month)), role=Mentor.Role.BA),
        is_active=True, regency__time_zone__in=zones).select_related("regency", "user")
    done = set(MonthlyReport.objects.filter(month=month).exclude(status=MonthlyReport.Status.DRAFT)
               .values_list("mentor_id", flat=True))
    for mentor in mentors.iterator(chunk_size=1000):
        if mentor.pk in done:
            continue
        due = due_date(mentor.regency, month)
        if day > due:
            kind = ReportNotice.Kind.LATE
        elif due - timedelta(days=settings.REPORT_REMINDER_DAYS) <= day:
            kind = ReportNotice.Kind.REMINDER
        else:
            continue
        status = known.get((mentor.pk, kind))
        if status not in (None, OutgoingMail.Status.FAILED):
            continue  # queued already: sent, or waiting for the worker
        try:
            with transaction.atomic(), timezone.override(timezones.zone_of(mentor.regency)):
                if not _notice_queue(mentor=mentor, month=month, kind=kind):
                    continue
        except IntegrityError:
            continue  # another run queued it first
        queued[kind] += 1
        again += status == OutgoingMail.Status.FAILED
    return {"day": day.isoformat(), "month": f"{month:%Y-%m}", "reminders": queued[ReportNotice.Kind.REMINDER],
            "late": queued[ReportNotice.Kind.LATE], "again": again, **_notice_states(month)}


def _notice_states(month: date | None) -> dict:
    """How many of the month's notices were sent, wait for the worker, or failed."""
    states = {str(status): 0 for status in OutgoingMail.Status}
    if month is None:
        return states
    for row in ReportNotice.objects.filter(month=month).values("mail__status").annotate(count=Count("id")):
        states[row["mail__status"] or OutgoingMail.Status.SENT] += row["count"]
    return states


def _notice_queue(*, mentor: Mentor, month: date, kind: str) -> bool:
    """Record the notice (or take the one whose e-mail failed) and queue its e-mail, in the caller's transaction.
    False when another run has queued it again meanwhile."""
    notice = ReportNotice.objects.select_for_update().filter(mentor=mentor, month=month, kind=kind).first()
    if notice is None:
        notice = ReportNotice.objects.create(mentor=mentor, month=month, kind=kind)
    elif notice.mail_status != OutgoingMail.Status.FAILED:
        return False
    report = MonthlyReport.objects.filter(mentor=mentor, month=month).first() or MonthlyReport(mentor=mentor,
                                                                                            month=month)
    extra = notifications.reviewers(mentor, month) if kind == ReportNotice.Kind.LATE else ()
    notice.mail = notifications.notify(kind, report, extra_users=extra)
    notice.save(update_fields=["mail"])
    return True
