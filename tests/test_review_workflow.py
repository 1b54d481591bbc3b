"""The review workflow through its services: draft → submitted → verified, or returned.

The review rules (docs/architecture.md): editing a verified record sends it back to submitted;
nobody verifies their own work (not the submitter, not anyone who edited it since it was last
verified); every decision is kept. Issue 3: an allegation or a detention cannot be verified
without a citation.
"""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from cases.choices import FollowUpKind, StepKind
from cases.models import Allegation, Case, Detention, DetentionStep, Event, FollowUp
from monitor.choices import Confidentiality, ReviewState, Role, Vocabulary
from monitor.models import DecisionAction, ReviewDecision
from monitor.services import (
    ActionRefused,
    NotVisible,
    record_save,
    review_return,
    review_submit,
    review_verify,
)
from people.models import Person, PersonName
from sources.models import Citation, Source
from tests.factories import PersonFactory, TeamFactory, TermFactory, UserFactory

_references = itertools.count(1)


# -- personas beyond the shared ones ---------------------------------------------------------


@pytest.fixture
def second_monitor(db, team):
    return UserFactory(
        username="mona-monitor",
        role=Role.MONITOR,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )


@pytest.fixture
def outsider(db):
    """A monitor in another team, cleared only up to internal."""
    return UserFactory(
        username="olga-outsider",
        role=Role.MONITOR,
        clearance=Confidentiality.INTERNAL,
        teams=[TeamFactory(name="Sughd team")],
    )


# -- building work the way a monitor does ----------------------------------------------------


def fresh(record):
    return type(record)._base_manager.get(pk=record.pk)


def decisions(record) -> list[tuple]:
    """(action, actor, comment, version) of every decision on ``record``, oldest first (the
    version breaks a tie of two decisions stamped in the same microsecond)."""
    rows = ReviewDecision.objects.for_record(record).order_by("at", "version")
    return [(d.action, d.actor, d.comment, d.version) for d in rows]


def new_case(actor, team, **fields) -> Case:
    case = Case(
        reference=f"TJK-2025-{next(_references):04d}",
        title="Detention of a Khorog lawyer",
        team=team,
        **fields,
    )
    return record_save(record=case, actor=actor, reason="Opened")


def new_source(actor, team) -> Source:
    source = Source(
        title="Court verdict, Dushanbe city court",
        kind=TermFactory(vocabulary=Vocabulary.SOURCE_KIND),
        team=team,
    )
    return record_save(record=source, actor=actor)


def new_allegation(actor, case) -> Allegation:
    allegation = Allegation(
        case=case,
        victim=PersonFactory(team=case.team),
        violation_type=TermFactory(vocabulary=Vocabulary.VIOLATION_TYPE),
        date="May 2022",
    )
    return record_save(record=allegation, actor=actor)


def new_detention(actor, case) -> Detention:
    detention = Detention(case=case, person=PersonFactory(team=case.team))
    return record_save(record=detention, actor=actor)


def cite(actor, record, source) -> Citation:
    return record_save(record=Citation(source=source, record=record, page="3"), actor=actor)


@pytest.fixture
def documented_case(team, monitor_on_team):
    """A draft case with a cited allegation, a cited detention with its arrest step, a
    follow-up, all entered by the monitor on the team."""
    case = new_case(monitor_on_team, team)
    source = new_source(monitor_on_team, team)
    allegation = new_allegation(monitor_on_team, case)
    detention = new_detention(monitor_on_team, case)
    step = record_save(
        record=DetentionStep(detention=detention, kind=StepKind.ARRESTED, date="16 May 2022"),
        actor=monitor_on_team,
    )
    followup = record_save(
        record=FollowUp(case=case, kind=FollowUpKind.LETTER, title="Letter to the prosecutor"),
        actor=monitor_on_team,
    )
    citations = [
        cite(monitor_on_team, allegation, source),
        cite(monitor_on_team, detention, source),
    ]
    return {
        "case": fresh(case),
        "source": source,
        "allegation": allegation,
        "detention": detention,
        "step": step,
        "followup": followup,
        "citation": citations[0],
    }


