# The office's settings (targets, span, recency limits, due day) move to the offices app, which copies the values
# and then drops these columns (offices 0001). Here they leave the models only, and their checks leave the table,
# so that the drop can follow on either database. Run `migrate` as a whole: until offices 0001 has run, the
# columns are still there.

from django.db import migrations

FIELDS = ["ba_target_min", "ba_target_max", "ba_span_max_km", "recency_amber_days", "recency_red_days",
          "report_due_day"]


class Migration(migrations.Migration):

    dependencies = [
        ("regions", "0009_applied_import_to_toolkit"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="regency", name="regency_ba_target_range_valid"),
        migrations.RemoveConstraint(model_name="regency", name="regency_recency_limits_valid"),
        migrations.RemoveConstraint(model_name="regency", name="regency_report_due_day_valid"),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="regency", name=name) for name in FIELDS],
        ),
    ]
