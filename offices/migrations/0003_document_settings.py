# What the documents an office prints and signs say of it (letterhead, signatory, town, numbering pattern), the
# per-office, per-year sequence of document numbers and the register of the numbers given.

import django.db.models.deletion
import offices.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('offices', '0002_evidence_limits'),
        ('regions', '0010_office_settings_leave'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='officesettings',
            name='address',
            field=models.CharField(blank=True, max_length=250, verbose_name='address'),
        ),
        migrations.AddField(
            model_name='officesettings',
            name='email',
            field=models.EmailField(blank=True, max_length=254, verbose_name='e-mail'),
        ),
        migrations.AddField(
            model_name='officesettings',
            name='head_name',
            field=models.CharField(blank=True, help_text='As it is signed, with degrees.', max_length=120, verbose_name='name of the head of the office'),
        ),
        migrations.AddField(
            model_name='officesettings',
            name='head_nip',
            field=models.CharField(blank=True, max_length=18, validators=[offices.models.validate_nip], verbose_name='NIP of the head'),
        ),
        migrations.AddField(
            model_name='officesettings',
            name='head_rank',
            field=models.CharField(blank=True, help_text='Optional, e.g. Pembina Utama Muda (IV/c).', max_length=80, verbose_name='rank (pangkat/golongan)'),
        ),
        migrations.AddField(
            model_name='officesettings',
            name='head_title',
            field=models.CharField(blank=True, help_text='The full position as signed, e.g. Kepala Dinas Koperasi, Usaha Kecil, dan Menengah Kabupaten Sukabumi (with Plt. before it when acting).', max_length=200, verbose_name='position (jabatan)'),
        ),
        migrations.AddField(
            model_name='officesettings',
            name='logo',
            field=models.FileField(blank=True, max_length=200, upload_to=offices.models.logo_path, verbose_name='logo'),
        ),
        migrations.AddField(
            model_name='officesettings',
            name='number_pattern',
            field=models.CharField(blank=True, help_text="{seq} is the office's next number of the year; {year}, {month} and {month_roman} are filled in as well, e.g. 500.3/{seq}/DKUKM/{year}.", max_length=80, validators=[offices.models.validate_number_pattern], verbose_name='document number pattern'),
        ),
        migrations.AddField(
            model_name='officesettings',
            name='office_name',
            field=models.CharField(blank=True, help_text="As on the office's letterhead, e.g. Dinas Koperasi, Usaha Kecil, dan Menengah Kabupaten Sukabumi.", max_length=200, verbose_name='official name of the office'),
        ),
        migrations.AddField(
            model_name='officesettings',
            name='phone',
            field=models.CharField(blank=True, max_length=60, verbose_name='telephone'),
        ),
        migrations.AddField(
            model_name='officesettings',
            name='sign_town',
            field=models.CharField(blank=True, help_text="The town of the office, not the regency's name, e.g. Pelabuhanratu for Kabupaten Sukabumi.", max_length=80, verbose_name='town where documents are signed'),
        ),
        migrations.AddField(
            model_name='officesettings',
            name='website',
            field=models.CharField(blank=True, max_length=120, verbose_name='website'),
        ),
        migrations.CreateModel(
            name='DocumentSequence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField()),
                ('last', models.PositiveIntegerField(default=0)),
                ('regency', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='document_sequences', to='regions.regency')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('regency', 'year'), name='document_sequence_once_a_year')],
            },
        ),
        migrations.CreateModel(
            name='IssuedNumber',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('sequence', models.PositiveIntegerField(verbose_name='sequence')),
                ('number', models.CharField(max_length=120, verbose_name='number')),
                ('document', models.CharField(max_length=250, verbose_name='document')),
                ('issued_on', models.DateField(verbose_name='dated')),
                ('issued_at', models.DateTimeField(auto_now_add=True, verbose_name='issued at')),
                ('issued_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='issued by')),
                ('regency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='issued_numbers', to='regions.regency', verbose_name='regency')),
            ],
            options={
                'verbose_name': 'issued number',
                'verbose_name_plural': 'issued numbers',
                'ordering': ['regency', '-year', '-sequence'],
                'constraints': [models.UniqueConstraint(fields=('regency', 'year', 'sequence'), name='issued_number_sequence_once'), models.UniqueConstraint(fields=('regency', 'number'), name='issued_number_once')],
            },
        ),
    ]