@pytest.fixture
def submitted_case(documented_case, monitor_on_team):
    review_submit(record=documented_case["case"], actor=monitor_on_team)
    return fresh(documented_case["case"])


@pytest.fixture
def verified_case(submitted_case, reviewer):
    review_verify(record=submitted_case, actor=reviewer)
    case = fresh(submitted_case)
    assert case.review_state == ReviewState.VERIFIED
    return case


# -- the happy path --------------------------------------------------------------------------


def test_case_moves_draft_to_submitted_to_verified(documented_case, monitor_on_team, reviewer):
    case = documented_case["case"]
    assert case.review_state == ReviewState.DRAFT

    review_submit(record=case, actor=monitor_on_team)
    assert fresh(case).review_state == ReviewState.SUBMITTED

    review_verify(record=case, actor=reviewer, comment="Matches the verdict.")
    assert fresh(case).review_state == ReviewState.VERIFIED
    assert [(action, actor) for action, actor, _, _ in decisions(case)] == [
        (DecisionAction.SUBMITTED, monitor_on_team),
        (DecisionAction.VERIFIED, reviewer),
    ]


def test_returned_case_keeps_the_comment_and_can_be_submitted_again_and_verified(
    submitted_case, monitor_on_team, reviewer
):
    decision = review_return(
        record=submitted_case, actor=reviewer, comment="Cite the court record for the charge."
    )
    case = fresh(submitted_case)
    assert case.review_state == ReviewState.RETURNED
    assert decision.comment == "Cite the court record for the charge."
    returned = ReviewDecision.objects.for_record(case).get(action=DecisionAction.RETURNED)
    assert (returned.actor, returned.comment) == (reviewer, "Cite the court record for the charge.")

    case.summary = "Charged under article 307 of the Criminal Code."
    record_save(record=case, actor=monitor_on_team)
    review_submit(record=fresh(case), actor=monitor_on_team)
    assert fresh(case).review_state == ReviewState.SUBMITTED

    # Returning is not editing: the reviewer who returned it may verify the fixed version.
    review_verify(record=fresh(case), actor=reviewer)
    assert fresh(case).review_state == ReviewState.VERIFIED


@pytest.mark.parametrize("comment", ["", "   \n"])
def test_return_without_comment_is_refused(submitted_case, reviewer, comment):
    with pytest.raises(ActionRefused) as refused:
        review_return(record=submitted_case, actor=reviewer, comment=comment)
    assert refused.value.code == "comment"
    assert fresh(submitted_case).review_state == ReviewState.SUBMITTED
    assert not ReviewDecision.objects.for_record(submitted_case).filter(
        action=DecisionAction.RETURNED
    )


def test_draft_cannot_be_verified_or_returned(documented_case, reviewer):
    case = documented_case["case"]
    for service, kwargs in ((review_verify, {}), (review_return, {"comment": "Fix it."})):
        with pytest.raises(ActionRefused) as refused:
            service(record=case, actor=reviewer, **kwargs)
        assert refused.value.code == "state"
    assert fresh(case).review_state == ReviewState.DRAFT


def test_submitted_case_cannot_be_submitted_twice(submitted_case, monitor_on_team):
    with pytest.raises(ActionRefused) as refused:
        review_submit(record=submitted_case, actor=monitor_on_team)
    assert refused.value.code == "state"


# -- four eyes -------------------------------------------------------------------------------


def test_submitter_who_is_a_reviewer_cannot_verify_own_submission(
    documented_case, reviewer, second_reviewer
):
    case = documented_case["case"]  # written by the monitor, submitted by the reviewer
    review_submit(record=case, actor=reviewer)
    with pytest.raises(ActionRefused) as refused:
        review_verify(record=case, actor=reviewer)
    assert refused.value.code == "four_eyes"
    assert fresh(case).review_state == ReviewState.SUBMITTED

    review_verify(record=case, actor=second_reviewer)
    assert fresh(case).review_state == ReviewState.VERIFIED


