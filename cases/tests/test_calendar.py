"""The iCalendar feed: a secret per-user address, the user's visible deadlines only, valid
RFC 5545, and an old address that stops working once rotated."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.choices import FollowUpKind, StepKind
from cases.models import CalendarFeed
from cases.views.calendar import (
    calendar_feed_path,
    calendar_feed_revoke,
    calendar_feed_rotate,
    escape_text,
    fold,
)
from monitor.choices import Confidentiality, Role
from tests.factories import (
    CaseFactory,
    DetentionFactory,
    DetentionStepFactory,
    FollowUpFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def team(db):
    return TeamFactory(name="GBAO documentation team")


@pytest.fixture
def monitor(team):
    return UserFactory(role=Role.MONITOR, clearance=Confidentiality.CONFIDENTIAL, teams=[team])


@pytest.fixture
def case(team):
    return CaseFactory(reference="TJK-2024-0001", team=team)


@pytest.fixture
def deadlines(case):
    """A letter due in 10 days, a hearing in 20, a release in 30 — and a hidden letter."""
    letter = FollowUpFactory(case=case, sent=days(-50), reference="AL TJK 2/2024")
    hearing = FollowUpFactory(
        case=case, kind=FollowUpKind.HEARING, occurs=days(20), sent=None, due_on=None
    )
    detention = DetentionFactory(case=case)
    release = days(31) if (days(30).month, days(30).day) == (2, 29) else days(30)
    sentence = release.replace(year=release.year - 5)
    DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED, date=sentence)
    DetentionStepFactory(
        detention=detention, kind=StepKind.SENTENCED, date=sentence, sentence_months=60
    )
    hidden = CaseFactory(
        reference="TJK-2024-0999", team=TeamFactory(), confidentiality=Confidentiality.STRICT
    )
    FollowUpFactory(case=hidden, sent=days(-50))
    return {"letter": letter, "hearing": hearing, "detention": detention, "release": release}


def fetch(client, token: str):
    return client.get(calendar_feed_path(token))


def events(body: str) -> list[dict[str, str]]:
    """The VEVENTs of an unfolded calendar, as {property: value}."""
    unfolded = body.replace("\r\n ", "")
    found, current = [], None
    for line in unfolded.split("\r\n"):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return found


def test_feed_lists_the_users_visible_deadlines_without_a_login(client, monitor, deadlines):
    response = fetch(client, calendar_feed_rotate(user=monitor))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    found = events(response.content.decode())
    assert [(e["DTSTART;VALUE=DATE"], e["SUMMARY"]) for e in found] == [
        (f"{days(10):%Y%m%d}", "Response due · AL TJK 2/2024 · case TJK-2024-0001"),
        (f"{days(20):%Y%m%d}", "Hearing · case TJK-2024-0001"),
        (f"{deadlines['release']:%Y%m%d}", "Expected release · case TJK-2024-0001"),
    ]
    assert "TJK-2024-0999" not in response.content.decode()


def test_someone_who_cannot_see_the_case_gets_an_empty_calendar(client, deadlines):
    outsider = UserFactory(role=Role.MONITOR, clearance=Confidentiality.INTERNAL)
    response = fetch(client, calendar_feed_rotate(user=outsider))
    assert response.status_code == 200
    assert events(response.content.decode()) == []


def test_feed_is_valid_icalendar(client, monitor, deadlines):
    body = fetch(client, calendar_feed_rotate(user=monitor)).content.decode()

    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert body.endswith("END:VCALENDAR\r\n")
    assert "\n" not in body.replace("\r\n", "")  # every line ends in CRLF
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    for event in events(body):
        assert {"UID", "DTSTAMP", "DTSTART;VALUE=DATE", "DTEND;VALUE=DATE", "SUMMARY"} <= set(event)
        start = datetime.datetime.strptime(event["DTSTART;VALUE=DATE"], "%Y%m%d").date()
        end = datetime.datetime.strptime(event["DTEND;VALUE=DATE"], "%Y%m%d").date()
        assert end == start + datetime.timedelta(days=1)  # an all-day event
    assert body.count("BEGIN:VEVENT") == body.count("END:VEVENT") == 3


def test_event_uids_are_stable_between_fetches(client, monitor, deadlines):
    token = calendar_feed_rotate(user=monitor)
    first = [e["UID"] for e in events(fetch(client, token).content.decode())]
    second = [e["UID"] for e in events(fetch(client, token).content.decode())]
    assert first == second
    assert len(set(first)) == 3
    assert f"response_due-{deadlines['letter'].pk}@monitor" in first


def test_old_address_answers_404_after_rotation(client, monitor, deadlines):
    old = calendar_feed_rotate(user=monitor)
    assert fetch(client, old).status_code == 200

    new = calendar_feed_rotate(user=monitor)

    assert new != old
    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200


def test_revoked_address_answers_404(client, monitor):
    token = calendar_feed_rotate(user=monitor)
    assert calendar_feed_revoke(user=monitor) is True
    assert fetch(client, token).status_code == 404


def test_unknown_address_answers_404(client, monitor):
    calendar_feed_rotate(user=monitor)
    assert fetch(client, "x" * 43).status_code == 404


@pytest.mark.parametrize(
    "account",
    [{"role": Role.MONITOR, "is_active": False}, {"role": None}],
    ids=["inactive", "no_role"],
)
def test_address_of_an_inactive_or_roleless_user_answers_404(client, account):
    user = UserFactory(clearance=Confidentiality.CONFIDENTIAL, **account)
    assert fetch(client, calendar_feed_rotate(user=user)).status_code == 404


def test_only_a_hash_of_the_secret_is_stored(monitor):
    token = calendar_feed_rotate(user=monitor)
    feed = CalendarFeed.objects.get(user=monitor)
    assert feed.token_hash == CalendarFeed.hash_token(token)
    assert token not in feed.token_hash
    assert len(token) >= 43  # 256 bits


def test_reading_the_feed_is_noted(client, monitor):
    token = calendar_feed_rotate(user=monitor)
    assert CalendarFeed.objects.get(user=monitor).last_used_at is None
    fetch(client, token)
    assert CalendarFeed.objects.get(user=monitor).last_used_at is not None


def test_feed_refuses_writes(client, monitor):
    token = calendar_feed_rotate(user=monitor)
    assert client.post(calendar_feed_path(token)).status_code == 405


# -- the format --------------------------------------------------------------------------------


def test_text_values_are_escaped():
    assert (
        escape_text("Khorog, GBAO; back\\slash\nnext") == "Khorog\\, GBAO\\; back\\\\slash\\nnext"
    )


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    line = "SUMMARY:" + "Шоиширинов, " * 20
    folded = fold(line)
    physical = folded.split("\r\n")
    assert len(physical) > 1
    assert all(len(part.encode()) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])
    assert folded.replace("\r\n ", "") == line


def test_short_lines_are_left_alone():
    assert fold("VERSION:2.0") == "VERSION:2.0"
