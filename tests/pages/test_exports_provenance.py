"""CSV exports carry the provenance of each record: its sources with their grading, whether
it is single-sourced and, for a case, how many of its claims are — under the same rules as
the pages (hidden sources left out, protected ones by pseudonym), neutralised like every
cell, and in a fixed number of queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.choices import StepKind
from monitor.choices import Confidentiality
from sources.choices import Credibility, Stance
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    CitationFactory,
    DetentionFactory,
    DetentionStepFactory,
    EventFactory,
    FollowUpFactory,
    SourceFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

INTERNAL = {"confidentiality": Confidentiality.INTERNAL}


def _rows(client, name, params=None) -> list[dict[str, str]]:
    response = client.get(reverse(name), params or {})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.getvalue().decode("utf-8").removeprefix("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def _hidden_source():
    return SourceFactory(
        title="Zeravshanskaya dossier",
        publisher="Zeravshanskaya informants",
        confidentiality=Confidentiality.STRICT,
        team=TeamFactory(),
    )


@pytest.fixture
def cited_case():
    """An internal case: two independent sources for the case, one for its allegation, a
    detention with an uncited arrest; a strict source of another team cited everywhere."""
    case = CaseFactory(title="Open detentions", reference="TJK-2023-0100", **INTERNAL)
    report = SourceFactory(title="HRW report", publisher="HRW", reliability="B", **INTERNAL)
    verdict = SourceFactory(title="Verdict", publisher="Khorog court", reliability="A", **INTERNAL)
    CitationFactory(source=report, record=case, credibility=Credibility.PROBABLY_TRUE)
    CitationFactory(
        source=verdict, record=case, field_name="summary", credibility=Credibility.CONFIRMED
    )
    allegation = AllegationFactory(case=case)
    CitationFactory(source=report, record=allegation, credibility=Credibility.POSSIBLY_TRUE)
    detention = DetentionFactory(case=case)
    DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED)
    hidden = _hidden_source()
    for record in (case, allegation, detention):
        CitationFactory(source=hidden, record=record)
    return case


def _by_reference(rows) -> dict[str, dict[str, str]]:
    return {row["reference"]: row for row in rows}


def test_case_export_lists_sources_with_grading_and_single_sourced_claims(
    client, viewer, cited_case
):
    client.force_login(viewer)

    row = _by_reference(_rows(client, "case-export"))["TJK-2023-0100"]

    assert row["sources"] == "HRW report (B2); Verdict (A1, summary)"
    assert row["single-sourced"] == "no"
    # The allegation (one source), the detention and its arrest (none the viewer can see).
    assert row["single-sourced claims"] == "3 of 3"


@pytest.mark.parametrize("persona", ["viewer", "monitor_off_team", "coordinator", "reviewer"])
def test_a_source_the_user_may_not_see_is_not_exported(client, personas, cited_case, persona):
    client.force_login(personas[persona])

    response = client.get(reverse("case-export"))

    assert response.status_code == 200
    assert "Zeravshanskaya" not in response.getvalue().decode("utf-8")


def test_the_sources_own_team_sees_it_in_the_export(client, cited_case):
    from monitor.choices import Role
    from sources.models import Source
    from tests.factories import UserFactory

    hidden = Source.objects.get(title="Zeravshanskaya dossier")
    insider = UserFactory(role=Role.MONITOR, clearance=Confidentiality.STRICT, teams=[hidden.team])
    client.force_login(insider)

    row = _by_reference(_rows(client, "case-export"))["TJK-2023-0100"]

    assert "Zeravshanskaya dossier (B2)" in row["sources"].split("; ")


def test_a_protected_source_is_exported_by_its_pseudonym(client, team, viewer):
    case = CaseFactory(reference="TJK-2023-0101", **INTERNAL)
    witness = SourceFactory(
        title="Statement of G. N.", publisher="Pamir relatives", is_protected=True, team=team,
        **INTERNAL,
    )  # fmt: skip
    CitationFactory(
        source=witness, record=case, stance=Stance.CONTESTS, credibility=Credibility.DOUBTFUL
    )
    client.force_login(viewer)

    row = _by_reference(_rows(client, "case-export"))["TJK-2023-0101"]

    assert row["sources"] == f"{witness.pseudonym} (B4, contests)"
    assert row["single-sourced"] == "yes"
    assert row["single-sourced claims"] == "0 of 0"


def test_a_source_title_a_spreadsheet_would_run_is_neutralised(client, viewer):
    case = CaseFactory(reference="TJK-2023-0102", **INTERNAL)
    danger = SourceFactory(title='=HYPERLINK("http://x")', **INTERNAL)
    CitationFactory(source=danger, record=case)
    client.force_login(viewer)

    row = _by_reference(_rows(client, "case-export"))["TJK-2023-0102"]

    assert row["sources"] == """'=HYPERLINK("http://x") (B2)"""


def test_event_and_followup_exports_carry_sources_and_single_sourced(client, viewer):
    event = EventFactory(title="Khorog rally", **INTERNAL)
    followup = FollowUpFactory(case=CaseFactory(**INTERNAL), title="Open letter")
    for index, record in enumerate((event, event, followup)):
        source = SourceFactory(title=f"Report {index}", publisher=f"Press {index}", **INTERNAL)
        CitationFactory(source=source, record=record)
    client.force_login(viewer)

    (event_row,) = [r for r in _rows(client, "event-export") if r["title"] == "Khorog rally"]
    (followup_row,) = [r for r in _rows(client, "followup-export") if r["title"] == "Open letter"]

    assert event_row["sources"] == "Report 0 (B2); Report 1 (B2)"
    assert event_row["single-sourced"] == "no"
    assert followup_row["sources"] == "Report 2 (B2)"
    assert followup_row["single-sourced"] == "yes"


# -- cost ----------------------------------------------------------------------------------------


def _cite(team, record, index):
    original = SourceFactory(team=team, publisher=f"Agency {index}")
    repeat = SourceFactory(team=team, publisher=f"Paper {index}", is_protected=index % 2 == 0)
    repeat.derived_from.add(original)
    CitationFactory(source=original, record=record)
    CitationFactory(source=repeat, record=record)
    CitationFactory(source=_hidden_source(), record=record)


def _case(team, index):
    case = CaseFactory(team=team)
    _cite(team, case, index)
    _cite(team, AllegationFactory(case=case), index)
    detention = DetentionFactory(case=case)
    _cite(team, DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED), index)
    return case


def _event(team, index):
    event = EventFactory(team=team)
    _cite(team, event, index)
    return event


def _followup(team, index):
    followup = FollowUpFactory(case=CaseFactory(team=team))
    _cite(team, followup, index)
    return followup


EXPORTS = {"case-export": _case, "event-export": _event, "followup-export": _followup}


def _export_queries(client, name) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as captured:
        rows = _rows(client, name)
    assert all(row["sources"].count("; ") == 1 for row in rows)
    return len(captured.captured_queries), rows


@pytest.mark.parametrize("name", EXPORTS)
def test_export_provenance_costs_as_many_queries_for_20_rows_as_for_2(
    client, monitor_on_team, team, name
):
    client.force_login(monitor_on_team)
    for index in range(2):
        EXPORTS[name](team, index)
    _rows(client, name)  # warm the per-process caches (content types…)
    few, few_rows = _export_queries(client, name)
    for index in range(2, 20):
        EXPORTS[name](team, index)
    many, many_rows = _export_queries(client, name)

    assert (len(few_rows), len(many_rows)) == (2, 20)
    assert few == many
