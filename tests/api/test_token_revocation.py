"""API tokens die with the ways a user reacts to a compromise: a new password (in the pages,
the admin or a command), "sign out everywhere", a two-factor reset; and any token, read-only
included, may revoke itself (issue 20)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from monitor.models import AccessLog, ApiToken
from monitor.models.accesslog import AccessAction
from tests.api.conftest import API
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-passphrase-for-testing-42"


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def tokens(monitor_on_team, reviewer):
    """Two tokens of the monitor (one read-only) and one of a colleague."""
    _, mine = ApiToken.issue(user=monitor_on_team, name="script")
    _, mine_read_only = ApiToken.issue(user=monitor_on_team, name="reader", read_only=True)
    _, colleague = ApiToken.issue(user=reviewer, name="colleague")
    for secret in (mine, mine_read_only, colleague):
        assert bearer(secret).get(f"{API}/me/").status_code == 200
    return mine, mine_read_only, colleague


def assert_dead(secret: str) -> None:
    response = bearer(secret).get(f"{API}/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_revoked"


def test_changing_the_password_in_the_pages_revokes_the_users_tokens(tokens, monitor_on_team):
    mine, mine_read_only, colleague = tokens
    browser = Client()
    browser.force_login(monitor_on_team)
    response = browser.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302, response.content[:500]
    assert_dead(mine)
    assert_dead(mine_read_only)
    assert bearer(colleague).get(f"{API}/me/").status_code == 200
    assert (
        AccessLog.objects.filter(
            action=AccessAction.TOKEN_REVOKED, object_type="monitor.apitoken"
        ).count()
        == 2
    )


def test_set_password_anywhere_revokes_the_tokens(tokens, monitor_on_team):
    mine, _, colleague = tokens
    monitor_on_team.set_password(NEW_PASSWORD)  # the admin, changepassword, a reset link
    monitor_on_team.save()
    assert_dead(mine)
    assert bearer(colleague).get(f"{API}/me/").status_code == 200


def test_a_hash_upgraded_at_sign_in_keeps_the_tokens(tokens, monitor_on_team, settings):
    """Re-hashing the same password with new parameters is not a password change."""
    mine, _, _ = tokens
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    user = type(monitor_on_team).objects.get(pk=monitor_on_team.pk)
    assert user.check_password(PASSWORD)  # its setter saves the re-hashed password
    assert bearer(mine).get(f"{API}/me/").status_code == 200


def test_an_unrelated_save_of_the_user_keeps_the_tokens(tokens, monitor_on_team):
    mine, _, _ = tokens
    monitor_on_team.first_name = "Alisher"
    monitor_on_team.save()
    assert bearer(mine).get(f"{API}/me/").status_code == 200


def test_sign_out_everywhere_revokes_the_users_tokens(tokens, monitor_on_team):
    mine, mine_read_only, colleague = tokens
    browser = Client()
    browser.force_login(monitor_on_team)
    assert browser.post(reverse("sign-out-everywhere")).status_code == 302
    assert_dead(mine)
    assert_dead(mine_read_only)
    assert bearer(colleague).get(f"{API}/me/").status_code == 200
    ended = AccessLog.objects.get(action=AccessAction.SESSIONS_ENDED)
    assert "2 tokens revoked" in ended.detail


def test_a_two_factor_reset_revokes_the_users_tokens(tokens, reviewer, monitor_on_team):
    _, _, colleague = tokens
    coordinator = UserFactory(role="Coordinator", is_staff=True)
    admin = Client()
    admin.force_login(coordinator)
    response = admin.post(
        reverse("admin:monitor_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [str(reviewer.pk)], "index": "0"},
    )
    assert response.status_code == 302
    assert_dead(colleague)
    mine = tokens[0]
    assert bearer(mine).get(f"{API}/me/").status_code == 200


def test_a_read_only_token_revokes_itself(monitor_on_team):
    token, secret = ApiToken.issue(user=monitor_on_team, name="leaked", read_only=True)
    client = bearer(secret)
    assert client.delete(f"{API}/auth/tokens/{token.pk}/").status_code == 204
    assert_dead(secret)


def test_a_read_only_token_revokes_no_other_token(monitor_on_team):
    other, other_secret = ApiToken.issue(user=monitor_on_team, name="other")
    _, secret = ApiToken.issue(user=monitor_on_team, name="reader", read_only=True)
    response = bearer(secret).delete(f"{API}/auth/tokens/{other.pk}/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "read_only_token"
    assert bearer(other_secret).get(f"{API}/me/").status_code == 200
