from django.db import migrations, models


def mark_kept_rows_stale(apps, schema_editor):
    """The rows kept so far have no land, outlet or financing figures: the recap job computes them again (their
    pages show the rest meanwhile, and "–" for these)."""
    apps.get_model("reporting", "RegencyRecap").objects.update(stale=True)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0003_recap_kept_per_regency_and_month"),
    ]

    operations = [
        migrations.AddField(
            model_name="regencyrecap",
            name="programme",
            field=models.JSONField(default=dict),
        ),
        migrations.RunPython(mark_kept_rows_stale, migrations.RunPython.noop),
    ]
