"""An anonymous visitor walking every URL pattern of the project gets a sign-in redirect,
a 401 (the API) or nothing at all (404, 405) — and never a byte of a record."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from rest_framework.test import APIClient

from monitor.choices import Confidentiality
from tests.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db

#: The one page anyone may open: the sign-in page. (The admin's sign-in sends to it; the
#: two-factor steps send a visitor without a pending sign-in to it; the API's schema and
#: docs page answer 401 like the rest of the API.)
PUBLIC = {"login"}
SIGN_IN_PAGES = ("/accounts/login/", "/admin/login/")

CANARY_TITLE = "Crawl canary: detention of a witness"
CANARY_NAME = "Canary Witness-Name"

_NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^()]*\)")
_GROUP = re.compile(r"\([^()]*\)")
_CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _sample(name: str, samples: dict[str, str]) -> str:
    if name == "format":
        return "json"
    return samples.get(name, samples["pk"])


def _route_to_path(route: str, samples: dict[str, str]) -> str:
    return _CONVERTER.sub(lambda match: _sample(match["name"], samples), route)


def _regex_to_path(regex: str, samples: dict[str, str]) -> str:
    text = regex.lstrip("^").rstrip("$")
    text = _NAMED_GROUP.sub(lambda match: _sample(match["name"], samples), text)
    text = _GROUP.sub(samples["pk"], text)
    text = text.replace("/?", "/").replace(".*", "").replace("\\.", ".")
    return text.replace("\\", "")


def _walk(patterns, prefix: str, samples: dict[str, str]):
    for pattern in patterns:
        regex = getattr(pattern.pattern, "regex", None)
        raw = str(pattern.pattern)
        if pattern.pattern.__class__.__name__ == "RegexPattern":
            part = _regex_to_path(raw, samples)
        else:
            part = _route_to_path(raw, samples)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + part, samples)
        elif isinstance(pattern, URLPattern):
            yield prefix + part, raw, regex


def every_url(samples: dict[str, str]) -> list[str]:
    """One concrete path for each URL pattern, its parameters filled with ``samples``."""
    urls = []
    for path, _raw, _regex in _walk(get_resolver().url_patterns, "/", samples):
        urls.append(path)
    return sorted(set(urls))


@pytest.fixture
def canary(team):
    """A confidential case and a protected person whose ids fill every URL."""
    case = CaseFactory(team=team, title=CANARY_TITLE, confidentiality=Confidentiality.STRICT)
    person = PersonFactory(team=team, is_protected=True, name=CANARY_NAME)
    return case, person


def _view_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def _assert_closed(response, path: str, method: str) -> None:
    status = response.status_code
    body = response.content.decode(errors="replace")
    assert CANARY_TITLE not in body, (method, path)
    assert CANARY_NAME not in body, (method, path)
    if status in (301, 302, 303, 307, 308):
        location = response["Location"]
        # The admin's sign-out sends a visitor to the admin index: a sign-in redirect itself.
        assert location.startswith(SIGN_IN_PAGES) or location == "/admin/", (method, path)
    elif path.startswith("/api/"):
        assert status in (400, 401, 404, 405), (method, path, status)
    else:
        assert status in (404, 405), (method, path, status)


def test_every_url_pattern_is_reached_by_the_crawl(canary):
    case, _person = canary
    urls = every_url({"pk": str(case.pk)})
    unresolved = [url for url in urls if _view_name(url) is None]
    assert unresolved == []
    assert len(urls) > 100  # the admin, the API, the pages: the whole site


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitor_gets_a_sign_in_redirect_or_401_and_no_data(canary, method):
    case, person = canary
    client = APIClient()  # JSON bodies for the API; plain forms elsewhere are empty anyway
    reached = 0
    for sample in ({"pk": str(case.pk)}, {"pk": str(person.pk)}):
        sample |= {"app_label": "cases", "model_name": "case", "id": sample["pk"]}
        for path in every_url(sample):
            name = _view_name(path)
            if name in PUBLIC:
                continue
            response = getattr(client, method)(path)
            _assert_closed(response, path, method.upper())
            reached += 1
    assert reached > 200


def test_public_pages_show_no_record(canary, client):
    case, _person = canary
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert CANARY_TITLE not in response.content.decode()
    assert str(case.pk) not in response.content.decode()
    assert client.get("/admin/login/")["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    for path in ("/api/v1/schema/", "/api/v1/docs/"):
        assert client.get(path).status_code == 401, path
