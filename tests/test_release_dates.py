"""A detention's expected release is stored as its first and last possible day (issue 14), so
that the dashboard, the reminders and the calendar find a window's releases through an index
instead of working out every sentenced detention. The stored dates must always be what the one
rule says (``cases.deadlines.expected_release``): after every kind of change to the steps,
through the services, the API and the pages, and after the migration that filled them."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.urls import reverse
from rest_framework.test import APIClient

from cases.choices import StepKind
from cases.deadlines import expected_release, release_fill
from cases.models import Detention, DetentionStep
from cases.services import StepInput, detention_steps_record
from monitor.choices import Confidentiality
from monitor.services import record_archive, record_restore, record_save
from tests.factories import CaseFactory, DetentionFactory, DetentionStepFactory
from tests.forms.helpers import form_data

pytestmark = pytest.mark.django_db

API = "/api/v1"


def stored(detention) -> tuple:
    row = Detention._base_manager.filter(pk=detention.pk).values_list(
        "release_first", "release_last"
    )
    return row.get()


def ruled(detention) -> tuple:
    """What the rule says, from the steps as they are in the database."""
    fresh = Detention._base_manager.prefetch_related("steps").get(pk=detention.pk)
    release = expected_release(fresh)
    return (release.first, release.last) if release else (None, None)


def assert_kept(detention, expected: tuple | None = None) -> None:
    assert stored(detention) == ruled(detention)
    if expected is not None:
        assert stored(detention) == expected


@pytest.fixture
def detention(team):
    detention = DetentionFactory(case=CaseFactory(team=team))
    DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED, date="2023-06-03")
    return detention


D = datetime.date


def test_the_services_keep_the_dates_through_every_change_of_the_steps(
    detention, monitor_on_team, coordinator
):
    assert_kept(detention, (None, None))  # no term yet
    [sentence] = detention_steps_record(
        actor=monitor_on_team,
        detention=detention,
        steps=[
            StepInput(
                step=DetentionStep(kind=StepKind.SENTENCED, date="October 2023", sentence_months=84)
            )
        ],
    )
    assert_kept(detention, (D(2030, 10, 1), D(2030, 10, 31)))  # as precise as the sentence
    # The caller's copy is brought up to date too, and saving it keeps the dates.
    assert (detention.release_first, detention.release_last) == stored(detention)

    sentence.date, sentence.sentence_months = "2023-10-12", 60
    detention_steps_record(
        actor=monitor_on_team, detention=detention, steps=[StepInput(step=sentence)]
    )
    assert_kept(detention, (D(2028, 10, 12), D(2028, 10, 12)))

    appeal = DetentionStep(kind=StepKind.APPEAL, date="2024-02-01", sentence_months=36)
    detention_steps_record(
        actor=monitor_on_team, detention=detention, steps=[StepInput(step=appeal)]
    )
    assert_kept(detention, (D(2026, 10, 12), D(2026, 10, 12)))  # from the sentence's date

    released = DetentionStep(kind=StepKind.RELEASED, date="2025-03-01")
    detention_steps_record(
        actor=monitor_on_team, detention=detention, steps=[StepInput(step=released)]
    )
    assert_kept(detention, (None, None))  # nobody is waiting for a release any more

    record_archive(record=released, actor=coordinator, reason="Entered on the wrong person")
    assert_kept(detention, (D(2026, 10, 12), D(2026, 10, 12)))
    record_archive(record=appeal, actor=coordinator, reason="A duplicate")
    assert_kept(detention, (D(2028, 10, 12), D(2028, 10, 12)))
    record_restore(record=appeal, actor=coordinator, reason="Not a duplicate after all")
    assert_kept(detention, (D(2026, 10, 12), D(2026, 10, 12)))

    life = DetentionStep._base_manager.get(pk=sentence.pk)
    life.sentence_months, life.life_sentence = None, True
    record_save(record=life, actor=monitor_on_team)
    record_archive(record=appeal, actor=coordinator, reason="Quashed")
    assert_kept(detention, (None, None))  # a life sentence has no end


def test_a_copy_read_before_the_steps_changed_cannot_put_old_dates_back(detention, monitor_on_team):
    stale = Detention._base_manager.get(pk=detention.pk)
    DetentionStepFactory(
        detention=Detention._base_manager.get(pk=detention.pk),
        kind=StepKind.SENTENCED,
        date="2023-10-12",
        sentence_months=12,
    )
    assert stored(detention) == (D(2024, 10, 12), D(2024, 10, 12))
    stale.description = "Held in the Khorog pre-trial centre."
    record_save(record=stale, actor=monitor_on_team)
    assert_kept(detention, (D(2024, 10, 12), D(2024, 10, 12)))
    assert Detention._base_manager.get(pk=detention.pk).description.startswith("Held")


def test_the_api_keeps_the_dates(team, monitor_on_team):
    api = APIClient()
    api.force_authenticate(monitor_on_team)
    case = CaseFactory(team=team)
    person = DetentionFactory(case=case).person
    response = api.post(
        f"{API}/detentions/",
        {
            "case": str(case.pk),
            "person": str(person.pk),
            "steps": [
                {"kind": "arrested", "date": "2022-05-18"},
                {"kind": "sentenced", "date": "2022-12", "sentence_months": 96},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    detention = Detention.objects.get(pk=response.json()["id"])
    assert_kept(detention, (D(2030, 12, 1), D(2030, 12, 31)))

    sentence = detention.steps.get(kind=StepKind.SENTENCED)
    response = api.patch(
        f"{API}/detentions/{detention.pk}/",
        {
            "steps": [
                {"id": str(sentence.pk), "date": "2022-12-20"},
                {"kind": "released", "date": "2024-01-10"},
            ]
        },
        format="json",
        HTTP_IF_MATCH=response["ETag"],
    )
    assert response.status_code == 200, response.content
    assert_kept(detention, (None, None))


def test_the_steps_page_keeps_the_dates(signed_in, monitor_on_team, detention):
    url = reverse("detention-steps", args=[detention.case_id, detention.pk])
    client = signed_in(monitor_on_team)
    page = client.get(url)
    response = client.post(
        url,
        form_data(
            page,
            **{
                "steps-1-kind": StepKind.SENTENCED,
                "steps-1-date": "c. 2024",
                "steps-1-sentence_months_0": "5",
                "steps-1-sentence_months_1": "",
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert_kept(detention)
    assert stored(detention)[0].year == 2029  # c. 2024 and five years


def test_the_migration_fills_the_dates_of_the_detentions_already_recorded(detention, team):
    sentenced = DetentionFactory(case=CaseFactory(team=team))
    DetentionStepFactory(detention=sentenced, kind=StepKind.ARRESTED, date="2021-03-01")
    DetentionStepFactory(
        detention=sentenced, kind=StepKind.SENTENCED, date="2021-09", sentence_months=30
    )
    released = DetentionFactory(case=CaseFactory(team=team))
    DetentionStepFactory(detention=released, kind=StepKind.ARRESTED, date="2020-01-01")
    DetentionStepFactory(
        detention=released, kind=StepKind.SENTENCED, date="2020-06-01", sentence_months=12
    )
    DetentionStepFactory(detention=released, kind=StepKind.RELEASED, date="2021-06-01")
    # As the rows were before the migration (plain UPDATEs: bookkeeping columns), with a
    # wrong value the fill must also clear.
    rows = Detention._base_manager
    rows.update(release_first=None, release_last=None)
    rows.filter(pk=released.pk).update(release_first=D(2021, 6, 1), release_last=D(2021, 6, 1))

    release_fill(apps, chunk=1)

    # (The rule shifts the last day of September: 30 March, not 31; it is the rule.)
    assert_kept(sentenced, (D(2024, 3, 1), D(2024, 3, 30)))
    assert_kept(released, (None, None))
    assert_kept(detention, (None, None))


def test_the_dashboard_lists_no_release_of_a_case_the_reader_may_not_see(
    client, team, monitor_on_team, monitor_off_team
):
    """Found through the stored dates, the releases are still read through ``visible_to``:
    a monitor of another team sees neither the strict case's release nor its person."""
    strict = CaseFactory(team=team, confidentiality=Confidentiality.STRICT)
    detention = DetentionFactory(case=strict)
    today = datetime.date.today()
    DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED, date="2019-01-01")
    sentenced_on = today.replace(year=today.year - 5) + datetime.timedelta(days=3)
    DetentionStepFactory(
        detention=detention,
        kind=StepKind.SENTENCED,
        date=sentenced_on.isoformat(),
        sentence_months=60,
    )
    assert stored(detention)[0] is not None  # found by the window: it is due in a few days

    client.force_login(monitor_on_team)
    upcoming = client.get(reverse("dashboard")).context["upcoming"]
    assert [entry["item"].pk for entry in upcoming] == [detention.pk]

    client.force_login(monitor_off_team)
    response = client.get(reverse("dashboard"))
    assert response.context["upcoming"] == [] and response.context["overdue"] == []
    assert b"Expected release" not in response.content


