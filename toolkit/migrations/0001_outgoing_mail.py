# The mail outbox: every e-mail is a row written in the transaction that sends it, delivered by the worker.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='OutgoingMail',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('subject', models.TextField(verbose_name='subject')),
                ('body', models.TextField(blank=True, verbose_name='text')),
                ('html_body', models.TextField(blank=True, verbose_name='HTML version')),
                ('from_email', models.TextField(verbose_name='from')),
                ('to', models.JSONField(blank=True, default=list, verbose_name='to')),
                ('cc', models.JSONField(blank=True, default=list, verbose_name='cc')),
                ('bcc', models.JSONField(blank=True, default=list, verbose_name='bcc')),
                ('reply_to', models.JSONField(blank=True, default=list, verbose_name='reply to')),
                ('headers', models.JSONField(blank=True, default=dict, verbose_name='headers')),
                ('status', models.CharField(choices=[('waiting', 'waiting'), ('sent', 'sent'), ('failed', 'failed')], default='waiting', max_length=10, verbose_name='status')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='next attempt at')),
                ('last_error', models.TextField(blank=True, verbose_name='last error')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
            ],
            options={
                'verbose_name': 'outgoing e-mail',
                'verbose_name_plural': 'outgoing e-mails',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='outgoing_mail_due')],
                'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['waiting', 'sent', 'failed'])), name='outgoing_mail_status_known'), models.CheckConstraint(condition=models.Q(models.Q(('sent_at__isnull', False), ('status', 'sent')), models.Q(models.Q(('status', 'sent'), _negated=True), ('sent_at__isnull', True)), _connector='OR'), name='outgoing_mail_sent_when_sent_at')],
            },
        ),
    ]
