"""The buttons beside Save: "Save and submit for review" and "Save, then record the steps".

One press does what took two pages (issue 19: the monitor's journey in half the page loads).
The submission goes through the one review service, so everything it refuses is refused here
too, after the save is done.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.choices import StepKind
from cases.models import Case, DetentionStep
from monitor.choices import ReviewState
from monitor.models import DecisionAction, ReviewDecision
from monitor.services import review_submit
from tests.factories import CaseFactory, DetentionFactory, EventFactory
from tests.forms.helpers import form_data
from tests.forms.test_case_form import new_case_data

pytestmark = pytest.mark.django_db

SUBMIT = "Save and submit for review"
STEPS = "Save, then record the steps"


def test_a_new_case_is_saved_and_submitted_in_one_press(
    signed_in, monitor_on_team, team, violation, source_kind
):
    client = signed_in(monitor_on_team)
    page = client.get(reverse("case-create"))
    assert SUBMIT in page.content.decode() and STEPS in page.content.decode()

    response = client.post(
        reverse("case-create"), {**new_case_data(page, violation, source_kind), "then": "submit"}
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("case-detail", args=[case.pk])
    assert case.review_state == ReviewState.SUBMITTED
    decision = ReviewDecision.objects.for_record(case).get()
    assert (decision.action, decision.actor) == (DecisionAction.SUBMITTED, monitor_on_team)
    shown = client.get(response["Location"]).content.decode()
    assert f"Case {case.reference} was saved." in shown
    assert "was submitted for review." in shown


def test_save_then_steps_leads_to_the_steps_of_the_one_detention(
    signed_in, monitor_on_team, team, violation, source_kind
):
    client = signed_in(monitor_on_team)
    page = client.get(reverse("case-create"))
    response = client.post(
        reverse("case-create"), {**new_case_data(page, violation, source_kind), "then": "steps"}
    )

    case = Case.objects.get()
    detention = case.detentions.get()
    assert response["Location"] == reverse("detention-steps", args=[case.pk, detention.pk])
    assert case.review_state == ReviewState.DRAFT  # saved, not submitted


def test_save_then_steps_with_no_detention_or_several_stays_on_the_form_and_says_why(
    signed_in, monitor_on_team, team
):
    case = CaseFactory(team=team)
    client = signed_in(monitor_on_team)
    url = reverse("case-edit", args=[case.pk])
    response = client.post(url, {**form_data(client.get(url)), "then": "steps"}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "This case has no detention yet" in response.content.decode()

    DetentionFactory(case=case)
    DetentionFactory(case=case)
    response = client.post(url, {**form_data(client.get(url)), "then": "steps"}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "Choose the detention whose steps to record" in response.content.decode()


def test_the_steps_page_saves_the_steps_and_submits_their_case(signed_in, monitor_on_team, team):
    case = CaseFactory(team=team)
    detention = DetentionFactory(case=case)
    url = reverse("detention-steps", args=[case.pk, detention.pk])
    client = signed_in(monitor_on_team)
    page = client.get(url)
    assert SUBMIT in page.content.decode()

    data = form_data(page, **{"steps-0-kind": StepKind.ARRESTED, "steps-0-date": "2023-06-03"})
    response = client.post(url, {**data, "then": "submit"})

    assert response["Location"] == reverse("case-detail", args=[case.pk])
    assert DetentionStep.objects.filter(detention=detention).count() == 1
    case.refresh_from_db()
    assert case.review_state == ReviewState.SUBMITTED
    # The case waits now: the button is no longer offered on its steps or its form.
    assert SUBMIT not in client.get(url).content.decode()
    assert SUBMIT not in client.get(reverse("case-edit", args=[case.pk])).content.decode()


def test_a_refused_submission_leaves_the_save_done_and_says_why(signed_in, monitor_on_team, team):
    case = CaseFactory(team=team)
    review_submit(record=case, actor=monitor_on_team)
    url = reverse("case-edit", args=[case.pk])
    client = signed_in(monitor_on_team)
    # Sent by hand (the page no longer offers it): already waiting, so not submitted again.
    data = {**form_data(client.get(url), title="A better title"), "then": "submit"}
    response = client.post(url, data, follow=True)

    assert response.redirect_chain[-1][0] == url
    assert "Only a draft or a returned record can be submitted" in response.content.decode()
    case.refresh_from_db()
    assert case.title == "A better title"
    assert ReviewDecision.objects.for_record(case).count() == 1


def test_who_may_not_edit_cannot_submit_through_the_button(
    signed_in, monitor_off_team, viewer, team
):
    case = CaseFactory(team=team)
    # Another team sees the case but may not edit it (403); the viewer may not see it (404).
    for user, status in ((monitor_off_team, 403), (viewer, 404)):
        client = signed_in(user)
        response = client.post(reverse("case-edit", args=[case.pk]), {"then": "submit"})
        assert response.status_code == status
    case.refresh_from_db()
    assert case.review_state == ReviewState.DRAFT
    assert not ReviewDecision.objects.for_record(case).exists()


def test_an_event_is_saved_and_submitted_in_one_press(signed_in, monitor_on_team, team):
    event = EventFactory(team=team)
    url = reverse("event-edit", args=[event.pk])
    client = signed_in(monitor_on_team)
    page = client.get(url)
    assert SUBMIT in page.content.decode()
    response = client.post(url, {**form_data(page, title="Khorog, May 2022"), "then": "submit"})
    assert response["Location"] == reverse("event-detail", args=[event.pk])
    event.refresh_from_db()
    assert (event.title, event.review_state) == ("Khorog, May 2022", ReviewState.SUBMITTED)
