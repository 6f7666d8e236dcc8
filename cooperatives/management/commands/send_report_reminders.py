"""Daily: remind mentors of the report due soon, and tell mentors and their reviewers of reports that became late.
Each notice goes once per report (ReportNotice), however often the command runs. Run it once a day, e.g. from
cron: `15 7 * * * cd /srv/koperasi && .venv/bin/python manage.py send_report_reminders`."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import IntegrityError, transaction
from django.utils import timezone

from cooperatives import notifications
from cooperatives.models import MonthlyReport, ReportNotice
from cooperatives.reporting import due_date, month_start
from mentors.models import Mentor


class Command(BaseCommand):
    help = ("Send the report reminders (REPORT_REMINDER_DAYS before the due day) and late notices of last month's "
            "reports; each once.")

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to act as (YYYY-MM-DD), for a catch-up run")

    def handle(self, *args, today=None, **options):
        today = timezone.datetime.fromisoformat(today).date() if today else timezone.localdate()
        month = month_start(month_start(today) - timedelta(days=1))  # the report due this month: last month's
        sent = {"reminder": 0, "late": 0}
        mentors = Mentor.objects.filter(is_active=True, role__in=[Mentor.Role.BA, Mentor.Role.PMO]).select_related(
            "regency", "user")
        done = set(MonthlyReport.objects.filter(month=month).exclude(status=MonthlyReport.Status.DRAFT)
                   .values_list("mentor_id", flat=True))
        for mentor in mentors.iterator(chunk_size=1000):
            if mentor.pk in done:
                continue
            due = due_date(mentor.regency, month)
            if today > due:
                kind = ReportNotice.Kind.LATE
            elif due - timedelta(days=settings.REPORT_REMINDER_DAYS) <= today:
                kind = ReportNotice.Kind.REMINDER
            else:
                continue
            try:
                with transaction.atomic():
                    ReportNotice.objects.create(mentor=mentor, month=month, kind=kind)
                    report = MonthlyReport.objects.filter(mentor=mentor, month=month).first() or MonthlyReport(
                        mentor=mentor, month=month)
                    extra = notifications.reviewers(mentor, month) if kind == ReportNotice.Kind.LATE else ()
                    notifications.notify(kind, report, extra_users=extra)
            except IntegrityError:
                continue  # already sent
            sent[kind] += 1
        self.stdout.write(f"{today}: {sent['reminder']} reminders and {sent['late']} late notices for the reports "
                          f"of {month:%Y-%m}.")
