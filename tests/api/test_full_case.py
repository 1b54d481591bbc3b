"""The issue's "done when": a script records a full case through the API alone, submits it,
has it verified with a reviewer's token, and reads it back filtered by event and by a
Cyrillic spelling of the victim's name."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cases.models import Case, DetentionStep
from monitor.choices import ReviewState, Vocabulary
from tests.api.conftest import API
from tests.factories import PASSWORD, EventFactory, TermFactory
from tests.twofactor import enrol, next_code

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    """A token issued as the docs say: username, password and the authenticator's code."""
    issued = APIClient().post(
        f"{API}/auth/tokens/",
        {
            "name": "script",
            "username": user.username,
            "password": PASSWORD,
            "otp": next_code(enrol(user)),
        },
        format="json",
    )
    assert issued.status_code == 201, issued.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.json()['token']}")
    return client


def test_script_records_submits_verifies_and_finds_a_full_case(monitor_on_team, reviewer, team):
    violation = TermFactory(vocabulary=Vocabulary.VIOLATION_TYPE, label="Arbitrary detention")
    source_kind = TermFactory(vocabulary=Vocabulary.SOURCE_KIND, label="Court record")
    article = TermFactory(vocabulary=Vocabulary.CRIMINAL_ARTICLE, label="Art. 307")
    event = EventFactory(title="GBAO 2022 crackdown", team=team)
    sub_event = EventFactory(title="Khorog rally", parent=event, team=team)
    monitor = token_client(monitor_on_team)

    person = monitor.post(
        f"{API}/persons/",
        {
            "team": str(team.pk),
            "gender": "male",
            "names": [
                {"full_name": "Daler Imomali", "is_primary": True},
                {"full_name": "Далер Имомалӣ", "kind": "transliteration"},
            ],
        },
        format="json",
    )
    assert person.status_code == 201, person.content
    person_id = person.json()["id"]
    assert {n["script"] for n in person.json()["names"]} == {"latin", "cyrillic"}

    case = monitor.post(
        f"{API}/cases/",
        {
            "reference": "TJK-2023-0007",
            "title": "Daler Imomali",
            "team": str(team.pk),
            "events": [str(sub_event.pk)],
            "persons": [{"person": person_id, "role": "victim"}],
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="create-case-1",
    )
    assert case.status_code == 201, case.content
    case_id = case.json()["id"]

    detention = monitor.post(
        f"{API}/detentions/",
        {
            "case": case_id,
            "person": person_id,
            "steps": [
                {
                    "kind": "sentenced",
                    "date": "2023-06-10",
                    "sentence_months": 120,
                    "articles": [str(article.pk)],
                },
                {"kind": "arrested", "date": "2022-11"},
            ],
        },
        format="json",
    )
    assert detention.status_code == 201, detention.content
    assert detention.json()["current_status"] == "sentenced"
    allegation = monitor.post(
        f"{API}/allegations/",
        {
            "case": case_id,
            "victim": person_id,
            "violation_type": str(violation.pk),
            "date": "c. 2022-11",
        },
        format="json",
    )
    assert allegation.status_code == 201, allegation.content
    assert allegation.json()["date"] == "c. 2022-11"
    source = monitor.post(
        f"{API}/sources/",
        {"title": "Verdict", "kind": str(source_kind.pk), "reliability": "A", "team": str(team.pk)},
        format="json",
    )
    assert source.status_code == 201, source.content
    for record_type, record_id in (
        ("cases.detention", detention.json()["id"]),
        ("cases.allegation", allegation.json()["id"]),
    ):
        cited = monitor.post(
            f"{API}/citations/",
            {
                "source": source.json()["id"],
                "record_type": record_type,
                "record_id": record_id,
                "page": "3",
            },
            format="json",
        )
        assert cited.status_code == 201, cited.content

    submitted = monitor.post(f"{API}/cases/{case_id}/submit/", {}, format="json")
    assert submitted.status_code == 200, submitted.content
    verified = token_client(reviewer).post(
        f"{API}/cases/{case_id}/verify/", {"comment": "Checked"}, format="json"
    )
    assert verified.status_code == 200, verified.content
    assert verified.json()["review_state"] == ReviewState.VERIFIED

    found = monitor.get(f"{API}/cases/", {"event": str(event.pk), "person": person_id})
    assert [c["id"] for c in found.json()["results"]] == [case_id]
    by_name = monitor.get(f"{API}/persons/", {"name": "Далер"})
    assert [p["id"] for p in by_name.json()["results"]] == [person_id]
    assert Case.objects.get(pk=case_id).review_state == ReviewState.VERIFIED
    assert DetentionStep.objects.filter(detention_id=detention.json()["id"]).count() == 2
