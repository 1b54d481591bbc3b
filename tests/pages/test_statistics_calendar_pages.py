"""The pages for what only the API showed: UN reply statistics (+CSV), and subscribing to
one's deadlines (calendar address shown once, rotation, QR code)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases.models import CalendarFeed
from monitor.choices import Confidentiality
from monitor.models import AccessLog
from tests.factories import CaseFactory, FollowUpFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

STATISTICS = "/statistics/communications/"
CALENDAR = "/accounts/calendar/"


@pytest.fixture
def demo(settings):
    from django.contrib.auth import get_user_model

    settings.DEMO = True
    settings.DEMO_PASSWORD = "demo-passphrase-for-tests-7319"
    call_command("load_demo", stdout=io.StringIO())
    return get_user_model().objects.get(username="coordinator")


def test_statistics_page_shows_the_government_of_tajikistan_has_not_answered(client, demo):
    client.force_login(demo)
    response = client.get(STATISTICS)
    assert response.status_code == 200
    row = next(
        r for r in response.context["stats"].by_addressee if r.label == "Government of Tajikistan"
    )
    assert (row.sent, row.unanswered, row.overdue) == (1, 1, 1)
    page = response.content.decode()
    assert re.search(
        r"<th scope=\"row\">Government of Tajikistan</th>\s*<td class=\"num\">1</td>", page
    )


def test_statistics_csv_matches_the_page_and_is_logged(client, demo):
    client.force_login(demo)
    before = AccessLog.objects.filter(action="export").count()
    response = client.get(reverse("communication-statistics-export"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode().removeprefix("\ufeff"))))
    row = next(r for r in rows if r["name"] == "Government of Tajikistan")
    assert (row["group"], row["sent"], row["unanswered"], row["overdue"]) == (
        "addressee",
        "1",
        "1",
        "1",
    )
    assert AccessLog.objects.filter(action="export").count() == before + 1


def test_statistics_page_counts_nothing_hidden_from_the_reader(client, viewer, team):
    hidden_state = OrganizationFactory(
        name="Hidden Ministry", confidentiality=Confidentiality.STRICT
    )
    FollowUpFactory(
        case=CaseFactory(confidentiality=Confidentiality.STRICT, team=team), addressee=hidden_state
    )
    FollowUpFactory(
        case=CaseFactory(confidentiality=Confidentiality.INTERNAL),
        addressee=OrganizationFactory(name="Ministry of Justice"),
    )
    client.force_login(viewer)
    response = client.get(STATISTICS)
    assert response.context["stats"].total.sent == 1
    assert "Hidden Ministry" not in response.content.decode()
    assert (
        "Hidden Ministry"
        not in client.get(reverse("communication-statistics-export")).content.decode()
    )


def test_anonymous_visitor_is_sent_to_sign_in_from_both_pages(client):
    for path in (STATISTICS, reverse("communication-statistics-export"), CALENDAR):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post(CALENDAR).status_code == 302
    assert not CalendarFeed.objects.exists()


def _address(response) -> str:
    return re.search(
        r'id="calendar-url" type="text" readonly value="([^"]+)"', response.content.decode()
    )[1]


def test_making_an_address_shows_it_once_with_a_qr_code_and_the_feed_answers(
    client, monitor_on_team
):
    client.force_login(monitor_on_team)
    assert "You have no calendar address." in client.get(CALENDAR).content.decode()
    response = client.post(CALENDAR, {"action": "rotate"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    url = _address(response)
    assert re.fullmatch(r"http://testserver/calendar/[A-Za-z0-9_-]{43}\.ics", url)
    assert "<svg" in response.content.decode()  # the QR code, drawn inline
    path = url.removeprefix("http://testserver")
    client.logout()
    feed = client.get(path)
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    # Shown once: the page read again does not carry it.
    client.force_login(monitor_on_team)
    again = client.get(CALENDAR).content.decode()
    assert path not in again and "You have a calendar address" in again


def test_rotating_stops_the_old_address_and_stopping_stops_the_new_one(client, monitor_on_team):
    client.force_login(monitor_on_team)
    first = _address(client.post(CALENDAR, {"action": "rotate"})).removeprefix("http://testserver")
    second = _address(client.post(CALENDAR, {"action": "rotate"})).removeprefix("http://testserver")
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    response = client.post(CALENDAR, {"action": "stop"})
    assert "no longer works" in response.content.decode()
    assert client.get(second).status_code == 404


def test_a_user_without_a_role_cannot_make_an_address(client, no_role_user):
    client.force_login(no_role_user)
    response = client.post(CALENDAR, {"action": "rotate"})
    assert response.status_code == 200
    assert "no role" in response.content.decode()
    assert not CalendarFeed.objects.exists()
