# A visit form's one-time token is unique per author, no longer across everyone.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cooperatives', '0006_visit_submission'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalvisit',
            name='submission',
            field=models.CharField(blank=True, editable=False, max_length=40, null=True),
        ),
        migrations.AlterField(
            model_name='visit',
            name='submission',
            field=models.CharField(blank=True, editable=False, max_length=40, null=True),
        ),
        migrations.AddConstraint(
            model_name='visit',
            constraint=models.UniqueConstraint(condition=models.Q(('submission__isnull', False)), fields=('created_by', 'submission'), name='visit_submission_once_per_author'),
        ),
    ]
