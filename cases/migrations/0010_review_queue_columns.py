"""The review queue's columns: since when a record waits and who sent it (issue 14).

Filled for the records waiting now from their latest submission or reopening
(``monitor.models.review.fill_queue_columns``); the review services keep them from then on.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from monitor.models.review import fill_queue_columns


def fill(apps, schema_editor):
    fill_queue_columns(apps, "cases", ['Case', 'Event', 'Facility'])


class Migration(migrations.Migration):

    dependencies = [
        ('monitor', '0009_review_queue_columns'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('cases', '0009_reference_data_review'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='queued_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, null=True, verbose_name='waiting since'),
        ),
        migrations.AddField(
            model_name='case',
            name='queued_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='sent to review by'),
        ),
        migrations.AddField(
            model_name='event',
            name='queued_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, null=True, verbose_name='waiting since'),
        ),
        migrations.AddField(
            model_name='event',
            name='queued_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='sent to review by'),
        ),
        migrations.AddField(
            model_name='facility',
            name='queued_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, null=True, verbose_name='waiting since'),
        ),
        migrations.AddField(
            model_name='facility',
            name='queued_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='sent to review by'),
        ),
        migrations.AddField(
            model_name='historicalcase',
            name='queued_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, null=True, verbose_name='waiting since'),
        ),
        migrations.AddField(
            model_name='historicalcase',
            name='queued_by',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='sent to review by'),
        ),
        migrations.AddField(
            model_name='historicalevent',
            name='queued_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, null=True, verbose_name='waiting since'),
        ),
        migrations.AddField(
            model_name='historicalevent',
            name='queued_by',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='sent to review by'),
        ),
        migrations.AddField(
            model_name='historicalfacility',
            name='queued_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, null=True, verbose_name='waiting since'),
        ),
        migrations.AddField(
            model_name='historicalfacility',
            name='queued_by',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='sent to review by'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
