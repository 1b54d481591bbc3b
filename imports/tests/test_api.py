"""The import journey through /api/v1/imports/: upload, map, preview, run, follow the
progress, fetch the failed rows, fix and re-import them, review the batch — and who may not."""

# ruff: noqa: F401, F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import csv
import io

import pytest
from rest_framework.test import APIClient

from cases.models import Case
from imports.models import ImportJob
from imports.tasks import import_run_task
from imports.tests.conftest import (
    csv_bytes,
    monitor_off_team,
    monitor_on_team,
    no_role_user,
    reviewer,
    rows,
    team,
    upload,
    viewer,
    vocabulary,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/imports/"
ROWS, BAD = 40, 12


def client(user) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def spreadsheet():
    """ROWS rows, BAD of them with a date nobody can read."""
    data = rows(ROWS)
    for n in range(BAD):
        data[n * 3][2] = "тринадцатое"
    return data


def run_queued(job_id: str) -> None:
    import_run_task.call(job_id)  # what the worker does with the queued task


def test_the_whole_journey_through_the_api(monitor_on_team, reviewer, team, vocabulary):
    api = client(monitor_on_team)
    data = spreadsheet()
    response = api.post(
        API, {"file": upload(csv_bytes(data), "список.csv"), "team": str(team.pk)},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    job = response.json()
    assert (job["rows_total"], job["status"], job["file_format"]) == (ROWS, "uploaded", "csv")
    url = f"{API}{job['id']}/"
    mapping = {
        "person_name": "ФИО", "arrest_date": "Дата задержания", "place": "Город",
        "facility": "СИЗО", "articles": "Статья", "birth_year": "Год рождения",
    }  # fmt: skip
    response = api.post(url + "mapping/", {"mapping": mapping, "template_name": "Списки ОВД"})
    assert response.status_code == 200, response.content
    preview = api.get(url + "preview/").json()
    assert len(preview["rows"]) == 20
    assert preview["rows"][0]["ok"] is False and "тринадцатое" in str(preview["rows"][0]["errors"])
    assert preview["rows"][1]["ok"] is True
    assert "new person" in preview["rows"][1]["matches"].values()
    response = api.post(url + "start/")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    run_queued(job["id"])
    job = api.get(url).json()
    assert (job["status"], job["rows_done"], job["rows_failed"]) == ("done", ROWS, BAD)
    # The failed rows as a CSV, fixed and imported again: only they are new.
    failed = api.get(url + "failed/")
    assert failed.status_code == 200
    lines = list(csv.reader(io.StringIO(failed.content.decode("utf-8-sig"))))
    assert len(lines) == BAD + 1
    fixed = [line[:-1] for line in lines[1:]]
    for line in fixed:
        line[2] = "13.05.2023"
    response = api.post(API, {"file": upload(csv_bytes(fixed), "исправлено.csv"),
                              "team": str(team.pk)}, format="multipart")  # fmt: skip
    again = response.json()
    assert again["mapping"] == mapping  # the saved template fits the file's columns
    api.post(f"{API}{again['id']}/start/")
    run_queued(again["id"])
    assert api.get(f"{API}{again['id']}/").json()["rows_failed"] == 0
    assert Case.objects.count() == ROWS
    # The review batch: submitted by the importer, verified as a whole by another reviewer.
    batch = api.get(url + "batch/").json()
    assert batch["counts"]["draft"] == 2 * (ROWS - BAD)  # cases and new persons
    assert len(batch["sample"]) == 10
    assert api.post(url + "submit/").json()["count"] == 2 * (ROWS - BAD)
    refused = api.post(url + "verify/")
    assert refused.status_code in (400, 403)
    assert client(reviewer).post(url + "verify/", {"comment": "sampled 10"}).json()["count"] == (
        2 * (ROWS - BAD)
    )


def test_progress_is_readable_while_running(monitor_on_team, team, vocabulary):
    api = client(monitor_on_team)
    job = api.post(API, {"file": upload(csv_bytes(rows(3)))}, format="multipart").json()
    body = api.get(f"{API}{job['id']}/").json()
    for key in ("rows_done", "rows_total", "rows_failed", "percent", "seconds_left", "status"):
        assert key in body


def test_bad_files_answer_400_with_the_reason_and_store_nothing(monitor_on_team):
    api = client(monitor_on_team)
    response = api.post(API, {"file": upload(b"", "empty.csv")}, format="multipart")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["fields"]["file"]
    assert ImportJob.objects.count() == 0
    response = api.post(API, {"file": upload(csv_bytes([]), "h.csv")}, format="multipart")
    assert "no rows" in str(response.json())


def test_a_bad_mapping_answers_400_naming_the_field(monitor_on_team, team):
    api = client(monitor_on_team)
    job = api.post(API, {"file": upload(csv_bytes(rows(2)))}, format="multipart").json()
    response = api.post(f"{API}{job['id']}/mapping/", {"mapping": {"notes": "Примечание"}})
    assert response.status_code == 400
    assert "required" in response.json()["error"]["message"]


def test_who_may_not(monitor_on_team, monitor_off_team, viewer, no_role_user, team, vocabulary):
    job = (
        client(monitor_on_team)
        .post(API, {"file": upload(csv_bytes(rows(2))), "team": str(team.pk)}, format="multipart")
        .json()
    )
    url = f"{API}{job['id']}/"
    # Hidden (below the viewer's clearance, no role, anonymous): 404 or 401, never 403.
    assert client(viewer).get(url).status_code == 404
    assert client(no_role_user).get(url).status_code == 404
    assert client(None).get(url).status_code == 401
    assert client(viewer).get(API).json()["results"] == []
    # A viewer cannot import at all.
    response = client(viewer).post(API, {"file": upload(csv_bytes(rows(1)))}, format="multipart")
    assert response.status_code == 403
    # Another monitor who may see the job cannot run or map it.
    other = client(monitor_off_team)
    assert other.get(url).status_code == 200
    assert other.post(url + "start/").status_code == 403
    assert other.post(url + "mapping/", {"mapping": {"person_name": "ФИО"}}).status_code == 403
    assert ImportJob.objects.get(pk=job["id"]).status == "uploaded"
