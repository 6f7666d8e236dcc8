from django.db import migrations

from regions.search import create_trigram_index, drop_index


def forwards(apps, schema_editor):
    create_trigram_index(schema_editor, table="regions_village", column="name", index="village_name_trgm")


def backwards(apps, schema_editor):
    drop_index(schema_editor, "village_name_trgm")


class Migration(migrations.Migration):
    """On PostgreSQL, a trigram index makes “name contains …” searches over the whole country use an index."""

    dependencies = [("regions", "0002_table_names")]

    operations = [migrations.RunPython(forwards, backwards)]
