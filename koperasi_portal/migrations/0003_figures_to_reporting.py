# The figures moved to the reporting app: every row of the four tables is copied, as it is, into the reporting
# app's tables (same columns), then this app's tables are dropped. Backwards, the rows come back.

from django.db import migrations

MODELS = ["FiguresRefresh", "RegencyFigures", "DistrictFigures", "MonthlyFigures"]


def copy(apps, schema_editor, source_app: str, target_app: str) -> None:
    quote = schema_editor.quote_name
    for name in MODELS:
        source, target = apps.get_model(source_app, name), apps.get_model(target_app, name)
        columns = ", ".join(quote(field.column) for field in source._meta.concrete_fields)
        schema_editor.execute(f"INSERT INTO {quote(target._meta.db_table)} ({columns}) "
                              f"SELECT {columns} FROM {quote(source._meta.db_table)}")
    if schema_editor.connection.vendor == "postgresql":  # the copied ids: the next one comes after them
        for name in ("FiguresRefresh", "MonthlyFigures"):
            table = apps.get_model(target_app, name)._meta.db_table
            schema_editor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"COALESCE((SELECT MAX(id) FROM {quote(table)}), 0) + 1, false)")


def forwards(apps, schema_editor):
    copy(apps, schema_editor, "koperasi_portal", "reporting")


def backwards(apps, schema_editor):
    copy(apps, schema_editor, "reporting", "koperasi_portal")


class Migration(migrations.Migration):

    dependencies = [
        ("koperasi_portal", "0002_dashboard_figures"),
        ("reporting", "0001_figures"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="FiguresRefresh"),
        migrations.DeleteModel(name="DistrictFigures"),
        migrations.DeleteModel(name="MonthlyFigures"),
        migrations.DeleteModel(name="RegencyFigures"),
    ]