def test_a_detention_moved_by_a_person_merge_keeps_its_dates(team):
    """A merge moves the duplicate's detentions to the survivor (saving each detention, not
    its steps): the stored dates stay those of its steps, and again after the unmerge."""
    from monitor.choices import Role
    from people.services import person_merge, person_unmerge
    from tests.factories import PersonFactory, UserFactory

    coordinator = UserFactory(role=Role.COORDINATOR, clearance=Confidentiality.STRICT)
    survivor, duplicate = PersonFactory(team=team), PersonFactory(team=team)
    detention = DetentionFactory(case=CaseFactory(team=team), person=duplicate)
    DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED, date="2022-01-10")
    DetentionStepFactory(
        detention=detention, kind=StepKind.SENTENCED, date="2022-06-15", sentence_months=48
    )
    person_merge(actor=coordinator, survivor=survivor, duplicate=duplicate, reason="Same man")
    assert Detention._base_manager.get(pk=detention.pk).person_id == survivor.pk
    assert_kept(detention, (D(2026, 6, 15), D(2026, 6, 15)))
    duplicate.refresh_from_db()
    person_unmerge(actor=coordinator, duplicate=duplicate, reason="Two brothers after all")
    assert Detention._base_manager.get(pk=detention.pk).person_id == duplicate.pk
    assert_kept(detention, (D(2026, 6, 15), D(2026, 6, 15)))


