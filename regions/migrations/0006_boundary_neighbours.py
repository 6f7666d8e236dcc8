from django.db import migrations, models

from regions.geometry import touching


def link(apps, schema_editor):
    """Record which boundaries already imported touch, per regency and level."""
    Boundary = apps.get_model("regions", "Boundary")
    groups = {}
    for code in Boundary.objects.values_list("code", flat=True):
        dots = code.count(".")
        if dots in (2, 3):
            groups.setdefault((".".join(code.split(".")[:2]), dots), []).append(code)
    for codes in groups.values():
        rows = list(Boundary.objects.filter(code__in=codes).only("id", "code", "geometry"))
        links = touching({row.code: row.geometry for row in rows})
        for row in rows:
            row.neighbours = links[row.code]
        Boundary.objects.bulk_update(rows, ["neighbours"], batch_size=200)


class Migration(migrations.Migration):

    dependencies = [
        ("regions", "0005_boundary_outline"),
    ]

    operations = [
        migrations.AddField(
            model_name="boundary",
            name="neighbours",
            field=models.JSONField(blank=True, default=list, verbose_name="neighbours"),
        ),
        migrations.RunPython(link, migrations.RunPython.noop),
    ]