def test_reviewer_who_wrote_the_case_cannot_verify_it(team, reviewer, second_reviewer):
    case = new_case(reviewer, team)
    review_submit(record=case, actor=reviewer)
    with pytest.raises(ActionRefused) as refused:
        review_verify(record=case, actor=reviewer)
    assert refused.value.code == "four_eyes"
    review_verify(record=case, actor=second_reviewer)


def test_reviewer_who_edited_an_allegation_since_submission_cannot_verify_another_can(
    documented_case, submitted_case, reviewer, second_reviewer
):
    allegation = fresh(documented_case["allegation"])
    allegation.description = "Beaten during interrogation, per his lawyer."
    record_save(record=allegation, actor=reviewer)

    with pytest.raises(ActionRefused) as refused:
        review_verify(record=submitted_case, actor=reviewer)
    assert refused.value.code == "four_eyes"
    assert fresh(submitted_case).review_state == ReviewState.SUBMITTED

    review_verify(record=submitted_case, actor=second_reviewer)
    assert fresh(submitted_case).review_state == ReviewState.VERIFIED


@pytest.mark.parametrize("part", ["detention", "step", "followup", "citation"])
def test_reviewer_who_edited_any_part_of_the_case_cannot_verify_it(
    documented_case, submitted_case, reviewer, part
):
    record = fresh(documented_case[part])
    field = {"detention": "description", "step": "note", "followup": "description"}
    setattr(record, field.get(part, "quote"), "Corrected by the reviewer.")
    record_save(record=record, actor=reviewer)
    with pytest.raises(ActionRefused) as refused:
        review_verify(record=submitted_case, actor=reviewer)
    assert refused.value.code == "four_eyes"


def test_edits_before_the_last_verification_do_not_block_the_next_one(
    documented_case, submitted_case, monitor_on_team, reviewer, second_reviewer
):
    allegation = fresh(documented_case["allegation"])
    allegation.description = "Edited by the first reviewer."
    record_save(record=allegation, actor=reviewer)
    review_verify(record=submitted_case, actor=second_reviewer)

    # The monitor edits the verified case: back to review. The first reviewer's edit was
    # before the last verification, so now they may verify.
    case = fresh(submitted_case)
    case.summary = "New facts from the appeal hearing."
    record_save(record=case, actor=monitor_on_team)
    review_verify(record=fresh(case), actor=reviewer)
    assert fresh(case).review_state == ReviewState.VERIFIED


def test_monitor_cannot_verify_or_return(submitted_case, second_monitor):
    for service, kwargs in ((review_verify, {}), (review_return, {"comment": "No."})):
        with pytest.raises(ActionRefused) as refused:
            service(record=submitted_case, actor=second_monitor, **kwargs)
        assert refused.value.code == "permission"
    assert fresh(submitted_case).review_state == ReviewState.SUBMITTED


# -- citations -------------------------------------------------------------------------------


@pytest.mark.parametrize("make_claim", [new_allegation, new_detention])
def test_verify_refused_while_a_claim_is_uncited_accepted_once_cited(
    team, monitor_on_team, reviewer, make_claim
):
    case = new_case(monitor_on_team, team)
    claim = make_claim(monitor_on_team, case)
    review_submit(record=case, actor=monitor_on_team)

    with pytest.raises(ActionRefused) as refused:
        review_verify(record=case, actor=reviewer)
    assert refused.value.code == "uncited"
    assert str(claim) in refused.value.message
    assert fresh(case).review_state == ReviewState.SUBMITTED

    cite(monitor_on_team, claim, new_source(monitor_on_team, team))
    review_verify(record=case, actor=reviewer)
    assert fresh(case).review_state == ReviewState.VERIFIED


def test_citing_one_claim_does_not_cover_another(team, monitor_on_team, reviewer):
    case = new_case(monitor_on_team, team)
    source = new_source(monitor_on_team, team)
    cite(monitor_on_team, new_allegation(monitor_on_team, case), source)
    detention = new_detention(monitor_on_team, case)
    cite(monitor_on_team, case, source)  # a citation of the case itself is not of the claim
    review_submit(record=case, actor=monitor_on_team)
    with pytest.raises(ActionRefused) as refused:
        review_verify(record=case, actor=reviewer)
    assert refused.value.code == "uncited"
    assert str(detention) in refused.value.message


