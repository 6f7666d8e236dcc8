# The tokens of applied imports moved to the toolkit app: every row is copied into its table, then this app's
# table is dropped. Backwards, the rows come back.

from django.db import migrations


def copy(source, target, schema_editor):
    """Every row as it is (applied_at included, which the models would set anew), in one statement."""
    quote = schema_editor.quote_name
    columns = ", ".join(quote(name) for name in ("token", "key", "applied_at"))
    schema_editor.execute(f"INSERT INTO {quote(target._meta.db_table)} ({columns}) "
                          f"SELECT {columns} FROM {quote(source._meta.db_table)}")


def forwards(apps, schema_editor):
    copy(apps.get_model("regions", "AppliedImport"), apps.get_model("toolkit", "AppliedImport"), schema_editor)


def backwards(apps, schema_editor):
    copy(apps.get_model("toolkit", "AppliedImport"), apps.get_model("regions", "AppliedImport"), schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("regions", "0008_applied_import"),
        ("toolkit", "0003_applied_import"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="AppliedImport"),
    ]
