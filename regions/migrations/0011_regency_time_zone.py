# Each regency's time zone, filled from its province (regions.timezones keeps the mapping).

from django.db import migrations, models

from regions.timezones import WIB, WIT, WITA, zone_for_code


def fill(apps, schema_editor):
    Regency = apps.get_model("regions", "Regency")
    for zone in (WITA, WIT):
        codes = [code for code in Regency.objects.values_list("code", flat=True) if zone_for_code(code) == zone]
        Regency.objects.filter(code__in=codes).update(time_zone=zone)


class Migration(migrations.Migration):

    dependencies = [
        ("regions", "0010_office_settings_leave"),
    ]

    operations = [
        migrations.AddField(
            model_name="regency",
            name="time_zone",
            field=models.CharField(
                choices=[
                    ("Asia/Jakarta", "WIB (UTC+7, Asia/Jakarta)"),
                    ("Asia/Makassar", "WITA (UTC+8, Asia/Makassar)"),
                    ("Asia/Jayapura", "WIT (UTC+9, Asia/Jayapura)"),
                ],
                default=WIB,
                max_length=20,
                verbose_name="time zone",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
