"""Authentication: 401 for anonymous requests, sessions, and API tokens (hashed, expiring,
revocable, listed per user, optionally read-only)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from monitor.choices import Confidentiality
from monitor.models import ApiToken
from monitor.models.api import token_digest
from tests.api.conftest import API
from tests.factories import PASSWORD, UserFactory
from tests.twofactor import enrol, next_code

pytestmark = pytest.mark.django_db

LISTS = [
    "cases",
    "events",
    "allegations",
    "detentions",
    "follow-ups",
    "persons",
    "organizations",
    "affiliations",
    "sources",
    "evidence-files",
    "citations",
    "terms",
    "places",
    "auth/tokens",
]


def issue(user, **extra) -> dict:
    device = enrol(user)
    response = APIClient().post(
        f"{API}/auth/tokens/",
        {
            "name": "script",
            "username": user.username,
            "password": PASSWORD,
            "otp": next_code(device),
            **extra,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.mark.parametrize("path", ["", "me/", *[f"{name}/" for name in LISTS]])
def test_anonymous_gets_401_with_a_challenge_everywhere(path):
    response = APIClient().get(f"{API}/{path}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "not_authenticated"


def test_anonymous_write_and_action_get_401(world):
    client = APIClient()
    assert client.post(f"{API}/cases/", {}, format="json").status_code == 401
    case = world["case"].pk
    assert client.post(f"{API}/cases/{case}/submit/", {}, format="json").status_code == 401
    assert client.patch(f"{API}/cases/{case}/", {}, format="json").status_code == 401


@pytest.mark.parametrize("path", ["schema/", "docs/"])
def test_schema_and_docs_page_answer_401_without_signing_in(path):
    response = APIClient().get(f"{API}/{path}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "paths" not in response.content.decode()


def test_schema_and_docs_page_are_served_signed_in_without_cdn(client, viewer):
    client.force_login(viewer)
    schema = client.get(f"{API}/schema/")
    assert schema.status_code == 200
    assert "/api/v1/cases/" in schema.content.decode()
    docs = client.get(f"{API}/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "cdn" not in page.lower()
    assert "/static/drf_spectacular_sidecar/" in page


def test_session_signs_in_the_api(client, monitor_on_team):
    client.force_login(monitor_on_team)
    response = client.get(f"{API}/me/")
    assert response.status_code == 200
    assert response.json()["username"] == monitor_on_team.username
    assert response.json()["roles"] == ["Monitor"]


def test_token_issued_with_password_works_and_is_stored_hashed(monitor_on_team):
    issued = issue(monitor_on_team)
    secret = issued["token"]
    assert secret.startswith("mon_")
    token = ApiToken.objects.get(pk=issued["id"])
    assert token.digest == token_digest(secret) and secret not in token.digest
    assert not ApiToken.objects.filter(digest=secret).exists()
    me = bearer(secret).get(f"{API}/me/")
    assert me.status_code == 200 and me.json()["id"] == str(monitor_on_team.pk)
    listed = bearer(secret).get(f"{API}/auth/tokens/").json()["results"]
    assert [row["id"] for row in listed] == [issued["id"]]
    assert "token" not in listed[0]  # the secret is shown once only


def test_token_issued_from_a_session(client, monitor_on_team):
    client.force_login(monitor_on_team)
    response = client.post(
        f"{API}/auth/tokens/",
        {"name": "from the pages", "expires_in_days": 7},
        content_type="application/json",
    )
    assert response.status_code == 201
    expires = datetime.datetime.fromisoformat(response.json()["expires_at"])
    assert expires - timezone.now() < datetime.timedelta(days=7, minutes=1)


def test_wrong_password_gets_401_and_no_token(monitor_on_team):
    response = APIClient().post(
        f"{API}/auth/tokens/",
        {"name": "x", "username": monitor_on_team.username, "password": "wrong", "otp": "123456"},
        format="json",
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_credentials"
    assert not ApiToken.objects.exists()


def test_anonymous_without_password_cannot_get_a_token():
    response = APIClient().post(f"{API}/auth/tokens/", {"name": "x"}, format="json")
    assert response.status_code == 401


def test_a_token_cannot_issue_tokens(monitor_on_team):
    secret = issue(monitor_on_team)["token"]
    response = bearer(secret).post(f"{API}/auth/tokens/", {"name": "child"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "token_cannot_issue"


def test_revoked_token_stops_working_and_stays_listed(monitor_on_team):
    first = issue(monitor_on_team)
    second = issue(monitor_on_team)
    assert bearer(second["token"]).delete(f"{API}/auth/tokens/{first['id']}/").status_code == 204
    refused = bearer(first["token"]).get(f"{API}/me/")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "token_revoked"
    listed = {
        row["id"]: row
        for row in bearer(second["token"]).get(f"{API}/auth/tokens/").json()["results"]
    }
    assert listed[first["id"]]["revoked_at"] is not None
    assert listed[first["id"]]["is_active"] is False


def test_users_cannot_see_or_revoke_each_others_tokens(monitor_on_team, monitor_off_team):
    mine = issue(monitor_on_team)
    theirs = issue(monitor_off_team)
    client = bearer(theirs["token"])
    assert [row["id"] for row in client.get(f"{API}/auth/tokens/").json()["results"]] == [
        theirs["id"]
    ]
    assert client.delete(f"{API}/auth/tokens/{mine['id']}/").status_code == 404
    assert ApiToken.objects.get(pk=mine["id"]).revoked_at is None


def test_expired_token_gets_401(monitor_on_team):
    token, secret = ApiToken.issue(user=monitor_on_team, name="old", days=1)
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3),
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    response = bearer(secret).get(f"{API}/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


def test_token_lifetime_is_bounded(monitor_on_team):
    response = APIClient().post(
        f"{API}/auth/tokens/",
        {
            "name": "forever",
            "username": monitor_on_team.username,
            "password": PASSWORD,
            "otp": next_code(enrol(monitor_on_team)),
            "expires_in_days": 10000,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "expires_in_days" in response.json()["error"]["fields"]


def test_read_only_token_reads_but_cannot_write(world, monitor_on_team):
    secret = issue(monitor_on_team, read_only=True)["token"]
    client = bearer(secret)
    case = world["case"]
    assert client.get(f"{API}/cases/{case.pk}/").status_code == 200
    for response in (
        client.patch(f"{API}/cases/{case.pk}/", {"title": "Changed"}, format="json"),
        client.post(f"{API}/cases/{case.pk}/submit/", {}, format="json"),
        client.post(f"{API}/cases/", {"reference": "TJK-2024-0001", "title": "x"}, format="json"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "read_only_token"
    case.refresh_from_db()
    assert case.title == "Mamadshoeva"


def test_token_of_a_deactivated_user_gets_401(monitor_on_team):
    secret = issue(monitor_on_team)["token"]
    monitor_on_team.is_active = False
    monitor_on_team.save()
    assert bearer(secret).get(f"{API}/me/").status_code == 401


def test_garbage_authorization_header_gets_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not a token")
    assert client.get(f"{API}/me/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Bearer mon_nonexistent")
    assert client.get(f"{API}/me/").status_code == 401


def test_user_without_role_is_signed_in_but_sees_nothing(world, api):
    nobody = UserFactory()
    client = api(nobody)
    assert client.get(f"{API}/me/").json()["roles"] == []
    assert client.get(f"{API}/cases/").json()["results"] == []
    assert client.get(f"{API}/cases/{world['case'].pk}/").status_code == 404


def test_the_docs_page_sends_a_browser_that_is_not_signed_in_to_sign_in(client):
    response = client.get(f"{API}/docs/", HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/api/v1/docs/"


def test_a_token_request_reads_token_user_and_roles_in_one_query_and_writes_nothing(
    monitor_on_team,
):
    """The token, its user and the user's roles are read afresh on every request (nothing
    kept between requests: a revoked token or a changed role tells at once), in one round
    trip; ``last_used_at`` is written at most once per TOKEN_USAGE_RESOLUTION."""
    secret = issue(monitor_on_team)["token"]
    client = bearer(secret)
    assert client.get(f"{API}/me/").status_code == 200  # the first use is recorded
    used = ApiToken.objects.get(digest=token_digest(secret)).last_used_at
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"{API}/me/").status_code == 200
    statements = [query["sql"] for query in captured.captured_queries]
    credential = [sql for sql in statements if "monitor_apitoken" in sql]
    assert len(credential) == 1, credential
    assert "auth_group" in credential[0]
    roles_alone = [sql for sql in statements if sql.startswith('SELECT "auth_group"."name"')]
    assert not roles_alone
    assert not [sql for sql in statements if sql.lstrip().upper().startswith("UPDATE")]
    assert ApiToken.objects.get(digest=token_digest(secret)).last_used_at == used


def test_a_role_taken_away_counts_at_the_next_token_request(world, monitor_on_team):
    secret = issue(monitor_on_team)["token"]
    client = bearer(secret)
    case = world["case"]
    assert client.get(f"{API}/cases/{case.pk}/").status_code == 200
    monitor_on_team.groups.clear()
    # Signed in still, but without a role nothing is visible: the roles were read again.
    assert client.get(f"{API}/cases/{case.pk}/").status_code == 404


def test_a_token_request_reads_the_users_teams_with_the_token(world, monitor_on_team, team):
    """The teams (what a reader may see and identify) come with the token's one round trip:
    a case of the team is read with no query of its own for the user's teams."""
    secret = issue(monitor_on_team)["token"]
    client = bearer(secret)
    case = world["case"]
    assert client.get(f"{API}/cases/{case.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"{API}/cases/{case.pk}/").status_code == 200
    statements = [query["sql"] for query in captured.captured_queries]
    credential = [sql for sql in statements if "monitor_apitoken" in sql]
    assert len(credential) == 1 and "monitor_team_members" in credential[0], credential
    teams_alone = [
        sql
        for sql in statements
        if sql.startswith('SELECT "monitor_team"."id"') and "monitor_apitoken" not in sql
    ]
    assert not teams_alone


def test_a_team_taken_away_counts_at_the_next_token_request(monitor_on_team, team):
    """Nothing read with the token is kept: out of the team, its strict case (beyond the
    monitor's clearance) is gone at the next request."""
    from tests.factories import CaseFactory

    case = CaseFactory(team=team, confidentiality=Confidentiality.STRICT)
    assert monitor_on_team.clearance < Confidentiality.STRICT
    secret = issue(monitor_on_team)["token"]
    client = bearer(secret)
    assert client.get(f"{API}/cases/{case.pk}/").status_code == 200
    team.members.remove(monitor_on_team)
    assert client.get(f"{API}/cases/{case.pk}/").status_code == 404


def test_me_names_the_users_teams_read_with_the_token_and_afresh_each_request(
    monitor_on_team, team
):
    """``/me/`` lists the user's teams by name from the token's one round trip (no query of
    its own), and a team left is gone from the next answer; signed in by session, the same
    list is read on its own."""
    from monitor.models import Team

    other = Team.objects.create(name="Aardvark desk")  # sorts before the fixture's team
    other.members.add(monitor_on_team)
    secret = issue(monitor_on_team)["token"]
    client = bearer(secret)
    assert client.get(f"{API}/me/").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        body = client.get(f"{API}/me/").json()
    assert [t["name"] for t in body["teams"]] == ["Aardvark desk", team.name]
    assert {t["id"] for t in body["teams"]} == {str(other.pk), str(team.pk)}
    statements = [query["sql"] for query in captured.captured_queries]
    names_read = [sql for sql in statements if '"monitor_team"."name"' in sql]
    assert len(names_read) == 1 and "monitor_apitoken" in names_read[0], names_read
    other.members.remove(monitor_on_team)
    assert [t["name"] for t in client.get(f"{API}/me/").json()["teams"]] == [team.name]
    session = APIClient()
    session.force_authenticate(monitor_on_team)
    assert [t["name"] for t in session.get(f"{API}/me/").json()["teams"]] == [team.name]


def test_me_lists_no_team_for_a_user_without_a_role(api):
    """Without a role nothing is visible, and no team is named either (as
    ``monitor.access.team_ids_of`` answers)."""
    from monitor.models import Team

    nobody = UserFactory()
    Team.objects.create(name="Khorog desk").members.add(nobody)
    assert api(nobody).get(f"{API}/me/").json()["teams"] == []
