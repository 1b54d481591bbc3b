"""Nothing a client sends is silently dropped: unknown body fields and query parameters are a
400 naming them, on every endpoint; persons search with ``q`` like every list (issue 20)."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from cases.models import Case
from monitor.api.strict import StrictQuery
from monitor.api.views import NotFoundView
from monitor.choices import Role
from tests.api.conftest import API
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_unknown_field_in_a_create_is_a_400_naming_it(api, monitor_on_team):
    response = api(monitor_on_team).post(
        f"{API}/cases/",
        {"reference": "TJK-2023-0042", "title": "T", "descripton": "typo"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == ["descripton"]
    assert "summary" in error["fields"]["descripton"][0]  # it says what the request takes
    assert not Case.objects.filter(reference="TJK-2023-0042").exists()


def test_an_unknown_field_in_a_nested_item_is_a_400_naming_it(api, monitor_on_team, world):
    response = api(monitor_on_team).post(
        f"{API}/detentions/",
        {
            "case": str(world["case"].pk),
            "person": str(world["victim"].pk),
            "steps": [{"kind": "arrested", "date": "2022", "facilty": "x"}],
        },
    )
    assert response.status_code == 400
    assert "facilty" in response.json()["error"]["fields"]["steps"]["0"]


def test_read_only_fields_sent_back_are_known_and_ignored(api, monitor_on_team, world):
    client = api(monitor_on_team)
    read = client.get(f"{API}/cases/{world['case'].pk}/").json()
    response = client.patch(
        f"{API}/cases/{world['case'].pk}/",
        {"title": "New", "review_state": "verified", "version": 99, "id": read["id"]},
    )
    assert response.status_code == 200, response.content
    assert response.json()["review_state"] == read["review_state"]


def test_an_unknown_query_parameter_is_a_400_naming_it(api, monitor_on_team, world):
    response = api(monitor_on_team).get(f"{API}/cases/?titel=Mamadshoeva")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["titel"]
    assert "q" in fields["titel"][0]


def test_persons_search_with_q_like_every_list(api, monitor_on_team, world, team):
    PersonFactory(name="Someone Else", team=team)
    client = api(monitor_on_team)
    found = client.get(f"{API}/persons/?q=Mamadshoeva").json()["results"]
    assert [p["id"] for p in found] == [str(world["victim"].pk)]
    # The older spelling keeps working.
    found = client.get(f"{API}/persons/?name=Mamadshoeva").json()["results"]
    assert [p["id"] for p in found] == [str(world["victim"].pk)]


def _api_views(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _api_views(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_every_api_view_refuses_unknown_query_parameters():
    loose = []
    for route, callback in _api_views(get_resolver().url_patterns):
        if not route.startswith("api/v1/"):
            continue
        view_class = getattr(callback, "cls", None)
        if view_class is None or any(
            base.__module__.startswith("drf_spectacular") for base in view_class.__mro__
        ):
            continue  # the schema and its docs page: not the API's records
        if view_class is NotFoundView:
            continue  # no such address: a 404 whatever the query
        if not issubclass(view_class, StrictQuery):
            loose.append(f"{route} ({view_class.__name__})")
    assert not loose, "Views that ignore unknown query parameters: " + ", ".join(loose)


@pytest.fixture
def fuzz_client(api, team):
    user = UserFactory(username="crawler", role=Role.COORDINATOR, teams=[team])
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=Role.REVIEWER))
    return api(user)


def _operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _url(path: str, world) -> str | None:
    ids = {
        "cases": "case", "events": "rally", "allegations": "allegation",
        "detentions": "detention", "follow-ups": "followup", "persons": "victim",
        "organizations": "police", "affiliations": "affiliation", "sources": "source",
        "evidence-files": "evidence", "citations": "citation", "terms": "torture",
        "places": "town",
    }  # fmt: skip
    if "{id}" not in path:
        return path
    resource = path.removeprefix(f"{API}/").split("/")[0]
    if resource not in ids:
        return None
    return path.replace("{id}", str(world[ids[resource]].pk))


def test_every_write_operation_refuses_an_unknown_body_field(fuzz_client, world):
    loose = []
    for path, method, operation in _operations():
        if method not in {"post", "put", "patch"} or "requestBody" not in operation:
            continue
        url = _url(path, world)
        if url is None:
            continue
        response = getattr(fuzz_client, method)(url, {"descripton": "typo"}, format="json")
        fields = response.json().get("error", {}).get("fields", {}) if response.content else {}
        if response.status_code != 400 or "descripton" not in fields:
            loose.append(f"{method.upper()} {path}: {response.status_code}")
    assert not loose, "Writes that ignore an unknown field:\n" + "\n".join(loose)


def test_every_read_operation_refuses_an_unknown_query_parameter(fuzz_client, world):
    loose = []
    for path, method, _operation in _operations():
        if method != "get":
            continue
        url = _url(path, world)
        if url is None:
            continue
        response = fuzz_client.get(f"{url}?descripton=typo")
        fields = response.json().get("error", {}).get("fields", {}) if response.content else {}
        if response.status_code != 400 or "descripton" not in fields:
            loose.append(f"GET {path}: {response.status_code}")
    assert not loose, "Reads that ignore an unknown parameter:\n" + "\n".join(loose)
