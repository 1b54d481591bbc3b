"""A detention's expected release, stored as its first and last possible day (issue 14).

Worked out for every detention already recorded by the one rule
(``cases.deadlines.release_fill``, the rule of ``expected_release``); kept from then on by
``cases.deadlines.release_refresh`` on every save of a step. Reversed, the columns go.
"""

from django.conf import settings
from django.db import migrations, models

from cases.deadlines import release_fill


def fill(apps, schema_editor):
    release_fill(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0011_dashboard_indexes'),
        ('people', '0006_dashboard_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='detention',
            name='release_first',
            field=models.DateField(blank=True, editable=False, help_text='Worked out from the steps: the first day the sentence may end.', null=True, verbose_name='expected release from'),
        ),
        migrations.AddField(
            model_name='detention',
            name='release_last',
            field=models.DateField(blank=True, editable=False, help_text='Worked out from the steps: the last day the sentence may end.', null=True, verbose_name='expected release until'),
        ),
        migrations.AddField(
            model_name='historicaldetention',
            name='release_first',
            field=models.DateField(blank=True, editable=False, help_text='Worked out from the steps: the first day the sentence may end.', null=True, verbose_name='expected release from'),
        ),
        migrations.AddField(
            model_name='historicaldetention',
            name='release_last',
            field=models.DateField(blank=True, editable=False, help_text='Worked out from the steps: the last day the sentence may end.', null=True, verbose_name='expected release until'),
        ),
        migrations.AddIndex(
            model_name='detention',
            index=models.Index(condition=models.Q(('release_first__isnull', False)), fields=['release_first', 'release_last'], name='cases_detention_release'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
