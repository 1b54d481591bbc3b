"""A case's new persons and sources travel in the case's review (issue 19, point 5): its
review page lists them, and verifying the case verifies them, each with its own decision and
its own four-eyes check, so they leave "My drafts" instead of waiting there, forgotten. They
do not queue on their own."""

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


def test_the_case_review_page_lists_them_and_the_queue_holds_the_case_alone(
    client, team, monitor_on_team, reviewer
):
    case, _victim, _source = case_with_new_victim_and_source(monitor_on_team, team)
    review_submit(record=case, actor=monitor_on_team)
    client.force_login(reviewer)

    queue = client.get(reverse("review-queue")).context["items"]
    opts = case._meta
    page = client.get(reverse("review-item", args=[opts.app_label, opts.model_name, case.pk]))

    assert [item.label for item in queue] == [str(case)]
    assert [c["label"] for c in page.context["companions"]] == [
        "Daler Imomali",
        "Statement of the family",
    ]


def test_verifying_the_case_verifies_them_and_they_leave_my_drafts(
    client, team, monitor_on_team, reviewer
):
    case, victim, source = case_with_new_victim_and_source(monitor_on_team, team)
    client.force_login(monitor_on_team)
    before = client.get(reverse("dashboard")).content.decode()
    assert "Daler Imomali" in before and "Statement of the family" in before
    review_submit(record=case, actor=monitor_on_team)

    review_verify(record=fresh(case), actor=reviewer)

    assert states(case, victim, source) == [ReviewState.VERIFIED] * 3
    decision = ReviewDecision.objects.for_record(victim).get()
    assert (decision.action, decision.actor) == (DecisionAction.VERIFIED, reviewer)
    assert case.reference not in decision.comment  # who reads it may not see the case
    assert client.get(reverse("dashboard")).context["drafts"] == []


def test_returning_the_case_leaves_them_as_they_are(team, monitor_on_team, reviewer):
    case, victim, source = case_with_new_victim_and_source(monitor_on_team, team)
    review_submit(record=case, actor=monitor_on_team)

    review_return(record=fresh(case), actor=reviewer, comment="Add the date of the beating.")

    assert states(case, victim, source) == [
        ReviewState.RETURNED,
        ReviewState.DRAFT,
        ReviewState.DRAFT,
    ]


def test_a_person_someone_else_made_does_not_travel_with_the_case(team, monitor_on_team, reviewer):
    case, _victim, source = case_with_new_victim_and_source(monitor_on_team, team)
    elsewhere = PersonFactory(team=team, name="Tolib Ayombekov")  # not the case's author's
    allegation = record_save(
        record=Allegation(
            case=case,
            victim=elsewhere,
            violation_type=TermFactory(vocabulary=Vocabulary.VIOLATION_TYPE, label="Arrest"),
        ),
        actor=monitor_on_team,
    )
    cite(monitor_on_team, allegation, fresh(source), quote="Seen by neighbours.")
    review_submit(record=fresh(case), actor=monitor_on_team)

    review_verify(record=fresh(case), actor=reviewer)

    assert fresh(elsewhere).review_state == ReviewState.DRAFT


def test_a_companion_the_reviewer_edited_is_not_verified_by_them(team, monitor_on_team, reviewer):
    """Four eyes hold for each companion: a reviewer who edited the victim verifies the case
    but not the victim."""
    case, victim, source = case_with_new_victim_and_source(monitor_on_team, team)
    person = Person._base_manager.get(pk=victim.pk)
    person.occupation = "Journalist"
    record_save(record=person, actor=reviewer)
    review_submit(record=case, actor=monitor_on_team)

    review_verify(record=fresh(case), actor=reviewer)

    assert states(case, victim, source) == [
        ReviewState.VERIFIED,
        ReviewState.DRAFT,
        ReviewState.VERIFIED,
    ]
