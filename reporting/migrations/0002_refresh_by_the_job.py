# The figures are refreshed by a job (reporting.tasks.figures_refresh), no longer by the first request after a
# minute: the row that let one request claim that refresh goes.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0001_figures'),
    ]

    operations = [
        migrations.DeleteModel(
            name='FiguresRefresh',
        ),
    ]
