"""The starter vocabularies (violation types, facilities, mandates…), with their history.

The data lives in :mod:`monitor.vocabularies`; running this again creates nothing twice.
"""

from django.db import migrations

from monitor.vocabularies import sync_starter_vocabularies


class Migration(migrations.Migration):
    dependencies = [
        ("monitor", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_starter_vocabularies, migrations.RunPython.noop)]
