"""ETag / If-Match (412 on a stale version) and Idempotency-Key (one record per key)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from cases.models import Case, Event
from monitor.models import IdempotencyKey
from tests.api.conftest import API

pytestmark = pytest.mark.django_db


def test_detail_carries_an_etag_of_id_and_version(world, api, monitor_on_team):
    case = world["case"]
    response = api(monitor_on_team).get(f"{API}/cases/{case.pk}/")
    assert response["ETag"] == f'"{case.pk}.{case.version}"'


def test_update_with_the_current_etag_succeeds_and_returns_the_next(world, api, monitor_on_team):
    client = api(monitor_on_team)
    url = f"{API}/cases/{world['case'].pk}/"
    etag = client.get(url)["ETag"]
    response = client.patch(url, {"title": "New title"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag and response.json()["version"] == 2


@pytest.mark.parametrize("method", ["patch", "put"])
def test_stale_if_match_is_412_and_changes_nothing(method, world, api, monitor_on_team, reviewer):
    url = f"{API}/cases/{world['case'].pk}/"
    alice, rita = api(monitor_on_team), api(reviewer)
    etag = alice.get(url)["ETag"]
    assert (
        rita.patch(url, {"summary": "Rita's"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    )
    body = {"reference": "TJK-2022-0001", "title": "Alice's"}
    response = getattr(alice, method)(url, body, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "stale"
    case = Case.objects.get(pk=world["case"].pk)
    assert case.title == "Mamadshoeva" and case.summary == "Rita's"


def test_stale_if_match_on_an_action_is_412(world, api, monitor_on_team):
    client = api(monitor_on_team)
    url = f"{API}/cases/{world['case'].pk}/"
    etag = client.get(url)["ETag"]
    client.patch(url, {"summary": "moved on"}, format="json")
    response = client.post(f"{url}submit/", {}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert Case.objects.get(pk=world["case"].pk).review_state == "draft"
    fresh = client.get(url)["ETag"]
    assert client.post(f"{url}submit/", {}, format="json", HTTP_IF_MATCH=fresh).status_code == 200


def test_if_match_of_another_record_is_412(world, api, monitor_on_team, team):
    from tests.factories import CaseFactory

    other = CaseFactory(team=team)
    client = api(monitor_on_team)
    etag = client.get(f"{API}/cases/{other.pk}/")["ETag"]
    response = client.patch(
        f"{API}/cases/{world['case'].pk}/", {"title": "x"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 412


def test_a_race_past_the_precondition_is_still_412(world, api, monitor_on_team, monkeypatch):
    """The version check is in the save itself: a write that slips in between the If-Match
    check and the save still loses (StaleEdit → 412)."""
    from monitor.api import viewsets

    client = api(monitor_on_team)
    url = f"{API}/cases/{world['case'].pk}/"
    etag = client.get(url)["ETag"]
    real = viewsets.precondition

    def precondition_then_someone_saves(request, record, children=()):
        version = real(request, record, children)
        other = Case.objects.get(pk=record.pk)
        other.summary = "slipped in"
        other.save()
        return version

    monkeypatch.setattr(viewsets, "precondition", precondition_then_someone_saves)
    response = client.patch(url, {"title": "Lost"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "stale"
    assert Case.objects.get(pk=world["case"].pk).title == "Mamadshoeva"


def test_a_repeated_idempotency_key_creates_one_record(team, api, monitor_on_team):
    client = api(monitor_on_team)
    body = {"reference": "TJK-2023-0500", "title": "Retried", "team": str(team.pk)}
    first = client.post(f"{API}/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(f"{API}/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Case.objects.filter(reference="TJK-2023-0500").count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_an_idempotency_key_reused_for_another_request_is_409(team, api, monitor_on_team):
    client = api(monitor_on_team)
    client.post(
        f"{API}/cases/",
        {"reference": "TJK-2023-0501", "title": "One"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    response = client.post(
        f"{API}/cases/",
        {"reference": "TJK-2023-0502", "title": "Two"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert not Case.objects.filter(reference="TJK-2023-0502").exists()


def test_idempotency_keys_belong_to_their_user(api, monitor_on_team, reviewer):
    body = {"reference": "TJK-2023-0503", "title": "Mine"}
    api(monitor_on_team).post(f"{API}/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    other = api(reviewer).post(
        f"{API}/cases/",
        {**body, "reference": "TJK-2023-0504"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-3",
    )
    assert other.status_code == 201
    assert Case.objects.filter(reference__in=["TJK-2023-0503", "TJK-2023-0504"]).count() == 2


def test_a_failed_create_does_not_use_up_its_key(api, monitor_on_team):
    client = api(monitor_on_team)
    bad = client.post(
        f"{API}/cases/",
        {"reference": "bad", "title": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-4",
    )
    assert bad.status_code == 400
    good = client.post(
        f"{API}/cases/",
        {"reference": "TJK-2023-0505", "title": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-4",
    )
    assert good.status_code == 201


def test_an_overlong_idempotency_key_is_400(api, monitor_on_team):
    response = api(monitor_on_team).post(
        f"{API}/cases/",
        {"reference": "TJK-2023-0506", "title": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k" * 256,
    )
    assert response.status_code == 400
    assert not Case.objects.filter(reference="TJK-2023-0506").exists()


def test_a_retry_racing_the_first_request_still_creates_one_record(
    team, api, monitor_on_team, monkeypatch
):
    """Two requests with one key, both past the look-up before either saved: the database
    keeps one key row, the loser's record is rolled back and it answers with the winner's."""
    from monitor.api.viewsets import RecordViewSet

    client = api(monitor_on_team)
    body = {"title": "Raced", "team": str(team.pk)}
    first = client.post(f"{API}/events/", body, format="json", HTTP_IDEMPOTENCY_KEY="race")
    real_replay = RecordViewSet.replay
    calls = []

    def replay_missing_the_first_time(self, request, key, fingerprint):
        calls.append(key)
        return None if len(calls) == 1 else real_replay(self, request, key, fingerprint)

    monkeypatch.setattr(RecordViewSet, "replay", replay_missing_the_first_time)
    second = client.post(f"{API}/events/", body, format="json", HTTP_IDEMPOTENCY_KEY="race")
    assert second.status_code == 201 and second.json()["id"] == first.json()["id"]
    assert len(calls) == 2
    assert Event.objects.filter(title="Raced").count() == 1


#: The issue's case: 50 retries of one create, all in flight at once.
RETRIES = 50


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="50 requests writing at once need a database that runs them at once: SQLite "
    "serialises writers (and its test database is one in-memory connection); CI's "
    "PostgreSQL pass runs it",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        # A unique reference: a loser may fail on it before it reaches the key's row.
        ("cases", {"reference": "TJK-2023-0950", "title": "Retried 50 times"}),
        # Nothing unique but the key's row.
        ("events", {"title": "Retried 50 times"}),
    ],
)
def test_fifty_concurrent_retries_with_one_key_all_get_the_one_record(
    endpoint, body, team, monitor_on_team
):
    """Issue 20: 50 retries with one Idempotency-Key sent at once made one record, but some
    answered 400 "Case with this Reference already exists.": each retry must answer 201 with
    the one record, so that no client concludes its create failed."""
    start = threading.Barrier(RETRIES)

    def retry(_):
        client = APIClient()
        client.force_authenticate(monitor_on_team)
        try:
            start.wait()
            response = client.post(
                f"{API}/{endpoint}/", body, format="json", HTTP_IDEMPOTENCY_KEY="fifty"
            )
            return response.status_code, response.json()
        finally:
            connection.close()  # each thread's own connection

    with ThreadPoolExecutor(max_workers=RETRIES) as pool:
        answers = list(pool.map(retry, range(RETRIES)))
    assert {status for status, _ in answers} == {201}, [
        answer for answer in answers if answer[0] != 201
    ]
    assert len({answer["id"] for _, answer in answers}) == 1
    model = Case if endpoint == "cases" else Event
    assert model.objects.filter(title="Retried 50 times").count() == 1
    assert IdempotencyKey.objects.filter(key="fifty").count() == 1
