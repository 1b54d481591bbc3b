"""Deployment checks: production settings pass ``check --deploy``; Monitor's checks flag
unsafe session lifetimes, missing two-factor enforcement, debug and demo modes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.security import checks

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "MONITOR_SECRET_KEY": "Zq8v-production-like-secret-key-for-the-deploy-check-7Hk2",
    "MONITOR_ALLOWED_HOSTS": "monitor.example.org",
    "MONITOR_DEBUG": "0",
    "MONITOR_DEMO": "0",
    "MONITOR_EVIDENCE_KEY": "Hd1Zw0kq3c4oWmJ7c9n2Xw8a5Qe6Rt1Yu0Io9Pa8Sd4=",
    "MONITOR_BACKUP_RECIPIENTS": "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
}


def _check_deploy(tmp_path, **extra) -> subprocess.CompletedProcess:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MONITOR_") and key != "DATABASE_URL"
    }
    environ.update(PRODUCTION_ENV, MONITOR_DATA_DIR=str(tmp_path), **extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_in_debug_mode(tmp_path):
    result = _check_deploy(tmp_path, MONITOR_DEBUG="1")
    assert result.returncode != 0
    assert "monitor.E001" in result.stderr


def test_deploy_check_fails_with_long_sessions_or_no_two_factor(tmp_path):
    result = _check_deploy(
        tmp_path,
        MONITOR_SESSION_IDLE_MINUTES="480",
        MONITOR_SESSION_MAX_HOURS="72",
        MONITOR_REQUIRE_2FA="0",
    )
    assert result.returncode != 0
    for code in ("monitor.W001", "monitor.W002", "monitor.W003"):
        assert code in result.stderr


def test_deploy_check_fails_without_an_evidence_key_or_a_backup_recipient(tmp_path):
    result = _check_deploy(tmp_path, MONITOR_EVIDENCE_KEY="", MONITOR_BACKUP_RECIPIENTS="")
    assert result.returncode != 0
    assert "monitor.E005" in result.stderr
    assert "monitor.W008" in result.stderr


def test_a_malformed_evidence_key_stops_start_up_naming_the_variable(tmp_path):
    result = _check_deploy(tmp_path, MONITOR_EVIDENCE_KEY="dG9vLXNob3J0")  # "too-short"
    assert result.returncode != 0
    assert "MONITOR_EVIDENCE_KEY must be 32 random bytes" in result.stderr


def _ids(problems) -> list[str]:
    return [problem.id for problem in problems]


def test_safe_session_lifetimes_pass(settings):
    settings.SESSION_IDLE_MINUTES, settings.SESSION_MAX_HOURS = 30, 12
    assert checks.check_session_lifetimes() == []


@pytest.mark.parametrize(
    ("idle", "hours", "expected"),
    [
        (121, 12, ["monitor.W001"]),
        (30, 25, ["monitor.W002"]),
        (600, 48, ["monitor.W001", "monitor.W002"]),
        (120, 24, []),
    ],
)
def test_unsafe_session_lifetimes_are_flagged(settings, idle, hours, expected):
    settings.SESSION_IDLE_MINUTES, settings.SESSION_MAX_HOURS = idle, hours
    assert _ids(checks.check_session_lifetimes()) == expected


def test_two_factor_switched_off_is_flagged(settings):
    settings.REQUIRE_TWO_FACTOR = False
    assert _ids(checks.check_two_factor()) == ["monitor.W003"]


def test_two_factor_not_required_of_coordinators_is_flagged(settings):
    settings.REQUIRE_TWO_FACTOR = True
    settings.TWO_FACTOR_ROLES = ["Reviewer"]
    problems = checks.check_two_factor()
    assert _ids(problems) == ["monitor.W004"]
    assert "Coordinator" in problems[0].msg


def test_two_factor_enforced_for_the_required_roles_passes(settings):
    settings.REQUIRE_TWO_FACTOR = True
    settings.TWO_FACTOR_ROLES = ["Reviewer", "Coordinator", "Monitor"]
    assert checks.check_two_factor() == []


def test_debug_and_demo_modes_are_errors_in_a_deployment(settings):
    settings.DEBUG, settings.DEMO = True, True
    assert _ids(checks.check_debug_and_demo()) == ["monitor.E001", "monitor.E002"]
    settings.DEBUG, settings.DEMO = False, False
    assert checks.check_debug_and_demo() == []


def test_lockout_backend_must_come_first(settings):
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        checks.LOCKOUT_BACKEND,
    ]
    assert "monitor.E003" in _ids(checks.check_account_security())


def test_sessions_that_cannot_be_listed_are_flagged(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    assert "monitor.W005" in _ids(checks.check_account_security())


def test_the_configured_policy_passes_and_a_loose_one_is_flagged(settings):
    assert checks.check_content_security_policy() == []
    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["script-src"] = ["'self'", "'unsafe-inline'", "https://cdn.example.com"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}
    problems = checks.check_content_security_policy()
    assert _ids(problems) == ["monitor.W007"]
    assert "'unsafe-inline'" in problems[0].msg
    assert "https://cdn.example.com" in problems[0].msg


def test_two_factor_middleware_missing_is_an_error(settings):
    settings.REQUIRE_TWO_FACTOR = True
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != checks.TWO_FACTOR_MIDDLEWARE]
    assert _ids(checks.check_two_factor()) == ["monitor.E004"]


def _manage_without_a_key(tmp_path, *args) -> subprocess.CompletedProcess:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MONITOR_") and key != "DATABASE_URL"
    }
    environ["MONITOR_DATA_DIR"] = str(tmp_path)
    return subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_migration_check_runs_without_a_secret_key(tmp_path):
    result = _manage_without_a_key(tmp_path, "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


@pytest.mark.parametrize("command", [["check"], ["migrate", "--plan"], ["load_demo"]])
def test_every_other_command_refuses_to_start_without_a_secret_key(tmp_path, command):
    result = _manage_without_a_key(tmp_path, *command)
    assert result.returncode != 0
    assert "MONITOR_SECRET_KEY is not set" in result.stderr
