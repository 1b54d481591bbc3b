"""Two-factor sign-in (issue 8, point 1), through the real pages and endpoints with real
codes: who must, enrolment with the app's QR code, single-use codes, recovery codes, the
lockout, the admin, API tokens, password resets and coordinator resets.

``force_login`` verifies the session (conftest.py); here nobody is signed in that way except
where a test says so: sign-ins go through ``/accounts/login/`` and the code step, and
``Client.login`` stands for a session signed in with a password alone.
"""

from __future__ import annotations

import base64
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from monitor.choices import Role
from monitor.models import AccessLog, ApiToken
from monitor.models.accesslog import AccessAction
from monitor.security import twofactor
from tests.factories import PASSWORD, UserFactory
from tests.security.conftest import TOKENS_URL, issue_token, sign_in_page
from tests.twofactor import code_at, current_step, enrol, next_code, wrong_code

pytestmark = pytest.mark.django_db

VERIFY = "/accounts/two-factor/verify/"
SETUP = "/accounts/two-factor/setup/"
OVERVIEW = "/accounts/two-factor/"


def _signed_in_as(client):
    return client.session.get(SESSION_KEY)


def _code_step(client, code, **extra):
    return client.post(VERIFY, {"code": code}, REMOTE_ADDR="198.51.100.7", **extra)


def _sign_in_with_code(client, user, code=None):
    device = enrol(user)
    response = sign_in_page(client, user.username, PASSWORD)
    assert response["Location"] == VERIFY
    return _code_step(client, code or next_code(device))


# -- who must ---------------------------------------------------------------------------------


def test_reviewers_coordinators_and_superusers_must_and_others_need_not(personas, settings):
    settings.REQUIRE_TWO_FACTOR, settings.TWO_FACTOR_EVERYONE = True, False
    required = {name for name, user in personas.items() if twofactor.required_for(user)}
    assert required == {"reviewer", "coordinator"}
    assert twofactor.required_for(UserFactory(is_superuser=True))


def test_everyone_must_when_configured(personas, settings):
    settings.TWO_FACTOR_EVERYONE = True
    assert all(twofactor.required_for(user) for user in personas.values())


