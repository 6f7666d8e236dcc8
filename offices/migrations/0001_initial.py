# The office's settings leave the regency's table for their own: the regions app has already removed the columns
# from its models (and their checks from the table), and this migration copies every regency's values into the
# new table, then drops the old columns. Backwards, the columns come back with their values.

import django.db.models.deletion
from django.db import migrations, models

COLUMNS = {"ba_target_min": 7, "ba_target_max": 15, "ba_span_max_km": 30, "recency_amber_days": 30,
           "recency_red_days": 60, "report_due_day": 5}


def forwards(apps, schema_editor):
    quote = schema_editor.quote_name
    names = ", ".join(quote(name) for name in COLUMNS)
    schema_editor.execute(f"INSERT INTO offices_officesettings (regency_id, {names}) "
                          f"SELECT id, {names} FROM regions_regency")
    for name in COLUMNS:
        schema_editor.execute(f"ALTER TABLE regions_regency DROP COLUMN {quote(name)}")


def backwards(apps, schema_editor):
    quote = schema_editor.quote_name
    for name, default in COLUMNS.items():
        schema_editor.execute(f"ALTER TABLE regions_regency ADD COLUMN {quote(name)} smallint NOT NULL "
                              f"DEFAULT {default}")
        schema_editor.execute(f"UPDATE regions_regency SET {quote(name)} = (SELECT s.{quote(name)} FROM "
                              f"offices_officesettings s WHERE s.regency_id = regions_regency.id) WHERE id IN "
                              f"(SELECT regency_id FROM offices_officesettings)")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("regions", "0010_office_settings_leave"),
    ]

    operations = [
        migrations.CreateModel(
            name="OfficeSettings",
            fields=[
                ("regency", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                                 related_name="office_settings", serialize=False,
                                                 to="regions.regency", verbose_name="regency")),
                ("ba_target_min", models.PositiveSmallIntegerField(default=7, verbose_name="fewest villages per BA")),
                ("ba_target_max", models.PositiveSmallIntegerField(default=15, verbose_name="most villages per BA")),
                ("ba_span_max_km", models.PositiveSmallIntegerField(default=30,
                                                                    verbose_name="widest BA territory (km)")),
                ("recency_amber_days", models.PositiveSmallIntegerField(
                    default=30, verbose_name="days without a visit before amber")),
                ("recency_red_days", models.PositiveSmallIntegerField(
                    default=60, verbose_name="days without a visit before red")),
                ("report_due_day", models.PositiveSmallIntegerField(default=5, verbose_name="reports due on day")),
            ],
            options={
                "verbose_name": "office settings",
                "verbose_name_plural": "office settings",
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("ba_target_max__gte", models.F("ba_target_min")),
                                                              ("ba_target_min__gte", 1)),
                                           name="office_ba_target_range_valid"),
                    models.CheckConstraint(condition=models.Q(("recency_amber_days__gte", 1),
                                                              ("recency_red_days__gt", models.F("recency_amber_days"))),
                                           name="office_recency_limits_valid"),
                    models.CheckConstraint(condition=models.Q(("report_due_day__gte", 1), ("report_due_day__lte", 28)),
                                           name="office_report_due_day_valid"),
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
