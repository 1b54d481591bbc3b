"""The word index of the names' folded key (PostgreSQL only), for people.matching.

Beside the trigram index (0002), a GIN index on the key's words: the names holding every
word of a query exactly are found through it in milliseconds however common the words are
(the trigram index reads a posting list per trigram of each word: tens of milliseconds
for a surname in tens of thousands of names). SQLite has no such index (the matcher scores
every visible key there), so it is not in the model's state and SQLite never sees it.
"""

from django.db import migrations

WORDS_INDEX = "people_personname_folded_words"


def create_words_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # The expression is the matcher's (people.matching._key_words): the planner uses
        # the index only for the same expression.
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {WORDS_INDEX} ON people_personname "
            "USING gin (string_to_array(folded, ' '))"
        )


def drop_words_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {WORDS_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("people", "0002_name_matching_and_merge")]

    operations = [
        migrations.RunPython(create_words_index, drop_words_index, elidable=False),
    ]
