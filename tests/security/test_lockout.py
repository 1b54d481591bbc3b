"""Repeated failed sign-ins lock the username from that address out, on every sign-in path."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from monitor.models import AccessAction, AccessLog
from monitor.security import client_address
from tests.security.conftest import (
    PASSWORD_LIKE_USERNAME,
    issue_token,
    sign_in_admin,
    sign_in_page,
)

pytestmark = pytest.mark.django_db

LOCKED_TEXT = "Too many failed sign-ins for this account from your address"


def _fail(sign_in, client, username, times, address="198.51.100.7", **extra):
    """``times`` wrong passwords; the one that reaches the limit is itself answered 429."""
    for attempt in range(1, times + 1):
        response = sign_in(client, username, "not-the-password", address, **extra)
        locked = attempt >= settings.AXES_FAILURE_LIMIT
        assert response.status_code == (429 if locked else 200), (attempt, response.status_code)


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return 3


# -- the sign-in page -----------------------------------------------------------------------


def test_sign_in_page_locks_the_account_after_repeated_failures(
    client, monitor_on_team, password, limit
):
    _fail(sign_in_page, client, "alice-monitor", limit)

    # Even the right password is refused now, with a page saying why and what to do.
    response = sign_in_page(client, "alice-monitor", password)
    assert response.status_code == 429
    assert LOCKED_TEXT in response.content.decode()
    assert "ask a coordinator to unlock it" in response.content.decode()
    assert response["Retry-After"] == str(30 * 60)
    assert SESSION_KEY not in client.session


def test_failures_below_the_limit_do_not_lock(client, monitor_on_team, password, limit):
    _fail(sign_in_page, client, "alice-monitor", limit - 1)
    response = sign_in_page(client, "alice-monitor", password)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(monitor_on_team.pk)


def test_successful_sign_in_resets_the_failure_count(client, monitor_on_team, password, limit):
    _fail(sign_in_page, client, "alice-monitor", limit - 1)
    assert sign_in_page(client, "alice-monitor", password).status_code == 302
    client.logout()
    _fail(sign_in_page, client, "alice-monitor", limit - 1)
    assert sign_in_page(client, "alice-monitor", password).status_code == 302


def test_locked_account_signs_in_from_another_address(client, monitor_on_team, password, limit):
    _fail(sign_in_page, client, "alice-monitor", limit, address="198.51.100.7")
    response = sign_in_page(client, "alice-monitor", password, address="203.0.113.20")
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(monitor_on_team.pk)


def test_another_account_signs_in_from_the_locked_address(
    client, monitor_on_team, monitor_off_team, password, limit
):
    _fail(sign_in_page, client, "alice-monitor", limit)
    response = sign_in_page(client, "bob-monitor", password)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(monitor_off_team.pk)


def test_lockout_ends_after_the_cool_off_time(client, monitor_on_team, password, limit):
    _fail(sign_in_page, client, "alice-monitor", limit)
    assert sign_in_page(client, "alice-monitor", password).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=31))
    assert sign_in_page(client, "alice-monitor", password).status_code == 302


# -- the admin sign-in and the token endpoint ------------------------------------------------


def test_admin_sign_in_locks_the_account_after_repeated_failures(
    client, staff_coordinator, password, limit
):
    _fail(sign_in_admin, client, "carl-coordinator", limit)
    response = sign_in_admin(client, "carl-coordinator", password)
    assert response.status_code == 429
    assert LOCKED_TEXT in response.content.decode()
    assert SESSION_KEY not in client.session


def test_token_endpoint_locks_the_account_with_an_api_error(monitor_on_team, password, limit):
    for _attempt in range(limit - 1):
        assert issue_token("alice-monitor", "wrong").status_code == 401
    assert issue_token("alice-monitor", "wrong").status_code == 429
    response = issue_token("alice-monitor", password)
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "locked_out"
    assert LOCKED_TEXT in error["message"]
    assert response["Retry-After"] == str(30 * 60)
    assert "token" not in response.json()


def test_failures_on_one_path_count_on_the_others(client, monitor_on_team, password, limit):
    # One guesser, three doors: the count is the account's and the address's, not the page's.
    sign_in_page(client, "alice-monitor", "wrong-1")
    sign_in_admin(client, "alice-monitor", "wrong-2")
    issue_token("alice-monitor", "wrong-3")
    assert sign_in_page(client, "alice-monitor", password).status_code == 429


# -- the client address ----------------------------------------------------------------------


def test_forwarded_for_header_does_not_dodge_the_lockout_without_a_trusted_proxy(
    client, monitor_on_team, password, limit
):
    # A guesser claiming a new address in X-Forwarded-For on each try is still one address.
    for index in range(limit):
        sign_in_page(client, "alice-monitor", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{index + 1}")
    response = sign_in_page(client, "alice-monitor", password, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_lockout_follows_the_forwarded_address(
    client, settings, monitor_on_team, password, limit
):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for _attempt in range(limit):
        sign_in_page(client, "alice-monitor", "wrong", proxy, HTTP_X_FORWARDED_FOR="192.0.2.9")
    locked = sign_in_page(
        client, "alice-monitor", password, proxy, HTTP_X_FORWARDED_FOR="192.0.2.9"
    )
    assert locked.status_code == 429
    # Another client behind the same proxy is another address.
    other = sign_in_page(
        client, "alice-monitor", password, proxy, HTTP_X_FORWARDED_FOR="192.0.2.10"
    )
    assert other.status_code == 302


def _request(**meta):
    return RequestFactory().get("/", **meta)


def test_client_address_is_the_connection_when_no_proxy_is_trusted(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = _request(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert client_address(request) == "198.51.100.7"


def test_client_address_behind_trusted_proxies_ignores_what_the_client_sent(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    # The client forged "192.0.2.66"; our outer proxy appended the real 203.0.113.5, our
    # inner proxy appended the outer proxy's address.
    request = _request(
        REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.5, 10.0.0.2"
    )
    assert client_address(request) == "203.0.113.5"


def test_client_address_falls_back_to_the_connection_on_a_short_or_bad_header(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(_request(REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="x")) == (
        "10.0.0.3"
    )
    assert (
        client_address(_request(REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="junk, 10.0.0.2"))
        == "10.0.0.3"
    )


# -- unlocking ---------------------------------------------------------------------------------


def _lockouts_url():
    return reverse("admin:axes_accessattempt_changelist")


def test_coordinator_unlocks_a_locked_account(
    client, monitor_on_team, staff_coordinator, password, limit
):
    guesser = client.__class__()
    _fail(sign_in_page, guesser, "alice-monitor", limit)
    assert sign_in_page(guesser, "alice-monitor", password).status_code == 429

    client.force_login(staff_coordinator)
    listing = client.get(_lockouts_url())
    assert listing.status_code == 200
    assert "alice-monitor" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="alice-monitor")
    response = client.post(
        _lockouts_url(), {"action": "unlock", "_selected_action": [attempt.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "lockout record cleared" in response.content.decode()

    assert sign_in_page(guesser, "alice-monitor", password).status_code == 302
    unlock = AccessLog.objects.get(action=AccessAction.UNLOCKED)
    assert unlock.user == staff_coordinator
    assert unlock.object_id == str(monitor_on_team.pk)


def test_monitor_can_neither_see_nor_unlock_lockouts(client, monitor_on_team, limit):
    monitor_on_team.is_staff = True
    monitor_on_team.save(update_fields=["is_staff"])
    _fail(sign_in_page, client.__class__(), "alice-monitor", limit)
    client.force_login(monitor_on_team)
    assert client.get(_lockouts_url()).status_code == 403
    attempt = AccessAttempt.objects.get(username="alice-monitor")
    response = client.post(_lockouts_url(), {"action": "unlock", "_selected_action": [attempt.pk]})
    assert response.status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_lockout_list_does_not_show_a_typed_name_that_is_no_account(
    client, staff_coordinator, limit
):
    # People type their password into the username field: such a name is not shown.
    _fail(sign_in_page, client.__class__(), PASSWORD_LIKE_USERNAME, limit)
    client.force_login(staff_coordinator)
    html = client.get(_lockouts_url()).content.decode()
    assert "(not an account)" in html
    assert PASSWORD_LIKE_USERNAME not in html


def test_lockout_without_cool_off_waits_for_a_coordinator(
    client, settings, monitor_on_team, password, limit
):
    settings.AXES_COOLOFF_TIME = None  # MONITOR_LOCKOUT_MINUTES=0
    _fail(sign_in_page, client, "alice-monitor", limit)
    response = sign_in_page(client, "alice-monitor", password)
    assert response.status_code == 429
    assert "until a coordinator unlocks it" in response.content.decode()
    assert "Retry-After" not in response
