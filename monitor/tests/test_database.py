"""How the application talks to PostgreSQL: parameters bound by the server, not quoted into
the statement by psycopg in Python (``MONITOR_DB_SERVER_SIDE_BINDING``, config/settings.py).
Statements are not prepared (Django's default: a pooler may hand the next statement to
another server connection)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite binds parameters itself: nothing to set"
)


@postgresql_only
def test_parameters_are_bound_by_the_server_and_no_statement_is_prepared():
    import psycopg

    with connection.cursor() as cursor:
        raw = cursor.cursor
        assert type(raw) is not psycopg.ClientCursor  # the values are not quoted into the text
        assert isinstance(raw, psycopg.Cursor)
    for number in range(8):  # psycopg would prepare a statement from its fifth run on
        PersonFactory(name=f"Bound Person {number}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] == 0


@postgresql_only
def test_a_value_bound_by_the_server_reads_back_exactly():
    """Values bound apart from the statement come back as written: quotes, a backslash,
    Cyrillic, a percent sign (what client-side quoting had to escape)."""
    tricky = 'Рустам O\'Neil \\ 100% "Джумаев"'
    person = PersonFactory(name=tricky)
    assert person.names.get().full_name == tricky
    assert person.names.filter(full_name__contains="100%").exists()


@pytest.mark.parametrize(("value", "expected"), [(None, "True"), ("0", "False")])
def test_server_side_binding_is_on_unless_turned_off(value, expected):
    """The settings of a PostgreSQL deployment, read as the server reads them."""
    import os
    import subprocess
    import sys

    env = {key: item for key, item in os.environ.items() if not key.startswith("MONITOR_DB_")}
    env |= {"DATABASE_URL": "postgres://monitor@db.invalid:5432/monitor",
            "DJANGO_SETTINGS_MODULE": "config.settings"}  # fmt: skip
    if value is not None:
        env["MONITOR_DB_SERVER_SIDE_BINDING"] = value
    read = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; "
         "print(settings.DATABASES['default']['OPTIONS'].get('server_side_binding'))"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert read.stdout.strip() == expected
