"""When the database refuses connections ("too many clients", a restart), the API says so in
JSON: 503 with the one error shape and ``Retry-After``, not Django's HTML error page.

The database really is unreachable here: the connection's settings point at a place where no
database answers (a closed port on PostgreSQL, a missing folder on SQLite), and the
connection is reopened for the request. Nothing is mocked.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

# serialized_rollback, as every transactional test here (tests/task_backends.py): a plain
# transactional test's flush re-creates the content types under new keys, and the next
# serialized test's restore then collides with them (UNIQUE app_label, model).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def database_refuses():
    saved = dict(connection.settings_dict)
    # SQLite's in-memory test database cannot be closed without losing it: keep it aside
    # while the connection is pointed elsewhere, then put it back.
    kept = connection.connection if connection.vendor == "sqlite" else None
    if kept is not None:
        connection.connection = None
        connection.settings_dict["NAME"] = "/nonexistent-monitor-folder/db.sqlite3"
    else:
        connection.close()
        connection.settings_dict["HOST"] = "127.0.0.1"
        connection.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        yield
    finally:
        if kept is None:
            connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
        if kept is not None:
            connection.connection = kept


def _assert_503_json(response):
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"]
    error = response.json()["error"]
    assert error["code"] == "unavailable"
    assert "try again" in error["message"]


def test_token_request_without_a_database_answers_503_json(database_refuses):
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION="Bearer mon_whatever")
    _assert_503_json(response)


def test_session_request_without_a_database_answers_503_json(database_refuses):
    # The session is read by middlewares before the view: the project's handler500 answers.
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a-session-the-database-cannot-be-asked-about"
    response = client.get("/api/v1/me/")
    _assert_503_json(response)


def test_a_page_without_a_database_is_not_answered_in_json(database_refuses):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a-session-the-database-cannot-be-asked-about"
    response = client.get("/cases/")
    assert response.status_code == 500
    assert not response["Content-Type"].startswith("application/json")