# -- editing after verification --------------------------------------------------------------


def test_editing_a_verified_case_sends_it_back_to_submitted(verified_case, monitor_on_team):
    verified_case.title = "Detention and sentencing of a Khorog lawyer"
    record_save(record=verified_case, actor=monitor_on_team)
    case = fresh(verified_case)
    assert case.review_state == ReviewState.SUBMITTED
    assert case.title == "Detention and sentencing of a Khorog lawyer"
    reopened = ReviewDecision.objects.for_record(case).get(action=DecisionAction.REOPENED)
    assert reopened.actor == monitor_on_team
    assert reopened.version == case.version


@pytest.mark.parametrize(
    ("part", "field", "value"),
    [
        ("allegation", "description", "Beaten in custody."),
        ("detention", "description", "Held incommunicado."),
        ("step", "note", "Arrested at home at night."),
        ("citation", "quote", "“was detained on 16 May”"),
        ("followup", "title", "Second letter to the prosecutor"),
    ],
)
def test_editing_any_child_of_a_verified_case_sends_the_case_back_to_submitted(
    documented_case, verified_case, monitor_on_team, part, field, value
):
    record = fresh(documented_case[part])
    setattr(record, field, value)
    record_save(record=record, actor=monitor_on_team)
    assert getattr(fresh(record), field) == value
    case = fresh(verified_case)
    assert case.review_state == ReviewState.SUBMITTED
    reopened = ReviewDecision.objects.for_record(case).filter(action=DecisionAction.REOPENED)
    assert [(d.actor, d.version) for d in reopened] == [(monitor_on_team, case.version)]


def test_adding_an_allegation_to_a_verified_case_sends_it_back_to_submitted(
    verified_case, monitor_on_team
):
    new_allegation(monitor_on_team, verified_case)
    assert fresh(verified_case).review_state == ReviewState.SUBMITTED


def test_editing_a_draft_or_submitted_case_records_no_reopening(documented_case, monitor_on_team):
    allegation = fresh(documented_case["allegation"])
    allegation.description = "Draft edit."
    record_save(record=allegation, actor=monitor_on_team)
    case = fresh(documented_case["case"])
    assert case.review_state == ReviewState.DRAFT
    assert not ReviewDecision.objects.for_record(case).filter(action=DecisionAction.REOPENED)


def test_every_decision_is_kept_with_actor_action_comment_and_version(
    documented_case, monitor_on_team, reviewer
):
    case = documented_case["case"]
    versions = []

    def act(service, **kwargs):
        service(record=fresh(case), **kwargs)
        versions.append(fresh(case).version)

    act(review_submit, actor=monitor_on_team, comment="Ready.")
    act(review_return, actor=reviewer, comment="Add the arrest date.")
    act(review_submit, actor=monitor_on_team)
    act(review_verify, actor=reviewer, comment="Checked against the verdict.")
    edited = fresh(case)
    edited.summary = "Appeal rejected."
    record_save(record=edited, actor=monitor_on_team)
    versions.append(fresh(case).version)

    assert decisions(case) == [
        (DecisionAction.SUBMITTED, monitor_on_team, "Ready.", versions[0]),
        (DecisionAction.RETURNED, reviewer, "Add the arrest date.", versions[1]),
        (DecisionAction.SUBMITTED, monitor_on_team, "", versions[2]),
        (DecisionAction.VERIFIED, reviewer, "Checked against the verdict.", versions[3]),
        (DecisionAction.REOPENED, monitor_on_team, "Edited after verification.", versions[4]),
    ]
    assert versions == sorted(set(versions)), "each decision is on a newer version"


# -- who may not act -------------------------------------------------------------------------


