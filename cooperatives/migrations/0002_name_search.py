from django.db import migrations

from regions.search import create_trigram_index, drop_index


def forwards(apps, schema_editor):
    create_trigram_index(schema_editor, table="cooperatives_cooperative", column="name", index="cooperative_name_trgm")


def backwards(apps, schema_editor):
    drop_index(schema_editor, "cooperative_name_trgm")


class Migration(migrations.Migration):
    """On PostgreSQL, a trigram index makes “name contains …” searches over the whole country use an index."""

    dependencies = [("cooperatives", "0001_registry_visits_reports"), ("regions", "0003_village_name_search")]

    operations = [migrations.RunPython(forwards, backwards)]
