from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_villages(apps, schema_editor):
    """Every territory's villages counted once; from now on the services keep the number."""
    BaTerritory = apps.get_model("territories", "BaTerritory")
    BaVillage = apps.get_model("territories", "BaVillage")
    links = BaVillage.objects.filter(ba_territory=OuterRef("pk")).order_by().values("ba_territory")
    BaTerritory.objects.update(villages_held=Coalesce(Subquery(links.annotate(n=Count("pk")).values("n")), 0))


class Migration(migrations.Migration):

    dependencies = [
        ("territories", "0004_decree_date_and_subject"),
    ]

    operations = [
        migrations.AddField(
            model_name="baterritory",
            name="villages_held",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="villages held"),
        ),
        migrations.RunPython(count_villages, migrations.RunPython.noop),
    ]
