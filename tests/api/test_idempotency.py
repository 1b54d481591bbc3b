"""Idempotency keys: a racing retry gets the replayed answer (never a 400 about the value the
winner saved), keys expire after MONITOR_IDEMPOTENCY_KEY_DAYS and are deleted by a background
task, and a replay is cheap (issues 20 and 22)."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case
from monitor.api.viewsets import RecordViewSet
from monitor.models import IdempotencyKey
from monitor.tasks import idempotency_keys_expire
from tests.api.conftest import API

pytestmark = pytest.mark.django_db


def test_a_retry_past_the_look_up_that_hits_the_saved_reference_gets_the_replay(
    team, api, monitor_on_team, monkeypatch
):
    """The retry looked for its key before the first request committed, then found the
    case's reference taken by that very request: it answers with the first request's case,
    not 400 "Case with this Reference already exists."."""
    client = api(monitor_on_team)
    body = {"reference": "TJK-2023-0700", "title": "Retried"}
    first = client.post(f"{API}/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry")
    assert first.status_code == 201
    real_replay = RecordViewSet.replay
    calls = []

    def replay_missing_the_first_time(self, request, key, fingerprint):
        calls.append(key)
        return None if len(calls) == 1 else real_replay(self, request, key, fingerprint)

    monkeypatch.setattr(RecordViewSet, "replay", replay_missing_the_first_time)
    second = client.post(f"{API}/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry")
    assert second.status_code == 201, second.content
    assert second.json()["id"] == first.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    assert Case.objects.filter(reference="TJK-2023-0700").count() == 1


def test_without_a_key_the_taken_reference_is_still_a_400(team, api, monitor_on_team):
    client = api(monitor_on_team)
    body = {"reference": "TJK-2023-0701", "title": "Twice"}
    assert client.post(f"{API}/cases/", body, format="json").status_code == 201
    response = client.post(f"{API}/cases/", body, format="json")
    assert response.status_code == 400
    assert "reference" in response.json()["error"]["fields"]


def _age(key: str, days: int) -> None:
    # created_at is auto_now_add: moved back with a plain UPDATE (not a domain record).
    IdempotencyKey.objects.filter(key=key).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )


def test_a_key_past_its_retention_answers_nothing_and_a_new_create_reuses_it(
    api, monitor_on_team, settings
):
    settings.IDEMPOTENCY_KEY_DAYS = 30
    client = api(monitor_on_team)
    first = client.post(
        f"{API}/cases/", {"reference": "TJK-2023-0702", "title": "Old"}, HTTP_IDEMPOTENCY_KEY="k"
    )
    assert first.status_code == 201
    _age("k", 31)
    second = client.post(
        f"{API}/cases/", {"reference": "TJK-2023-0703", "title": "New"}, HTTP_IDEMPOTENCY_KEY="k"
    )
    assert second.status_code == 201, second.content
    assert second.json()["id"] != first.json()["id"]
    assert "Idempotent-Replayed" not in second
    assert (
        IdempotencyKey.objects.get(key="k").object_id
        == Case.objects.get(reference="TJK-2023-0703").pk
    )


def test_a_key_within_its_retention_is_still_replayed(api, monitor_on_team, settings):
    settings.IDEMPOTENCY_KEY_DAYS = 30
    client = api(monitor_on_team)
    body = {"reference": "TJK-2023-0704", "title": "Kept"}
    first = client.post(f"{API}/cases/", body, HTTP_IDEMPOTENCY_KEY="k")
    _age("k", 29)
    second = client.post(f"{API}/cases/", body, HTTP_IDEMPOTENCY_KEY="k")
    assert second.json()["id"] == first.json()["id"]
    assert second["Idempotent-Replayed"] == "true"


def test_the_background_task_deletes_expired_keys_only(api, monitor_on_team, settings):
    settings.IDEMPOTENCY_KEY_DAYS = 30
    client = api(monitor_on_team)
    for number, key in enumerate(("old", "new")):
        client.post(
            f"{API}/cases/",
            {"reference": f"TJK-2023-071{number}", "title": key},
            HTTP_IDEMPOTENCY_KEY=key,
        )
    _age("old", 31)
    assert idempotency_keys_expire.call() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
    # The cases themselves are untouched.
    assert Case.objects.filter(reference__startswith="TJK-2023-071").count() == 2


def test_the_command_queues_the_clean_up_for_the_worker(settings, capsys):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("expire_idempotency_keys", "--enqueue")
    assert "queued" in capsys.readouterr().out


def test_a_replay_costs_no_more_than_reading_the_record(api, monitor_on_team):
    client = api(monitor_on_team)
    body = {"reference": "TJK-2023-0720", "title": "Cheap"}
    first = client.post(f"{API}/cases/", body, HTTP_IDEMPOTENCY_KEY="cheap")
    with CaptureQueriesContext(connection) as read:
        client.get(f"{API}/cases/{first.json()['id']}/")
    with CaptureQueriesContext(connection) as replay:
        again = client.post(f"{API}/cases/", body, HTTP_IDEMPOTENCY_KEY="cheap")
    assert again["Idempotent-Replayed"] == "true"
    # The key's look-up on top of the read; nothing validated, nothing written.
    assert len(replay) <= len(read) + 1, [q["sql"] for q in replay.captured_queries]
    writes = [
        q["sql"] for q in replay.captured_queries if not q["sql"].lstrip("(").startswith("SELECT")
    ]
    assert not [sql for sql in writes if "SAVEPOINT" not in sql], writes
