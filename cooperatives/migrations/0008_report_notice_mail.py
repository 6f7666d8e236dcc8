# A report notice points at the outbox e-mail that carries it; it counts as sent once that e-mail is. Existing
# notices keep no e-mail (NULL): they were mailed before the outbox. `sent_at` was set before mailing: it is the
# notice's creation time, and is named so.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cooperatives', '0007_visit_submission_per_author'),
        ('toolkit', '0001_outgoing_mail'),
    ]

    operations = [
        migrations.RenameField(
            model_name='reportnotice',
            old_name='sent_at',
            new_name='created_at',
        ),
        migrations.AlterModelOptions(
            name='reportnotice',
            options={'verbose_name': 'report notice', 'verbose_name_plural': 'report notices'},
        ),
        migrations.AlterField(
            model_name='reportnotice',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='reportnotice',
            name='kind',
            field=models.CharField(choices=[('reminder', 'reminder'), ('late', 'late')], max_length=10, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='reportnotice',
            name='mentor',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='mentors.mentor', verbose_name='mentor'),
        ),
        migrations.AlterField(
            model_name='reportnotice',
            name='month',
            field=models.DateField(verbose_name='month'),
        ),
        migrations.AddField(
            model_name='reportnotice',
            name='mail',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='toolkit.outgoingmail', verbose_name='e-mail'),
        ),
    ]
