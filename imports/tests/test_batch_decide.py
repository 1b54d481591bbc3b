"""Verifying or returning a large review batch as a whole is background work, as sending it
to review is: every record is checked with the review service's own checks first (nothing
is decided if one would be refused), then the records are decided a chunk per transaction,
with a progress bar. Whatever backend settings.TASKS names."""

# ruff: noqa: F401, F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from imports import services
from imports.tests.conftest import (
    csv_bytes,
    monitor_on_team,
    reviewer,
    rows,
    team,
    upload,
    vocabulary,
)
from imports.tests.test_flow import MAPPING
from imports.tests.test_tasks import _imported, _states
from monitor.choices import ReviewState
from monitor.models import ProgressState
from monitor.services import ActionRefused, review_submit
from tests.conftest import second_reviewer
from tests.task_backends import task_backend

TRANSACTIONAL = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _submitted(actor, team, count: int):
    """An import of ``count`` rows (a case and a new person each), sent to review."""
    job = _imported(actor, team, count)
    services.batch_submit(job=job, actor=actor)
    return job


@TRANSACTIONAL
def test_a_large_batch_is_verified_in_the_background_with_a_progress_bar(
    task_backend, monitor_on_team, reviewer, team, vocabulary, settings, monkeypatch, client
):
    """Six waiting records (three cases, three new persons) above a limit of four: "Verify
    the whole batch" verifies nothing in the request, shows the progress instead of the
    buttons, and the worker verifies them four a transaction — the first case's new person
    with it, as its companion, in the same chunk (then found decided, not refused)."""
    settings.IMPORT_SUBMIT_BACKGROUND_RECORDS = 4
    monkeypatch.setattr(services, "SUBMIT_CHUNK", 4)
    job = _submitted(monitor_on_team, team, 3)
    client.force_login(reviewer)
    page_url = reverse("import-detail", args=[job.pk])
    response = client.post(page_url, {"action": "verify"})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "being verified in the background" in page
    assert "Verifying the batch: list.csv" in page and "<progress" in page
    assert "Verify the whole batch</button>" not in page  # not twice at once
    assert _states(job, reviewer)[ReviewState.SUBMITTED] == 6  # nothing in the request
    with pytest.raises(ActionRefused, match="being decided already"):
        services.batch_decide(job=job, actor=reviewer, action="return", comment="no")
    deciding = services.batch_deciding(job=job, actor=reviewer)
    assert deciding.state == ProgressState.QUEUED
    task_backend.run_worker()
    deciding.refresh_from_db()
    assert (deciding.state, deciding.done, deciding.total) == (ProgressState.DONE, 6, 6)
    assert (deciding.result, deciding.error_count) == ({"count": 6}, 0)
    assert _states(job, reviewer)[ReviewState.VERIFIED] == 6
    page = client.get(page_url).content.decode()
    assert "6 of 6 done" in page
    assert "Verify the whole batch</button>" not in page  # nothing left waiting


@TRANSACTIONAL
def test_one_record_the_reviewer_may_not_verify_stops_the_background_batch_before_any(
    monitor_on_team, reviewer, team, vocabulary, settings
):
    """Four eyes in the background as in the request: the reviewer sent one record to review
    themselves, so the job checks every record, fails naming it and why, and verifies none —
    the ones checked before it included."""
    settings.IMPORT_SUBMIT_BACKGROUND_RECORDS = 4
    job = _imported(monitor_on_team, team, 3)
    from cases.models import Case

    records = services.batch_records(job=job, actor=reviewer)
    last_case = [record for record in records if isinstance(record, Case)][-1]
    review_submit(record=last_case, actor=reviewer)  # the reviewer's own contribution
    services.batch_submit(job=job, actor=monitor_on_team)
    deciding = services.batch_decide(job=job, actor=reviewer, action="verify")
    assert deciding.count == 0 and deciding.progress is not None
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    progress = services.batch_deciding(job=job, actor=reviewer)
    assert progress.state == ProgressState.FAILED
    assert "Nothing was decided" in progress.errors[-1]
    assert str(last_case) in progress.errors[-1] and "your own work" in progress.errors[-1]
    assert _states(job, reviewer)[ReviewState.VERIFIED] == 0
    assert _states(job, reviewer)[ReviewState.SUBMITTED] == 6


