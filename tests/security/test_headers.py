"""Security headers on pages, the admin and the API; cookies and HSTS in production."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

from monitor.models import ApiToken
from tests.security.conftest import sign_in_page

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
}


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value.strip()
    return directives


def assert_hardened(response) -> None:
    assert _policy(response) == EXPECTED_CSP
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "x" * 20)


def test_signed_in_page_has_every_security_header(client, monitor_on_team):
    client.force_login(monitor_on_team)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert_hardened(response)


def test_sign_in_page_has_every_security_header(client):
    assert_hardened(client.get(reverse("login")))


def test_admin_pages_have_every_security_header(client, superuser):
    client.force_login(superuser)
    for url in (
        reverse("admin:index"),
        reverse("admin:cases_case_changelist"),
        reverse("admin:cases_case_add"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_hardened(response)


def test_api_answers_have_every_security_header(monitor_on_team):
    _token, secret = ApiToken.issue(user=monitor_on_team, name="headers")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.get("/api/v1/cases/")
    assert response.status_code == 200
    assert_hardened(response)
    assert_hardened(APIClient().get("/api/v1/cases/"))  # the 401 too


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
_INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def _inline_code(html: str) -> list[str]:
    return _INLINE_SCRIPT.findall(html) + _INLINE_HANDLER.findall(html)


def test_pages_and_admin_carry_no_inline_script_the_policy_would_block(
    client, superuser, monitor_on_team
):
    client.force_login(superuser)
    urls = [
        reverse("admin:index"),
        reverse("admin:cases_case_changelist"),
        reverse("admin:cases_case_add"),
        reverse("admin:monitor_user_changelist"),
        reverse("dashboard"),
        reverse("case-list"),
        "/api/v1/docs/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _inline_code(response.content.decode()) == [], url


def test_sign_in_page_cookies_are_http_only_and_same_site(client, monitor_on_team, password):
    response = sign_in_page(client, "alice-monitor", password)
    session = response.cookies["sessionid"]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert session["secure"] is True  # the test settings are the production ones


def test_hsts_and_https_redirect_when_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_SSL_REDIRECT = True
    plain = client.get(reverse("login"))
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    secure = client.get(reverse("login"), secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_forwarded_proto_is_believed_only_behind_a_trusted_proxy(tmp_path):
    behind = _settings_under({"MONITOR_TRUSTED_PROXY_COUNT": "1"}, tmp_path)
    assert behind["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert _settings_under({}, tmp_path)["SECURE_PROXY_SSL_HEADER"] is None


# -- settings as each environment gets them --------------------------------------------------

_NAMES = [
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "DEBUG",
]


def _settings_under(env: dict[str, str], tmp: Path) -> dict:
    """The settings module as a fresh process with ``env`` sees it."""
    script = (
        "import json, config.settings as s; "
        f"print(json.dumps({{name: getattr(s, name, None) for name in {_NAMES!r}}}))"
    )
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MONITOR_") and key != "DATABASE_URL"
    }
    environ.update(
        {
            "MONITOR_SECRET_KEY": "p" * 20 + "production-like-secret-key-for-a-test-0123",
            "MONITOR_ALLOWED_HOSTS": "monitor.example.org",
            "MONITOR_DATA_DIR": str(tmp),
            **env,
        }
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_production_settings_make_cookies_secure_and_turn_hsts_on(tmp_path):
    values = _settings_under({}, tmp_path)
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["DEBUG"] is False


def test_demo_settings_relax_only_what_needs_tls(tmp_path):
    values = _settings_under({"MONITOR_DEMO": "1"}, tmp_path)
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
