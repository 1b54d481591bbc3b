"""Response statistics per addressee and per mandate, on a hand-made set of communications,
and their CSV export."""

from __future__ import annotations

import csv
import datetime
import io

import pytest

from cases.choices import FollowUpKind, ResponseKind
from cases.demo import load_demo
from cases.statistics import communication_statistics, neutralise, statistics_csv
from monitor.choices import Confidentiality, Role, Vocabulary
from monitor.models import Term
from people.choices import OrganizationKind
from tests.factories import (
    CaseFactory,
    FollowUpFactory,
    FollowUpResponseFactory,
    OrganizationFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2023, 11, 28)


@pytest.fixture
def team(db):
    return TeamFactory(name="GBAO documentation team")


@pytest.fixture
def monitor(team):
    return UserFactory(role=Role.MONITOR, clearance=Confidentiality.CONFIDENTIAL, teams=[team])


@pytest.fixture
def case(team):
    return CaseFactory(team=team)


@pytest.fixture
def tajikistan(db):
    return OrganizationFactory(name="Government of Tajikistan", kind=OrganizationKind.GOVERNMENT)


def mandate(code: str) -> Term:
    return Term.objects.get(vocabulary=Vocabulary.UN_MANDATE, code=code)


FOE = "sr-freedom-of-expression"
HRD = "sr-human-rights-defenders"


def communication(case, addressee, sent, mandates=(), answers=(), **fields):
    followup = FollowUpFactory(case=case, addressee=addressee, sent=sent, **fields)
    followup.mandates.set([mandate(code) for code in mandates])
    for kind, received in answers:
        FollowUpResponseFactory(followup=followup, kind=kind, received=received)
    return followup


@pytest.fixture
def four_letters(case, tajikistan):
    """1 full answer after 30 days, 1 partial after 90, 2 unanswered of which 1 overdue."""
    communication(case, tajikistan, "2023-01-10", [FOE, HRD], [(ResponseKind.FULL, "2023-02-09")])
    communication(case, tajikistan, "2023-03-01", [FOE], [(ResponseKind.PARTIAL, "2023-05-30")])
    communication(case, tajikistan, "2023-09-01", [HRD])  # due 31 October: overdue
    communication(  # due 31 December: still awaited; an acknowledgement is no answer
        case, tajikistan, "2023-11-01", [FOE], [(ResponseKind.ACKNOWLEDGED, "2023-11-05")]
    )


def row(rows, label):
    [found] = [r for r in rows if r.label == label]
    return found.as_dict()


def counts(values: dict) -> dict:
    keys = ("sent", "answered", "answered_fully", "answered_partially", "denials")
    keys += ("unanswered", "overdue", "median_days_to_reply")
    return {key: values[key] for key in keys}


def test_statistics_per_addressee_on_a_hand_made_set(monitor, four_letters):
    stats = communication_statistics(monitor, today=TODAY)

    assert counts(row(stats.by_addressee, "Government of Tajikistan")) == {
        "sent": 4,
        "answered": 2,
        "answered_fully": 1,
        "answered_partially": 1,
        "denials": 0,
        "unanswered": 2,
        "overdue": 1,
        "median_days_to_reply": 60,
    }
    assert counts(stats.total.as_dict()) == counts(
        row(stats.by_addressee, "Government of Tajikistan")
    )


def test_statistics_per_mandate_count_each_letter_under_each_of_its_mandates(monitor, four_letters):
    stats = communication_statistics(monitor, today=TODAY)
    foe = row(stats.by_mandate, mandate(FOE).label)
    hrd = row(stats.by_mandate, mandate(HRD).label)
    assert (foe["sent"], foe["answered"], foe["unanswered"], foe["overdue"]) == (3, 2, 1, 0)
    assert foe["median_days_to_reply"] == 60
    assert (hrd["sent"], hrd["answered"], hrd["unanswered"], hrd["overdue"]) == (2, 1, 1, 1)
    assert hrd["median_days_to_reply"] == 30


def test_denial_is_an_answer_counted_apart(monitor, case):
    france = OrganizationFactory(name="Government of France")
    communication(case, france, "2023-01-10", answers=[(ResponseKind.DENIAL, "2023-01-20")])
    values = row(communication_statistics(monitor, today=TODAY).by_addressee, str(france))
    assert (values["answered"], values["denials"], values["unanswered"]) == (1, 1, 0)
    assert values["median_days_to_reply"] == 10


