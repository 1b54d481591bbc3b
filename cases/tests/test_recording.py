"""Recording a case in one go, and a detention's steps: the services every surface calls.

Case references (numbered when blank, checked when given), new persons typed on a form
(never merged by likeness), victims and detainees linked to their case, and the order of a
detention's steps, held from both sides. The same rules through the page, the API and the
admin: ``tests/test_parity.py``.
"""

# ruff: noqa: F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from cases.choices import CasePersonRole, StepKind
from cases.models import Allegation, Case, CasePerson, Detention, DetentionStep
from cases.services import (
    AllegationInput,
    DetentionInput,
    StepInput,
    allegation_record,
    case_record,
    case_reference_check,
    case_reference_next,
    detention_steps_record,
)
from monitor.approxdate import ApproximateDate
from monitor.choices import Confidentiality, Vocabulary
from monitor.services import PartError, PartErrors
from people.models import Person
from people.services import TypedPersons, typed_name_likenesses
from sources.models import Citation, Source
from sources.services import CitationInput, NewSource
from tests.conftest import monitor_on_team, team  # noqa: F401 — fixtures
from tests.factories import (
    CaseFactory,
    DetentionFactory,
    DetentionStepFactory,
    PersonFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


@pytest.fixture
def violation(db):
    return TermFactory(vocabulary=Vocabulary.VIOLATION_TYPE, label="Arbitrary detention")


def new_case(team, **fields) -> Case:
    return Case(title="Five Pamiris", team=team, **fields)


# -- references ------------------------------------------------------------------------------


def test_blank_reference_of_a_new_case_is_the_next_free_one_of_the_year(monitor_on_team, team):
    CaseFactory(reference=f"TJK-{THIS_YEAR}-0041")
    CaseFactory(reference=f"TJK-{THIS_YEAR - 1}-0099")  # another year does not count

    case = case_record(actor=monitor_on_team, case=new_case(team))

    assert case.reference == f"TJK-{THIS_YEAR}-0042"
    assert case.history.get().history_change_reason == "Case opened"


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("TJK-2099-0001", "2099 is not a year a case can have been opened in"),
        ("TJK-1899-0001", "1899 is not a year a case can have been opened in"),
        ("TJK-23-7", "Use the form TJK-2023-0007."),
    ],
)
def test_a_given_reference_with_a_future_or_ancient_year_or_bad_form_is_refused_on_its_field(
    monitor_on_team, team, reference, message
):
    with pytest.raises(ValidationError) as refused:
        case_record(actor=monitor_on_team, case=new_case(team, reference=reference))

    assert message in refused.value.message_dict["reference"][0]
    assert not Case.objects.exists()


def test_a_reference_of_this_year_is_kept_as_typed_in_capitals(monitor_on_team, team):
    case = case_record(actor=monitor_on_team, case=new_case(team, reference=" tjk-2023-0007 "))
    assert case.reference == "TJK-2023-0007"


def test_reference_year_check_follows_the_calendar():
    case_reference_check("TJK-2026-0001", today=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError):
        case_reference_check("TJK-2026-0001", today=datetime.date(2025, 12, 31))


def test_next_reference_counts_cases_nobody_may_see(team):
    CaseFactory(reference="TJK-2024-0003", confidentiality=Confidentiality.STRICT)
    assert case_reference_next(datetime.date(2024, 3, 1)) == "TJK-2024-0004"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two connections writing at once need a server database; SQLite writes in turn",
)
def test_two_cases_numbered_at_the_same_moment_get_two_references(monitor_on_team, team):
    """Another connection takes this year's first number while this save is on its way: the
    save waits for it, finds the number taken and takes the next one."""
    inserted, release = threading.Event(), threading.Event()

    def other_monitor():
        from django.db import connections

        try:
            with transaction.atomic():
                CaseFactory(reference=f"TJK-{THIS_YEAR}-0001", team=team)
                inserted.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_monitor)
    thread.start()
    assert inserted.wait(10)
    # Our numbering reads 0001 as free (the other insert is not committed); the insert then
    # waits on the unique index until the other commits.
    threading.Timer(1.0, release.set).start()
    case = case_record(actor=monitor_on_team, case=new_case(team))
    thread.join(10)

    assert case.reference == f"TJK-{THIS_YEAR}-0002"
    assert Case.objects.count() == 2


