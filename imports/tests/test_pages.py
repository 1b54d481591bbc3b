"""The import pages: upload with clear refusals, map and preview, run with the progress bar,
the failed rows, the batch review — and who may not."""

# ruff: noqa: F401, F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import pytest
from django.urls import reverse

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


def post_file(client, content: bytes, name="список.csv", **extra):
    data = {"file": upload(content, name), "kind": "detentions", "confidentiality": 30}
    data.update(extra)
    return client.post(reverse("import-new"), data)


def test_upload_map_preview_run_and_review_through_the_pages(
    client, monitor_on_team, reviewer, team, vocabulary
):
    client.force_login(monitor_on_team)
    assert client.get(reverse("imports")).status_code == 200
    assert client.get(reverse("import-new")).status_code == 200
    data = rows(4)
    data[1][2] = "когда-то"
    response = post_file(client, csv_bytes(data), team=str(team.pk))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("import-detail", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert "Map the columns" in page and "Preview" in page
    assert "когда-то" in page and "new person" in page
    form = {f"map_{code}": header for code, header in job.mapping.items()}
    form.update(action="start", on_error="skip", template_name="")
    response = client.post(reverse("import-detail", args=[job.pk]), form)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "queued"
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' in page and "<progress" in page  # follows the run
    import_run_task.call(str(job.pk))
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "4 of 4 rows done, 1 errors so far" in page
    assert 'http-equiv="refresh"' not in page
    failed = client.get(reverse("import-failed", args=[job.pk]))
    assert failed.status_code == 200
    assert "когда-то" in failed.content.decode("utf-8-sig")
    client.post(reverse("import-detail", args=[job.pk]), {"action": "submit"})
    # The importer may not verify; another reviewer verifies the whole batch.
    response = client.post(reverse("import-detail", args=[job.pk]), {"action": "verify"})
    assert response.status_code == 400
    client.force_login(reviewer)
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "Verify the whole batch" in page
    response = client.post(reverse("import-detail", args=[job.pk]), {"action": "verify"})
    assert response.status_code == 302
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "6 records verified." in page


def test_a_bad_file_is_refused_in_the_page_with_the_reason(client, monitor_on_team):
    client.force_login(monitor_on_team)
    response = post_file(client, csv_bytes([]))
    assert response.status_code == 400
    assert "no rows" in response.content.decode()
    response = post_file(client, b"%PDF-1.7\n", "a.pdf")
    assert "not a spreadsheet" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_viewer_cannot_import_and_hidden_jobs_are_404(
    client, monitor_on_team, viewer, no_role_user, team, vocabulary
):
    client.force_login(monitor_on_team)
    post_file(client, csv_bytes(rows(1)), team=str(team.pk))
    job = ImportJob.objects.get()
    client.force_login(viewer)
    assert client.get(reverse("import-new")).status_code == 403
    assert post_file(client, csv_bytes(rows(1))).status_code == 403
    assert client.get(reverse("import-detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("import-failed", args=[job.pk])).status_code == 404
    assert job.file_name not in client.get(reverse("imports")).content.decode()
    client.force_login(no_role_user)
    assert client.get(reverse("imports")).status_code == 404


def test_another_monitor_who_sees_the_job_cannot_run_it(
    client, monitor_on_team, monitor_off_team, team, vocabulary
):
    client.force_login(monitor_on_team)
    post_file(client, csv_bytes(rows(1)), team=str(team.pk))
    job = ImportJob.objects.get()
    client.force_login(monitor_off_team)
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "Run the import" not in page
    response = client.post(
        reverse("import-detail", args=[job.pk]),
        {"action": "start", "map_person_name": "ФИО", "on_error": "skip"},
    )
    assert response.status_code == 400
    job.refresh_from_db()
    assert job.status == "uploaded"
