"""The Russian and Tajik labels of the starter terms added for protest detentions.

The terms came with their English labels (0004); their other labels live in
``cases/vocabularies_data.py`` and are given here through the vocabulary translations'
one writer (``monitor.vocabulary_translations.set_translations``), which leaves a label a
coordinator already gave as it is.
"""

from collections import defaultdict

from django.db import migrations

from cases.vocabularies_data import TERMS
from monitor.vocabulary_translations import set_translations


def translate(apps, schema_editor):
    by_vocabulary = defaultdict(dict)
    for term in TERMS:
        by_vocabulary[term.vocabulary][term.code] = {"ru": term.ru, "tg": term.tg}
    for vocabulary, translations in by_vocabulary.items():
        set_translations(apps, vocabulary, translations)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_merge_0003_content_language_0004_protest_vocabularies"),
        ("monitor", "0006_merge_20261206_2054"),
    ]

    operations = [migrations.RunPython(translate, migrations.RunPython.noop)]