# -- allegations, detentions, new persons -------------------------------------------------------


def test_case_with_allegation_detention_new_person_and_new_source_in_one_go(
    monitor_on_team, team, violation
):
    kind = TermFactory(vocabulary=Vocabulary.SOURCE_KIND, label="Statement")
    case = case_record(
        actor=monitor_on_team,
        case=new_case(team),
        allegations=[
            AllegationInput(
                allegation=Allegation(violation_type=violation, date="June 2023"),
                new_victim="Daler  Imomali",
                citation=CitationInput(page="2"),
            )
        ],
        detentions=[
            DetentionInput(
                detention=Detention(),
                new_person="Daler Imomali",
                arrested_on=ApproximateDate.parse("2023-06-12"),
                citation=CitationInput(),
            )
        ],
        new_source=NewSource(title="Family statement", kind=kind),
    )

    person = Person.objects.get()  # the same typed name (spaces aside): one person
    assert (person.team, person.confidentiality) == (team, case.confidentiality)
    assert list(CasePerson.objects.values_list("person", "role")) == [
        (person.pk, CasePersonRole.VICTIM)
    ]
    source = Source.objects.get()
    assert (source.team, source.confidentiality) == (team, case.confidentiality)
    # Cited for the allegation, the detention and the arrest.
    assert Citation.objects.filter(source=source).count() == 3
    assert DetentionStep.objects.get().kind == StepKind.ARRESTED


@pytest.mark.parametrize(("first", "second"), [("Alla Nazarova", "Ala Nazarova"), ("A11", "A1")])
def test_two_new_persons_typed_alike_but_not_the_same_are_never_merged(
    monitor_on_team, team, violation, first, second
):
    case_record(
        actor=monitor_on_team,
        case=new_case(team),
        allegations=[
            AllegationInput(allegation=Allegation(violation_type=violation), new_victim=name)
            for name in (first, second)
        ],
    )

    assert sorted(str(person) for person in Person.objects.all()) == sorted([first, second])
    assert CasePerson.objects.count() == 2


def test_likenesses_of_typed_names_are_found_for_the_form_to_ask():
    found = typed_name_likenesses(["Alla Nazarova", "Daler", "Ala  Nazarova", "Daler", "A11"])
    assert {index: (f.name, f.like, f.first_index) for index, f in found.items()} == {
        2: ("Ala Nazarova", "Alla Nazarova", 0)
    }


def test_typed_persons_are_created_once_per_typed_string(monitor_on_team, team):
    persons = TypedPersons(
        actor=monitor_on_team, team=team, confidentiality=Confidentiality.CONFIDENTIAL
    )
    assert persons.get("Zarina") == persons.get(" Zarina ")
    assert persons.get("Zarina") != persons.get("Zarina N.")


def test_victim_chosen_for_an_existing_case_is_linked_once_whatever_the_number_of_rows(
    monitor_on_team, team, violation
):
    case = CaseFactory(team=team)
    victim = PersonFactory(team=team)
    for _ in range(2):
        allegation_record(
            actor=monitor_on_team,
            item=AllegationInput(
                allegation=Allegation(case=case, victim=victim, violation_type=violation)
            ),
        )
    assert CasePerson.objects.filter(case=case, person=victim).count() == 1


def test_a_refused_row_says_which_row_and_nothing_is_kept(monitor_on_team, team, violation):
    with pytest.raises(PartError) as refused:
        case_record(
            actor=monitor_on_team,
            case=new_case(team),
            allegations=[
                AllegationInput(allegation=Allegation(violation_type=violation), new_victim="A"),
                AllegationInput(allegation=Allegation(violation_type=violation)),  # nobody
            ],
        )

    assert (refused.value.part, refused.value.index) == ("allegations", 1)
    assert not Case.objects.exists() and not Person.objects.exists()


# -- the order of a detention's steps, from both sides ----------------------------------------


@pytest.fixture
def detention(team):
    detention = DetentionFactory(case=CaseFactory(team=team))
    DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED, date="June 2023")
    return detention


