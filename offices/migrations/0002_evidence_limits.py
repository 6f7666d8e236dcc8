# When a visit's evidence is flagged for its reviewer: a photo (or the phone) further from the village's point
# than evidence_distance_km, a visit recorded more than evidence_late_days after it took place.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('offices', '0001_initial'),
        ('regions', '0010_office_settings_leave'),
    ]

    operations = [
        migrations.AddField(
            model_name='officesettings',
            name='evidence_distance_km',
            field=models.PositiveSmallIntegerField(default=5, verbose_name='photo further from the village than (km)'),
        ),
        migrations.AddField(
            model_name='officesettings',
            name='evidence_late_days',
            field=models.PositiveSmallIntegerField(default=7, verbose_name='visit recorded later than (days after it)'),
        ),
        migrations.AddConstraint(
            model_name='officesettings',
            constraint=models.CheckConstraint(condition=models.Q(('evidence_distance_km__gte', 1), ('evidence_late_days__gte', 1)), name='office_evidence_limits_valid'),
        ),
    ]
