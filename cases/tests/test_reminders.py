"""``manage.py send_reminders``: the right owner gets the right items, once a day, and nothing
about records they cannot see."""

from __future__ import annotations

import datetime
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from cases.choices import FollowUpKind, ResponseKind
from cases.demo import load_demo
from cases.models import ReminderLog
from monitor.choices import Confidentiality, Role
from tests.factories import (
    CaseFactory,
    FollowUpFactory,
    FollowUpResponseFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = "2024-06-01"


@pytest.fixture
def team(db):
    return TeamFactory(name="GBAO documentation team")


@pytest.fixture
def alice(team):
    return UserFactory(
        username="alice",
        email="alice@example.org",
        role=Role.MONITOR,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )


@pytest.fixture
def bob(team):
    return UserFactory(
        username="bob",
        email="bob@example.org",
        role=Role.MONITOR,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )


@pytest.fixture
def case(team):
    return CaseFactory(reference="TJK-2024-0001", team=team)


def run(**options) -> str:
    out, err = StringIO(), StringIO()
    options.setdefault("today", TODAY)
    call_command("send_reminders", stdout=out, stderr=err, **options)
    return out.getvalue() + err.getvalue()


def letter(case, sent: str, **fields):
    """A UN communication due 60 days after ``sent``."""
    return FollowUpFactory(case=case, sent=sent, **fields)


def emails_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


# -- who gets what ----------------------------------------------------------------------------


def test_owner_gets_one_digest_with_their_overdue_and_upcoming_items(alice, bob, case):
    letter(case, "2024-04-06", owner=alice, reference="AL TJK 2/2024")  # due 5 June
    letter(case, "2023-05-12", owner=alice)  # due 11 July 2023: overdue
    letter(case, "2024-04-10", owner=bob)  # bob's, not alice's
    FollowUpFactory(
        case=case, kind=FollowUpKind.HEARING, occurs="2024-06-10", owner=alice, sent=None
    )

    output = run()

    [message] = emails_to("alice@example.org")
    assert message.subject == "Monitor deadlines: 1 overdue, 2 due in the next 14 days"
    assert "11 July 2023 · Response due · case TJK-2024-0001 · 326 days late" in message.body
    assert "5 June 2024 · Response due · AL TJK 2/2024 · case TJK-2024-0001" in message.body
    assert "10 June 2024 · Hearing · case TJK-2024-0001" in message.body
    assert message.body.count("TJK-2024-0001") == 3  # bob's letter is not in it
    assert message.from_email == "monitor@localhost"
    assert "Sent 2 digest(s) for 2024-06-01" in output


def test_nothing_due_in_the_window_sends_nothing(alice, case):
    letter(case, "2024-05-01", owner=alice)  # due 30 June: beyond 14 days
    run()
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()


def test_days_option_widens_the_window(alice, case):
    letter(case, "2024-05-01", owner=alice)
    run(days=30)
    [message] = mail.outbox
    assert "1 due in the next 30 days" in message.subject


def test_reminder_days_setting_is_the_default_window(alice, case, settings):
    settings.REMINDER_DAYS = 30
    letter(case, "2024-05-01", owner=alice)
    run()
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("response", [ResponseKind.FULL, ResponseKind.PARTIAL, ResponseKind.DENIAL])
def test_answered_letters_are_not_reminded(alice, case, response):
    answered = letter(case, "2023-05-12", owner=alice)
    FollowUpResponseFactory(followup=answered, kind=response, received="2023-06-01")
    run()
    assert mail.outbox == []


def test_acknowledged_letter_is_still_reminded_as_overdue(alice, case):
    acknowledged = letter(case, "2023-05-12", owner=alice)
    FollowUpResponseFactory(followup=acknowledged, kind=ResponseKind.ACKNOWLEDGED)
    run()
    assert "1 overdue" in mail.outbox[0].subject


def test_closed_letter_is_not_reminded(alice, case):
    closed = letter(case, "2023-05-12", owner=alice)
    closed.closed_at = closed.created_at
    closed.save()
    run()
    assert mail.outbox == []


# -- nothing about what the owner cannot see --------------------------------------------------


def test_followup_on_a_case_the_owner_cannot_see_is_not_in_their_email(alice, case):
    strict = CaseFactory(
        reference="TJK-2024-0999", team=TeamFactory(), confidentiality=Confidentiality.STRICT
    )
    letter(strict, "2023-05-12", owner=alice, title="Secret letter")
    letter(case, "2024-04-06", owner=alice)

    run()

    [message] = mail.outbox
    assert "TJK-2024-0999" not in message.body
    assert "Secret letter" not in message.body
    assert message.subject == "Monitor deadlines: 1 due in the next 14 days"


def test_owner_who_sees_none_of_their_followups_gets_no_email(team):
    former = UserFactory(email="former@example.org", role=Role.MONITOR)  # left the team
    letter(CaseFactory(team=team), "2023-05-12", owner=former)
    run()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "account",
    [{"role": Role.MONITOR, "is_active": False}, {"role": None}],
    ids=["inactive", "no_role"],
)
def test_inactive_or_roleless_owner_gets_nothing(case, team, account):
    owner = UserFactory(
        email="owner@example.org", teams=[team], clearance=Confidentiality.STRICT, **account
    )
    letter(case, "2023-05-12", owner=owner)
    run()
    assert mail.outbox == []


