"""Error pages are generic; error reports show the code path, never the data."""

from __future__ import annotations

import sys

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import technical_500_response

from monitor.security import SafeExceptionReporter
from tests.security.urls_errors import SECRET_IN_A_LOCAL

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.security.urls_errors")]

LEAKS = (
    "Traceback",
    "RuntimeError",
    "hunter2",
    "SECRET_KEY",
    "settings",
    "clearance 30",
    "tampered signature",
    "Gulnora",
    SECRET_IN_A_LOCAL,
)


#: What a failing request carried. Module constants, so that the source lines a report
#: quotes around the failure do not themselves contain the values.
FORM = {
    "password": "hunter2-the-password",
    "full_name": "Gulnora Witness-Protected",
    "contact": "+992 900 000 000",
    "otp_token": "123456",
}
HEADERS = {
    "HTTP_AUTHORIZATION": "Bearer mon_secret-token-value",
    "HTTP_COOKIE": "sessionid=abcdef-session-cookie",
}
QUERY = "?q=Shoishirinov"


SECRETS_IN_REQUESTS = (
    "hunter2-the-password",
    "Gulnora",
    "+992 900 000 000",
    "123456",
    "mon_secret-token-value",
    "abcdef-session-cookie",
    "Shoishirinov",
    SECRET_IN_A_LOCAL,
)


@pytest.fixture
def signed_in(client, monitor_on_team):
    client.force_login(monitor_on_team)
    client.raise_request_exception = False
    return client


def _assert_generic(response, status: int, heading: str) -> None:
    assert response.status_code == status
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    for leak in LEAKS:
        assert leak not in html, leak
    assert "<script" not in html and "style=" not in html and "<style" not in html


def test_server_error_page_is_generic(signed_in):
    _assert_generic(signed_in.get("/test-errors/boom/"), 500, "Something went wrong")


def test_not_found_page_is_generic(signed_in):
    _assert_generic(signed_in.get("/no-such-page/"), 404, "Page not found")


def test_anonymous_not_found_page_is_generic(client):
    _assert_generic(client.get("/no/such/page/"), 404, "Page not found")


def test_permission_denied_page_is_generic(signed_in):
    _assert_generic(signed_in.get("/test-errors/refuse/"), 403, "Not allowed")


def test_bad_request_page_is_generic(signed_in):
    _assert_generic(signed_in.get("/test-errors/suspicious/"), 400, "Bad request")


def test_csrf_failure_page_is_generic(monitor_on_team):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(monitor_on_team)
    response = client.post(reverse("sign-out-everywhere"))
    _assert_generic(response, 403, "Form expired")


def _request():
    return RequestFactory().post(f"/cases/new/{QUERY}", FORM, **HEADERS)


def _report():
    request = _request()
    api_key = SECRET_IN_A_LOCAL  # noqa: F841 - a local the report must not show
    try:
        raise RuntimeError("failed")
    except RuntimeError:
        return request, sys.exc_info()


def test_error_report_scrubs_form_values_query_values_headers_and_locals(settings):
    request, exc_info = _report()
    reporter = SafeExceptionReporter(request, *exc_info)
    for text in (reporter.get_traceback_text(), reporter.get_traceback_html()):
        for secret in SECRETS_IN_REQUESTS:
            assert secret not in text, secret
        assert "RuntimeError" in text  # where it failed is still there
        assert "password" in text  # the field names too, for a developer to follow


def test_debug_page_hides_the_data_too(settings):
    settings.DEBUG = True
    request, exc_info = _report()
    html = technical_500_response(request, *exc_info).content.decode()
    for secret in SECRETS_IN_REQUESTS:
        assert secret not in html, secret


def test_settings_name_the_safe_reporter_and_filter(settings):
    assert settings.DEFAULT_EXCEPTION_REPORTER == "monitor.security.SafeExceptionReporter"
    assert (
        settings.DEFAULT_EXCEPTION_REPORTER_FILTER == "monitor.security.SafeExceptionReporterFilter"
    )
    assert settings.DEBUG is False