@TRANSACTIONAL
def test_a_large_batch_is_returned_in_the_background_and_a_return_needs_a_comment(
    monitor_on_team, reviewer, team, vocabulary, settings
):
    settings.IMPORT_SUBMIT_BACKGROUND_RECORDS = 4
    job = _submitted(monitor_on_team, team, 3)
    with pytest.raises(ActionRefused, match="comment is required"):
        services.batch_decide(job=job, actor=reviewer, action="return", comment="  ")
    assert not DBTaskResult.objects.filter(task_path="imports.tasks.batch_decide_task").exists()
    deciding = services.batch_decide(
        job=job, actor=reviewer, action="return", comment="check the dates"
    )
    assert deciding.progress is not None
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    deciding.progress.refresh_from_db()
    assert (deciding.progress.state, deciding.progress.result) == (
        ProgressState.DONE,
        {"count": 6},
    )
    assert _states(job, reviewer)[ReviewState.RETURNED] == 6


@TRANSACTIONAL
def test_the_importer_cannot_start_verifying_their_own_large_batch(
    monitor_on_team, team, vocabulary, settings
):
    settings.IMPORT_SUBMIT_BACKGROUND_RECORDS = 4
    job = _submitted(monitor_on_team, team, 3)
    with pytest.raises(ActionRefused) as refused:
        services.batch_decide(job=job, actor=monitor_on_team, action="verify")
    assert refused.value.code == "four_eyes"
    assert not DBTaskResult.objects.filter(task_path="imports.tasks.batch_decide_task").exists()
    assert _states(job, monitor_on_team)[ReviewState.SUBMITTED] == 6


@TRANSACTIONAL
def test_a_small_batch_is_still_decided_in_the_request_all_or_nothing(
    monitor_on_team, reviewer, team, vocabulary, settings
):
    settings.IMPORT_SUBMIT_BACKGROUND_RECORDS = 10
    job = _submitted(monitor_on_team, team, 3)
    deciding = services.batch_decide(job=job, actor=reviewer, action="verify")
    assert (deciding.count, deciding.progress) == (6, None)
    assert not DBTaskResult.objects.filter(task_path="imports.tasks.batch_decide_task").exists()


@TRANSACTIONAL
def test_the_api_answers_202_for_a_large_batch_and_its_progress_is_the_deciders_only(
    monitor_on_team, reviewer, second_reviewer, team, vocabulary, settings
):
    """The API as the page: 202 with the progress; ``…/batch/`` answers it as ``deciding``
    to the reviewer who started it — not to the importer, nor to another reviewer."""
    from imports.tests.test_api import API, client

    settings.IMPORT_SUBMIT_BACKGROUND_RECORDS = 4
    job = _submitted(monitor_on_team, team, 3)
    api = client(reviewer)
    response = api.post(f"{API}{job.pk}/verify/", {"comment": ""}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["count"] == 0 and body["progress"]["state"] == "queued"
    assert client(monitor_on_team).get(f"{API}{job.pk}/batch/").json()["deciding"] is None
    assert client(second_reviewer).get(f"{API}{job.pk}/batch/").json()["deciding"] is None
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    batch = api.get(body["progress_url"]).json()
    assert (batch["deciding"]["state"], batch["deciding"]["done"]) == ("done", 6)
    assert batch["counts"]["verified"] == 6
    refused = client(monitor_on_team).post(f"{API}{job.pk}/return/", {"comment": ""},
                                           format="json")  # fmt: skip
    assert refused.status_code in (400, 403, 409), refused.content
