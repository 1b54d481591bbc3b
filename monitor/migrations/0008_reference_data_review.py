"""Reference data goes through review.

The rows that exist are what coordinators set up or reviewed work brought in: they get the
column as verified (their history rows too). Then its default becomes "submitted": every new
place, term, place of detention or organisation waits in the review queue
(``monitor.models.base.ReferenceData``).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitor', '0007_withheld_names_version'),
        # After every data migration that writes reference data (the starter vocabularies,
        # the protest vocabularies): what they wrote is verified, whatever order they run in.
        ('cases', '0008_case_folded_search_key'),
        ('people', '0003_personname_folded_words'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalplace',
            name='review_state',
            field=models.CharField(choices=[('draft', 'draft'), ('submitted', 'submitted'), ('verified', 'verified'), ('returned', 'returned')], db_index=True, default='verified', editable=False, max_length=12, verbose_name='review state'),
        ),
        migrations.AddField(
            model_name='historicalterm',
            name='review_state',
            field=models.CharField(choices=[('draft', 'draft'), ('submitted', 'submitted'), ('verified', 'verified'), ('returned', 'returned')], db_index=True, default='verified', editable=False, max_length=12, verbose_name='review state'),
        ),
        migrations.AddField(
            model_name='place',
            name='review_state',
            field=models.CharField(choices=[('draft', 'draft'), ('submitted', 'submitted'), ('verified', 'verified'), ('returned', 'returned')], db_index=True, default='verified', editable=False, max_length=12, verbose_name='review state'),
        ),
        migrations.AddField(
            model_name='term',
            name='review_state',
            field=models.CharField(choices=[('draft', 'draft'), ('submitted', 'submitted'), ('verified', 'verified'), ('returned', 'returned')], db_index=True, default='verified', editable=False, max_length=12, verbose_name='review state'),
        ),
        migrations.AddConstraint(
            model_name='place',
            constraint=models.CheckConstraint(condition=models.Q(('review_state__in', ['draft', 'submitted', 'verified', 'returned'])), name='monitor_place_review_state_valid', violation_error_message='Unknown review state.'),
        ),
        migrations.AddConstraint(
            model_name='term',
            constraint=models.CheckConstraint(condition=models.Q(('review_state__in', ['draft', 'submitted', 'verified', 'returned'])), name='monitor_term_review_state_valid', violation_error_message='Unknown review state.'),
        ),
        migrations.AlterField(
            model_name='historicalplace',
            name='review_state',
            field=models.CharField(choices=[('draft', 'draft'), ('submitted', 'submitted'), ('verified', 'verified'), ('returned', 'returned')], db_index=True, default='submitted', editable=False, max_length=12, verbose_name='review state'),
        ),
        migrations.AlterField(
            model_name='historicalterm',
            name='review_state',
            field=models.CharField(choices=[('draft', 'draft'), ('submitted', 'submitted'), ('verified', 'verified'), ('returned', 'returned')], db_index=True, default='submitted', editable=False, max_length=12, verbose_name='review state'),
        ),
        migrations.AlterField(
            model_name='place',
            name='review_state',
            field=models.CharField(choices=[('draft', 'draft'), ('submitted', 'submitted'), ('verified', 'verified'), ('returned', 'returned')], db_index=True, default='submitted', editable=False, max_length=12, verbose_name='review state'),
        ),
        migrations.AlterField(
            model_name='term',
            name='review_state',
            field=models.CharField(choices=[('draft', 'draft'), ('submitted', 'submitted'), ('verified', 'verified'), ('returned', 'returned')], db_index=True, default='submitted', editable=False, max_length=12, verbose_name='review state'),
        ),
    ]
