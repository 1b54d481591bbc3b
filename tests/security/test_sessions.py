"""Sessions: a new key at sign-in, idle and absolute limits, signing out everywhere,
and deactivation ending sessions and API tokens at once."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from monitor.models import AccessAction, AccessLog, ApiToken
from monitor.security import LAST_SEEN, SIGNED_IN_AT
from tests.security.conftest import sign_in_page

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def _shift_clocks(client, *, signed_in_ago: float, last_seen_ago: float) -> None:
    session = client.session
    now = time.time()
    session[SIGNED_IN_AT] = int(now - signed_in_ago)
    session[LAST_SEEN] = int(now - last_seen_ago)
    session.save()


def _signed_in(client, user) -> Client:
    client.force_login(user)
    return client


# -- a new session at sign-in ------------------------------------------------------------------


def test_sign_in_gives_a_new_session_key(client, monitor_on_team, password):
    # A session planted before sign-in (session fixation) must not become the signed-in one.
    client.get(reverse("login"))
    planted = client.session
    planted["planted"] = True
    planted.save()
    before = planted.session_key
    client.cookies["sessionid"] = before

    response = sign_in_page(client, "alice-monitor", password)
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session[SESSION_KEY] == str(monitor_on_team.pk)


def test_sign_in_starts_the_session_clocks(client, monitor_on_team, password):
    sign_in_page(client, "alice-monitor", password)
    session = client.session
    assert abs(session[SIGNED_IN_AT] - time.time()) < 5
    assert session[LAST_SEEN] == session[SIGNED_IN_AT]


# -- idle and absolute limits --------------------------------------------------------------------


def test_session_idle_past_the_limit_is_signed_out(client, monitor_on_team, settings):
    settings.SESSION_IDLE_MINUTES = 30
    _signed_in(client, monitor_on_team)
    _shift_clocks(client, signed_in_ago=40 * 60, last_seen_ago=31 * 60)

    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert SESSION_KEY not in client.session
    expired = AccessLog.objects.get(action=AccessAction.SESSION_EXPIRED)
    assert (expired.user, expired.detail) == (monitor_on_team, "idle")
    # The sign-in page says why.
    follow = client.get(response["Location"])
    assert "signed out after 30 minutes without activity" in follow.content.decode()


def test_session_active_within_the_idle_limit_stays_signed_in(client, monitor_on_team):
    _signed_in(client, monitor_on_team)
    _shift_clocks(client, signed_in_ago=3 * 3600, last_seen_ago=29 * 60)
    assert client.get(reverse("dashboard")).status_code == 200
    # ... and its activity moved the idle clock on.
    assert time.time() - client.session[LAST_SEEN] < 5


def test_session_past_its_absolute_lifetime_is_signed_out_though_active(
    client, monitor_on_team, settings
):
    settings.SESSION_MAX_HOURS = 12
    _signed_in(client, monitor_on_team)
    _shift_clocks(client, signed_in_ago=12 * 3600 + 60, last_seen_ago=10)

    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert AccessLog.objects.get(action=AccessAction.SESSION_EXPIRED).detail == "absolute"


def test_expired_session_gets_401_from_the_api(client, monitor_on_team):
    _signed_in(client, monitor_on_team)
    assert client.get(ME).status_code == 200
    _shift_clocks(client, signed_in_ago=3600, last_seen_ago=3600)
    assert client.get(ME).status_code == 401


def test_session_cookie_lives_no_longer_than_the_absolute_lifetime(settings):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_MAX_HOURS * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


# -- signing out everywhere ------------------------------------------------------------------------


def test_sign_out_everywhere_ends_every_session_of_the_user_and_no_one_elses(
    monitor_on_team, reviewer
):
    laptop, phone, colleague = Client(), Client(), Client()
    for device, user in (
        (laptop, monitor_on_team),
        (phone, monitor_on_team),
        (colleague, reviewer),
    ):
        _signed_in(device, user)
        assert device.get(reverse("dashboard")).status_code == 200

    page = phone.get(reverse("sign-out-everywhere"))
    assert page.status_code == 200
    response = phone.post(reverse("sign-out-everywhere"))
    assert response.status_code == 302

    assert laptop.get(reverse("dashboard")).status_code == 302
    assert phone.get(reverse("dashboard")).status_code == 302
    assert colleague.get(reverse("dashboard")).status_code == 200
    ended = AccessLog.objects.get(action=AccessAction.SESSIONS_ENDED)
    assert ended.user == monitor_on_team
    assert "2 sessions ended" in ended.detail


def test_sign_out_everywhere_needs_a_post(client, monitor_on_team):
    _signed_in(client, monitor_on_team)
    client.get(reverse("sign-out-everywhere"))
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.put(reverse("sign-out-everywhere")).status_code == 405


def test_anonymous_visitor_is_sent_to_sign_in_from_sign_out_everywhere(client):
    response = client.post(reverse("sign-out-everywhere"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# -- deactivation ----------------------------------------------------------------------------------


def test_deactivating_a_user_ends_their_sessions_and_tokens_at_once(monitor_on_team, reviewer):
    browser, colleague = Client(), Client()
    _signed_in(browser, monitor_on_team)
    _signed_in(colleague, reviewer)
    token, secret = ApiToken.issue(user=monitor_on_team, name="sync")
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert script.get(ME).status_code == 200

    monitor_on_team.is_active = False
    monitor_on_team.save()

    remaining = [s.get_decoded().get(SESSION_KEY) for s in Session.objects.all()]
    assert str(monitor_on_team.pk) not in remaining
    assert str(reviewer.pk) in remaining
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert script.get(ME).status_code == 401
    assert browser.get(reverse("dashboard")).status_code == 302
    assert colleague.get(reverse("dashboard")).status_code == 200
    assert AccessLog.objects.filter(action=AccessAction.TOKEN_REVOKED, object_id=str(token.pk))
    ended = AccessLog.objects.get(action=AccessAction.SESSIONS_ENDED)
    assert ended.object_id == str(monitor_on_team.pk)
    assert "account deactivated" in ended.detail


def test_deactivation_in_the_admin_ends_sessions(client, monitor_on_team):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 20)
    browser = _signed_in(Client(), monitor_on_team)
    client.force_login(root)
    change = reverse("admin:monitor_user_change", args=[monitor_on_team.pk])
    form = client.get(change).context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if value is not None and key not in ("password", "last_login", "date_joined")
    }
    data.update(
        {
            "is_active": "",
            "groups": [group.pk for group in monitor_on_team.groups.all()],
            "user_permissions": [],
            "version": getattr(monitor_on_team, "version", ""),
        }
    )
    data = {key: value for key, value in data.items() if value != "" or key == "is_active"}
    response = client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    monitor_on_team.refresh_from_db()
    assert monitor_on_team.is_active is False
    assert browser.get(reverse("dashboard")).status_code == 302


def test_other_saves_of_a_user_leave_their_sessions_alone(client, monitor_on_team):
    _signed_in(client, monitor_on_team)
    monitor_on_team.first_name = "Alice"
    monitor_on_team.save()
    assert client.get(reverse("dashboard")).status_code == 200


def test_the_idle_clock_counts_from_the_last_request_exactly(client, monitor_on_team, settings):
    """Activity half a minute after the last recorded one still moves the clock: the idle
    limit is counted from the last request, not from the last minute boundary."""
    settings.SESSION_IDLE_MINUTES = 30
    _signed_in(client, monitor_on_team)
    _shift_clocks(client, signed_in_ago=3600, last_seen_ago=30)
    shifted = client.session[LAST_SEEN]
    assert client.get(ME).status_code == 200
    recorded = client.session[LAST_SEEN]
    assert recorded > shifted
    # Idle for the limit less a second since that request: still signed in.
    session = client.session
    session[LAST_SEEN] = recorded - (30 * 60 - 1)
    session.save()
    assert client.get(ME).status_code == 200
    # Idle for the limit and a second: signed out.
    session = client.session
    session[LAST_SEEN] = client.session[LAST_SEEN] - (30 * 60 + 1)
    session.save()
    assert client.get(ME).status_code == 401
