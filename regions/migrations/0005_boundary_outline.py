from django.db import migrations, models

from regions.geometry import simplified


def outline_existing(apps, schema_editor):
    """Boundaries imported before this release get their map outline now."""
    Boundary = apps.get_model("regions", "Boundary")
    rows = list(Boundary.objects.filter(outline__isnull=True).only("id", "geometry"))
    for row in rows:
        row.outline = simplified(row.geometry)
    Boundary.objects.bulk_update(rows, ["outline"], batch_size=200)


class Migration(migrations.Migration):

    dependencies = [
        ("regions", "0004_regency_recency_and_due_day"),
    ]

    operations = [
        migrations.AddField(
            model_name="boundary",
            name="outline",
            field=models.JSONField(blank=True, null=True, verbose_name="outline for maps"),
        ),
        migrations.RunPython(outline_existing, migrations.RunPython.noop),
    ]
