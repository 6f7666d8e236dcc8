# Lateness becomes a fact of a report, decided when it is first sent (and a PMO report keeps why it was sent with
# the team's reports open). Existing sent reports are backfilled: first sent at the earliest sending their history
# records (else their last), due on their office's due day of the following month, late when sent (in the
# portal's time zone, the regencies' time) after that day.

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models
from django.db.models import Min

SENT = ("submitted", "returned", "accepted")


def backfill_lateness(apps, schema_editor):
    MonthlyReport = apps.get_model("cooperatives", "MonthlyReport")
    OfficeSettings = apps.get_model("offices", "OfficeSettings")
    due_days = dict(OfficeSettings.objects.values_list("regency_id", "report_due_day"))
    default_due_day = OfficeSettings._meta.get_field("report_due_day").default
    History = apps.get_model("cooperatives", "HistoricalMonthlyReport")
    zone = ZoneInfo(settings.TIME_ZONE)
    earliest = dict(History.objects.filter(submitted_at__isnull=False).order_by().values_list("id")
                    .annotate(first=Min("submitted_at")))
    reports = MonthlyReport.objects.filter(status__in=SENT, submitted_at__isnull=False).select_related("mentor")
    for report in reports.iterator(chunk_size=500):
        first = min(filter(None, [earliest.get(report.pk), report.submitted_at]))
        following = (report.month.replace(day=28) + timedelta(days=4)).replace(day=1)
        due = following.replace(day=due_days.get(report.mentor.regency_id, default_due_day))
        MonthlyReport.objects.filter(pk=report.pk).update(
            first_submitted_at=first, due_on=due, sent_late=first.astimezone(zone).date() > due)


class Migration(migrations.Migration):

    dependencies = [
        ('cooperatives', '0008_report_notice_mail'),
        ('offices', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalmonthlyreport',
            name='due_on',
            field=models.DateField(blank=True, null=True, verbose_name='due on when sent'),
        ),
        migrations.AddField(
            model_name='historicalmonthlyreport',
            name='first_submitted_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='first sent at'),
        ),
        migrations.AddField(
            model_name='historicalmonthlyreport',
            name='send_reason',
            field=models.TextField(blank=True, verbose_name="reason to send with the team's reports open"),
        ),
        migrations.AddField(
            model_name='historicalmonthlyreport',
            name='sent_late',
            field=models.BooleanField(default=False, verbose_name='sent late'),
        ),
        migrations.AddField(
            model_name='monthlyreport',
            name='due_on',
            field=models.DateField(blank=True, null=True, verbose_name='due on when sent'),
        ),
        migrations.AddField(
            model_name='monthlyreport',
            name='first_submitted_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='first sent at'),
        ),
        migrations.AddField(
            model_name='monthlyreport',
            name='send_reason',
            field=models.TextField(blank=True, verbose_name="reason to send with the team's reports open"),
        ),
        migrations.AddField(
            model_name='monthlyreport',
            name='sent_late',
            field=models.BooleanField(default=False, verbose_name='sent late'),
        ),
        migrations.RunPython(backfill_lateness, migrations.RunPython.noop),
    ]
