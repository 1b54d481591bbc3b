"""The run is background work through Django's tasks API: starting an import queues a task
(after the commit), and the worker runs it. Whatever backend settings.TASKS names."""

# ruff: noqa: F401, F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from imports import services
from imports.choices import JobStatus
from imports.tests.conftest import csv_bytes, monitor_on_team, rows, team, upload, vocabulary
from imports.tests.test_flow import MAPPING
from tests.task_backends import task_backend


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_start_queues_a_task_that_the_worker_runs(monitor_on_team, team, vocabulary):
    job = services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(rows(3))), team=team
    )
    services.import_map(job=job, actor=monitor_on_team, mapping=MAPPING)
    services.import_start(job=job, actor=monitor_on_team)
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "imports.tasks.import_run_task"
    assert queued.args_kwargs["args"] == [str(job.pk)]
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    job.refresh_from_db()
    assert (job.status, job.rows_done) == (JobStatus.DONE, 3)
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"


# -- sending a large batch to review: background work, a chunk per transaction -------------


def _imported(actor, team, count: int):
    from imports.tasks import import_run_task

    job = services.import_upload(actor=actor, uploaded_file=upload(csv_bytes(rows(count))),
                                 team=team)  # fmt: skip
    services.import_map(job=job, actor=actor, mapping=MAPPING)
    services.import_start(job=job, actor=actor)
    import_run_task.call(str(job.pk))
    return job


def _states(job, actor) -> dict:
    return services.batch_counts(services.batch_records(job=job, actor=actor))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_batch_larger_than_the_limit_is_sent_to_review_in_the_background(
    task_backend, monitor_on_team, team, vocabulary, settings, monkeypatch, client
):
    """Five rows make ten drafts (five cases, five new persons): above the limit of four,
    "Send the batch to review" answers at once with a progress row and sends nothing in
    the request — the old code submitted all ten in it — and the worker sends them, three
    a transaction."""
    from django.urls import reverse

    from monitor.choices import ReviewState
    from monitor.models import ProgressState

    settings.IMPORT_SUBMIT_BACKGROUND_RECORDS = 4
    monkeypatch.setattr(services, "SUBMIT_CHUNK", 3)
    job = _imported(monitor_on_team, team, 5)
    client.force_login(monitor_on_team)
    response = client.post(reverse("import-detail", args=[job.pk]), {"action": "submit"})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "being sent to review in the background" in page
    assert "Sending the batch to review" in page and "<progress" in page
    assert "Send the batch to review</button>" not in page  # not twice at once
    assert _states(job, monitor_on_team)[ReviewState.DRAFT] == 10  # nothing in the request
    sending = services.batch_sending(job=job, actor=monitor_on_team)
    assert sending.state == ProgressState.QUEUED
    task_backend.run_worker()
    sending.refresh_from_db()
    assert (sending.state, sending.done, sending.total) == (ProgressState.DONE, 10, 10)
    assert sending.result == {"count": 10}
    assert _states(job, monitor_on_team)[ReviewState.SUBMITTED] == 10
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "10 of 10 done" in page  # the bar of the sending, finished
    assert "Send the batch to review</button>" not in page  # nothing left to send


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_large_batch_commits_a_chunk_at_a_time(monitor_on_team, team, vocabulary, settings,
                                                 monkeypatch):  # fmt: skip
    """Each chunk is its own transaction: the reviewers' notice, queued once per committed
    transaction (monitor.notifications), is queued once per chunk — 10 records, 3 a chunk:
    4 — where one request used to hold all of them in one."""
    from monitor.choices import ReviewState

    settings.SITE_URL = "https://monitor.example"
    settings.IMPORT_SUBMIT_BACKGROUND_RECORDS = 4
    monkeypatch.setattr(services, "SUBMIT_CHUNK", 3)
    job = _imported(monitor_on_team, team, 5)
    before = DBTaskResult.objects.filter(task_path="monitor.tasks.review_notices_send").count()
    sending = services.batch_send_to_review(job=job, actor=monitor_on_team)
    assert sending.count == 0 and sending.progress is not None
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    notices = DBTaskResult.objects.filter(task_path="monitor.tasks.review_notices_send")
    assert notices.count() - before == 4
    assert _states(job, monitor_on_team)[ReviewState.SUBMITTED] == 10


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_small_batch_is_still_sent_in_the_request(monitor_on_team, team, vocabulary, settings):
    settings.IMPORT_SUBMIT_BACKGROUND_RECORDS = 10
    job = _imported(monitor_on_team, team, 5)
    sending = services.batch_send_to_review(job=job, actor=monitor_on_team)
    assert (sending.count, sending.progress) == (10, None)
    assert not DBTaskResult.objects.filter(task_path="imports.tasks.batch_submit_task").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_api_answers_202_with_the_progress_of_a_large_batch_sent_in_the_background(
    monitor_on_team, team, vocabulary, settings
):
    from imports.tests.test_api import API, client

    settings.IMPORT_SUBMIT_BACKGROUND_RECORDS = 4
    job = _imported(monitor_on_team, team, 5)
    api = client(monitor_on_team)
    response = api.post(f"{API}{job.pk}/submit/", {"comment": ""}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["count"] == 0 and body["progress"]["state"] == "queued"
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    batch = api.get(body["progress_url"])
    assert batch.status_code == 200
    assert (batch.json()["sending"]["state"], batch.json()["sending"]["done"]) == ("done", 10)
    assert batch.json()["counts"]["submitted"] == 10
