"""Review actions through the API, their refusals, history, and the error shape."""

from __future__ import annotations

import pytest

from cases.models import Case
from monitor.choices import ReviewState
from tests.api.conftest import API
from tests.factories import CitationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cited_world(world):
    CitationFactory(source=world["source"], record=world["detention"])
    return world


def submit(api, user, case):
    response = api(user).post(f"{API}/cases/{case.pk}/submit/", {"comment": "ready"}, format="json")
    assert response.status_code == 200, response.content
    return response


def test_submit_verify_by_another_reviewer(cited_world, api, monitor_on_team, reviewer):
    case = cited_world["case"]
    assert submit(api, monitor_on_team, case).json()["review_state"] == "submitted"
    verified = api(reviewer).post(f"{API}/cases/{case.pk}/verify/", {}, format="json")
    assert verified.status_code == 200, verified.content
    assert verified.json()["review_state"] == "verified"
    assert verified["ETag"] == f'"{case.pk}.{verified.json()["version"]}"'


def test_four_eyes_refusal(cited_world, api, reviewer):
    case = cited_world["case"]
    submit(api, reviewer, case)
    response = api(reviewer).post(f"{API}/cases/{case.pk}/verify/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "four_eyes"
    assert Case.objects.get(pk=case.pk).review_state == ReviewState.SUBMITTED


def test_missing_citation_refusal(world, api, monitor_on_team, reviewer):
    case = world["case"]  # its detention cites nothing
    submit(api, monitor_on_team, case)
    response = api(reviewer).post(f"{API}/cases/{case.pk}/verify/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "uncited"
    assert "Detention of" in response.json()["error"]["message"]


def test_monitor_cannot_verify_and_viewer_cannot_see(cited_world, api, monitor_on_team, viewer):
    case = cited_world["case"]
    submit(api, monitor_on_team, case)
    other_monitor = UserFactory(role="Monitor", teams=[case.team])
    response = api(other_monitor).post(f"{API}/cases/{case.pk}/verify/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission"
    assert api(viewer).post(f"{API}/cases/{case.pk}/verify/").status_code == 404


def test_return_needs_a_comment_and_keeps_it(cited_world, api, monitor_on_team, reviewer):
    case = cited_world["case"]
    submit(api, monitor_on_team, case)
    client = api(reviewer)
    missing = client.post(f"{API}/cases/{case.pk}/return/", {}, format="json")
    assert missing.status_code == 400 and "comment" in missing.json()["error"]["fields"]
    blank = client.post(f"{API}/cases/{case.pk}/return/", {"comment": "  "}, format="json")
    assert blank.status_code == 400
    returned = client.post(
        f"{API}/cases/{case.pk}/return/", {"comment": "Cite the arrest"}, format="json"
    )
    assert returned.status_code == 200 and returned.json()["review_state"] == "returned"


def test_draft_cannot_be_verified(cited_world, api, reviewer):
    response = api(reviewer).post(f"{API}/cases/{cited_world['case'].pk}/verify/", format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "state"


def test_editing_a_verified_case_sends_it_back_to_review(
    cited_world, api, monitor_on_team, reviewer
):
    case = cited_world["case"]
    submit(api, monitor_on_team, case)
    api(reviewer).post(f"{API}/cases/{case.pk}/verify/", format="json")
    api(monitor_on_team).patch(
        f"{API}/allegations/{cited_world['allegation'].pk}/", {"description": "more"}, format="json"
    )
    assert Case.objects.get(pk=case.pk).review_state == ReviewState.SUBMITTED


@pytest.mark.parametrize(
    "endpoint,record", [("persons", "victim"), ("sources", "source"), ("events", "rally")]
)
def test_other_reviewed_records_have_the_workflow(
    endpoint, record, world, api, monitor_on_team, reviewer
):
    url = f"{API}/{endpoint}/{world[record].pk}/"
    assert api(monitor_on_team).post(f"{url}submit/").json()["review_state"] == "submitted"
    assert api(reviewer).post(f"{url}verify/").json()["review_state"] == "verified"


def test_records_without_review_have_no_review_actions(world, api, reviewer):
    response = api(reviewer).post(f"{API}/allegations/{world['allegation'].pk}/verify/")
    assert response.status_code == 404


def test_claim_status_action(world, api, reviewer):
    response = api(reviewer).post(
        f"{API}/allegations/{world['allegation'].pk}/claim-status/",
        {"status": "corroborated"},
        format="json",
    )
    assert response.status_code == 400  # one source is not corroboration
    assert response.json()["error"]["code"] in {"not_independent", "status_rule"}
    bad = api(reviewer).post(
        f"{API}/allegations/{world['allegation'].pk}/claim-status/",
        {"status": "true"},
        format="json",
    )
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]


def test_history_lists_who_when_why_and_changes(world, api, monitor_on_team):
    client = api(monitor_on_team)
    url = f"{API}/cases/{world['case'].pk}/"
    client.patch(url, {"title": "Mamadshoeva (2022)", "change_reason": "year added"}, format="json")
    entries = client.get(f"{url}history/").json()["results"]
    latest = entries[0]
    assert latest["user"]["username"] == monitor_on_team.username
    assert latest["reason"] == "year added"
    assert latest["changes"] == [
        {"field": "title", "old": "Mamadshoeva", "new": "Mamadshoeva (2022)"}
    ]
    assert entries[-1]["type"] == "created"


def test_history_shows_approximate_dates_as_typed(world, api, monitor_on_team):
    client = api(monitor_on_team)
    url = f"{API}/allegations/{world['allegation'].pk}/"
    client.patch(url, {"date": "c. 2022-05"}, format="json")
    change = client.get(f"{url}history/").json()["results"][0]["changes"]
    assert {"field": "date", "old": "2022-05-18", "new": "c. 2022-05"} in change


def test_malformed_json_is_400_in_the_error_shape(api, monitor_on_team):
    response = api(monitor_on_team).generic(
        "POST", f"{API}/cases/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]) >= {"code", "message"}


def test_wrong_types_are_400_with_field_errors(world, api, monitor_on_team):
    response = api(monitor_on_team).post(
        f"{API}/cases/",
        {"reference": ["x"], "title": {"a": 1}, "events": "not a list", "persons": [1]},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) >= {"reference", "title", "events", "persons"}


def test_an_unknown_api_path_is_a_json_404(api, monitor_on_team):
    for client in (api(monitor_on_team), api(None)):
        response = client.get(f"{API}/no-such-thing/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
