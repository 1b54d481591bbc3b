"""Claims in the API carry their provenance: each citation with its source and grading,
whether the claim is single-sourced — only sources the reader may see, protected ones by
their pseudonym — at a cost that does not grow with the rows."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.choices import StepKind
from monitor.choices import Confidentiality, Role
from sources.choices import Credibility, Reliability, Stance
from tests.api.conftest import API
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    CitationFactory,
    DetentionFactory,
    DetentionStepFactory,
    EventFactory,
    EventFigureFactory,
    FollowUpFactory,
    PersonFactory,
    SourceFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _get(client, path):
    response = client.get(f"{API}/{path}")
    assert response.status_code == 200, response.content
    return response.json()


def _strict_source_of_another_team():
    other = TeamFactory()
    return SourceFactory(
        title="Strict dossier of another team",
        publisher="Their informant network",
        confidentiality=Confidentiality.STRICT,
        team=other,
    )


# -- what a claim shows --------------------------------------------------------------------------


def test_allegation_shows_each_citation_with_source_reliability_and_credibility(
    api, world, monitor_on_team
):
    allegation = world["allegation"]
    court = SourceFactory(
        title="Verdict of the Khorog court", publisher="Khorog court", reliability="A"
    )
    CitationFactory(
        source=court,
        record=allegation,
        field_name="date",
        page="4",
        paragraph="12",
        quote="detained on 18 May 2022",
        credibility=Credibility.CONFIRMED,
    )

    data = _get(api(monitor_on_team), f"allegations/{allegation.pk}/")

    provenance = data["provenance"]
    by_title = {c["source"]["title"]: c for c in provenance["citations"]}
    assert set(by_title) == {"HRW report", "Verdict of the Khorog court"}
    verdict = by_title["Verdict of the Khorog court"]
    assert verdict["source"] == {
        "id": str(court.pk),
        "title": "Verdict of the Khorog court",
        "publisher": "Khorog court",
        "reliability": "A",
        "identity_redacted": False,
    }
    assert verdict["credibility"] == 1
    assert verdict["grading"] == "A1"
    assert verdict["field"] == "date"
    assert verdict["locator"] == "p. 4, ¶ 12"
    assert verdict["quote"] == "detained on 18 May 2022"
    assert verdict["stance"] == Stance.SUPPORTS
    hrw = by_title["HRW report"]
    assert hrw["grading"] == f"{Reliability.B}{Credibility.PROBABLY_TRUE}"
    assert hrw["field"] == ""
    # HRW and the court are two publishers: independent, so corroborated.
    assert provenance["single_sourced"] is False
    assert provenance["independent_sources"] == 2
    assert provenance["explanation"] == ""


def test_one_publisher_twice_is_single_sourced_and_says_why(api, world, monitor_on_team):
    allegation = world["allegation"]
    CitationFactory(
        source=SourceFactory(title="HRW dispatch", publisher="HRW", team=world["source"].team),
        record=allegation,
    )

    provenance = _get(api(monitor_on_team), f"allegations/{allegation.pk}/")["provenance"]

    assert len(provenance["citations"]) == 2
    assert provenance["single_sourced"] is True
    assert provenance["independent_sources"] == 1
    assert "HRW" in provenance["explanation"]


def test_detention_steps_figures_cases_and_followups_carry_provenance(api, world, monitor_on_team):
    source = world["source"]
    CitationFactory(source=source, record=world["arrest"], field_name="date")
    CitationFactory(source=source, record=world["detention"])
    CitationFactory(source=source, record=world["case"])
    CitationFactory(source=source, record=world["followup"])
    figure = EventFigureFactory(event=world["rally"], source=source)
    CitationFactory(source=source, record=figure, field_name="value")
    client = api(monitor_on_team)

    detention = _get(client, f"detentions/{world['detention'].pk}/")
    steps = {step["kind"]: step for step in detention["steps"]}
    event = _get(client, f"events/{world['rally'].pk}/")
    case = _get(client, f"cases/{world['case'].pk}/")
    followup = _get(client, f"follow-ups/{world['followup'].pk}/")

    assert [c["source"]["title"] for c in detention["provenance"]["citations"]] == ["HRW report"]
    (arrest_date,) = steps[StepKind.ARRESTED]["provenance"]["citations"]
    assert (arrest_date["field"], arrest_date["field_label"]) == ("date", "date")
    assert steps[StepKind.SENTENCED]["provenance"] == {
        "single_sourced": True,
        "independent_sources": 0,
        "explanation": steps[StepKind.SENTENCED]["provenance"]["explanation"],
        "citations": [],
    }
    (figure_data,) = event["figures"]
    (value,) = figure_data["provenance"]["citations"]
    assert value["source"]["id"] == str(source.pk) and value["field"] == "value"
    assert value["grading"] == "B2"
    assert event["provenance"]["citations"] == []
    assert [c["source"]["title"] for c in case["provenance"]["citations"]] == ["HRW report"]
    assert len(followup["provenance"]["citations"]) == 1


def test_lists_show_the_same_provenance_as_details(api, world, monitor_on_team):
    CitationFactory(source=world["source"], record=world["arrest"])
    client = api(monitor_on_team)

    listed = _get(client, "detentions/")["results"]
    detail = _get(client, f"detentions/{world['detention'].pk}/")

    assert [d["steps"] for d in listed if d["id"] == detail["id"]] == [detail["steps"]]
    allegations = _get(client, "allegations/")["results"]
    (allegation,) = [a for a in allegations if a["id"] == str(world["allegation"].pk)]
    assert [c["source"]["title"] for c in allegation["provenance"]["citations"]] == ["HRW report"]


def test_the_provenance_is_read_only(api, world, monitor_on_team):
    allegation = world["allegation"]
    client = api(monitor_on_team)
    before = _get(client, f"allegations/{allegation.pk}/")

    response = client.patch(
        f"{API}/allegations/{allegation.pk}/",
        {"description": "Beaten in custody.", "provenance": {"citations": []}},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["provenance"] == before["provenance"]
    assert response.json()["description"] == "Beaten in custody."


# -- who sees which source -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["monitor_on_team", "reviewer", "coordinator"])
def test_citation_of_a_source_the_reader_may_not_see_is_left_out(api, world, personas, persona):
    allegation = world["allegation"]
    hidden = _strict_source_of_another_team()
    CitationFactory(source=hidden, record=allegation, quote="seen by their informant")
    CitationFactory(source=hidden, record=world["arrest"])
    client = api(personas[persona])

    for path in (
        f"allegations/{allegation.pk}/",
        "allegations/",
        f"detentions/{world['detention'].pk}/",
        "detentions/",
        f"cases/{world['case'].pk}/",
    ):
        response = client.get(f"{API}/{path}")
        assert response.status_code == 200, (persona, path)
        body = response.content.decode()
        for secret in (str(hidden.pk), hidden.title, hidden.publisher, "their informant"):
            assert secret not in body, (persona, path, secret)
    provenance = _get(client, f"allegations/{allegation.pk}/")["provenance"]
    assert [c["source"]["title"] for c in provenance["citations"]] == ["HRW report"]
    # A source the reader cannot see does not count towards corroboration either.
    assert provenance["single_sourced"] is True


def test_the_sources_own_team_sees_that_citation(api, world):
    hidden = _strict_source_of_another_team()
    insider = UserFactory(
        role=Role.COORDINATOR, clearance=Confidentiality.STRICT, teams=[hidden.team]
    )
    CitationFactory(source=hidden, record=world["allegation"])

    provenance = _get(api(insider), f"allegations/{world['allegation'].pk}/")["provenance"]

    titles = {c["source"]["title"] for c in provenance["citations"]}
    assert titles == {"HRW report", "Strict dossier of another team"}
    assert provenance["single_sourced"] is False


def test_protected_source_shows_its_pseudonym_and_no_publisher_to_an_outsider(
    api, team, monitor_on_team, monitor_off_team
):
    claim = AllegationFactory(case=CaseFactory(team=None), victim=PersonFactory())
    witness = SourceFactory(
        title="Statement of G. N.",
        publisher="Pamir relatives",
        is_protected=True,
        team=team,
    )
    CitationFactory(source=witness, record=claim, quote="they took him at night")

    outsider = _get(api(monitor_off_team), f"allegations/{claim.pk}/")["provenance"]
    member = _get(api(monitor_on_team), f"allegations/{claim.pk}/")["provenance"]

    (seen,) = outsider["citations"]
    assert seen["source"] == {
        "id": str(witness.pk),
        "title": witness.pseudonym,
        "publisher": None,
        "reliability": witness.reliability,
        "identity_redacted": True,
    }
    assert "Statement of G. N." not in json.dumps(outsider)
    assert "Pamir relatives" not in json.dumps(outsider)
    (known,) = member["citations"]
    assert known["source"]["title"] == "Statement of G. N."
    assert known["source"]["publisher"] == "Pamir relatives"


def test_a_reader_without_a_role_sees_no_claim_at_all(api, world, no_role_user):
    response = api(no_role_user).get(f"{API}/allegations/{world['allegation'].pk}/")
    assert response.status_code in (403, 404)


# -- cost ----------------------------------------------------------------------------------------


def _cited_allegation(team, index):
    allegation = AllegationFactory(case=CaseFactory(team=team), victim=PersonFactory(team=team))
    _cite_twice(team, allegation, index)
    return allegation


def _cited_detention(team, index):
    detention = DetentionFactory(case=CaseFactory(team=team), person=PersonFactory(team=team))
    _cite_twice(team, detention, index)
    _cite_twice(team, DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED), index)
    return detention


def _cited_event(team, index):
    event = EventFactory(team=team)
    _cite_twice(team, event, index)
    source = SourceFactory(team=team)
    _cite_twice(team, EventFigureFactory(event=event, source=source), index)
    return event


def _cited_case(team, index):
    case = CaseFactory(team=team)
    _cite_twice(team, case, index)
    return case


def _cited_followup(team, index):
    followup = FollowUpFactory(case=CaseFactory(team=team))
    _cite_twice(team, followup, index)
    return followup


def _cite_twice(team, record, index):
    """A source that repeats another, and a protected source (every other row)."""
    original = SourceFactory(team=team, publisher=f"Agency {index}")
    repeat = SourceFactory(team=team, publisher=f"Paper {index}", is_protected=index % 2 == 0)
    repeat.derived_from.add(original)
    CitationFactory(source=original, record=record)
    CitationFactory(source=repeat, record=record, stance=Stance.SUPPORTS)
    CitationFactory(source=_strict_source_of_another_team(), record=record)


CITED = {
    "allegations": _cited_allegation,
    "detentions": _cited_detention,
    "events": _cited_event,
    "cases": _cited_case,
    "follow-ups": _cited_followup,
}


def _list_queries(client, endpoint):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{API}/{endpoint}/", {"page_size": 50})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert all(len(row["provenance"]["citations"]) == 2 for row in rows)
    return len(captured.captured_queries), len(rows)


@pytest.mark.parametrize("endpoint", CITED)
def test_provenance_costs_as_many_queries_for_20_cited_rows_as_for_2(
    endpoint, api, team, monitor_on_team
):
    client = api(monitor_on_team)
    make = CITED[endpoint]
    for index in range(2):
        make(team, index)
    client.get(f"{API}/{endpoint}/")  # warm the caches (content types, the user's roles)
    few, rows_few = _list_queries(client, endpoint)
    for index in range(2, 20):
        make(team, index)
    many, rows_many = _list_queries(client, endpoint)

    assert rows_many == 20 and rows_few == 2
    assert few == many, f"{endpoint}: {few} queries for 2 rows, {many} for 20"


# -- the schema ----------------------------------------------------------------------------------


def test_the_schema_describes_the_provenance_of_each_claim():
    from drf_spectacular.generators import SchemaGenerator

    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    for name in ("Allegation", "Detention", "DetentionStep", "EventFigure", "Case", "Event"):
        field = schemas[name]["properties"]["provenance"]
        assert field["readOnly"] is True, name
        assert "provenance" not in schemas.get(f"{name}Request", {}).get("properties", {})
    provenance = schemas["ClaimProvenance"]["properties"]
    assert {"single_sourced", "independent_sources", "explanation", "citations"} <= set(provenance)
    citation = schemas["ProvenanceCitation"]["properties"]
    assert {"source", "credibility", "grading", "field", "locator", "stance"} <= set(citation)
    source = schemas["CitedSource"]["properties"]
    assert {"id", "title", "reliability", "identity_redacted"} <= set(source)
    assert source["publisher"]["nullable"] is True
