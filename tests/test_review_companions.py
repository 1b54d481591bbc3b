"""A case's new persons and sources travel in the case's review (issue 19, point 5): submitted,
returned and verified with it, each with its own decision and four-eyes check, so they leave
"My drafts" instead of waiting there, forgotten."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Allegation
from monitor.choices import ReviewState, Vocabulary
from monitor.models import DecisionAction, ReviewDecision
from monitor.services import record_save, review_return, review_submit, review_verify
from people.models import Person
from tests.factories import PersonFactory, TermFactory
from tests.test_review_queue import cite, fresh, new_case, new_person, new_source

pytestmark = pytest.mark.django_db


def case_with_new_victim_and_source(monitor, team):
    """As the case form makes them: the case, a new victim and a new source, by one monitor."""
    case = new_case(monitor, team)
    victim = new_person(monitor, team, name="Daler Imomali")
    source = new_source(monitor, team, title="Statement of the family")
    allegation = record_save(
        record=Allegation(
            case=case,
            victim=victim,
            violation_type=TermFactory(vocabulary=Vocabulary.VIOLATION_TYPE, label="Torture"),
            date="June 2023",
        ),
        actor=monitor,
    )
    cite(monitor, allegation, source, quote="He was beaten.")
    return fresh(case), fresh(victim), fresh(source)


def states(*records) -> list[str]:
    return [fresh(record).review_state for record in records]


def test_submitting_a_case_submits_its_new_persons_and_sources(team, monitor_on_team):
    case, victim, source = case_with_new_victim_and_source(monitor_on_team, team)

    review_submit(record=case, actor=monitor_on_team)

    assert states(case, victim, source) == [ReviewState.SUBMITTED] * 3
    decision = ReviewDecision.objects.for_record(victim).get()
    assert decision.action == DecisionAction.SUBMITTED
    assert case.reference not in decision.comment  # who reads it may not see the case


def test_they_leave_my_drafts_once_the_case_is_submitted(client, team, monitor_on_team):
    case, _victim, _source = case_with_new_victim_and_source(monitor_on_team, team)
    client.force_login(monitor_on_team)
    before = client.get(reverse("dashboard")).content.decode()
    assert "Daler Imomali" in before and "Statement of the family" in before

    review_submit(record=case, actor=monitor_on_team)

    after = client.get(reverse("dashboard")).context["drafts"]
    assert after == []


def test_returning_and_verifying_the_case_decides_on_them_too(team, monitor_on_team, reviewer):
    case, victim, source = case_with_new_victim_and_source(monitor_on_team, team)
    review_submit(record=case, actor=monitor_on_team)

    review_return(record=fresh(case), actor=reviewer, comment="Add the date of the beating.")
    assert states(case, victim, source) == [ReviewState.RETURNED] * 3

    review_submit(record=fresh(case), actor=monitor_on_team)
    review_verify(record=fresh(case), actor=reviewer)
    assert states(case, victim, source) == [ReviewState.VERIFIED] * 3


def test_a_person_someone_else_made_does_not_travel_with_the_case(team, monitor_on_team, reviewer):
    case, _victim, _source = case_with_new_victim_and_source(monitor_on_team, team)
    elsewhere = PersonFactory(team=team, name="Tolib Ayombekov")  # not the case's author's
    record_save(
        record=Allegation(
            case=case,
            victim=elsewhere,
            violation_type=TermFactory(vocabulary=Vocabulary.VIOLATION_TYPE, label="Arrest"),
        ),
        actor=monitor_on_team,
    )

    review_submit(record=fresh(case), actor=monitor_on_team)

    assert fresh(elsewhere).review_state == ReviewState.DRAFT


def test_a_companion_edited_by_the_reviewer_waits_for_another_reviewer(
    team, monitor_on_team, reviewer
):
    """Four eyes hold for each companion: a reviewer who edited the victim verifies the case
    but not the victim."""
    case, victim, _source = case_with_new_victim_and_source(monitor_on_team, team)
    review_submit(record=case, actor=monitor_on_team)
    person = Person._base_manager.get(pk=victim.pk)
    person.occupation = "Journalist"
    record_save(record=person, actor=reviewer)

    review_verify(record=fresh(case), actor=reviewer)

    assert states(case, victim) == [ReviewState.VERIFIED, ReviewState.SUBMITTED]
