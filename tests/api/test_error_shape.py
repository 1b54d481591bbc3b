"""Every API error is JSON in the one error shape, wherever it arises: a filter's message,
the JSON parser, the request-size limit, URL resolution (issue 20)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.api.conftest import API

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = response.json()["error"]
    assert set(error) <= {"code", "message", "fields"} and error["message"]
    if code is not None:
        assert error["code"] == code
    return error


@pytest.mark.parametrize(
    "url",
    [
        "/cases/?date_from=%25",
        "/events/?date_to=50%25",
        "/allegations/?date_from=%25s",
        "/detentions/?date_from=%25",
        "/sources/?published_from=%25d",
    ],
)
def test_a_percent_sign_in_a_date_filter_is_a_400_naming_the_field(api, monitor_on_team, url):
    response = api(monitor_on_team).get(f"{API}{url}")
    error = assert_error_shape(response, 400, "invalid")
    name = url.split("?")[1].split("=")[0]
    assert "%" in error["fields"][name][0]


def test_a_deeply_nested_body_is_a_400_not_a_server_error(api, monitor_on_team):
    body = "[" * 1000 + "]" * 1000
    response = api(monitor_on_team).post(f"{API}/cases/", body, content_type="application/json")
    error = assert_error_shape(response, 400, "parse_error")
    assert "nested" in error["message"]


def test_a_body_over_the_limit_is_a_413_naming_it(api, monitor_on_team):
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    body = '{"title": "' + "x" * size + '"}'
    response = api(monitor_on_team).post(f"{API}/cases/", body, content_type="application/json")
    error = assert_error_shape(response, 413, "too_large")
    limit_mb = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024:.1f}"
    assert limit_mb in error["message"]


def test_a_body_over_the_limit_is_a_413_for_a_signed_in_session_too(client, monitor_on_team):
    client.force_login(monitor_on_team)
    body = '{"title": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + '"}'
    response = client.post(f"{API}/cases/", body, content_type="application/json")
    assert_error_shape(response, 413, "too_large")


@pytest.mark.parametrize(
    "path",
    ["/places/%C3%8E.%C3%97g%0A/", "/cases/%0A/", "/nowhere%0A", "/%0D%0A/x/"],
)
def test_an_encoded_newline_in_the_path_is_the_api_404(api, monitor_on_team, path):
    response = api(monitor_on_team).get(f"{API}{path}")
    assert_error_shape(response, 404, "not_found")


def test_an_anonymous_unknown_path_is_a_json_404_too():
    response = Client().get(f"{API}/nowhere%0A/")
    assert_error_shape(response, 404, "not_found")


def test_a_method_not_allowed_is_a_405_in_the_shape(api, monitor_on_team, world):
    response = api(monitor_on_team).delete(f"{API}/cases/{world['case'].pk}/")
    assert_error_shape(response, 405, "method_not_allowed")


def test_an_unsupported_media_type_is_a_415_in_the_shape(api, monitor_on_team):
    response = api(monitor_on_team).post(f"{API}/cases/", "a=b", content_type="text/plain")
    assert_error_shape(response, 415, "unsupported_media_type")


def test_a_server_error_is_a_500_in_the_shape(api, monitor_on_team, monkeypatch):
    from monitor.api import views

    def broken(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.MeView, "get", broken)
    client = api(monitor_on_team)
    client.raise_request_exception = False
    response = client.get(f"{API}/me/")
    error = assert_error_shape(response, 500, "server_error")
    assert "boom" not in error["message"]
