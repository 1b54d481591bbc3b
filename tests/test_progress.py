"""Background work and its progress (monitor.progress), on both task backends with real
workers: steps done of the total, errors, cancellation, failure, and only the owner sees it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from monitor.models import ProgressState, TaskProgress
from monitor.progress import progress_attach, progress_cancel, progress_start, progress_url
from tests.factories import UserFactory
from tests.task_backends import task_backend  # noqa: F401 (fixture)
from tests.task_samples import count_to

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def owner():
    return UserFactory(username="olga-owner")


@pytest.fixture
def someone_else():
    return UserFactory(username="sam-someone")


def start(owner, total, **options) -> TaskProgress:
    progress = progress_start(owner=owner, kind="count", title="Counting", params={"n": total})
    progress_attach(progress, count_to.enqueue(str(progress.pk), total, **options))
    return progress


def test_a_job_reports_its_steps_and_errors_and_ends_done(task_backend, owner, client):  # noqa: F811
    progress = start(owner, 7)
    assert progress.state == ProgressState.QUEUED and progress.task_id

    task_backend.run_worker()

    progress.refresh_from_db()
    assert progress.state == ProgressState.DONE
    assert (progress.done, progress.total, progress.percent) == (7, 7, 100)
    assert progress.error_count == 2
    assert progress.errors == ["step 3 went wrong", "step 6 went wrong"]
    assert progress.result == {"counted": 7}
    assert progress.started_at <= progress.finished_at

    client.force_login(owner)
    data = client.get(reverse("task-progress-json", kwargs={"pk": progress.pk})).json()
    assert data["state"] == "done" and data["finished"] is True
    assert (data["done"], data["total"], data["percent"], data["errors"]) == (7, 7, 100, 2)
    page = client.get(progress_url(progress))
    assert page.status_code == 200
    text = page.content.decode()
    assert "7 of 7 done (100%)" in text
    assert "2 errors so far" in text
    assert 'http-equiv="refresh"' not in text  # finished: the page stops reloading


def test_a_failing_job_is_marked_failed_without_its_traceback(task_backend, owner, client):  # noqa: F811
    progress = start(owner, 9, fail_at=5)
    task_backend.run_worker()
    progress.refresh_from_db()
    assert progress.state == ProgressState.FAILED
    assert progress.done == 4
    assert progress.errors[-1] == "The job stopped on an error."
    client.force_login(owner)
    text = client.get(progress_url(progress)).content.decode()
    assert "a secret value" not in text
    assert "failed" in text


def test_the_owner_stops_a_running_job_between_steps(task_backend, owner):  # noqa: F811
    progress = start(owner, 10, stop_after=4)
    task_backend.run_worker()
    progress.refresh_from_db()
    assert progress.state == ProgressState.CANCELLED
    assert progress.done == 4
    assert progress.finished_at is not None


def test_a_job_stopped_before_it_started_never_runs(task_backend, owner, client):  # noqa: F811
    progress = start(owner, 5)
    client.force_login(owner)
    response = client.post(reverse("task-progress-cancel", kwargs={"pk": progress.pk}))
    assert response.status_code == 302
    progress.refresh_from_db()
    assert progress.state == ProgressState.CANCELLED
    task_backend.run_worker()
    progress.refresh_from_db()
    assert progress.state == ProgressState.CANCELLED
    assert progress.done == 0 and progress.started_at is None


def test_only_the_owner_sees_or_stops_a_job(owner, someone_else, client):
    progress = start(owner, 5)
    client.force_login(someone_else)
    for name in ("task-progress", "task-progress-json"):
        assert client.get(reverse(name, kwargs={"pk": progress.pk})).status_code == 404
    assert (
        client.post(reverse("task-progress-cancel", kwargs={"pk": progress.pk})).status_code == 404
    )
    progress.refresh_from_db()
    assert not progress.cancel_requested
    with pytest.raises(PermissionError):
        progress_cancel(progress=progress, actor=someone_else)
    client.logout()
    response = client.get(reverse("task-progress-json", kwargs={"pk": progress.pk}))
    assert response.status_code in (302, 401, 404)  # the sign-in page, never the data
    assert b"Counting" not in response.content


def test_a_running_job_shows_its_bar_the_time_left_and_reloads(owner, client):
    progress = progress_start(owner=owner, kind="count", title="Counting")
    TaskProgress.objects.filter(pk=progress.pk).update(
        state=ProgressState.RUNNING,
        total=200,
        done=50,
        started_at=timezone.now() - datetime.timedelta(minutes=10),
    )
    progress.refresh_from_db()
    eta = progress.eta()
    assert eta is not None and eta > timezone.now() + datetime.timedelta(minutes=29)
    client.force_login(owner)
    text = client.get(progress_url(progress)).content.decode()
    assert '<progress max="200" value="50"' in text
    assert "50 of 200 done (25%)" in text
    assert "left." in text
    assert 'http-equiv="refresh"' in text
    data = client.get(reverse("task-progress-json", kwargs={"pk": progress.pk})).json()
    assert data["seconds_left"] > 29 * 60