def add_steps(actor, detention, *steps):
    return detention_steps_record(
        actor=actor,
        detention=detention,
        steps=[StepInput(step=DetentionStep(kind=kind, date=date)) for kind, date in steps],
    )


def test_step_dated_before_the_arrest_is_refused_with_both_dates(monitor_on_team, detention):
    with pytest.raises(PartErrors) as refused:
        add_steps(monitor_on_team, detention, (StepKind.CHARGED, "2023-05-02"))

    (part,) = refused.value.parts
    assert part.index == 0
    assert part.error.message_dict["date"] == [
        "This step (2 May 2023) is dated before the arrest (June 2023)."
    ]
    assert detention.steps.count() == 1


def test_arrest_moved_after_a_recorded_charge_is_refused_on_the_arrest(monitor_on_team, detention):
    DetentionStepFactory(detention=detention, kind=StepKind.CHARGED, date="2023-07-01")
    arrest = detention.arrest_step
    arrest.date = ApproximateDate.parse("2023-08")

    with pytest.raises(PartErrors) as refused:
        detention_steps_record(
            actor=monitor_on_team,
            detention=detention,
            steps=[StepInput(step=arrest, expected_version=1)],
        )

    assert refused.value.parts[0].error.message_dict["date"] == [
        "The arrest (August 2023) cannot come after steps already recorded for this detention: "
        "charged (1 July 2023). Correct their dates first, or date the arrest earlier."
    ]
    arrest.refresh_from_db()
    assert (str(arrest.date), arrest.version) == ("June 2023", 1)


def test_arrest_added_after_steps_recorded_without_one_is_refused(monitor_on_team, team):
    detention = DetentionFactory(case=CaseFactory(team=team))
    DetentionStepFactory(detention=detention, kind=StepKind.CHARGED, date="2023-05-02")

    with pytest.raises(PartErrors):
        add_steps(monitor_on_team, detention, (StepKind.ARRESTED, "2023-06-12"))
    assert not detention.steps.filter(kind=StepKind.ARRESTED).exists()


def test_arrest_and_charge_moved_together_are_checked_as_they_will_be(monitor_on_team, detention):
    charge = DetentionStepFactory(detention=detention, kind=StepKind.CHARGED, date="2023-07-01")
    arrest = detention.arrest_step
    arrest.date = ApproximateDate.parse("2023-08-01")
    charge.date = ApproximateDate.parse("2023-08-02")

    detention_steps_record(
        actor=monitor_on_team,
        detention=detention,
        steps=[
            StepInput(step=charge, expected_version=1),
            StepInput(step=arrest, expected_version=1),
        ],
    )

    assert [str(step.date) for step in detention.ordered_steps()] == [
        "1 August 2023",
        "2 August 2023",
    ]


def test_each_refused_step_is_named_by_its_position(monitor_on_team, detention):
    with pytest.raises(PartErrors) as refused:
        add_steps(
            monitor_on_team,
            detention,
            (StepKind.TRANSFERRED, "2023-07"),
            (StepKind.SENTENCED, "2023-12"),  # a sentence needs a term
            (StepKind.CHARGED, "2021-01"),  # before the arrest
        )
    assert [part.index for part in refused.value.parts] == [1, 2]
    assert detention.steps.count() == 1


@pytest.mark.parametrize("date", ["June 2023", "2023-06-01", "2023"])
def test_step_in_the_month_of_an_arrest_known_only_to_the_month_is_accepted(
    monitor_on_team, detention, date
):
    add_steps(monitor_on_team, detention, (StepKind.CHARGED, date))
    assert detention.steps.count() == 2


def test_step_before_an_archived_arrest_is_accepted(monitor_on_team, detention):
    arrest = detention.arrest_step
    arrest.archived_at = arrest.created_at
    arrest.save()
    add_steps(monitor_on_team, detention, (StepKind.CHARGED, "2023-05-02"))


def test_a_second_arrest_is_not_held_to_the_first_and_steps_follow_the_earliest(
    monitor_on_team, detention
):
    # Re-arrests happen; the other kinds of step are held to the earliest arrest.
    add_steps(monitor_on_team, detention, (StepKind.ARRESTED, "2023-05-02"))
    add_steps(monitor_on_team, detention, (StepKind.CHARGED, "2023-05-03"))
    assert detention.steps.count() == 3
