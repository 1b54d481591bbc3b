"""Follow-ups: due dates, the rules across fields, the services, and the derived status —
the same in Python and in SQL for every kind of response."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from cases.choices import FollowUpKind, FollowUpStatus, ResponseKind
from cases.demo import load_demo
from cases.followups import (
    followup_close,
    followup_create,
    followup_record_response,
    followup_reopen,
    followup_update,
)
from cases.models import FollowUp
from monitor.choices import Confidentiality, Role, Vocabulary
from monitor.models import Term
from monitor.services import ActionRefused, NotVisible
from tests.factories import (
    CaseFactory,
    FollowUpFactory,
    FollowUpResponseFactory,
    OrganizationFactory,
    PersonFactory,
    SourceFactory,
    TeamFactory,
    TermFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
SENT = D(2023, 5, 12)
DUE = D(2023, 7, 11)  # 60 days later
BEFORE_DUE, ON_DUE, AFTER_DUE = D(2023, 6, 1), DUE, D(2023, 7, 12)


@pytest.fixture
def team(db):
    return TeamFactory(name="GBAO documentation team")


@pytest.fixture
def monitor_on_team(team):
    return UserFactory(role=Role.MONITOR, clearance=Confidentiality.CONFIDENTIAL, teams=[team])


@pytest.fixture
def monitor_off_team(db):
    return UserFactory(role=Role.MONITOR, clearance=Confidentiality.CONFIDENTIAL)


@pytest.fixture
def case(team):
    return CaseFactory(team=team, confidentiality=Confidentiality.CONFIDENTIAL)


def _term(vocabulary: str, code: str) -> Term:
    return Term.objects.get(vocabulary=vocabulary, code=code)


def create_letter(actor, case, **fields) -> FollowUp:
    fields.setdefault("kind", FollowUpKind.UN_COMMUNICATION)
    fields.setdefault("title", "Letter of the special rapporteurs")
    return followup_create(actor=actor, case=case, **fields)


# -- due dates ---------------------------------------------------------------------------------


def test_un_communication_is_due_sixty_days_after_it_was_sent(monitor_on_team, case):
    letter = create_letter(monitor_on_team, case, sent=SENT)
    assert letter.due_on == DUE
    assert FollowUp.objects.get(pk=letter.pk).due_on == DUE


def test_response_window_follows_the_setting(monitor_on_team, case, settings):
    settings.UN_RESPONSE_DAYS = 30
    letter = create_letter(monitor_on_team, case, sent=SENT)
    assert letter.due_on == D(2023, 6, 11)


def test_month_precise_sent_date_counts_from_the_last_day_of_the_month(monitor_on_team, case):
    letter = create_letter(monitor_on_team, case, sent="May 2023")
    # 31 May 2023 + 60 days: never overdue before the State's time can have run out.
    assert letter.due_on == D(2023, 7, 30)


def test_due_date_given_explicitly_is_kept(monitor_on_team, case):
    letter = create_letter(monitor_on_team, case, sent=SENT, due_on=D(2023, 6, 30))
    assert letter.due_on == D(2023, 6, 30)


def test_unsent_communication_has_no_due_date_yet(monitor_on_team, case):
    letter = create_letter(monitor_on_team, case)
    assert letter.due_on is None
    assert letter.status(today=D(2030, 1, 1)) == FollowUpStatus.AWAITING


def test_letter_to_authorities_gets_no_default_due_date(monitor_on_team, case):
    letter = create_letter(monitor_on_team, case, kind=FollowUpKind.LETTER, sent=SENT)
    assert letter.due_on is None


def test_default_due_date_follows_a_corrected_sent_date(monitor_on_team, case):
    letter = create_letter(monitor_on_team, case, sent=SENT)
    followup_update(actor=monitor_on_team, followup=letter, sent="2023-05-22")
    assert FollowUp.objects.get(pk=letter.pk).due_on == D(2023, 7, 21)


def test_due_date_set_by_hand_stays_when_the_sent_date_changes(monitor_on_team, case):
    letter = create_letter(monitor_on_team, case, sent=SENT, due_on=D(2023, 9, 1))
    followup_update(actor=monitor_on_team, followup=letter, sent="2023-05-22")
    assert FollowUp.objects.get(pk=letter.pk).due_on == D(2023, 9, 1)


def test_removing_the_sent_date_removes_the_default_due_date(monitor_on_team, case):
    letter = create_letter(monitor_on_team, case, sent=SENT)
    followup_update(actor=monitor_on_team, followup=letter, sent=None)
    assert FollowUp.objects.get(pk=letter.pk).due_on is None


# -- rules across fields -----------------------------------------------------------------------


def _errors(followup: FollowUp) -> dict:
    with pytest.raises(ValidationError) as caught:
        followup.full_clean()
    return caught.value.message_dict


def test_un_communication_cannot_be_due_before_it_is_sent():
    followup = FollowUpFactory.build(case=CaseFactory(), sent=None, due_on=DUE)
    assert "its response is due counting from that date" in _errors(followup)["sent"][0]


def test_hearing_needs_the_date_it_takes_place():
    hearing = FollowUpFactory.build(
        case=CaseFactory(), kind=FollowUpKind.HEARING, sent=None, due_on=None
    )
    assert _errors(hearing)["occurs"] == [
        "Give the date of the hearing (a month or a year will do if the day is not known)."
    ]
    hearing.occurs = "June 2024"
    hearing.full_clean()


def test_only_hearings_and_appeals_have_a_court():
    court = OrganizationFactory(name="Supreme Court of Tajikistan")
    letter = FollowUpFactory.build(case=CaseFactory(), court=court)
    assert _errors(letter)["court"] == ["Only a hearing or an appeal is heard by a court."]
    appeal = FollowUpFactory.build(
        case=CaseFactory(), kind=FollowUpKind.APPEAL, court=court, sent=None, due_on=None
    )
    appeal.full_clean()


def test_only_un_communications_have_a_communication_type():
    letter = FollowUpFactory.build(
        case=CaseFactory(),
        kind=FollowUpKind.LETTER,
        communication_type=_term(Vocabulary.UN_COMMUNICATION_TYPE, "AL"),
    )
    assert _errors(letter)["communication_type"] == [
        "Only a UN communication has a communication type."
    ]


def test_cannot_be_made_public_before_it_was_sent():
    letter = FollowUpFactory.build(case=CaseFactory(), made_public_on=D(2023, 5, 1))
    assert _errors(letter)["made_public_on"] == [
        "It cannot have been made public before it was sent."
    ]


def test_response_cannot_be_received_before_the_letter_was_sent():
    response = FollowUpResponseFactory.build(followup=FollowUpFactory(), received="April 2023")
    with pytest.raises(ValidationError) as caught:
        response.full_clean()
    assert "dated before the follow-up was sent" in caught.value.message_dict["received"][0]


# -- the services -------------------------------------------------------------------------------


def test_reference_alone_sets_the_communication_type(monitor_on_team, case):
    letter = create_letter(monitor_on_team, case, sent=SENT, reference="jal tjk 3/2023")
    assert letter.reference == "JAL TJK 3/2023"
    assert letter.communication_type.code == "JAL"


def test_malformed_reference_is_refused_and_nothing_saved(monitor_on_team, case):
    with pytest.raises(ValidationError) as caught:
        create_letter(monitor_on_team, case, sent=SENT, reference="AL TJK 2/23")
    assert "four digits" in caught.value.message_dict["reference"][0]
    assert not FollowUp.objects.filter(case=case).exists()


def test_mandates_are_only_for_un_communications(monitor_on_team, case):
    mandate = _term(Vocabulary.UN_MANDATE, "sr-freedom-of-expression")
    letter = create_letter(monitor_on_team, case, sent=SENT, mandates=[mandate])
    assert list(letter.mandates.all()) == [mandate]
    with pytest.raises(ValidationError) as caught:
        create_letter(
            monitor_on_team, case, kind=FollowUpKind.ADVOCACY, title="Visit", mandates=[mandate]
        )
    assert "mandates" in caught.value.message_dict
    with pytest.raises(ValidationError):
        create_letter(monitor_on_team, case, mandates=[TermFactory(vocabulary=Vocabulary.TAG)])


def test_owner_must_be_able_to_see_the_case(monitor_on_team, case):
    outsider = UserFactory(clearance=Confidentiality.PUBLIC)
    with pytest.raises(ValidationError) as caught:
        create_letter(monitor_on_team, case, sent=SENT, owner=outsider)
    assert "owner" in caught.value.message_dict
    letter = create_letter(monitor_on_team, case, sent=SENT, owner=monitor_on_team)
    assert letter.owner == monitor_on_team


def test_persons_the_actor_cannot_see_are_refused(monitor_on_team, case):
    hidden = PersonFactory(confidentiality=Confidentiality.STRICT)
    with pytest.raises(ValidationError) as caught:
        create_letter(monitor_on_team, case, sent=SENT, persons=[hidden])
    assert caught.value.message_dict["persons"] == ["Choose persons from the list."]


def test_monitor_off_team_cannot_answer_or_close_a_followup_on_a_strict_case(
    monitor_on_team, monitor_off_team, team
):
    case = CaseFactory(team=team, confidentiality=Confidentiality.STRICT)
    letter = create_letter(monitor_on_team, case, sent=SENT)
    with pytest.raises(NotVisible):
        followup_record_response(
            actor=monitor_off_team, followup=letter, kind=ResponseKind.FULL, received=DUE
        )
    with pytest.raises(NotVisible):
        followup_close(actor=monitor_off_team, followup=letter)
    assert FollowUp.objects.get(pk=letter.pk).status(today=AFTER_DUE) == FollowUpStatus.OVERDUE


def test_monitor_off_team_who_sees_the_case_still_may_not_answer_for_the_team(
    monitor_on_team, monitor_off_team, case
):
    letter = create_letter(monitor_on_team, case, sent=SENT)
    with pytest.raises(ActionRefused, match="team"):
        followup_record_response(
            actor=monitor_off_team, followup=letter, kind=ResponseKind.FULL, received=DUE
        )
    assert not letter.responses.exists()


def test_recorded_answer_with_its_document_makes_the_letter_answered(monitor_on_team, case):
    letter = create_letter(monitor_on_team, case, sent=SENT)
    document = SourceFactory(team=case.team)
    response = followup_record_response(
        actor=monitor_on_team,
        followup=letter,
        kind=ResponseKind.FULL,
        received="2023-06-20",
        summary="The Government replied to every question.",
        document=document,
    )
    assert response.history.first().history_user == monitor_on_team
    assert FollowUp.objects.get(pk=letter.pk).status(today=AFTER_DUE) == FollowUpStatus.ANSWERED


def test_response_citing_a_hidden_source_is_refused(monitor_on_team, case):
    letter = create_letter(monitor_on_team, case, sent=SENT)
    hidden = SourceFactory(confidentiality=Confidentiality.STRICT)
    with pytest.raises(ValidationError) as caught:
        followup_record_response(
            actor=monitor_on_team, followup=letter, kind=ResponseKind.FULL, document=hidden
        )
    assert caught.value.message_dict["document"] == ["Choose a source from the list."]


def test_closing_and_reopening(monitor_on_team, case):
    letter = create_letter(monitor_on_team, case, sent=SENT)
    followup_close(actor=monitor_on_team, followup=letter, reason="No answer expected any more")
    closed = FollowUp.objects.get(pk=letter.pk)
    assert closed.status(today=AFTER_DUE) == FollowUpStatus.CLOSED
    assert closed.history.first().history_change_reason == "No answer expected any more"
    with pytest.raises(ActionRefused, match="already closed"):
        followup_close(actor=monitor_on_team, followup=closed)
    followup_reopen(actor=monitor_on_team, followup=closed)
    assert FollowUp.objects.get(pk=letter.pk).status(today=AFTER_DUE) == FollowUpStatus.OVERDUE


# -- the derived status: Python and SQL agree ---------------------------------------------------

#: (responses, day, status): every kind of response, before and after the due date.
SCENARIOS = [
    ((), BEFORE_DUE, FollowUpStatus.AWAITING),
    ((), ON_DUE, FollowUpStatus.AWAITING),
    ((), AFTER_DUE, FollowUpStatus.OVERDUE),
    # "No response" records that nothing came: the clock keeps running.
    ((ResponseKind.NONE,), BEFORE_DUE, FollowUpStatus.AWAITING),
    ((ResponseKind.NONE,), AFTER_DUE, FollowUpStatus.OVERDUE),
    # An acknowledgement confirms receipt, not an answer: still overdue after the due date.
    ((ResponseKind.ACKNOWLEDGED,), BEFORE_DUE, FollowUpStatus.AWAITING),
    ((ResponseKind.ACKNOWLEDGED,), AFTER_DUE, FollowUpStatus.OVERDUE),
    # A denial replies without answering the substance.
    ((ResponseKind.DENIAL,), BEFORE_DUE, FollowUpStatus.ANSWERED_PARTIALLY),
    ((ResponseKind.DENIAL,), AFTER_DUE, FollowUpStatus.ANSWERED_PARTIALLY),
    ((ResponseKind.PARTIAL,), AFTER_DUE, FollowUpStatus.ANSWERED_PARTIALLY),
    ((ResponseKind.FULL,), BEFORE_DUE, FollowUpStatus.ANSWERED),
    ((ResponseKind.FULL,), AFTER_DUE, FollowUpStatus.ANSWERED),
    (
        (ResponseKind.ACKNOWLEDGED, ResponseKind.PARTIAL),
        AFTER_DUE,
        FollowUpStatus.ANSWERED_PARTIALLY,
    ),
    ((ResponseKind.PARTIAL, ResponseKind.FULL), AFTER_DUE, FollowUpStatus.ANSWERED),
    ((ResponseKind.DENIAL, ResponseKind.FULL), AFTER_DUE, FollowUpStatus.ANSWERED),
]
FILTERS = {
    FollowUpStatus.AWAITING: lambda day: FollowUp.objects.awaiting(day),
    FollowUpStatus.OVERDUE: lambda day: FollowUp.objects.overdue(day),
    FollowUpStatus.ANSWERED_PARTIALLY: lambda day: FollowUp.objects.answered_partially(day),
    FollowUpStatus.ANSWERED: lambda day: FollowUp.objects.answered(day),
    FollowUpStatus.CLOSED: lambda day: FollowUp.objects.closed(),
}


def test_the_scenarios_cover_every_response_kind_and_every_status():
    assert {kind for kinds, _, _ in SCENARIOS for kind in kinds} == set(ResponseKind)
    assert {status for _, _, status in SCENARIOS} | {FollowUpStatus.CLOSED} == set(FollowUpStatus)


def assert_everywhere(followup: FollowUp, day: datetime.date, expected: str) -> None:
    """status(), the annotation and every filter say the same thing."""
    fresh = FollowUp.objects.prefetch_related("responses").get(pk=followup.pk)
    assert fresh.status(today=day) == expected
    annotated = FollowUp.objects.with_status(day).get(pk=followup.pk)
    assert annotated.current_status == expected
    for status, matching in FILTERS.items():
        found = matching(day).filter(pk=followup.pk).exists()
        assert found == (status == expected), f"filter {status} on {day}"
    still_open = FollowUp.objects.still_open(day).filter(pk=followup.pk).exists()
    assert still_open == (expected in (FollowUpStatus.AWAITING, FollowUpStatus.OVERDUE))


@pytest.mark.parametrize(("kinds", "day", "expected"), SCENARIOS)
def test_status_and_queryset_filters_agree(kinds, day, expected):
    followup = FollowUpFactory(sent=SENT)
    for kind in kinds:
        FollowUpResponseFactory(followup=followup, kind=kind, received="2023-06-01")
    assert_everywhere(followup, day, expected)


@pytest.mark.parametrize("kinds", [(), (ResponseKind.FULL,), (ResponseKind.ACKNOWLEDGED,)])
def test_closed_wins_over_answers_and_dates_everywhere(kinds):
    followup = FollowUpFactory(sent=SENT)
    for kind in kinds:
        FollowUpResponseFactory(followup=followup, kind=kind)
    followup.closed_at = followup.created_at
    followup.save()
    assert_everywhere(followup, AFTER_DUE, FollowUpStatus.CLOSED)


def test_archived_answer_counts_nowhere():
    followup = FollowUpFactory(sent=SENT)
    answer = FollowUpResponseFactory(followup=followup, kind=ResponseKind.FULL)
    answer.archived_at = answer.created_at
    answer.save()
    assert_everywhere(followup, AFTER_DUE, FollowUpStatus.OVERDUE)


# -- the demo data ------------------------------------------------------------------------------


@pytest.fixture
def demo(settings):
    """The seed article's data and demo accounts (settings as in tests/test_demo_loader.py)."""
    settings.DEMO = True
    settings.DEMO_PASSWORD = "demo-passphrase-for-tests-7319"
    return load_demo()


def test_demo_letter_of_12_may_2023_is_overdue_with_no_response(demo):
    letter = FollowUp.objects.get(sent=SENT, case__reference="TJK-2023-0001")
    assert not letter.responses.exists()
    assert letter.due_on == DUE
    assert letter.status(today=D(2023, 11, 28)) == FollowUpStatus.OVERDUE
    assert FollowUp.objects.overdue(D(2023, 11, 28)).filter(pk=letter.pk).exists()
    assert letter.addressee.name == "Government of Tajikistan"
    assert letter.owner.username == "coordinator"
