"""Queue the report reminders and late notices now (the worker also runs this daily: JOB_SCHEDULE in settings). For
a catch-up run, `--today YYYY-MM-DD` acts as that day. Each notice is queued once per report, however often it
runs, and again only when its e-mail failed; the worker (`manage.py run_worker`) delivers them."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from cooperatives.tasks import report_reminders_send


class Command(BaseCommand):
    help = ("Queue the report reminders (REPORT_REMINDER_DAYS before the due day) and late notices of last month's "
            "reports; each once, again only if its e-mail failed.")

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to act as (YYYY-MM-DD), for a catch-up run")

    def handle(self, *args, today=None, **options):
        if today:
            try:
                date.fromisoformat(today)
            except ValueError as error:
                raise CommandError(f"--today: {error}") from error
        result = report_reminders_send.call(today=today)
        self.stdout.write(
            f"{result['day']}: {result['reminders']} reminders and {result['late']} late notices queued for the "
            f"reports of {result['month']} ({result['again']} again, after their e-mail failed). The month's "
            f"notices: {result['sent']} sent, {result['waiting']} waiting, {result['failed']} failed.")
