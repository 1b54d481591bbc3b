"""Facts the case models derive: references, detention status, follow-up status, figures."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError

from cases.choices import FigureQualifier, FollowUpStatus, ResponseKind, StepKind
from cases.models import Case, Detention, Event, FollowUp
from monitor.choices import Confidentiality, ReviewState
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    DetentionFactory,
    DetentionStepFactory,
    EventFactory,
    EventFigureFactory,
    FollowUpFactory,
    FollowUpResponseFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date


# -- cases -----------------------------------------------------------------------------------


def test_new_case_is_a_confidential_draft():
    case = Case(reference="TJK-2023-0007", title="Khorog five")
    assert case.confidentiality == Confidentiality.CONFIDENTIAL
    assert case.review_state == ReviewState.DRAFT


@pytest.mark.parametrize("reference", ["TJK-2023-0007", "UZB-2024-1234"])
def test_case_reference_in_the_human_form_is_accepted(reference):
    CaseFactory.build(reference=reference).full_clean()


@pytest.mark.parametrize("reference", ["TJK-2023-7", "tjk-2023-0007", "2023-0007", "TJK 2023 0007"])
def test_case_reference_in_another_form_is_refused_with_an_example(reference):
    with pytest.raises(ValidationError) as caught:
        CaseFactory.build(reference=reference).full_clean()
    assert caught.value.message_dict["reference"] == ["Use the form TJK-2023-0007."]


def test_case_reference_used_twice_is_refused():
    CaseFactory(reference="TJK-2023-0007")
    with pytest.raises(ValidationError) as caught:
        CaseFactory.build(reference="TJK-2023-0007").full_clean()
    assert "reference" in caught.value.message_dict


def test_case_ids_do_not_reveal_how_many_cases_exist():
    case = CaseFactory(reference="TJK-2023-0007", title="Khorog five")
    assert isinstance(case.pk, uuid.UUID)  # not a counter
    assert str(case) == "TJK-2023-0007 — Khorog five"


def test_cases_list_newest_reference_first():
    CaseFactory(reference="TJK-2022-0001")
    CaseFactory(reference="TJK-2023-0007")
    CaseFactory(reference="TJK-2023-0002")
    assert list(Case.objects.values_list("reference", flat=True)) == [
        "TJK-2023-0007",
        "TJK-2023-0002",
        "TJK-2022-0001",
    ]


def test_allegation_against_a_group_reads_with_its_description():
    allegation = AllegationFactory(victim=None, victim_description="about 200 residents")
    assert str(allegation).endswith("— about 200 residents")


# -- detentions ------------------------------------------------------------------------------


def _detention_with(*steps: tuple[str, str], **extra) -> Detention:
    detention = DetentionFactory()
    for kind, date in steps:
        DetentionStepFactory(
            detention=detention,
            kind=kind,
            date=date,
            sentence_months=84 if kind == StepKind.SENTENCED else None,
            **extra,
        )
    return detention


def test_current_status_is_the_latest_step_whatever_the_entry_order():
    detention = _detention_with(
        (StepKind.SENTENCED, "2023-12-20"),
        (StepKind.ARRESTED, "June 2023"),
        (StepKind.CHARGED, "2023-06-10"),
    )
    assert detention.current_status == StepKind.SENTENCED
    assert [step.kind for step in detention.ordered_steps()] == [
        StepKind.ARRESTED,
        StepKind.CHARGED,
        StepKind.SENTENCED,
    ]


def test_a_vague_month_sorts_before_a_day_in_it():
    detention = _detention_with((StepKind.CHARGED, "2023-06-10"), (StepKind.ARRESTED, "June 2023"))
    assert detention.current_status == StepKind.CHARGED
    assert detention.arrest_step.kind == StepKind.ARRESTED


def test_detention_without_steps_has_no_status():
    detention = DetentionFactory()
    assert detention.current_status is None
    assert detention.arrest_step is None


def test_archived_steps_do_not_count_for_the_status():
    detention = _detention_with((StepKind.ARRESTED, "June 2023"))
    released = DetentionStepFactory(detention=detention, kind=StepKind.RELEASED, date="2023-08-01")
    released.archived_at = released.created_at
    released.save()
    assert Detention.objects.get(pk=detention.pk).current_status == "arrested"


def test_status_annotation_agrees_with_the_python_property():
    sentenced = _detention_with(
        (StepKind.ARRESTED, "June 2023"), (StepKind.SENTENCED, "2023-12-20")
    )
    charged = _detention_with((StepKind.CHARGED, "2023-06-10"), (StepKind.ARRESTED, "June 2023"))
    empty = DetentionFactory()

    annotated = {d.pk: d.latest_step_kind for d in Detention.objects.with_status()}

    assert annotated[sentenced.pk] == sentenced.current_status == StepKind.SENTENCED
    assert annotated[charged.pk] == charged.current_status == StepKind.CHARGED
    assert annotated[empty.pk] is None


@pytest.mark.parametrize(
    ("months", "life", "shown"),
    [
        (84, False, "7 years"),
        (18, False, "1 year 6 months"),
        (1, False, "1 month"),
        (None, True, "life"),
    ],
)
def test_sentence_reads_in_years_and_months(months, life, shown):
    step = DetentionStepFactory.build(
        kind=StepKind.SENTENCED, sentence_months=months, life_sentence=life
    )
    assert step.sentence_display == shown


def test_detention_reads_with_the_person_name():
    detention = DetentionFactory(person=PersonFactory(name="Tolib Ayombekov"))
    assert str(detention) == "Detention of Tolib Ayombekov"


# -- follow-ups ------------------------------------------------------------------------------


def test_un_communication_is_due_sixty_days_after_sending_by_default():
    assert FollowUp.default_due_on(D(2023, 5, 12)) == D(2023, 7, 11)


def test_response_window_follows_the_setting(settings):
    settings.UN_RESPONSE_DAYS = 30
    assert FollowUp.default_due_on(D(2023, 5, 12)) == D(2023, 6, 11)


def test_unanswered_letter_past_its_due_date_is_overdue():
    followup = FollowUpFactory(sent="2023-05-12")
    assert followup.status(today=D(2023, 7, 11)) == FollowUpStatus.AWAITING
    assert followup.status(today=D(2023, 7, 12)) == FollowUpStatus.OVERDUE
    assert followup.is_overdue(today=D(2024, 1, 1))


def test_acknowledgement_alone_does_not_stop_the_clock():
    followup = FollowUpFactory(sent="2023-05-12")
    FollowUpResponseFactory(followup=followup, kind=ResponseKind.ACKNOWLEDGED)
    assert followup.status(today=D(2023, 9, 1)) == FollowUpStatus.OVERDUE


@pytest.mark.parametrize(
    ("kinds", "status"),
    [
        ([ResponseKind.DENIAL], FollowUpStatus.ANSWERED_PARTIALLY),
        ([ResponseKind.PARTIAL], FollowUpStatus.ANSWERED_PARTIALLY),
        ([ResponseKind.PARTIAL, ResponseKind.FULL], FollowUpStatus.ANSWERED),
    ],
)
def test_answers_set_the_status_whatever_the_date(kinds, status):
    followup = FollowUpFactory(sent="2023-05-12")
    for kind in kinds:
        FollowUpResponseFactory(followup=followup, kind=kind)
    assert followup.status(today=D(2024, 1, 1)) == status


def test_archived_answer_does_not_count():
    followup = FollowUpFactory(sent="2023-05-12")
    answer = FollowUpResponseFactory(followup=followup, kind=ResponseKind.FULL)
    answer.archived_at = answer.created_at
    answer.save()
    assert followup.status(today=D(2024, 1, 1)) == FollowUpStatus.OVERDUE


def test_followup_without_a_due_date_is_never_overdue():
    followup = FollowUpFactory(sent=None, due_on=None)
    assert followup.status(today=D(2030, 1, 1)) == FollowUpStatus.AWAITING


# -- events ----------------------------------------------------------------------------------


def test_events_nest_and_a_root_finds_all_its_descendants():
    crackdown = EventFactory(title="GBAO 2022 crackdown", start="May 2022")
    rally = EventFactory(title="Khorog rally", start="16 May 2022", parent=crackdown)
    blockade = EventFactory(title="Rushan road blockade", start="18 May 2022", parent=rally)
    EventFactory(title="OSCE study visit", start="20 November 2023")

    found = Event.objects.with_descendants([crackdown])
    assert set(found) == {crackdown, rally, blockade}


def test_events_list_in_date_order_vaguer_first():
    EventFactory(title="Rushan road blockade", start="18 May 2022")
    EventFactory(title="GBAO 2022 crackdown", start="May 2022")
    EventFactory(title="Army authorised in GBAO", start="2018")
    assert list(Event.objects.values_list("title", flat=True)) == [
        "Army authorised in GBAO",
        "GBAO 2022 crackdown",
        "Rushan road blockade",
    ]


@pytest.mark.parametrize(
    ("qualifier", "value", "value_max", "shown"),
    [
        (FigureQualifier.EXACT, 10, None, "10"),
        (FigureQualifier.MORE_THAN, 40, None, "more than 40"),
        (FigureQualifier.ABOUT, 200, None, "about 200"),
        (FigureQualifier.DOZENS, 24, None, "dozens"),
        (FigureQualifier.EXACT, 10, 40, "10–40"),
    ],
)
def test_contested_figures_read_as_their_source_gave_them(qualifier, value, value_max, shown):
    figure = EventFigureFactory.build(qualifier=qualifier, value=value, value_max=value_max)
    assert figure.display_value == shown


def test_two_figures_for_one_event_are_kept_side_by_side():
    event = EventFactory(title="Anti-terrorist operation")
    EventFigureFactory(
        event=event, value=10, qualifier=FigureQualifier.EXACT, claimed_by="authorities"
    )
    EventFigureFactory(event=event, value=40, claimed_by="UN experts")
    assert sorted(event.figures.values_list("claimed_by", "value")) == [
        ("UN experts", 40),
        ("authorities", 10),
    ]
