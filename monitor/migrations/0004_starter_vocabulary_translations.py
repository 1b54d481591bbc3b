"""The starter vocabularies' labels in Russian and Tajik (issue 16), with their history.

The data lives in :mod:`monitor.vocabulary_translations`; a label a coordinator already wrote
is kept, so running this again changes nothing.
"""

from django.db import migrations

from monitor.vocabulary_translations import set_starter_translations


class Migration(migrations.Migration):
    dependencies = [
        ("monitor", "0003_interface_language_and_term_labels"),
    ]

    operations = [migrations.RunPython(set_starter_translations, migrations.RunPython.noop)]