def test_monitor_off_team_sees_but_cannot_edit_or_submit_team_case(
    documented_case, monitor_off_team
):
    case = fresh(documented_case["case"])
    case.title = "Overwritten by another team"
    with pytest.raises(ActionRefused) as refused:
        record_save(record=case, actor=monitor_off_team)
    assert refused.value.code == "permission"
    with pytest.raises(ActionRefused) as refused:
        review_submit(record=fresh(case), actor=monitor_off_team)
    assert refused.value.code == "permission"
    assert fresh(case).title == "Detention of a Khorog lawyer"
    assert fresh(case).review_state == ReviewState.DRAFT


def test_monitor_off_team_cannot_add_or_edit_a_child_of_team_case(
    documented_case, monitor_off_team
):
    allegation = fresh(documented_case["allegation"])
    allegation.description = "Changed by another team."
    with pytest.raises(ActionRefused) as refused:
        record_save(record=allegation, actor=monitor_off_team)
    assert refused.value.code == "permission"
    with pytest.raises(ActionRefused) as refused:
        new_allegation(monitor_off_team, documented_case["case"])
    assert refused.value.code == "permission"
    assert Allegation.objects.filter(case=documented_case["case"]).count() == 1


def test_monitor_off_team_cannot_take_a_case_into_their_own_team(documented_case, monitor_off_team):
    own_team = TeamFactory(name="Bob's team", members=[monitor_off_team])
    case = fresh(documented_case["case"])
    original_team = case.team_id
    case.team = own_team
    with pytest.raises(ActionRefused) as refused:
        record_save(record=case, actor=monitor_off_team)
    assert refused.value.code == "permission"
    assert fresh(case).team_id == original_team


def test_monitor_off_team_cannot_move_a_team_allegation_into_their_own_case(
    documented_case, monitor_off_team
):
    own_case = new_case(
        monitor_off_team, TeamFactory(name="Bob's team", members=[monitor_off_team])
    )
    allegation = fresh(documented_case["allegation"])
    allegation.case = own_case
    with pytest.raises(ActionRefused) as refused:
        record_save(record=allegation, actor=monitor_off_team)
    assert refused.value.code == "permission"
    assert fresh(allegation).case_id == documented_case["case"].pk


def test_monitor_cannot_move_own_allegation_into_a_case_they_may_not_edit(
    documented_case, monitor_off_team
):
    """Attaching work to another team's case is editing that case."""
    own_case = new_case(
        monitor_off_team, TeamFactory(name="Bob's team", members=[monitor_off_team])
    )
    allegation = new_allegation(monitor_off_team, own_case)
    allegation.case = documented_case["case"]
    with pytest.raises(ActionRefused) as refused:
        record_save(record=allegation, actor=monitor_off_team)
    assert refused.value.code == "permission"
    assert fresh(allegation).case_id == own_case.pk


def test_monitor_without_clearance_cannot_see_confidential_case_of_another_team(
    documented_case, outsider
):
    case = fresh(documented_case["case"])
    case.title = "Overwritten"
    for call in (
        lambda: record_save(record=case, actor=outsider),
        lambda: review_submit(record=case, actor=outsider),
        lambda: new_allegation(outsider, case),
    ):
        with pytest.raises(NotVisible):
            call()
    assert fresh(case).title == "Detention of a Khorog lawyer"


@pytest.mark.parametrize("service", [review_verify, review_return, review_submit])
def test_outsider_reviewer_gets_not_visible_on_strict_case(team, monitor_on_team, service):
    strict_reviewer = UserFactory(role=Role.REVIEWER, clearance=Confidentiality.STRICT)
    case = new_case(monitor_on_team, team, confidentiality=Confidentiality.STRICT)
    if service is not review_submit:
        review_submit(record=case, actor=monitor_on_team)
    with pytest.raises(NotVisible):
        service(record=case, actor=strict_reviewer, comment="Seen?")