def test_in_a_write_batch_the_dates_are_stored_once_at_its_end(detention, monitor_on_team):
    """An import's chunk (``monitor.write_batch``): the dates of every detention whose steps
    it changed are stored at the end of the batch, in its transaction, by the same rule; a
    row that failed leaves nothing to store."""
    from django.db import transaction

    from monitor.write_batch import write_batch

    other = DetentionFactory(case=detention.case)
    DetentionStepFactory(detention=other, kind=StepKind.ARRESTED, date="2023-01-05")
    with transaction.atomic(), write_batch(monitor_on_team) as batch:
        detention_steps_record(
            actor=monitor_on_team,
            detention=detention,
            steps=[
                StepInput(
                    step=DetentionStep(
                        kind=StepKind.SENTENCED, date="2023-11-20", sentence_months=30
                    )
                )
            ],
        )
        assert stored(detention) == (None, None)  # left to the end of the batch
        try:
            with transaction.atomic(), batch.part():
                sentence = DetentionStep(kind=StepKind.SENTENCED, date="2023-12", sentence_months=6)
                detention_steps_record(
                    actor=monitor_on_team, detention=other, steps=[StepInput(step=sentence)]
                )
                raise RuntimeError("the row fails after its step was saved")
        except RuntimeError:
            pass
    assert_kept(detention, (D(2026, 5, 20), D(2026, 5, 20)))
    assert_kept(other, (None, None))
