"""Large exports as background work (monitor.export_jobs): above the threshold a list's CSV or
XLSX is made by a task — the same file as the direct export, row for row — with a progress
page; only the person who asked downloads it, only while they still see what it holds, and
only until it expires. Run on both task backends with real workers."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cases.choices import StepKind
from monitor import at_rest
from monitor.choices import Confidentiality
from monitor.models import AccessAction, AccessLog, ProgressState, TaskProgress
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    DetentionFactory,
    DetentionStepFactory,
    PersonFactory,
    TeamFactory,
)
from tests.pages.test_register import build_register_world
from tests.task_backends import task_backend  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EXPORTS = ["case-export", "allegation-export", "detention-export", "register-export"]


@pytest.fixture
def world(team):
    build_register_world(team)
    internal = {"confidentiality": Confidentiality.INTERNAL}
    for number in range(4):
        case = CaseFactory(reference=f"TJK-2022-01{number:02d}", team=team, **internal)
        person = PersonFactory(name=f"Detainee number {number}", **internal)
        AllegationFactory(case=case, victim=person)
        detention = DetentionFactory(case=case, person=person)
        DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED, date="2022-05-18")
    # A person the team protects: named to its members, a pseudonym to everyone else.
    protected = PersonFactory(name="Witness Protectedova", is_protected=True, team=team, **internal)
    AllegationFactory(case=CaseFactory(team=team, **internal), victim=protected)


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8").removeprefix("\ufeff"))))


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _background(client, url: str, backend) -> TaskProgress:
    response = client.get(url)
    assert response.status_code == 302, response.content[:300]
    progress = TaskProgress.objects.get()
    assert response["Location"] == reverse("task-progress", kwargs={"pk": progress.pk})
    assert progress.state == ProgressState.QUEUED
    backend.run_worker()
    progress.refresh_from_db()
    assert progress.state == ProgressState.DONE, progress.errors
    return progress


def _download(client, progress):
    return client.get(reverse("export-download", kwargs={"pk": progress.pk}))


@pytest.mark.parametrize("url_name", EXPORTS)
def test_a_large_export_is_the_same_file_as_the_direct_one(
    client,
    settings,
    monitor_on_team,
    world,
    url_name,
    task_backend,  # noqa: F811
):
    client.force_login(monitor_on_team)
    url = reverse(url_name)
    direct = client.get(url)
    assert direct.status_code == 200 and not TaskProgress.objects.exists()  # small: direct
    direct_rows = _csv(_body(direct))  # the direct CSV streams: read it now
    settings.EXPORT_BACKGROUND_ROWS = 2

    progress = _background(client, url, task_backend)

    assert progress.total == progress.done == progress.result["rows"] > 2
    # On disk it waits encrypted: no name, no reference, nothing readable.
    (stored,) = settings.EXPORT_DIR.glob(f"{progress.pk}.csv")
    on_disk = stored.read_bytes()
    assert on_disk.startswith(at_rest.MAGIC)
    assert b"Detainee" not in on_disk and b"TJK-2022" not in on_disk
    response = _download(client, progress)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    rows = _csv(_body(response))
    assert rows == direct_rows
    assert len(rows) == progress.result["rows"] + 1  # the header


def test_the_register_xlsx_is_made_in_the_background_too(
    client,
    settings,
    viewer,
    world,
    task_backend,  # noqa: F811
):
    client.force_login(viewer)
    url = reverse("register-export-xlsx")
    direct = load_workbook(io.BytesIO(client.get(url).content), read_only=True)
    settings.EXPORT_BACKGROUND_ROWS = 1
    progress = _background(client, url, task_backend)
    made = load_workbook(io.BytesIO(_body(_download(client, progress))))
    sheet = made.active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert list(sheet.values) == list(direct.active.values)


def test_without_an_encryption_key_a_large_export_is_refused_and_nothing_is_written(
    client,
    settings,
    monitor_on_team,
    world,
    task_backend,  # noqa: F811
):
    settings.EVIDENCE_KEY = None
    settings.EXPORT_BACKGROUND_ROWS = 2
    client.force_login(monitor_on_team)
    client.get(reverse("case-export"))
    progress = TaskProgress.objects.get()
    task_backend.run_worker()
    progress.refresh_from_db()
    assert progress.state == ProgressState.FAILED
    assert "no encryption key" in " ".join(progress.errors)
    assert not list(settings.EXPORT_DIR.glob(f"{progress.pk}*"))
    assert _download(client, progress).status_code != 200


def test_an_export_whose_key_was_altered_is_not_given(
    client,
    settings,
    monitor_on_team,
    world,
    task_backend,  # noqa: F811
):
    settings.EXPORT_BACKGROUND_ROWS = 2
    client.force_login(monitor_on_team)
    progress = _background(client, reverse("case-export"), task_backend)
    other = TaskProgress.objects.get(pk=progress.pk)
    other.result["sealed_key"] = at_rest.wrap(at_rest.new_data_key(), evidence_id="export:x")
    other.save(update_fields=["result"])
    response = _download(client, progress)
    assert response.status_code == 410
    assert not list(settings.EXPORT_DIR.glob(f"{progress.pk}*"))


def test_the_list_says_a_large_export_is_made_in_the_background(
    client, settings, monitor_on_team, world
):
    client.force_login(monitor_on_team)
    page = client.get(reverse("case-list")).content.decode()
    assert 'id="export-background"' not in page and " download>" in page
    settings.EXPORT_BACKGROUND_ROWS = 2
    page = client.get(reverse("case-list")).content.decode()
    assert 'id="export-background"' in page
    assert " download>" not in page  # the link leads to a progress page, not a file


def test_a_filter_not_understood_starts_nothing(client, settings, monitor_on_team, world):
    settings.EXPORT_BACKGROUND_ROWS = 0
    client.force_login(monitor_on_team)
    response = client.get(reverse("register-export"), {"arrest_year": "not a year"})
    assert response.status_code == 200
    assert "could not be understood" in response.content.decode()
    assert not TaskProgress.objects.exists()


def test_generation_and_download_are_in_the_access_log(
    client,
    settings,
    monitor_on_team,
    world,
    task_backend,  # noqa: F811
):
    settings.EXPORT_BACKGROUND_ROWS = 2
    client.force_login(monitor_on_team)
    progress = _background(client, reverse("case-export") + "?q=TJK", task_backend)
    made = AccessLog.objects.filter(action=AccessAction.EXPORT, user=monitor_on_team)
    assert made.count() == 1
    assert made.get().detail == f"{progress.result['rows']} rows; filters: q"
    assert _download(client, progress).status_code == 200
    assert made.count() == 2
    assert made.filter(detail__startswith="downloaded a background export").exists()


def test_only_the_person_who_asked_may_download_it(
    client,
    settings,
    monitor_on_team,
    reviewer,
    world,
    task_backend,  # noqa: F811
):
    settings.EXPORT_BACKGROUND_ROWS = 2
    client.force_login(monitor_on_team)
    progress = _background(client, reverse("case-export"), task_backend)
    # The reviewer is on the same team and sees the same cases: still not theirs.
    client.force_login(reviewer)
    assert _download(client, progress).status_code == 404
    assert client.get(reverse("task-progress", kwargs={"pk": progress.pk})).status_code == 404
    client.logout()
    assert _download(client, progress).status_code == 302  # to the sign-in page
    client.force_login(monitor_on_team)
    assert _download(client, progress).status_code == 200


def test_a_requester_who_lost_access_cannot_download_and_the_file_is_removed(
    client, settings, monitor_on_team, team, world
):
    from tests.task_backends import _run_db_worker

    settings.EXPORT_BACKGROUND_ROWS = 2
    client.force_login(monitor_on_team)
    response = client.get(reverse("case-export"))
    progress = TaskProgress.objects.get()
    assert response.status_code == 302
    _run_db_worker()
    progress.refresh_from_db()
    team.members.remove(monitor_on_team)  # off the team: the strict case is no longer theirs

    response = _download(client, progress)

    assert response.status_code == 403
    assert b"What you may see has changed" in response.content
    assert b"Zeravshan" not in response.content
    assert not list(settings.EXPORT_DIR.glob(f"{progress.pk}*"))
    team.members.add(monitor_on_team)  # access back: the file is gone all the same
    assert _download(client, progress).status_code == 410


def test_a_record_hidden_since_the_export_refuses_the_download(
    client, settings, monitor_on_team, world
):
    from tests.task_backends import _run_db_worker

    settings.EXPORT_BACKGROUND_ROWS = 2
    client.force_login(monitor_on_team)
    client.get(reverse("case-export"))
    _run_db_worker()
    progress = TaskProgress.objects.get()
    # One exported case moves to another team's strict records (the access of the person
    # who asked is unchanged, but they may no longer see a row the file holds).
    case = CaseFactory._meta.model.objects.get(reference="TJK-2022-0100")
    case.team = TeamFactory(name="another team")
    case.confidentiality = Confidentiality.STRICT
    case.save()

    assert _download(client, progress).status_code == 403


def test_an_expired_export_is_gone(client, settings, monitor_on_team, world):
    from tests.task_backends import _run_db_worker

    settings.EXPORT_BACKGROUND_ROWS = 2
    client.force_login(monitor_on_team)
    client.get(reverse("case-export"))
    _run_db_worker()
    progress = TaskProgress.objects.get()
    assert progress.expires_at > timezone.now() + datetime.timedelta(hours=23)
    TaskProgress.objects.filter(pk=progress.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = _download(client, progress)
    assert response.status_code == 410
    assert b"expired" in response.content
    assert not list(settings.EXPORT_DIR.glob(f"{progress.pk}*"))


def test_a_stopped_export_leaves_no_file(client, settings, monitor_on_team, world):
    from tests.task_backends import _run_db_worker

    settings.EXPORT_BACKGROUND_ROWS = 2
    client.force_login(monitor_on_team)
    client.get(reverse("case-export"))
    progress = TaskProgress.objects.get()
    client.post(reverse("task-progress-cancel", kwargs={"pk": progress.pk}))
    _run_db_worker()
    progress.refresh_from_db()
    assert progress.state == ProgressState.CANCELLED
    assert _download(client, progress).status_code == 302  # back to its progress page
    assert not list(settings.EXPORT_DIR.glob(f"{progress.pk}*"))


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"
