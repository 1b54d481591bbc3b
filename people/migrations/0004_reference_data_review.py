"""Reference data goes through review.

The rows that exist are what coordinators set up or reviewed work brought in: they get the
column as verified (their history rows too). Then its default becomes "submitted": every new
place, term, place of detention or organisation waits in the review queue
(``monitor.models.base.ReferenceData``).
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitor', '0008_reference_data_review'),
        ('people', '0003_personname_folded_words'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalorganization',
            name='review_state',
            field=models.CharField(choices=[('draft', 'draft'), ('submitted', 'submitted'), ('verified', 'verified'), ('returned', 'returned')], db_index=True, default='verified', editable=False, max_length=12, verbose_name='review state'),
        ),
        migrations.AddField(
            model_name='organization',
            name='review_state',
            field=models.CharField(choices=[('draft', 'draft'), ('submitted', 'submitted'), ('verified', 'verified'), ('returned', 'returned')], db_index=True, default='verified', editable=False, max_length=12, verbose_name='review state'),
        ),
        migrations.AddConstraint(
            model_name='organization',
            constraint=models.CheckConstraint(condition=models.Q(('review_state__in', ['draft', 'submitted', 'verified', 'returned'])), name='people_organization_review_state_valid', violation_error_message='Unknown review state.'),
        ),
        migrations.AlterField(
            model_name='historicalorganization',
            name='review_state',
            field=models.CharField(choices=[('draft', 'draft'), ('submitted', 'submitted'), ('verified', 'verified'), ('returned', 'returned')], db_index=True, default='submitted', editable=False, max_length=12, verbose_name='review state'),
        ),
        migrations.AlterField(
            model_name='organization',
            name='review_state',
            field=models.CharField(choices=[('draft', 'draft'), ('submitted', 'submitted'), ('verified', 'verified'), ('returned', 'returned')], db_index=True, default='submitted', editable=False, max_length=12, verbose_name='review state'),
        ),
    ]
