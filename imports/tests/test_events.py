"""Lists of mass detentions: each row an event with its contested figure (how many were
detained, by whose count), its places and facilities, and the people named if any."""

# ruff: noqa: F401, F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.choices import FigureKind, FigureQualifier
from cases.models import Case, Detention, Event, EventFigure
from imports import services
from imports.choices import ImportKind, JobStatus
from imports.tasks import import_run_task
from imports.tests.conftest import (
    csv_bytes,
    monitor_on_team,
    reviewer,
    rows,
    team,
    upload,
    vocabulary,
)
from sources.models import Citation

pytestmark = pytest.mark.django_db

HEADERS = ["Дата", "Город", "Повод", "Задержано", "По данным", "ОВД", "Имена"]
MAPPING = {
    "event_date": "Дата", "places": "Город", "event_title": "Повод", "detained": "Задержано",
    "counted_by": "По данным", "facilities": "ОВД", "persons": "Имена",
}  # fmt: skip


def test_a_mass_detention_row_becomes_an_event_with_its_figure_places_and_people(
    monitor_on_team, team, vocabulary
):
    data = [
        ["16.05.2022", "Хорог", "митинг", "около 300", "ОВД-Инфо", "СИЗО №1",
         "Мамадшоев Далер; Назарова Алла"],
        ["май 2022", "Хорог", "шествие", "более 40", "", "", ""],
        ["18.05.2022", "Хорог", "блокада", "30-40", "", "", ""],
        ["2022", "Хорог", "пикет", "много", "", "", ""],
    ]  # fmt: skip
    job = services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(data, headers=HEADERS)),
        team=team, kind=ImportKind.EVENTS,
    )  # fmt: skip
    assert job.mapping["event_date"] == "Дата"
    services.import_map(job=job, actor=monitor_on_team, mapping=MAPPING)
    services.import_start(job=job, actor=monitor_on_team)
    import_run_task.call(str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.rows_failed) == (JobStatus.DONE, 1)
    assert "много" in job.rows.get(number=5).error
    event = job.rows.get(number=2).event
    assert event.title == "митинг, Хорог, 16 May 2022"
    assert list(event.places.values_list("name", flat=True)) == ["Хорог"]
    assert "СИЗО №1" in event.description
    figure = EventFigure.objects.get(event=event)
    assert (figure.kind, figure.value, figure.qualifier) == (
        FigureKind.DETAINED, 300, FigureQualifier.ABOUT)  # fmt: skip
    assert figure.claimed_by == "ОВД-Инфо"
    assert Citation.objects.filter(object_id=event.pk, source=job.source, page="row 2").exists()
    # The people named: a group case of the event, with a detention each.
    case = Case.objects.get(events=event)
    names = sorted(str(d.person) for d in Detention.objects.filter(case=case))
    assert names == ["Мамадшоев Далер", "Назарова Алла"]
    more = EventFigure.objects.get(event=job.rows.get(number=3).event)
    assert (more.value, more.qualifier) == (40, FigureQualifier.MORE_THAN)
    ranged = EventFigure.objects.get(event=job.rows.get(number=4).event)
    assert (ranged.value, ranged.value_max) == (30, 40)
    assert Event.objects.count() == 3


def test_a_run_interrupted_by_a_restart_resumes_without_doubles(monitor_on_team, team, vocabulary,
                                                                 monkeypatch):  # fmt: skip
    from imports.tests.test_flow import MAPPING as DETENTIONS

    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    job = services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(rows(5))), team=team
    )
    services.import_map(job=job, actor=monitor_on_team, mapping=DETENTIONS)
    services.import_start(job=job, actor=monitor_on_team)
    original = services._run_chunk

    def die_after_first(job_, chunk, lookups, clock, **options):
        original(job_, chunk, lookups, clock, **options)
        raise SystemExit("the worker is killed")  # a restart: nothing after this runs

    monkeypatch.setattr(services, "_run_chunk", die_after_first)
    with pytest.raises(SystemExit):
        import_run_task.call(str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.rows_done) == (JobStatus.RUNNING, 2)
    with pytest.raises(services.ActionRefused):
        services.import_resume(job=job, actor=monitor_on_team)  # not stale yet: still running
    job.heartbeat_at = timezone.now() - datetime.timedelta(minutes=10)
    job.save(update_fields=["heartbeat_at"])
    monkeypatch.setattr(services, "_run_chunk", original)
    services.import_resume(job=job, actor=monitor_on_team)
    import_run_task.call(str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.rows_done) == (JobStatus.DONE, 5)
    assert Case.objects.filter(pk__in=job.rows.values("case")).count() == 5
    assert job.rows.count() == 5