def test_email_names_no_one_and_no_title_of_a_non_public_case(alice, team):
    private = CaseFactory(reference="TJK-2024-0003", team=team)
    letter(private, "2024-04-06", owner=alice, title="Letter about Tolib Ayombekov")
    public = CaseFactory(
        reference="TJK-2024-0004", team=team, confidentiality=Confidentiality.PUBLIC
    )
    letter(public, "2024-04-07", owner=alice, title="Letter on the Khorog rally")

    run()

    body = mail.outbox[0].body
    assert "Tolib Ayombekov" not in body
    assert "Letter on the Khorog rally" in body


def test_owner_without_an_email_address_is_reported(case, team):
    owner = UserFactory(username="noemail", email="", role=Role.MONITOR, teams=[team], clearance=30)
    letter(case, "2023-05-12", owner=owner)
    output = run()
    assert mail.outbox == []
    assert "no email address: noemail" in output
    assert not ReminderLog.objects.exists()


# -- once a day -------------------------------------------------------------------------------


def test_second_run_the_same_day_sends_nothing_and_the_next_day_sends_again(alice, case):
    letter(case, "2023-05-12", owner=alice)

    run()
    run()
    assert len(mail.outbox) == 1

    run(today="2024-06-02")
    assert len(mail.outbox) == 2
    assert list(ReminderLog.objects.values_list("date", flat=True).order_by("date")) == [
        D(2024, 6, 1),
        D(2024, 6, 2),
    ]


def test_run_that_finds_the_day_already_claimed_sends_nothing(alice, case):
    """A concurrent run claimed the day first: the unique row stops this one."""
    letter(case, "2023-05-12", owner=alice)
    ReminderLog.objects.create(user=alice, date=D(2024, 6, 1))
    run()
    assert mail.outbox == []


def test_the_database_refuses_a_second_log_for_the_same_user_and_day(alice):
    ReminderLog.objects.create(user=alice, date=D(2024, 6, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderLog.objects.create(user=alice, date=D(2024, 6, 1))


def test_claim_lost_to_a_concurrent_run_between_check_and_insert_sends_nothing(alice, case):
    letter(case, "2023-05-12", owner=alice)
    original = ReminderLog.objects.filter

    def filter_then_race(*args, **kwargs):
        # The other run inserts right after this run found no row for today.
        result = original(*args, **kwargs)
        if kwargs.get("date") == D(2024, 6, 1) and not ReminderLog.objects.all().exists():
            ReminderLog.objects.create(user=alice, date=D(2024, 6, 1))
            return ReminderLog.objects.none()
        return result

    with mock.patch.object(ReminderLog.objects, "filter", side_effect=filter_then_race):
        run()
    assert mail.outbox == []
    assert ReminderLog.objects.count() == 1


def test_failed_send_is_retried_by_the_next_run(alice, case):
    letter(case, "2023-05-12", owner=alice)
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("SMTP down")),
        pytest.raises(CommandError, match="the next run will try again"),
    ):
        run()
    assert not ReminderLog.objects.exists()
    run()
    assert len(mail.outbox) == 1


def test_dry_run_sends_and_records_nothing(alice, case):
    letter(case, "2023-05-12", owner=alice)
    assert "Would send 1 digest(s)" in run(dry_run=True)
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()


def test_bad_today_is_refused():
    with pytest.raises(CommandError, match="not a date"):
        run(today="11/07/2023")


# -- the demo data ----------------------------------------------------------------------------


def test_demo_reminders_run_twice_in_a_day_send_the_letter_once(settings):
    settings.DEMO = True
    settings.DEMO_PASSWORD = "demo-passphrase-for-tests-7319"
    load_demo()
    coordinator = UserFactory._meta.model.objects.get(username="coordinator")
    # The demo accounts have no email address; the letter's owner is the demo coordinator.
    coordinator.email = "coordinator@example.org"
    coordinator.save()

    run(today="2023-11-28")
    run(today="2023-11-28")

    [message] = mail.outbox
    assert message.to == ["coordinator@example.org"]
    assert message.subject == "Monitor deadlines: 1 overdue"
    assert (
        "11 July 2023 · Response due · Government of Tajikistan · case TJK-2023-0001 · "
        "140 days late"
    ) in message.body
