"""The session's clocks for the warning before a session ends (issue 19): asking how long is
left is not activity, "Stay signed in" is, and nothing extends the absolute limit."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.urls import reverse

from monitor.security import LAST_SEEN, SIGNED_IN_AT

pytestmark = pytest.mark.django_db

URL = "/accounts/session/"


def test_the_address_is_the_one_the_middleware_knows():
    assert reverse("session-status") == URL


def set_clocks(client, *, signed_in_ago: float, seen_ago: float) -> None:
    session = client.session
    now = time.time()
    session[SIGNED_IN_AT], session[LAST_SEEN] = now - signed_in_ago, now - seen_ago
    session.save()


def test_asking_does_not_move_the_idle_clock(client, monitor_on_team):
    client.force_login(monitor_on_team)
    client.get(URL)
    set_clocks(client, signed_in_ago=3600, seen_ago=20 * 60)

    first = client.get(URL).json()
    second = client.get(URL).json()

    idle = settings.SESSION_IDLE_MINUTES * 60
    assert first["signed_in"] is True
    assert idle - 20 * 60 - 2 <= second["idle_left"] <= idle - 20 * 60
    assert second["idle_limit"] == idle


def test_staying_signed_in_moves_the_idle_clock_but_not_the_absolute_limit(client, monitor_on_team):
    client.force_login(monitor_on_team)
    client.get(URL)
    hours = settings.SESSION_MAX_HOURS
    set_clocks(client, signed_in_ago=hours * 3600 - 60, seen_ago=20 * 60)

    stayed = client.post(URL).json()

    assert stayed["idle_left"] >= settings.SESSION_IDLE_MINUTES * 60 - 2
    assert stayed["absolute_left"] <= 60


def test_a_session_past_its_idle_limit_is_not_revived_by_asking(client, monitor_on_team):
    client.force_login(monitor_on_team)
    client.get(URL)
    set_clocks(client, signed_in_ago=3600, seen_ago=settings.SESSION_IDLE_MINUTES * 60 + 5)

    asked = client.get(URL)

    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("login"))
    assert client.post(URL).status_code == 302


def test_a_visitor_not_signed_in_gets_the_sign_in_redirect(client):
    assert client.get(URL).status_code == 302
