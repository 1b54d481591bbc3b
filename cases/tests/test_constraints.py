"""Every constraint on events, cases, allegations, detentions and follow-ups refuses a bad row."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from cases.choices import StepKind
from tests.factories import (
    AllegationFactory,
    AllegationPerpetratorFactory,
    CaseFactory,
    CasePersonFactory,
    DetentionFactory,
    DetentionStepFactory,
    EventFactory,
    EventFigureFactory,
    FacilityFactory,
    FollowUpFactory,
    FollowUpResponseFactory,
    GroupDetentionFactory,
    GroupDetentionFigureFactory,
    PersonFactory,
    SourceFactory,
    TermFactory,
    assert_approximate_date_guarded,
    assert_refused,
)

pytestmark = pytest.mark.django_db

CONFIDENTIALITY = "Confidentiality must be public, internal, confidential or strict."

COVERED = {
    # Protest detentions: places of detention, group detentions and their figures, assemblies.
    "cases_facility_kind_valid",
    "cases_groupdetention_date_approx",
    "cases_groupdetentionfigure_range_ordered",
    "cases_groupdetentionfigure_kind_valid",
    "cases_groupdetentionfigure_qualifier_valid",
    "cases_eventfigure_qualifier_valid",
    "cases_groupdetentionfigure_as_of_approx",
    "cases_event_assembly_status_valid",
    # Refused in cases/tests/test_protest.py (test_facility_coordinates_come_in_pairs_and_a_
    # source_needs_them, test_an_administrative_outcome_carries_its_own_measure_only).
    "cases_facility_coordinates_valid",
    "cases_facility_source_with_coordinates",
    "cases_step_fine_has_amount",
    "cases_step_amount_only_on_fine",
    "cases_step_admin_arrest_has_days",
    "cases_step_days_only_on_admin_arrest",
    "cases_step_hours_only_on_community_work",
    "cases_case_confidentiality_valid",
    "cases_case_review_state_valid",
    "cases_case_type_valid",
    "cases_caseperson_unique",
    "cases_allegation_has_victim",
    "cases_allegation_claim_status_valid",
    "cases_allegation_date_approx",
    "cases_perpetrator_is_someone",
    "cases_step_kind_valid",
    "cases_step_sentence_has_term",
    "cases_step_term_only_on_sentence",
    "cases_step_term_or_life",
    "cases_step_claim_status_valid",
    "cases_detentionstep_date_approx",
    "cases_event_confidentiality_valid",
    "cases_event_review_state_valid",
    "cases_facility_review_state_valid",
    "cases_event_start_approx",
    "cases_event_end_approx",
    "cases_event_ends_after_start",
    "cases_event_not_own_parent",
    "cases_eventfigure_range_ordered",
    "cases_eventfigure_kind_valid",
    "cases_eventfigure_as_of_approx",
    "cases_followup_kind_valid",
    "cases_followup_due_after_sent",
    "cases_followup_sent_approx",
    "cases_followup_occurs_approx",
    "cases_response_kind_valid",
    "cases_followupresponse_received_approx",
    "cases_followup_un_reference_once_per_case",
    "cases_reminderlog_once_a_day",
}


# -- cases -----------------------------------------------------------------------------------


def test_case_confidentiality_99_is_refused():
    case = CaseFactory()
    case.confidentiality = 99
    assert_refused(case, CONFIDENTIALITY, field="confidentiality")


def test_case_unknown_review_state_is_refused():
    case = CaseFactory()
    case.review_state = "closed"
    assert_refused(case, "Unknown review state.")


def test_case_of_an_unknown_type_is_refused():
    assert_refused(CaseFactory.build(case_type="mass"), "Unknown case type.", field="case_type")


def test_same_person_twice_in_the_same_role_of_a_case_is_refused():
    link = CasePersonFactory()
    duplicate = CasePersonFactory.build(case=link.case, person=link.person, role=link.role)
    assert_refused(duplicate, "This person already has this role in the case.")


def test_same_person_in_two_roles_of_a_case_is_allowed():
    link = CasePersonFactory(role="victim")
    CasePersonFactory.build(case=link.case, person=link.person, role="witness").full_clean()


# -- allegations -----------------------------------------------------------------------------


def test_allegation_without_victim_or_victim_description_is_refused():
    allegation = AllegationFactory.build(
        case=CaseFactory(), violation_type=TermFactory(), victim=None, victim_description=""
    )
    assert_refused(allegation, "Name the victim or describe the victims.")


def test_allegation_against_a_described_group_is_accepted():
    AllegationFactory(
        victim=None, victim_description="about 200 residents of Rushan district"
    ).full_clean()


def test_allegation_with_an_unknown_claim_status_is_refused():
    allegation = AllegationFactory()
    allegation.claim_status = "rumour"
    assert_refused(allegation, "Unknown claim status.", field="claim_status")


def test_allegation_date_with_inconsistent_columns_is_refused():
    assert_approximate_date_guarded(AllegationFactory(date="May 2022"), "date")


def test_perpetrator_with_neither_person_nor_organisation_is_refused():
    perpetrator = AllegationPerpetratorFactory.build(
        allegation=AllegationFactory(), person=None, organization=None
    )
    assert_refused(perpetrator, "A perpetrator is a person or an organisation.")


def test_perpetrator_who_is_a_person_is_accepted():
    AllegationPerpetratorFactory(person=PersonFactory(), organization=None).full_clean()


# -- detention steps -------------------------------------------------------------------------


def test_step_with_an_unknown_claim_status_is_refused():
    step = DetentionStepFactory()
    step.claim_status = "rumour"
    assert_refused(step, "Unknown claim status.", field="claim_status")


def test_step_of_an_unknown_kind_is_refused():
    step = DetentionStepFactory()
    step.kind = "vanished"
    assert_refused(step, "Unknown kind of detention step.", field="kind")


@pytest.mark.parametrize("months", [None, 0])
def test_sentence_step_without_a_term_is_refused(months):
    step = DetentionStepFactory.build(
        detention=DetentionFactory(), kind=StepKind.SENTENCED, sentence_months=months
    )
    assert_refused(step, "A sentence step needs a term (months) or life.")


@pytest.mark.parametrize(
    ("months", "life"), [(84, False), (None, True)], ids=["seven-years", "life"]
)
def test_sentence_step_with_a_term_or_life_is_accepted(months, life):
    DetentionStepFactory(
        kind=StepKind.SENTENCED, sentence_months=months, life_sentence=life
    ).full_clean()


@pytest.mark.parametrize(
    ("kind", "months", "life"),
    [(StepKind.CHARGED, 12, False), (StepKind.ARRESTED, None, True), (StepKind.RELEASED, 6, False)],
)
def test_term_on_a_step_that_is_not_a_sentence_is_refused(kind, months, life):
    step = DetentionStepFactory.build(
        detention=DetentionFactory(), kind=kind, sentence_months=months, life_sentence=life
    )
    assert_refused(step, "Only a sentence or an appeal carries a term.")


def test_appeal_may_carry_a_reduced_term_or_none():
    DetentionStepFactory(kind=StepKind.APPEAL, sentence_months=60).full_clean()
    DetentionStepFactory(kind=StepKind.APPEAL).full_clean()


def test_sentence_of_a_term_and_life_together_is_refused():
    step = DetentionStepFactory.build(
        detention=DetentionFactory(),
        kind=StepKind.SENTENCED,
        sentence_months=84,
        life_sentence=True,
    )
    assert_refused(step, "A sentence is a term in months or life, not both.")


def test_step_date_with_inconsistent_columns_is_refused():
    assert_approximate_date_guarded(DetentionStepFactory(date="2023-06-05"), "date")


def test_step_without_a_date_is_refused():
    step = DetentionStepFactory.build(detention=DetentionFactory(), date=None)
    with pytest.raises(ValidationError) as caught:
        step.full_clean()
    assert "date" in caught.value.message_dict


# The cross-row rule (no step before the arrest) is the steps service's, checked from both
# sides: cases/tests/test_recording.py.


# -- events ----------------------------------------------------------------------------------


def test_event_confidentiality_99_is_refused():
    event = EventFactory()
    event.confidentiality = 99
    assert_refused(event, CONFIDENTIALITY, field="confidentiality")


def test_facility_unknown_review_state_is_refused():
    facility = FacilityFactory()
    facility.review_state = "approved"
    assert_refused(facility, "Unknown review state.")


def test_event_unknown_review_state_is_refused():
    event = EventFactory()
    event.review_state = "rumoured"
    assert_refused(event, "Unknown review state.")


@pytest.mark.parametrize("name", ["start", "end"])
def test_event_dates_with_inconsistent_columns_are_refused(name):
    assert_approximate_date_guarded(EventFactory(start="14 May 2022", end="c. 2023"), name)


def test_event_ending_before_it_starts_is_refused():
    event = EventFactory.build(start="18 May 2022", end="16 May 2022")
    assert_refused(event, "An event cannot end before it starts.")


def test_event_ending_in_the_vaguer_month_it_starts_is_accepted():
    EventFactory(start="18 May 2022", end="May 2022").full_clean()


def test_event_cannot_be_part_of_itself():
    event = EventFactory()
    event.parent = event
    assert_refused(event, "An event cannot be part of itself.")


def test_figure_upper_value_below_the_value_is_refused():
    figure = EventFigureFactory.build(
        event=EventFactory(), source=SourceFactory(), value=40, value_max=10
    )
    assert_refused(figure, "The upper value cannot be below the value.")


def test_figure_range_is_accepted_and_shown_as_a_range():
    figure = EventFigureFactory(value=10, value_max=40)
    figure.full_clean()
    assert figure.display_value == "10–40"


def test_figure_of_an_unknown_kind_is_refused():
    figure = EventFigureFactory()
    figure.kind = "arrested"
    assert_refused(figure, "Unknown kind of figure.", field="kind")


def test_figure_as_of_date_with_inconsistent_columns_is_refused():
    assert_approximate_date_guarded(EventFigureFactory(as_of="July 2022"), "as_of")


# -- follow-ups ------------------------------------------------------------------------------


def test_followup_of_an_unknown_kind_is_refused():
    followup = FollowUpFactory()
    followup.kind = "tweet"
    assert_refused(followup, "Unknown kind of follow-up.", field="kind")


def test_followup_due_before_it_was_sent_is_refused():
    followup = FollowUpFactory.build(
        case=CaseFactory(), sent="2023-05-12", due_on=datetime.date(2023, 5, 1)
    )
    assert_refused(followup, "The response cannot be due before it was sent.")


def test_followup_due_sixty_days_after_sending_is_accepted():
    followup = FollowUpFactory(sent="2023-05-12")
    followup.full_clean()
    assert followup.due_on == datetime.date(2023, 7, 11)


@pytest.mark.parametrize("name", ["sent", "occurs"])
def test_followup_dates_with_inconsistent_columns_are_refused(name):
    assert_approximate_date_guarded(FollowUpFactory(sent="2023-05-12", occurs="June 2023"), name)


def test_response_of_an_unknown_kind_is_refused():
    response = FollowUpResponseFactory()
    response.kind = "maybe"
    assert_refused(response, "Unknown kind of response.", field="kind")


def test_response_received_date_with_inconsistent_columns_is_refused():
    assert_approximate_date_guarded(FollowUpResponseFactory(received="c. 2023"), "received")


def test_followup_with_a_un_reference_already_on_its_case_is_refused():
    first = FollowUpFactory(reference="AL TJK 2/2023")
    second = FollowUpFactory.build(case=first.case, reference="AL TJK 2/2023")
    assert_refused(second, "This case already has a UN communication with this reference.")


def test_second_reminder_log_for_one_user_and_day_is_refused():
    from cases.models import ReminderLog
    from tests.factories import UserFactory

    user = UserFactory()
    ReminderLog.objects.create(user=user, date=datetime.date(2024, 6, 1))
    duplicate = ReminderLog(user=user, date=datetime.date(2024, 6, 1))
    assert_refused(duplicate, "This user already had their reminder on that day.")


def test_place_of_detention_of_an_unknown_kind_is_refused():
    assert_refused(
        FacilityFactory.build(kind="cave"), "Unknown kind of place of detention.", field="kind"
    )


def test_group_detention_date_with_inconsistent_columns_is_refused():
    assert_approximate_date_guarded(GroupDetentionFactory(date="16 May 2022"), "date")


def test_group_figure_upper_value_below_the_value_is_refused():
    figure = GroupDetentionFigureFactory.build(
        group=GroupDetentionFactory(), source=SourceFactory(), value=40, value_max=10
    )
    assert_refused(figure, "The upper value cannot be below the value.")


def test_group_figure_of_an_unknown_kind_is_refused():
    figure = GroupDetentionFigureFactory.build(
        group=GroupDetentionFactory(), source=SourceFactory(), kind="hugged"
    )
    assert_refused(figure, "Unknown kind of figure.", field="kind")


@pytest.mark.parametrize(
    "figure",
    [
        lambda: GroupDetentionFigureFactory.build(group=GroupDetentionFactory()),
        lambda: EventFigureFactory.build(event=EventFactory()),
    ],
    ids=["group detention", "event"],
)
def test_figure_with_an_unknown_qualifier_is_refused(figure):
    # Declared once on the sourced-figure base: an event's figure is held to it as well.
    figure = figure()
    figure.source = SourceFactory()
    figure.qualifier = "heaps"
    assert_refused(figure, "Unknown qualifier.", field="qualifier")


def test_group_figure_as_of_with_inconsistent_columns_is_refused():
    assert_approximate_date_guarded(GroupDetentionFigureFactory(as_of="June 2022"), "as_of")


def test_event_with_an_unknown_assembly_status_is_refused():
    assert_refused(
        EventFactory.build(assembly_status="tolerated"),
        "Unknown authorisation of an assembly.",
        field="assembly_status",
    )


def test_every_cases_constraint_has_a_rejection_case():
    names = {
        constraint.name
        for model in apps.get_app_config("cases").get_models()
        for constraint in model._meta.constraints
    }
    assert names == COVERED
