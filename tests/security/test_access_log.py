"""The access log: one row per sign-in, failure, refusal, sensitive read, export, download and
token event — and no password, token or protected identity in any of them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

from monitor.choices import Confidentiality
from monitor.models import AccessAction, AccessLog, AccessOutcome, ApiToken, AuditError
from monitor.security import username_digest
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    EvidenceFileFactory,
    PersonFactory,
    SourceFactory,
    assert_refused,
)
from tests.security.conftest import (
    PASSWORD_LIKE_USERNAME,
    TOKENS_URL,
    issue_token,
    sign_in_admin,
    sign_in_page,
)

pytestmark = pytest.mark.django_db

PROTECTED_NAME = "Gulnora Witness-Protected"


def _text_of_every_row() -> str:
    """Every stored value of every access-log row, as one text to search."""
    fields = [field.attname for field in AccessLog._meta.concrete_fields]
    return "\n".join(str(value) for row in AccessLog.objects.values_list(*fields) for value in row)


def _only(action, **filters) -> AccessLog:
    return AccessLog.objects.get(action=action, **filters)


def _bearer(user) -> APIClient:
    _token, secret = ApiToken.issue(user=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", REMOTE_ADDR="198.51.100.7")
    return client


# -- sign-ins ------------------------------------------------------------------------------------


def test_sign_in_is_logged_with_who_and_from_where(client, monitor_on_team, password):
    sign_in_page(client, "alice-monitor", password, HTTP_USER_AGENT="Firefox/128")
    row = _only(AccessAction.SIGN_IN)
    assert row.user == monitor_on_team
    assert row.outcome == AccessOutcome.SUCCESS
    assert row.client_address == "198.51.100.7"
    assert row.user_agent == "Firefox/128"
    assert row.path == reverse("login")


def test_failed_sign_in_is_logged_without_the_password_or_the_typed_name(client, monitor_on_team):
    # A person who typed their password into the username field, then a wrong password.
    sign_in_page(client, PASSWORD_LIKE_USERNAME, "a-guessed-Passw0rd!")
    sign_in_admin(client, "alice-monitor", "another-guessed-Passw0rd!")
    failures = AccessLog.objects.filter(action=AccessAction.SIGN_IN_FAILED).order_by("at")
    assert [row.outcome for row in failures] == [AccessOutcome.FAILURE] * 2
    unknown, known = failures
    assert unknown.user is None
    assert unknown.username_digest == username_digest(PASSWORD_LIKE_USERNAME)
    assert known.user == monitor_on_team
    text = _text_of_every_row()
    for secret in (PASSWORD_LIKE_USERNAME, "a-guessed-Passw0rd!", "another-guessed-Passw0rd!"):
        assert secret not in text


def test_lockout_is_logged(client, settings, monitor_on_team):
    settings.AXES_FAILURE_LIMIT = 2
    for _attempt in range(2):
        sign_in_page(client, "alice-monitor", "wrong")
    row = _only(AccessAction.LOCKED_OUT)
    assert (row.user, row.outcome) == (monitor_on_team, AccessOutcome.DENIED)


def test_sign_out_is_logged(client, monitor_on_team):
    client.force_login(monitor_on_team)
    client.post(reverse("logout"))
    assert _only(AccessAction.SIGN_OUT).user == monitor_on_team


# -- refusals ------------------------------------------------------------------------------------


def test_permission_denial_is_logged(viewer):
    # A token may not issue tokens: a 403 from the API.
    response = _bearer(viewer).post(TOKENS_URL, {"name": "another"}, format="json")
    assert response.status_code == 403
    row = _only(AccessAction.PERMISSION_DENIED)
    assert (row.user, row.outcome, row.method) == (viewer, AccessOutcome.DENIED, "POST")
    assert (row.path, row.client_address) == (TOKENS_URL, "198.51.100.7")


def test_admin_refusal_is_logged(client, monitor_on_team):
    monitor_on_team.is_staff = True
    monitor_on_team.save(update_fields=["is_staff"])
    client.force_login(monitor_on_team)
    assert client.get(reverse("admin:monitor_accesslog_changelist")).status_code == 403
    assert _only(AccessAction.PERMISSION_DENIED).user == monitor_on_team


# -- reads of sensitive records -----------------------------------------------------------


def test_reading_a_confidential_case_page_is_logged_by_type_and_id(client, team, monitor_on_team):
    case = CaseFactory(team=team, title="Detention of a lawyer in Khorog")
    client.force_login(monitor_on_team)
    assert client.get(reverse("case-detail", args=[case.pk])).status_code == 200
    row = _only(AccessAction.RECORD_READ)
    assert (row.user, row.object_type, row.object_id) == (
        monitor_on_team,
        "cases.case",
        str(case.pk),
    )
    assert case.title not in _text_of_every_row()


def test_reading_a_strict_case_in_the_api_is_logged(team, monitor_on_team):
    case = CaseFactory(team=team, confidentiality=Confidentiality.STRICT)
    assert _bearer(monitor_on_team).get(f"/api/v1/cases/{case.pk}/").status_code == 200
    row = _only(AccessAction.RECORD_READ)
    assert (row.object_type, row.object_id) == ("cases.case", str(case.pk))


def test_reading_a_child_of_a_confidential_case_is_logged(team, monitor_on_team):
    allegation = AllegationFactory(case=CaseFactory(team=team))
    response = _bearer(monitor_on_team).get(f"/api/v1/allegations/{allegation.pk}/")
    assert response.status_code == 200
    assert _only(AccessAction.RECORD_READ).object_type == "cases.allegation"


def test_reading_a_public_case_is_not_logged(client, monitor_on_team):
    case = CaseFactory(confidentiality=Confidentiality.PUBLIC)
    client.force_login(monitor_on_team)
    assert client.get(reverse("case-detail", args=[case.pk])).status_code == 200
    assert not AccessLog.objects.filter(action=AccessAction.RECORD_READ).exists()


def test_a_hidden_record_leaves_no_read(client, monitor_off_team, team):
    case = CaseFactory(team=team, confidentiality=Confidentiality.STRICT)
    client.force_login(monitor_off_team)
    assert client.get(reverse("case-detail", args=[case.pk])).status_code == 404
    assert not AccessLog.objects.filter(action=AccessAction.RECORD_READ).exists()


def test_reading_a_protected_person_is_logged_without_their_name(client, team, monitor_on_team):
    person = PersonFactory(
        team=team,
        confidentiality=Confidentiality.INTERNAL,
        is_protected=True,
        name=PROTECTED_NAME,
    )
    client.force_login(monitor_on_team)
    response = client.get(reverse("person-detail", args=[person.pk]))
    assert response.status_code == 200
    assert PROTECTED_NAME in response.content.decode()  # the team sees who it is ...
    row = _only(AccessAction.RECORD_READ)
    assert (row.object_type, row.object_id) == ("people.person", str(person.pk))
    assert PROTECTED_NAME not in _text_of_every_row()  # ... the log never does


def test_reading_a_case_in_the_admin_is_logged(client, team):
    root = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 20)
    case = CaseFactory(confidentiality=Confidentiality.CONFIDENTIAL)
    client.force_login(root)
    assert client.get(reverse("admin:cases_case_change", args=[case.pk])).status_code == 200
    row = _only(AccessAction.RECORD_READ)
    assert (row.user, row.object_type, row.object_id) == (root, "cases.case", str(case.pk))


# -- exports, evidence, tokens -------------------------------------------------------------------


def test_export_is_logged_with_filter_names_not_values(client, team, monitor_on_team):
    CaseFactory(team=team, title="Shoishirinov detention")
    client.force_login(monitor_on_team)
    response = client.get(reverse("case-export"), {"q": "Shoishirinov"})
    assert response.status_code == 200
    row = _only(AccessAction.EXPORT)
    assert row.user == monitor_on_team
    assert row.object_type == "cases.case"
    assert row.detail == "1 rows; filters: q"
    assert "Shoishirinov" not in _text_of_every_row()


def test_evidence_download_is_logged(client, team, monitor_on_team):
    evidence = EvidenceFileFactory(source=SourceFactory(team=team))
    client.force_login(monitor_on_team)
    response = client.get(
        reverse("sources:evidence-download", args=[evidence.pk]), REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 200
    row = _only(AccessAction.EVIDENCE_DOWNLOAD)
    assert (row.user, row.object_type, row.object_id) == (
        monitor_on_team,
        "sources.evidencefile",
        str(evidence.pk),
    )
    assert row.client_address == "203.0.113.9"


def test_token_issue_and_revocation_are_logged_without_the_token(monitor_on_team, password):
    response = issue_token("alice-monitor", password)
    assert response.status_code == 201
    issued = response.json()
    secret = issued["token"]
    row = _only(AccessAction.TOKEN_ISSUED)
    assert (row.user, row.object_type, row.object_id) == (
        monitor_on_team,
        "monitor.apitoken",
        issued["id"],
    )

    session = APIClient()
    session.force_login(monitor_on_team)
    assert session.delete(f"{TOKENS_URL}{issued['id']}/").status_code == 204
    assert _only(AccessAction.TOKEN_REVOKED).object_id == issued["id"]

    text = _text_of_every_row()
    token = ApiToken.objects.get(pk=issued["id"])
    assert secret not in text
    assert token.digest not in text
    assert password not in text


# -- the log itself ---------------------------------------------------------------------------


def test_access_log_is_append_only(monitor_on_team, client):
    client.force_login(monitor_on_team)
    row = _only(AccessAction.SIGN_IN)
    row.detail = "tampered"
    with pytest.raises(AuditError):
        row.save()
    with pytest.raises(AuditError):
        row.delete()
    with pytest.raises(AuditError):
        AccessLog.objects.filter(pk=row.pk).update(detail="tampered")
    with pytest.raises(AuditError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.get(pk=row.pk).detail == ""


def test_access_log_refuses_an_unknown_action():
    assert_refused(AccessLog(action="peeked"), "Unknown access-log action.", field="action")


def test_access_log_refuses_an_unknown_outcome():
    row = AccessLog(action=AccessAction.SIGN_IN, outcome="maybe")
    assert_refused(row, "Unknown access-log outcome.", field="outcome")


def test_coordinator_reads_the_access_log_and_cannot_change_it(
    client, staff_coordinator, monitor_on_team
):
    other = client.__class__()
    other.force_login(monitor_on_team)
    row = _only(AccessAction.SIGN_IN, user=monitor_on_team)
    client.force_login(staff_coordinator)
    listing = client.get(reverse("admin:monitor_accesslog_changelist"))
    assert listing.status_code == 200
    assert reverse("admin:monitor_accesslog_change", args=[row.pk]) in listing.content.decode()
    detail = client.get(reverse("admin:monitor_accesslog_change", args=[row.pk]))
    assert detail.status_code == 200
    assert client.get(reverse("admin:monitor_accesslog_add")).status_code == 403
    assert (
        client.post(reverse("admin:monitor_accesslog_change", args=[row.pk]), {}).status_code == 403
    )
    assert client.post(reverse("admin:monitor_accesslog_delete", args=[row.pk])).status_code == 403
    assert AccessLog.objects.filter(pk=row.pk).exists()


def test_viewer_and_monitor_cannot_read_the_access_log(client, viewer, monitor_on_team):
    for user in (viewer, monitor_on_team):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client.force_login(user)
        assert client.get(reverse("admin:monitor_accesslog_changelist")).status_code == 403


def test_a_secret_in_the_address_never_reaches_the_log(rf):
    from django.urls import resolve

    from monitor.security.accesslog import record_access

    token = "Zx" * 20
    request = rf.get(f"/calendar/{token}.ics")
    request.resolver_match = resolve(request.path)
    row = record_access(AccessAction.PERMISSION_DENIED, request=request)
    assert row.path == "/calendar/[secret].ics"
    assert token not in _text_of_every_row()
