"""The free-text bank is gone: each proposal names a lender from the list (0013 mapped them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cooperatives", "0013_programme_rules_data")]

    operations = [
        migrations.RemoveField(model_name="financingproposal", name="bank"),
        migrations.RemoveField(model_name="historicalfinancingproposal", name="bank"),
    ]
