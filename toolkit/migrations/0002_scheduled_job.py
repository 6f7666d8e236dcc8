# The next run of each periodic job of JOB_SCHEDULE, claimed by one scheduler at a time.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('toolkit', '0001_outgoing_mail'),
    ]

    operations = [
        migrations.CreateModel(
            name='ScheduledJob',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('path', models.CharField(max_length=200, unique=True, verbose_name='job')),
                ('next_run_at', models.DateTimeField(verbose_name='next run at')),
                ('last_run_at', models.DateTimeField(blank=True, null=True, verbose_name='last run at')),
            ],
            options={
                'verbose_name': 'scheduled job',
                'verbose_name_plural': 'scheduled jobs',
                'ordering': ['path'],
            },
        ),
    ]
