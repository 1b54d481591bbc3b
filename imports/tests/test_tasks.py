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
