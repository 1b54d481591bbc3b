"""``POST <list>/batch/``: many records in one request (issue 20: 124 citations took 124
requests), created together or not at all, errors by position, Idempotency-Key honoured."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from cases.models import Case
from monitor.models import IdempotencyKey
from sources.models import Citation
from tests.api.conftest import API

pytestmark = pytest.mark.django_db


def citations(world, count: int) -> dict:
    return {
        "items": [
            {
                "source": str(world["source"].pk),
                "record_type": "cases.allegation",
                "record_id": str(world["allegation"].pk),
                "page": str(page),
            }
            for page in range(1, count + 1)
        ]
    }


def test_a_batch_creates_every_item_in_one_request_in_order(world, api, monitor_on_team):
    before = Citation.objects.count()
    response = api(monitor_on_team).post(
        f"{API}/citations/batch/", citations(world, 24), format="json"
    )
    assert response.status_code == 201, response.content
    items = response.json()["items"]
    assert [item["page"] for item in items] == [str(page) for page in range(1, 25)]
    assert Citation.objects.count() == before + 24
    assert {item["id"] for item in items} <= {
        str(pk) for pk in Citation.objects.values_list("pk", flat=True)
    }


def test_a_batch_is_read_back_in_one_go(world, api, monitor_on_team):
    """The answer (here a retry's replay, which only reads) costs the same for 20 records as
    for 2: the key's rows and the records are read once for the whole batch."""
    client = api(monitor_on_team)
    counts = []
    for count in (2, 20):
        body = citations(world, count)
        client.post(f"{API}/citations/batch/", body, format="json", HTTP_IDEMPOTENCY_KEY=str(count))
        with CaptureQueriesContext(connection) as queries:
            again = client.post(
                f"{API}/citations/batch/", body, format="json", HTTP_IDEMPOTENCY_KEY=str(count)
            )
        assert again["Idempotent-Replayed"] == "true" and len(again.json()["items"]) == count
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_one_refused_item_creates_nothing_and_is_named_by_position(world, api, monitor_on_team):
    body = citations(world, 3)
    body["items"][1]["record_id"] = str(world["case"].pk)  # not an allegation's id
    body["items"][2]["credibility"] = "sure"  # not a choice
    before = Citation.objects.count()
    response = api(monitor_on_team).post(f"{API}/citations/batch/", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]["items"]) == {"2"}  # checked before anything is saved
    assert "credibility" in error["fields"]["items"]["2"]
    assert Citation.objects.count() == before

    body["items"][2].pop("credibility")
    response = api(monitor_on_team).post(f"{API}/citations/batch/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]["items"]) == {"1"}  # refused on saving
    assert "record_id" in response.json()["error"]["fields"]["items"]["1"]
    assert Citation.objects.count() == before


def test_an_item_refused_because_of_an_earlier_item_rolls_back_the_earlier(
    team, api, monitor_on_team
):
    body = {
        "items": [
            {"reference": "TJK-2024-0001", "title": "First"},
            {"reference": "TJK-2024-0001", "title": "Same reference"},
        ]
    }
    response = api(monitor_on_team).post(f"{API}/cases/batch/", body, format="json")
    assert response.status_code == 400
    assert "reference" in response.json()["error"]["fields"]["items"]["1"]
    assert not Case.objects.filter(reference="TJK-2024-0001").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": []}, "items"),
        ({}, "items"),
        ([{"title": "a list, not an object"}], "non_field_errors"),
        ({"items": [{"reference": "TJK-2024-0002", "title": "x"}], "dry_run": True}, "dry_run"),
        ({"items": [{"reference": "TJK-2024-0002", "title": "x"}] * 101}, "items"),
        ({"items": ["not an object"]}, "items"),
    ],
)
def test_a_malformed_batch_is_a_400_naming_the_problem(body, field, api, monitor_on_team):
    response = api(monitor_on_team).post(f"{API}/cases/batch/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Case.objects.filter(reference="TJK-2024-0002").exists()


def test_a_retried_batch_answers_with_the_records_it_made(world, api, monitor_on_team):
    client = api(monitor_on_team)
    body = citations(world, 5)
    first = client.post(f"{API}/citations/batch/", body, format="json", HTTP_IDEMPOTENCY_KEY="b")
    count = Citation.objects.count()
    again = client.post(f"{API}/citations/batch/", body, format="json", HTTP_IDEMPOTENCY_KEY="b")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Citation.objects.count() == count
    assert IdempotencyKey.objects.filter(key="b").count() == 5

    other = citations(world, 4)
    reused = client.post(f"{API}/citations/batch/", other, format="json", HTTP_IDEMPOTENCY_KEY="b")
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    single = client.post(
        f"{API}/citations/", other["items"][0], format="json", HTTP_IDEMPOTENCY_KEY="b"
    )
    assert single.status_code == 409
    assert Citation.objects.count() == count


def test_a_batch_is_refused_to_who_may_not_create(world, api, viewer, monitor_off_team):
    from people.models import Organization

    ngos = {"items": [{"name": "Some NGO", "kind": "ngo"}, {"name": "Other NGO", "kind": "ngo"}]}
    refused = api(viewer).post(f"{API}/organizations/batch/", ngos, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission"
    assert not Organization.objects.filter(name__endswith="NGO").exists()
    before = Citation.objects.count()
    # Another team's monitor may not add to the team's allegation.
    response = api(monitor_off_team).post(
        f"{API}/citations/batch/", citations(world, 2), format="json"
    )
    assert response.status_code == 403
    anonymous = api(None).post(f"{API}/citations/batch/", citations(world, 2), format="json")
    assert anonymous.status_code == 401
    assert Citation.objects.count() == before


def test_the_schema_declares_the_batch():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][f"{API}/cases/batch/"]["post"]
    assert {"201", "400", "409", "413"} <= set(operation["responses"])
    assert "Idempotency-Key" in {p["name"] for p in operation.get("parameters", [])}
    body = schema["components"]["schemas"]["CaseBatchRequest"]["properties"]["items"]
    assert body["maxItems"] == 100 and body["minItems"] == 1
    assert body["items"] == {"$ref": "#/components/schemas/CaseRequest"}
    assert f"{API}/evidence-files/batch/" not in schema["paths"]  # files come one by one
