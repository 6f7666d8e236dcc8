# The tokens of applied imports, kept by the toolkit that applies imports (they were in `regions`: its migration
# 0009 copies them here and drops its table).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("toolkit", "0002_scheduled_job"),
    ]

    operations = [
        migrations.CreateModel(
            name="AppliedImport",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=64, unique=True)),
                ("key", models.CharField(max_length=40)),
                ("applied_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]
