"""The duplicate review of a large register, computed in the background (people.duplicates):
a coordinator starts it from the page or the API, follows its progress, and the page and
the API then read the stored pairs — visible-only with the reader's access of now, and
paginated. The tasks run on the real backends (tests/task_backends.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from monitor.choices import Confidentiality, Role
from monitor.models import ProgressState, TaskProgress
from people.models import Person
from people.services import person_merge
from tests.factories import PersonFactory, TeamFactory, UserFactory
from tests.task_backends import _run_db_worker, task_backend  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

INTERNAL = {"confidentiality": Confidentiality.INTERNAL}


@pytest.fixture
def coordinator(db):
    return UserFactory(role=Role.COORDINATOR, clearance=Confidentiality.STRICT)


@pytest.fixture
def large(settings):
    """Any register is "large": the review is computed in the background."""
    settings.PERSON_DUPLICATES_BACKGROUND_NAMES = 1


@pytest.fixture
def pairs(db):
    """Two pairs the coordinator may see, and a namesake they may not (another team's,
    strictly confidential): it is never paired, nor named."""
    found = [
        tuple(PersonFactory(name=name, **INTERNAL) for name in names)
        for names in [("Rustam Jumayev", "Джумаев Рустам"), ("Umed Yusufov", "Умед Юсупов")]
    ]
    PersonFactory(name="Nigora Safarova", **INTERNAL)
    PersonFactory(name="Rustam Djumaev", confidentiality=Confidentiality.STRICT, team=TeamFactory())
    return found


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(results) -> list[frozenset[str]]:
    return [frozenset((row["one"]["id"], row["other"]["id"])) for row in results]


def test_a_coordinator_starts_the_search_follows_it_and_reads_the_pairs(
    client,
    large,
    pairs,
    coordinator,
    task_backend,  # noqa: F811
):
    client.force_login(coordinator)
    page = client.get(reverse("person-duplicates"))
    assert page.status_code == 200
    assert page.context["count"] == 0  # not looked for yet: nothing computed in the request
    assert "They have not been looked for yet." in page.content.decode()

    response = client.post(reverse("person-duplicates"))
    progress = TaskProgress.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("task-progress", kwargs={"pk": progress.pk})
    assert progress.owner == coordinator and progress.state == ProgressState.QUEUED
    running = client.get(reverse("person-duplicates")).content.decode()
    assert reverse("task-progress", kwargs={"pk": progress.pk}) in running  # its progress

    task_backend.run_worker()

    progress.refresh_from_db()
    assert progress.state == ProgressState.DONE, progress.errors
    assert progress.total and progress.done == progress.total
    expected = {frozenset((str(one.pk), str(other.pk))) for one, other in pairs}
    page = client.get(reverse("person-duplicates"))
    shown = [frozenset((str(pair.one.pk), str(pair.other.pk))) for pair in page.context["pairs"]]
    assert len(shown) == 2 and set(shown) == expected
    assert "Rustam Djumaev" not in page.content.decode()
    answer = api(coordinator).get("/api/v1/persons/duplicates/").json()
    assert len(answer["results"]) == 2 and set(ids(answer["results"])) == expected
    assert answer["computed_at"] and answer["results"][0]["reasons"]


def test_stored_pairs_are_read_with_the_readers_access_of_now(large, pairs, coordinator):
    (survivor, duplicate), (one, _other) = pairs
    assert api(coordinator).post("/api/v1/persons/duplicates/").status_code == 202
    _run_db_worker()

    person_merge(actor=coordinator, survivor=survivor, duplicate=duplicate, reason="Same man")
    # Hidden from the coordinator since the search (another team's, strictly confidential).
    Person._base_manager.filter(pk=one.pk).update(
        confidentiality=Confidentiality.STRICT, team=TeamFactory()
    )

    assert api(coordinator).get("/api/v1/persons/duplicates/").json()["results"] == []
    # Another coordinator reads their own search, not this one's.
    other_coordinator = UserFactory(role=Role.COORDINATOR, clearance=Confidentiality.STRICT)
    assert api(other_coordinator).get("/api/v1/persons/duplicates/").json()["results"] == []


def test_the_stored_pairs_are_paginated(client, large, coordinator):
    for first, second in [
        ("Farhod Irgashov", "Фарход Иргашев"),
        ("Khurshed Davlatov", "Хуршед Давлатов"),
        ("Said Ibragimov", "Саид Иброҳимов"),
    ]:
        PersonFactory(name=first, **INTERNAL)
        PersonFactory(name=second, **INTERNAL)
    api(coordinator).post("/api/v1/persons/duplicates/")
    _run_db_worker()
    reader = api(coordinator)
    reader.get("/api/v1/persons/duplicates/")  # the user's permissions are cached from here on
    with CaptureQueriesContext(connection) as two:
        first = reader.get("/api/v1/persons/duplicates/?page_size=2").json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    with CaptureQueriesContext(connection) as one:
        rest = reader.get(first["next"]).json()["results"]
    assert len(rest) == 1 and ids(rest)[0] not in ids(first["results"])
    assert len(two) == len(one)  # the queries do not grow with the pairs
    client.force_login(coordinator)
    assert client.get(reverse("person-duplicates")).context["count"] == 3


def test_only_coordinators_search_for_duplicates(client, large):
    monitor = UserFactory(role=Role.MONITOR, clearance=Confidentiality.STRICT)
    assert api(monitor).post("/api/v1/persons/duplicates/").status_code == 403
    client.force_login(monitor)
    assert client.post(reverse("person-duplicates")).status_code == 403
    assert not TaskProgress.objects.exists()


def test_a_second_start_while_one_runs_starts_nothing_new(large, coordinator):
    first = api(coordinator).post("/api/v1/persons/duplicates/")
    second = api(coordinator).post("/api/v1/persons/duplicates/")
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert TaskProgress.objects.count() == 1
