"""Upcoming and overdue deadlines: responses due, hearings, expected releases — only what
the user may see, with approximate dates kept approximate."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.choices import FollowUpKind, ResponseKind, StepKind
from cases.deadlines import (
    DeadlineKind,
    add_months,
    deadlines_between,
    expected_release,
    overdue_deadlines,
    upcoming_deadlines,
)
from cases.models import Detention
from monitor.approxdate import ApproximateDate
from monitor.choices import Confidentiality, Role
from tests.factories import (
    CaseFactory,
    DetentionFactory,
    DetentionStepFactory,
    FollowUpFactory,
    FollowUpResponseFactory,
    OrganizationFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2024, 6, 1)
A = ApproximateDate.parse


@pytest.fixture
def team(db):
    return TeamFactory(name="GBAO documentation team")


@pytest.fixture
def monitor(team):
    return UserFactory(role=Role.MONITOR, clearance=Confidentiality.CONFIDENTIAL, teams=[team])


@pytest.fixture
def outsider(db):
    """A monitor of another team, cleared for internal records only."""
    return UserFactory(role=Role.MONITOR, clearance=Confidentiality.INTERNAL)


@pytest.fixture
def case(team):
    return CaseFactory(reference="TJK-2024-0001", team=team)


def sentenced(case, date: str, months: int | None = 84, *, life=False, person=None, **steps):
    detention = DetentionFactory(case=case, person=person or PersonFactory())
    DetentionStepFactory(
        detention=detention, kind=StepKind.ARRESTED, date=steps.pop("arrested", date)
    )
    DetentionStepFactory(
        detention=detention,
        kind=StepKind.SENTENCED,
        date=date,
        sentence_months=None if life else months,
        life_sentence=life,
    )
    return detention


def release_of(detention):
    return expected_release(Detention.objects.prefetch_related("steps").get(pk=detention.pk))


def kinds(items) -> list[tuple[str, datetime.date]]:
    return [(item.kind, item.date) for item in items]


# -- expected release -------------------------------------------------------------------------


def test_expected_release_is_the_sentence_date_plus_the_term(case):
    release = release_of(sentenced(case, "2017-06-15", 84))
    assert release.when == A("2024-06-15")
    assert (release.first, release.last) == (D(2024, 6, 15), D(2024, 6, 15))


def test_expected_release_is_approximate_when_the_sentence_date_is(case):
    release = release_of(sentenced(case, "June 2017", 84))
    assert str(release.when) == "June 2024"
    assert (release.first, release.last) == (D(2024, 6, 1), D(2024, 6, 30))


def test_circa_sentence_date_gives_a_circa_release(case):
    assert str(release_of(sentenced(case, "c. 2017", 84)).when) == "c. 2024"


def test_year_precise_sentence_and_a_term_of_months_gives_a_circa_year():
    when, first, last = add_months(A("2022"), 18)
    assert (first, last) == (D(2023, 7, 1), D(2024, 6, 30))
    assert str(when) == "c. 2023"  # the middle of the range: 30 December 2023


def test_month_end_and_leap_day_shift_to_the_last_day_of_the_month():
    assert add_months(A("2020-02-29"), 12)[1] == D(2021, 2, 28)
    assert add_months(A("2023-01-31"), 1)[1] == D(2023, 2, 28)


def test_life_sentence_has_no_expected_release(case):
    assert release_of(sentenced(case, "2017-06-15", life=True)) is None


@pytest.mark.parametrize("ended", [StepKind.RELEASED, StepKind.DIED])
def test_no_expected_release_once_released_or_dead(case, ended):
    detention = sentenced(case, "2017-06-15", 84)
    DetentionStepFactory(detention=detention, kind=ended, date="2020-01-01")
    assert release_of(detention) is None


def test_appeal_that_changes_the_term_counts_from_the_original_sentence(case):
    detention = sentenced(case, "2017-06-15", 120)
    DetentionStepFactory(
        detention=detention, kind=StepKind.APPEAL, date="2017-12-01", sentence_months=84
    )
    assert release_of(detention).when == A("2024-06-15")


def test_new_sentence_replaces_the_earlier_term(case):
    detention = sentenced(case, "2017-06-15", 84)
    DetentionStepFactory(
        detention=detention, kind=StepKind.SENTENCED, date="2020-03-01", sentence_months=60
    )
    assert release_of(detention).when == A("2025-03-01")


# -- the lists --------------------------------------------------------------------------------


def test_upcoming_lists_responses_due_hearings_and_expected_releases(monitor, case):
    FollowUpFactory(case=case, sent="2024-04-21")  # due 20 June 2024
    FollowUpFactory(
        case=case, kind=FollowUpKind.HEARING, occurs="2024-06-10", sent=None, due_on=None
    )
    FollowUpFactory(case=case, kind=FollowUpKind.VISIT, occurs="2024-06-25", sent=None, due_on=None)
    sentenced(case, "2017-06-15", 84)
    sentenced(case, "2017-09-15", 84)  # after the window

    items = upcoming_deadlines(monitor, days=30, today=TODAY)

    assert kinds(items) == [
        (DeadlineKind.HEARING, D(2024, 6, 10)),
        (DeadlineKind.EXPECTED_RELEASE, D(2024, 6, 15)),
        (DeadlineKind.RESPONSE_DUE, D(2024, 6, 20)),
        (DeadlineKind.FOLLOWUP_DATE, D(2024, 6, 25)),
    ]
    assert all(item.case_reference == "TJK-2024-0001" for item in items)
    assert not any(item.overdue for item in items)


def test_expected_release_known_to_the_month_is_listed_approximately(monitor, case):
    sentenced(case, "June 2017", 84)
    [item] = upcoming_deadlines(monitor, days=14, today=D(2024, 6, 20))
    assert item.kind == DeadlineKind.EXPECTED_RELEASE
    assert item.is_approximate
    assert str(item.when) == "June 2024"
    assert (item.date, item.last_date) == (D(2024, 6, 1), D(2024, 6, 30))


def test_link_target_is_the_record(monitor, case):
    letter = FollowUpFactory(case=case, sent="2024-04-21")
    detention = sentenced(case, "2017-06-15", 84)
    targets = {(i.model, i.pk) for i in upcoming_deadlines(monitor, days=30, today=TODAY)}
    assert targets == {("cases.followup", letter.pk), ("cases.detention", detention.pk)}


@pytest.mark.parametrize("response", [ResponseKind.FULL, ResponseKind.PARTIAL, ResponseKind.DENIAL])
def test_answered_followups_leave_the_lists(monitor, case, response):
    letter = FollowUpFactory(case=case, sent="2024-04-21")
    FollowUpResponseFactory(followup=letter, kind=response, received="2024-05-01")
    assert upcoming_deadlines(monitor, days=30, today=TODAY) == []


def test_acknowledged_letter_stays_on_the_lists(monitor, case):
    letter = FollowUpFactory(case=case, sent="2024-04-21")
    FollowUpResponseFactory(followup=letter, kind=ResponseKind.ACKNOWLEDGED, received="2024-05-01")
    assert kinds(upcoming_deadlines(monitor, days=30, today=TODAY)) == [
        (DeadlineKind.RESPONSE_DUE, D(2024, 6, 20))
    ]
    assert kinds(overdue_deadlines(monitor, today=D(2024, 7, 1))) == [
        (DeadlineKind.RESPONSE_DUE, D(2024, 6, 20))
    ]


def test_closed_archived_and_archived_case_followups_leave_the_lists(monitor, case, team):
    closed = FollowUpFactory(case=case, sent="2024-04-21")
    closed.closed_at = closed.created_at
    closed.save()
    archived = FollowUpFactory(case=case, sent="2024-04-22")
    archived.archived_at = archived.created_at
    archived.save()
    archived_case = CaseFactory(team=team)
    FollowUpFactory(case=archived_case, sent="2024-04-23")
    archived_case.archived_at = archived_case.created_at
    archived_case.save()
    assert upcoming_deadlines(monitor, days=30, today=TODAY) == []
    assert overdue_deadlines(monitor, today=D(2025, 1, 1)) == []


def test_overdue_lists_late_responses_and_releases_past_without_a_release(monitor, case):
    FollowUpFactory(case=case, sent="2023-05-12")  # due 11 July 2023
    sentenced(case, "2016-01-10", 84)  # expected 10 January 2023, no release recorded
    released = sentenced(case, "2016-01-10", 84)
    DetentionStepFactory(detention=released, kind=StepKind.RELEASED, date="2023-01-10")

    items = overdue_deadlines(monitor, today=TODAY)

    assert kinds(items) == [
        (DeadlineKind.EXPECTED_RELEASE, D(2023, 1, 10)),
        (DeadlineKind.RESPONSE_DUE, D(2023, 7, 11)),
    ]
    assert all(item.overdue for item in items)
    assert items[1].days_late(TODAY) == 326
    assert upcoming_deadlines(monitor, days=30, today=TODAY) == []


def test_month_precise_release_is_overdue_only_after_the_month(monitor, case):
    sentenced(case, "June 2017", 84)
    assert overdue_deadlines(monitor, today=D(2024, 6, 30)) == []
    assert len(overdue_deadlines(monitor, today=D(2024, 7, 1))) == 1


def test_nothing_from_a_case_the_user_cannot_see(monitor, outsider, case):
    strict = CaseFactory(team=TeamFactory(), confidentiality=Confidentiality.STRICT)
    FollowUpFactory(case=strict, sent="2024-04-21")
    sentenced(strict, "2017-06-15", 84)
    FollowUpFactory(case=case, sent="2024-04-21")  # confidential: not for the outsider

    assert upcoming_deadlines(monitor, days=30, today=TODAY)[0].case_id == case.pk
    assert len(upcoming_deadlines(monitor, days=30, today=TODAY)) == 1
    assert upcoming_deadlines(outsider, days=30, today=TODAY) == []
    assert deadlines_between(outsider, None, None, today=TODAY) == []
    assert deadlines_between(UserFactory(), None, None, today=TODAY) == []  # no role


def test_protected_person_is_shown_by_pseudonym_to_whoever_may_not_identify_them(team):
    reader = UserFactory(role=Role.VIEWER, clearance=Confidentiality.CONFIDENTIAL)
    witness = PersonFactory(name="Secret Witness", is_protected=True, team=team)
    sentenced(CaseFactory(team=team), "2017-06-15", 84, person=witness)

    [item] = upcoming_deadlines(reader, days=30, today=TODAY)

    assert "Secret Witness" not in item.title
    assert witness.pseudonym in item.title
    member = UserFactory(role=Role.MONITOR, teams=[team])
    [item] = upcoming_deadlines(member, days=30, today=TODAY)
    assert item.title == "Expected release of Secret Witness"
    assert "Secret Witness" not in item.external_title


def test_external_label_names_no_one_and_hides_titles_of_non_public_cases(monitor, team):
    public = CaseFactory(
        reference="TJK-2024-0002", team=team, confidentiality=Confidentiality.PUBLIC
    )
    FollowUpFactory(case=public, title="Letter on the Khorog arrests", sent="2024-04-21")
    private = CaseFactory(reference="TJK-2024-0003", team=team)
    FollowUpFactory(
        case=private,
        title="Letter naming a witness",
        reference="AL TJK 2/2024",
        sent="2024-04-21",
        addressee=OrganizationFactory(name="Government of Tajikistan"),
    )
    FollowUpFactory(
        case=private,
        title="Letter to a secret unit",
        sent="2024-04-22",
        addressee=OrganizationFactory(name="Unit 7", confidentiality=Confidentiality.INTERNAL),
    )
    sentenced(private, "2017-06-15", 84, person=PersonFactory(name="Tolib Ayombekov"))

    labels = [i.external_title for i in upcoming_deadlines(monitor, days=30, today=TODAY)]

    assert labels == [
        "Expected release · case TJK-2024-0003",
        "Response due · Letter on the Khorog arrests · case TJK-2024-0002",
        "Response due · AL TJK 2/2024 · Government of Tajikistan · case TJK-2024-0003",
        "Response due · case TJK-2024-0003",
    ]


def test_owned_by_keeps_only_the_owners_followups(monitor, case):
    other = UserFactory(role=Role.MONITOR, teams=list(monitor.teams.all()))
    FollowUpFactory(case=case, sent="2024-04-21", owner=monitor)
    FollowUpFactory(case=case, sent="2024-04-22", owner=other)
    sentenced(case, "2017-06-15", 84)
    mine = upcoming_deadlines(monitor, days=30, today=TODAY, owned_by=monitor)
    assert [(i.kind, i.owner_id) for i in mine] == [(DeadlineKind.RESPONSE_DUE, monitor.pk)]


def test_queries_do_not_grow_with_the_number_of_items(monitor, case):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            deadlines_between(monitor, None, None, today=TODAY)
        return len(captured)

    FollowUpFactory(case=case, sent="2024-04-21")
    sentenced(case, "2017-06-15", 84)
    count_queries()  # the user's roles are read once, then cached on the user
    few = count_queries()
    for day in range(2, 8):
        FollowUpFactory(case=case, sent=f"2024-04-{day:02d}")
        FollowUpFactory(
            case=case, kind=FollowUpKind.HEARING, occurs=f"2024-06-{day:02d}", sent=None
        )
        sentenced(case, f"2017-06-{day:02d}", 84)
    assert count_queries() == few
