"""A page of cases holding more than a thousand children answers, on both databases.

SQLite refuses a statement whose expression tree is deeper than 1,000 ("Expression tree is
too large"), and Django's prefetch of a link lists every linked id (on SQLite as a chain of
``OR``): a list endpoint must not build a query whose size grows with the page's children.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.choices import StepKind
from tests.api.conftest import API
from tests.factories import (
    CaseFactory,
    DetentionFactory,
    DetentionStepFactory,
    GroupDetentionFactory,
    GroupDetentionFigureFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

MANY = 1_050
PARAMETER = re.compile(r"'[^']*'|\b\d+\b")


def _add_detentions(case, group, team, count: int) -> None:
    for index in range(count):
        detention = DetentionFactory(
            case=case, person=PersonFactory(team=team), group=group if index % 2 else None
        )
        if index % 3:
            DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED)


def _list(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{API}/cases/")
    assert response.status_code == 200, response.content[:500]
    # A query's shape: its SQL with every literal taken out (the ids differ between runs).
    shapes = [len(PARAMETER.sub("?", query["sql"])) for query in queries.captured_queries]
    return response.json(), len(queries.captured_queries), max(shapes)


def test_case_list_with_more_than_a_thousand_detentions_answers_with_bounded_queries(
    api, monitor_on_team, team
):
    client = api(monitor_on_team)
    small, big = CaseFactory(team=team), CaseFactory(team=team)
    group = GroupDetentionFactory(case=big)
    GroupDetentionFigureFactory(group=group, value=MANY + 5)
    _add_detentions(small, None, team, 3)
    _add_detentions(big, group, team, 2)
    client.get(f"{API}/cases/")  # warm the process-wide caches (content types, roles)
    _body, few_count, few_longest = _list(client)

    # The same page of two cases, one of them now holding more than a thousand detentions.
    _add_detentions(big, group, team, MANY - 2)
    body, many_count, many_longest = _list(client)

    rows = {row["reference"]: row for row in body["results"]}
    assert len(rows[big.reference]["detentions"]) == MANY
    assert all(d["person"] is not None for d in rows[big.reference]["detentions"])
    assert len(rows[small.reference]["detentions"]) == 3
    (counted,) = rows[big.reference]["group_detentions"]
    named = sum(1 for index in range(2) if index % 2) + sum(
        1 for index in range(MANY - 2) if index % 2
    )
    assert counted["detained"] == MANY + 5
    assert counted["unidentified"] == MANY + 5 - named
    # As many queries, none longer, whatever the number of children.
    assert many_count == few_count
    assert many_longest <= few_longest
