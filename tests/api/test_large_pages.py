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


def _case_with(team, detentions: int):
    case = CaseFactory(team=team)
    group = GroupDetentionFactory(case=case)
    GroupDetentionFigureFactory(group=group, value=detentions + 5)
    for index in range(detentions):
        detention = DetentionFactory(
            case=case, person=PersonFactory(team=team), group=group if index % 2 else None
        )
        if index % 3:
            DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED)
    return case


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
    small_case = _case_with(team, 3)
    _body, small_count, small_longest = _list(client)
    small_case_detentions = 3

    _case_with(team, MANY)
    body, many_count, many_longest = _list(client)

    rows = {row["reference"]: row for row in body["results"]}
    assert len(rows) == 2
    big = next(row for ref, row in rows.items() if ref != small_case.reference)
    assert len(big["detentions"]) == MANY
    assert all(d["person"] is not None for d in big["detentions"])
    assert len(rows[small_case.reference]["detentions"]) == small_case_detentions
    (group,) = big["group_detentions"]
    assert group["detained"] == MANY + 5
    assert group["unidentified"] == MANY + 5 - MANY // 2
    # As many queries, none longer, whatever the number of children.
    assert many_count == small_count
    assert many_longest <= small_longest