@pytest.mark.parametrize("persona", ["monitor_on_team", "viewer", "no_role_user"])
def test_a_role_without_the_requirement_signs_in_with_the_password(client, personas, persona):
    user = personas[persona]
    response = sign_in_page(client, user.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in_as(client) == str(user.pk)


def test_with_everyone_configured_a_monitor_is_sent_to_enrol(client, monitor_on_team, settings):
    settings.TWO_FACTOR_EVERYONE = True
    response = sign_in_page(client, monitor_on_team.username, PASSWORD)
    assert response["Location"] == SETUP
    assert SESSION_KEY not in client.session


# -- a correct password alone signs nobody in who needs a code --------------------------------


@pytest.mark.parametrize("persona", ["reviewer", "coordinator"])
def test_password_alone_leaves_the_session_signed_out_everywhere(client, personas, persona):
    user = personas[persona]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    response = sign_in_page(client, user.username, PASSWORD)
    assert response["Location"] == SETUP  # not enrolled yet: enrolment is the second step
    assert SESSION_KEY not in client.session
    assert client.get("/")["Location"].startswith("/accounts/login/")
    assert client.get("/api/v1/me/").status_code == 401
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert client.get("/admin/login/")["Location"].startswith("/accounts/login/")


def test_a_session_signed_in_with_a_password_only_is_ended_for_a_required_role(client, reviewer):
    # Client.login() signs in with the password and nothing else, as a session from before
    # enrolment was required would be.
    assert client.login(username=reviewer.username, password=PASSWORD)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert SESSION_KEY not in client.session
    assert client.get("/api/v1/me/").status_code == 401


def test_a_role_given_while_signed_in_ends_the_password_only_session(client, monitor_on_team):
    sign_in_page(client, monitor_on_team.username, PASSWORD)
    assert client.get("/").status_code == 200
    monitor_on_team.groups.add(Group.objects.get(name=Role.REVIEWER))
    assert client.get("/")["Location"].startswith("/accounts/login/")
    assert SESSION_KEY not in client.session


# -- enrolment --------------------------------------------------------------------------------


def test_enrolment_draws_a_qr_code_and_confirms_with_a_first_code(client, reviewer):
    sign_in_page(client, reviewer.username, PASSWORD)
    page = client.get(SETUP)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<script" not in html  # drawn by the app, inline, no script
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    secret = page.context["secret"].replace(" ", "")
    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    assert page.context["secret"] in html

    refused = client.post(SETUP, {"code": wrong_code(device)})
    assert refused.status_code == 400
    assert "does not match" in refused.content.decode()
    assert SESSION_KEY not in client.session
    assert not TOTPDevice.objects.filter(user=reviewer, confirmed=True).exists()

    time.sleep(1.1)  # django-otp throttles the next try after a failure (1 s, then 2 s…)
    done = client.post(SETUP, {"code": code_at(device, current_step(device))})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == twofactor.RECOVERY_CODE_COUNT == len(set(codes))
    assert all(code in done.content.decode() for code in codes)
    assert _signed_in_as(client) == str(reviewer.pk)
    assert TOTPDevice.objects.get(user=reviewer).confirmed
    assert client.get("/").status_code == 200
    assert AccessLog.objects.filter(action=AccessAction.TWO_FACTOR_ENROLLED, user=reviewer).exists()


def test_the_setup_page_without_a_pending_sign_in_sends_to_sign_in(client):
    assert client.get(SETUP)["Location"] == "/accounts/login/"
    assert client.get(VERIFY)["Location"] == "/accounts/login/"


def test_a_pending_sign_in_expires(client, reviewer):
    enrol(reviewer)
    sign_in_page(client, reviewer.username, PASSWORD)
    session = client.session
    session[twofactor.PENDING]["at"] -= twofactor.PENDING_SECONDS + 1
    session.save()
    response = _code_step(client, next_code(enrol(reviewer)))
    assert response["Location"] == "/accounts/login/"
    assert SESSION_KEY not in client.session


# -- the code step ----------------------------------------------------------------------------


def test_an_enrolled_user_signs_in_with_password_then_code(client, reviewer):
    before = client.session.session_key
    response = _sign_in_with_code(client, reviewer)
    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in_as(client) == str(reviewer.pk)
    assert client.session.session_key != before
    assert client.get("/").status_code == 200
    assert AccessLog.objects.filter(action=AccessAction.SIGN_IN, user=reviewer).count() == 1


def test_the_code_step_keeps_where_the_user_was_going(client, reviewer):
    enrol(reviewer)
    client.post("/accounts/login/", {"username": reviewer.username, "password": PASSWORD,
                                     "next": "/cases/"})  # fmt: skip
    assert _code_step(client, next_code(enrol(reviewer)))["Location"] == "/cases/"


def test_a_used_code_is_refused(client, reviewer):
    device = enrol(reviewer)
    code = next_code(device)
    assert _sign_in_with_code(client, reviewer, code)["Location"] == "/"
    client.post("/accounts/logout/")
    time.sleep(1.1)
    sign_in_page(client, reviewer.username, PASSWORD)
    refused = _code_step(client, code)
    assert refused.status_code == 400
    assert "used already" in refused.content.decode()
    assert SESSION_KEY not in client.session
    failure = AccessLog.objects.get(action=AccessAction.SIGN_IN_FAILED, user=reviewer)
    assert failure.detail == "wrong second-factor code"


def test_a_recovery_code_works_once(client, reviewer):
    enrol(reviewer)
    code = twofactor.new_recovery_codes(reviewer)[0]
    sign_in_page(client, reviewer.username, PASSWORD)
    assert _code_step(client, code)["Location"] == "/"
    assert _signed_in_as(client) == str(reviewer.pk)
    assert twofactor.recovery_codes_left(reviewer) == twofactor.RECOVERY_CODE_COUNT - 1
    assert AccessLog.objects.filter(action=AccessAction.RECOVERY_CODE_USED).count() == 1

    client.post("/accounts/logout/")
    sign_in_page(client, reviewer.username, PASSWORD)
    assert _code_step(client, code).status_code == 400
    assert SESSION_KEY not in client.session


def test_wrong_codes_lock_the_account_like_wrong_passwords(client, reviewer, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the lockout is under test, not the throttle
    device = enrol(reviewer)
    sign_in_page(client, reviewer.username, PASSWORD)
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _code_step(client, wrong_code(device)).status_code == 400
    assert _code_step(client, wrong_code(device)).status_code == 429
    # Locked: neither the right code nor the password gets in from this address.
    assert sign_in_page(client, reviewer.username, PASSWORD).status_code == 429
    assert SESSION_KEY not in client.session
    assert AccessLog.objects.filter(action=AccessAction.LOCKED_OUT, user=reviewer).exists()


def test_wrong_codes_are_throttled_by_the_device(client, reviewer):
    device = enrol(reviewer)
    sign_in_page(client, reviewer.username, PASSWORD)
    assert _code_step(client, wrong_code(device)).status_code == 400
    # Straight after a failure even the right code waits (django-otp's throttle).
    assert _code_step(client, next_code(device)).status_code == 400
    assert SESSION_KEY not in client.session


# -- the admin --------------------------------------------------------------------------------


def test_the_admin_requires_a_verified_second_factor_even_where_sign_in_does_not(
    client, monitor_on_team
):
    monitor_on_team.is_staff = True
    monitor_on_team.save(update_fields=["is_staff"])
    sign_in_page(client, monitor_on_team.username, PASSWORD)  # a password is enough here…
    assert client.get("/").status_code == 200
    admin = client.get("/admin/")
    assert admin.status_code == 302  # …but not for the admin
    to_second_factor = client.get(admin["Location"])
    assert to_second_factor["Location"] == f"{SETUP}?next=%2Fadmin%2F"
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=monitor_on_team, confirmed=False)
    done = client.post(f"{SETUP}?next=/admin/", {"code": code_at(device, current_step(device))})
    assert done.context["next"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_an_enrolled_user_signed_in_without_a_code_types_one_for_the_admin(client, monitor_on_team):
    monitor_on_team.is_staff = True
    monitor_on_team.save(update_fields=["is_staff"])
    device = enrol(monitor_on_team)
    assert client.login(username=monitor_on_team.username, password=PASSWORD)
    assert client.get("/admin/login/")["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    response = client.post(f"{VERIFY}?next=/admin/", {"code": next_code(device)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_no_admin_page_shows_authenticator_keys(client, django_user_model):
    root = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(root)
    for name in (
        "admin:otp_totp_totpdevice_changelist",
        "admin:otp_static_staticdevice_changelist",
    ):
        with pytest.raises(NoReverseMatch):
            reverse(name)
    assert TOTPDevice.objects.get(user=root).key not in client.get("/admin/").content.decode()


# -- API tokens -------------------------------------------------------------------------------


def test_a_token_needs_the_code_with_the_username_and_password(monitor_on_team):
    enrol(monitor_on_team)
    missing = APIClient().post(
        TOKENS_URL,
        {"name": "script", "username": monitor_on_team.username, "password": PASSWORD},
        format="json",
    )
    assert missing.status_code == 400
    assert "otp" in missing.json()["error"]["fields"]
    wrong = issue_token(monitor_on_team.username, PASSWORD, otp="000000")
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "bad_credentials"
    assert not ApiToken.objects.exists()
    failure = AccessLog.objects.get(action=AccessAction.SIGN_IN_FAILED)
    assert failure.detail == "wrong second-factor code"
    time.sleep(1.1)
    assert issue_token(monitor_on_team.username, PASSWORD).status_code == 201


def test_a_code_used_for_a_token_is_refused_the_second_time(monitor_on_team):
    code = next_code(enrol(monitor_on_team))
    assert issue_token(monitor_on_team.username, PASSWORD, otp=code).status_code == 201
    assert issue_token(monitor_on_team.username, PASSWORD, otp=code).status_code == 401
    assert ApiToken.objects.count() == 1


def test_a_recovery_code_issues_a_token_once(monitor_on_team):
    enrol(monitor_on_team)
    code = twofactor.new_recovery_codes(monitor_on_team)[0]
    assert issue_token(monitor_on_team.username, PASSWORD, otp=code).status_code == 201
    assert issue_token(monitor_on_team.username, PASSWORD, otp=code).status_code == 401


def test_no_token_for_an_account_without_a_second_factor(monitor_on_team):
    response = issue_token(monitor_on_team.username, PASSWORD, otp="123456")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "two_factor_not_set_up"
    assert not ApiToken.objects.exists()


def test_no_token_from_a_session_signed_in_without_a_code(client, monitor_on_team):
    sign_in_page(client, monitor_on_team.username, PASSWORD)
    response = client.post(TOKENS_URL, {"name": "pages"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "second_factor_required"
    assert not ApiToken.objects.exists()


def test_a_token_from_a_session_signed_in_with_a_code(client, reviewer):
    _sign_in_with_code(client, reviewer)
    response = client.post(TOKENS_URL, {"name": "pages"}, content_type="application/json")
    assert response.status_code == 201


# -- resets -----------------------------------------------------------------------------------


@pytest.fixture
def staff_coordinator(coordinator):
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    return coordinator


def test_a_password_reset_does_not_bypass_the_second_factor(client, staff_coordinator, reviewer):
    enrol(reviewer)
    admin = Client()
    admin.force_login(staff_coordinator)
    new_password = "Granite-lantern-orbit-9431"
    response = admin.post(
        reverse("admin:auth_user_password_change", args=[reviewer.pk]),
        {"password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    reviewer.refresh_from_db()
    assert reviewer.check_password(new_password)
    response = sign_in_page(client, reviewer.username, new_password)
    assert response["Location"] == VERIFY  # the authenticator is still asked for
    assert SESSION_KEY not in client.session
    assert TOTPDevice.objects.filter(user=reviewer, confirmed=True).exists()


def test_a_coordinator_resets_a_lost_second_factor(client, staff_coordinator, reviewer):
    enrol(reviewer)
    twofactor.new_recovery_codes(reviewer)
    rita = APIClient()
    rita.force_login(reviewer)
    admin = Client()
    admin.force_login(staff_coordinator)
    response = admin.post(
        reverse("admin:monitor_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [str(reviewer.pk)], "index": "0"},
    )
    assert response.status_code == 302
    assert not twofactor.is_enrolled(reviewer)
    assert twofactor.recovery_codes_left(reviewer) == 0
    assert rita.get("/api/v1/me/").status_code == 401  # signed out everywhere
    assert AccessLog.objects.filter(
        action=AccessAction.TWO_FACTOR_RESET, user=staff_coordinator, object_id=str(reviewer.pk)
    ).exists()
    assert sign_in_page(client, reviewer.username, PASSWORD)["Location"] == SETUP


def test_only_a_superuser_resets_a_superusers_second_factor(staff_coordinator):
    root = UserFactory(is_superuser=True, is_staff=True)
    enrol(root)
    admin = Client()
    admin.force_login(staff_coordinator)
    admin.post(
        reverse("admin:monitor_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [str(root.pk)], "index": "0"},
    )
    assert twofactor.is_enrolled(root)


# -- the user's own page ----------------------------------------------------------------------


def test_new_recovery_codes_replace_the_old_ones(client, reviewer):
    _sign_in_with_code(client, reviewer)
    old = twofactor.new_recovery_codes(reviewer)
    page = client.get(OVERVIEW)
    assert page.status_code == 200 and page.context["codes_left"] == 10
    fresh = client.post(OVERVIEW).context["codes"]
    assert set(fresh).isdisjoint(old)
    stored = set(StaticToken.objects.filter(device__user=reviewer).values_list("token", flat=True))
    assert stored == {twofactor.normalise(code) for code in fresh}
    assert AccessLog.objects.filter(action=AccessAction.RECOVERY_CODES_ISSUED).count() == 1


def test_new_recovery_codes_need_a_verified_session(client, monitor_on_team):
    enrol(monitor_on_team)
    old = twofactor.new_recovery_codes(monitor_on_team)
    assert client.login(username=monitor_on_team.username, password=PASSWORD)
    response = client.post(OVERVIEW)
    assert response["Location"].startswith(VERIFY)
    assert twofactor.recovery_codes_left(monitor_on_team) == len(old)


def test_replacing_the_authenticator_needs_the_current_one(client, monitor_on_team):
    enrol(monitor_on_team)
    assert client.login(username=monitor_on_team.username, password=PASSWORD)
    assert client.get(SETUP)["Location"].startswith(VERIFY)


# -- demo mode ----------------------------------------------------------------------------------


DEMO_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _load_demo(settings, secret=None) -> str:
    from io import StringIO

    from django.core.management import call_command

    settings.DEMO, settings.DEMO_PASSWORD = True, "demo-passphrase-for-the-tests-2026"
    settings.DEMO_TOTP_SECRET = secret
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_demo_accounts_are_enrolled_with_the_configured_key(client, settings):
    output = _load_demo(settings, DEMO_SECRET)
    assert "Two-factor key set from MONITOR_DEMO_TOTP_SECRET for: coordinator, monitor" in output
    response = client.post(
        "/accounts/login/",
        {"username": "reviewer", "password": "demo-passphrase-for-the-tests-2026"},
    )
    assert response["Location"] == VERIFY
    code = twofactor.current_code(DEMO_SECRET)
    assert _code_step(client, code)["Location"] == "/"
    token = APIClient().post(
        TOKENS_URL,
        {
            "name": "demo",
            "username": "coordinator",
            "password": "demo-passphrase-for-the-tests-2026",
            "otp": twofactor.current_code(DEMO_SECRET),
        },
        format="json",
    )
    assert token.status_code == 201
    assert "Two-factor" not in _load_demo(settings, DEMO_SECRET)  # nothing changed


def test_a_generated_demo_key_is_printed_once_and_kept(settings):
    output = _load_demo(settings)
    printed = output.split("(shown only now): ")[1].split("  ")[0].replace(" ", "")
    for username in ("monitor", "reviewer", "coordinator", "viewer"):
        device = twofactor.authenticator(UserFactory._meta.model.objects.get(username=username))
        assert base64.b32encode(device.bin_key).decode().rstrip("=") == printed
    assert "Two-factor" not in _load_demo(settings)


def test_a_demo_key_that_is_not_base32_is_refused(settings):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not base32"):
        _load_demo(settings, "not-a-key!")


def test_every_page_links_to_the_two_factor_page(client, monitor_on_team):
    client.force_login(monitor_on_team)
    assert f'href="{OVERVIEW}"' in client.get("/").content.decode()
