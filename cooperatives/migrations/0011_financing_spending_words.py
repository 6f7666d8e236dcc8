"""PMK 49/2025's words: operational spending (belanja operasional, the capped part) and capital spending
(belanja modal), instead of working capital and investment. The amounts are kept as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cooperatives", "0010_handovers")]

    operations = [
        migrations.RenameField("financingproposal", "working_capital", "operational_spending"),
        migrations.RenameField("financingproposal", "investment", "capital_spending"),
        migrations.RenameField("historicalfinancingproposal", "working_capital", "operational_spending"),
        migrations.RenameField("historicalfinancingproposal", "investment", "capital_spending"),
    ]
