"""Issue 7 in the API: the dashboard's deadlines, response statistics, the calendar address."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from cases.deadlines import overdue_deadlines

pytestmark = pytest.mark.django_db

API = "/api/v1"
LETTER = "Letter of eight UN experts"


@pytest.fixture
def demo(settings):
    settings.DEMO = True
    settings.DEMO_PASSWORD = "demo-passphrase-for-tests-7319"
    call_command("load_demo", stdout=io.StringIO())
    return get_user_model().objects.get(username="coordinator")


def test_deadlines_list_the_unanswered_un_letter_as_overdue_like_the_dashboard(api, demo):
    response = api(demo).get(f"{API}/deadlines/")

    assert response.status_code == 200
    overdue = response.json()["overdue"]
    assert [item["title"] for item in overdue] == [item.title for item in overdue_deadlines(demo)]
    letter = next(item for item in overdue if LETTER in item["title"])
    assert (letter["date"], letter["kind"], letter["overdue"]) == (
        "2023-07-11",
        "response_due",
        True,
    )


def test_deadlines_refuse_a_bad_number_of_days_with_a_field_error(api, demo):
    response = api(demo).get(f"{API}/deadlines/", {"days": "-3"})

    assert response.status_code == 400
    assert "days" in response.json()["error"]["fields"]


def test_statistics_show_the_government_of_tajikistan_has_not_answered(api, demo):
    response = api(demo).get(f"{API}/statistics/communications/")

    assert response.status_code == 200
    row = next(
        r for r in response.json()["by_addressee"] if r["label"] == "Government of Tajikistan"
    )
    assert (row["sent"], row["answered"], row["unanswered"], row["overdue"]) == (1, 0, 1, 1)
    assert row["median_days_to_reply"] is None


def test_statistics_export_as_csv_with_the_same_figures(api, demo):
    response = api(demo).get(f"{API}/statistics/communications/csv/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    row = next(r for r in rows if r["name"] == "Government of Tajikistan")
    assert (row["sent"], row["unanswered"], row["overdue"]) == ("1", "1", "1")


def test_a_user_with_no_role_sees_no_deadline_and_no_statistic(api, demo, no_role_user):
    client = api(no_role_user)

    assert client.get(f"{API}/deadlines/").json()["overdue"] == []
    assert client.get(f"{API}/statistics/communications/").json()["total"]["sent"] == 0


def test_anonymous_requests_get_401(api):
    for path in ("deadlines/", "statistics/communications/", "me/calendar/"):
        assert api(None).get(f"{API}/{path}").status_code == 401


def test_a_new_calendar_address_works_and_the_previous_one_stops(api, demo):
    client = api(demo)
    first = urlsplit(client.post(f"{API}/me/calendar/").json()["url"]).path
    second = urlsplit(client.post(f"{API}/me/calendar/").json()["url"]).path
    browser = Client()

    assert browser.get(first).status_code == 404
    feed = browser.get(second)
    assert feed.status_code == 200
    assert "BEGIN:VCALENDAR" in feed.content.decode()
