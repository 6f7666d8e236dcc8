# The decree whose annex a plan is: its date and subject (TENTANG), beside its number.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('territories', '0003_scheduled_plans'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalterritoryplan',
            name='decree_date',
            field=models.DateField(blank=True, null=True, verbose_name='decree date'),
        ),
        migrations.AddField(
            model_name='historicalterritoryplan',
            name='decree_subject',
            field=models.CharField(blank=True, max_length=300, verbose_name='decree subject (tentang)'),
        ),
        migrations.AddField(
            model_name='territoryplan',
            name='decree_date',
            field=models.DateField(blank=True, null=True, verbose_name='decree date'),
        ),
        migrations.AddField(
            model_name='territoryplan',
            name='decree_subject',
            field=models.CharField(blank=True, max_length=300, verbose_name='decree subject (tentang)'),
        ),
    ]