def test_first_answer_counts_for_the_days_to_reply(monitor, case, tajikistan):
    communication(
        case,
        tajikistan,
        "2023-01-10",
        answers=[(ResponseKind.PARTIAL, "2023-01-30"), (ResponseKind.FULL, "2023-03-11")],
    )
    values = row(communication_statistics(monitor, today=TODAY).by_addressee, str(tajikistan))
    assert (values["answered_fully"], values["median_days_to_reply"]) == (1, 20)


def test_closed_unanswered_letter_is_unanswered_but_not_overdue(monitor, case, tajikistan):
    closed = communication(case, tajikistan, "2023-01-10")
    closed.closed_at = closed.created_at
    closed.save()
    values = row(communication_statistics(monitor, today=TODAY).by_addressee, str(tajikistan))
    assert (values["sent"], values["unanswered"], values["overdue"]) == (1, 1, 0)


def test_only_communications_the_user_may_see_are_counted(monitor, tajikistan):
    hidden = CaseFactory(team=TeamFactory(), confidentiality=Confidentiality.STRICT)
    communication(hidden, tajikistan, "2023-01-10", answers=[(ResponseKind.FULL, "2023-01-20")])
    communication(CaseFactory(team=monitor.teams.get()), tajikistan, "2023-02-10")
    values = row(communication_statistics(monitor, today=TODAY).by_addressee, str(tajikistan))
    assert (values["sent"], values["answered"]) == (1, 0)
    nobody = UserFactory()
    assert communication_statistics(nobody, today=TODAY).total.sent == 0


def test_unsent_archived_and_other_kinds_are_not_counted(monitor, case, tajikistan):
    communication(case, tajikistan, None, due_on=None)  # drafted, not sent yet
    archived = communication(case, tajikistan, "2023-01-10")
    archived.archived_at = archived.created_at
    archived.save()
    communication(case, tajikistan, "2023-01-11", kind=FollowUpKind.LETTER, due_on=None)
    assert communication_statistics(monitor, today=TODAY).total.sent == 0
    letters = communication_statistics(monitor, today=TODAY, kinds=[FollowUpKind.LETTER])
    assert letters.total.sent == 1


def test_one_letter_recorded_on_two_cases_counts_once(monitor, team, tajikistan):
    for case in (CaseFactory(team=team), CaseFactory(team=team)):
        communication(case, tajikistan, "2023-05-12", reference="JAL TJK 3/2023")
    assert communication_statistics(monitor, today=TODAY).total.sent == 1


def test_addressee_the_user_may_not_see_is_not_named(team, case):
    viewer = UserFactory(role=Role.VIEWER, clearance=Confidentiality.INTERNAL, teams=[team])
    secret = OrganizationFactory(name="Unit 7", confidentiality=Confidentiality.CONFIDENTIAL)
    communication(case, secret, "2023-01-10")
    [only] = communication_statistics(viewer, today=TODAY).by_addressee
    assert only.label == "Addressee not shown"


# -- the demo --------------------------------------------------------------------------------


def test_demo_shows_the_government_of_tajikistan_has_not_answered(settings):
    settings.DEMO = True
    settings.DEMO_PASSWORD = "demo-passphrase-for-tests-7319"
    load_demo()
    coordinator = UserFactory._meta.model.objects.get(username="coordinator")
    values = row(
        communication_statistics(coordinator, today=TODAY).by_addressee,
        "Government of Tajikistan",
    )
    assert counts(values) == {
        "sent": 1,
        "answered": 0,
        "answered_fully": 0,
        "answered_partially": 0,
        "denials": 0,
        "unanswered": 1,
        "overdue": 1,
        "median_days_to_reply": None,
    }


# -- CSV -------------------------------------------------------------------------------------


def test_csv_has_the_total_then_addressees_then_mandates(monitor, four_letters):
    text = statistics_csv(communication_statistics(monitor, today=TODAY))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["group", "name", "sent"]
    assert rows[1][:2] == ["total", "All communications"]
    assert rows[2] == [
        "addressee",
        "Government of Tajikistan",
        "4",
        "2",
        "1",
        "1",
        "0",
        "2",
        "1",
        "60",
    ]
    assert [r[0] for r in rows[3:]] == ["mandate", "mandate"]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tTab"])
def test_csv_neutralises_cells_a_spreadsheet_would_run(monitor, case, name):
    communication(case, OrganizationFactory(name=name), "2023-01-10")
    text = statistics_csv(communication_statistics(monitor, today=TODAY))
    addressee = next(r for r in csv.reader(io.StringIO(text)) if r[0] == "addressee")
    assert addressee[1] == "'" + name


def test_neutralise_leaves_plain_text_and_numbers_alone():
    assert neutralise("Government of Tajikistan") == "Government of Tajikistan"
    assert neutralise(-3) == -3
    assert neutralise("=1") == "'=1"