def test_viewer_cannot_edit_or_submit_a_case_they_can_read(team, monitor_on_team, viewer):
    case = new_case(monitor_on_team, team, confidentiality=Confidentiality.INTERNAL)
    case.title = "Changed by a viewer"
    with pytest.raises(ActionRefused) as refused:
        record_save(record=case, actor=viewer)
    assert refused.value.code == "permission"
    with pytest.raises(ActionRefused) as refused:
        review_submit(record=fresh(case), actor=viewer)
    assert refused.value.code == "permission"
    with pytest.raises(ActionRefused) as refused:
        record_save(record=Case(reference="TJK-2025-9999", title="New", team=None), actor=viewer)
    assert refused.value.code == "permission"
    assert not Case.objects.filter(reference="TJK-2025-9999").exists()


@pytest.mark.parametrize("persona", ["no_role_user", "anonymous"])
def test_user_without_role_cannot_create_anything(db, no_role_user, persona):
    user = {"no_role_user": no_role_user, "anonymous": AnonymousUser()}[persona]
    with pytest.raises(ActionRefused) as refused:
        record_save(record=Case(reference="TJK-2025-9998", title="New"), actor=user)
    assert refused.value.code == "permission"
    assert not Case.objects.filter(reference="TJK-2025-9998").exists()


# -- events, persons and sources go through the same review ----------------------------------


def make_event(actor, team):
    return record_save(
        record=Event(title="Khorog rally", start="16 May 2022", team=team), actor=actor
    )


def make_person(actor, team):
    person = record_save(record=Person(team=team), actor=actor)
    record_save(
        record=PersonName(person=person, full_name="Daler Imomali", is_primary=True), actor=actor
    )
    return person


@pytest.mark.parametrize("make", [make_event, make_person, new_source])
def test_events_persons_and_sources_round_trip_submit_return_verify(
    team, monitor_on_team, reviewer, second_reviewer, make
):
    record = make(monitor_on_team, team)
    assert fresh(record).review_state == ReviewState.DRAFT
    review_submit(record=record, actor=monitor_on_team)
    review_return(record=record, actor=reviewer, comment="Give the source of this.")
    assert fresh(record).review_state == ReviewState.RETURNED
    review_submit(record=record, actor=monitor_on_team)

    with pytest.raises(ActionRefused) as refused:
        review_verify(record=record, actor=monitor_on_team)
    assert refused.value.code == "permission"

    review_verify(record=record, actor=second_reviewer)
    assert fresh(record).review_state == ReviewState.VERIFIED
    assert [action for action, *_ in decisions(record)] == [
        DecisionAction.SUBMITTED,
        DecisionAction.RETURNED,
        DecisionAction.SUBMITTED,
        DecisionAction.VERIFIED,
    ]

    edited = fresh(record)
    edited.confidentiality = Confidentiality.CONFIDENTIAL
    record_save(record=edited, actor=monitor_on_team)
    assert fresh(record).review_state == ReviewState.SUBMITTED
    assert decisions(record)[-1][:2] == (DecisionAction.REOPENED, monitor_on_team)


@pytest.mark.parametrize("make", [make_event, make_person, new_source])
def test_events_persons_and_sources_four_eyes(team, monitor_on_team, reviewer, make):
    record = make(reviewer, team)
    review_submit(record=record, actor=monitor_on_team)
    with pytest.raises(ActionRefused) as refused:
        review_verify(record=record, actor=reviewer)
    assert refused.value.code == "four_eyes"


def test_reviewer_who_added_a_name_to_a_person_cannot_verify_the_person(
    team, monitor_on_team, reviewer
):
    person = make_person(monitor_on_team, team)
    review_submit(record=person, actor=monitor_on_team)
    record_save(record=PersonName(person=person, full_name="Далер Имомали"), actor=reviewer)
    with pytest.raises(ActionRefused) as refused:
        review_verify(record=person, actor=reviewer)
    assert refused.value.code == "four_eyes"


def test_editing_a_verified_person_name_sends_the_person_back_to_submitted(
    team, monitor_on_team, reviewer
):
    person = make_person(monitor_on_team, team)
    review_submit(record=person, actor=monitor_on_team)
    review_verify(record=person, actor=reviewer)
    name = person.names.get()
    name.full_name = "Daler Imomaliev"
    record_save(record=name, actor=monitor_on_team)
    assert fresh(person).review_state == ReviewState.SUBMITTED
