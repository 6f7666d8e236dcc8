import django.db.models.deletion
from django.db import migrations, models

# Each follow-up (and each of its historical rows) takes its visit's cooperative; the same SQL on SQLite and
# PostgreSQL. A visit never changes cooperative, so the value never goes stale.
BACKFILL = [
    "UPDATE cooperatives_followup SET cooperative_id = (SELECT v.cooperative_id FROM cooperatives_visit v "
    "WHERE v.id = cooperatives_followup.visit_id)",
    "UPDATE cooperatives_historicalfollowup SET cooperative_id = (SELECT v.cooperative_id FROM cooperatives_visit v "
    "WHERE v.id = cooperatives_historicalfollowup.visit_id)",
]


class Migration(migrations.Migration):

    dependencies = [
        ("cooperatives", "0016_handover_new_role_and_exception"),
    ]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="cooperative",
            field=models.ForeignKey(db_index=False, editable=False, null=True,
                                    on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                    to="cooperatives.cooperative"),
        ),
        migrations.AddField(
            model_name="historicalfollowup",
            name="cooperative",
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True,
                                    on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                    to="cooperatives.cooperative"),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="followup",
            name="cooperative",
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="+", to="cooperatives.cooperative"),
        ),
        migrations.AddIndex(
            model_name="followup",
            index=models.Index(fields=["cooperative", "due_date", "done", "done_at"],
                               name="followup_cooperative_due_idx"),
        ),
    ]
