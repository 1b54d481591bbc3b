"""The dashboard on a large register (issue 14): the chart of the whole register comes from a
summary kept per worker (``monitor.summaries``), computed once per change and never stale,
and never counting a record its reader may not see; the dashboard's queries are as many with
a few records as with many.

Committed writes, as requests make them: a test's own transaction would keep nothing (a
transaction that changed the summary's version computes it afresh until it commits).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.choices import StepKind
from cases.counts import REGISTER_PER_MONTH
from monitor.choices import Confidentiality, ReviewState
from monitor.models import SummaryVersion
from monitor.services import record_save
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    DetentionFactory,
    DetentionStepFactory,
    GroupDetentionFactory,
    GroupDetentionFigureFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

#: The dashboard's queries, whatever the size of the register: a few per kind of record it
#: lists (its recent changes here are of three kinds; the bench's, of one, make 25).
DASHBOARD_QUERIES = 26


def _case(team, confidentiality, *, arrests=1, allegations=1):
    case = CaseFactory(team=team, confidentiality=confidentiality)
    for _ in range(arrests):
        DetentionStepFactory(
            detention=DetentionFactory(case=case), kind=StepKind.ARRESTED, date="2022-05-16"
        )
    for _ in range(allegations):
        AllegationFactory(case=case, date="May 2022")
    return case


def _totals(client) -> list[int]:
    return client.get(reverse("dashboard")).context["chart"].totals


def _reads_the_register(captured) -> bool:
    return any("cases_allegation" in query["sql"] for query in captured.captured_queries)


def test_the_summary_never_counts_what_the_reader_may_not_see(
    client, team, monitor_on_team, monitor_off_team
):
    _case(team, Confidentiality.STRICT, arrests=2, allegations=3)  # the team's alone
    _case(None, Confidentiality.INTERNAL, arrests=1, allegations=1)
    client.force_login(monitor_on_team)
    assert _totals(client) == [3, 0, 4]
    client.force_login(monitor_off_team)
    # The same kept summary, added up as this reader may see it: the strict case is not there.
    assert _totals(client) == [1, 0, 1]
    with CaptureQueriesContext(connection) as captured:
        assert _totals(client) == [1, 0, 1]
    assert not _reads_the_register(captured)  # kept: read once while nothing changes


def test_every_write_counts_at_the_next_read(client, team, monitor_on_team, monitor_off_team):
    visible = _case(None, Confidentiality.INTERNAL)
    client.force_login(monitor_off_team)
    assert _totals(client) == [1, 0, 1]
    token = SummaryVersion.objects.get(key=REGISTER_PER_MONTH).token

    AllegationFactory(case=visible, date="June 2022")
    assert SummaryVersion.objects.get(key=REGISTER_PER_MONTH).token != token
    assert _totals(client) == [1, 0, 2]

    # The case becomes the team's alone: this reader no longer counts any of it, at once.
    visible.team, visible.confidentiality = team, Confidentiality.STRICT
    record_save(record=visible, actor=monitor_on_team, reason="Strict from now on")
    with CaptureQueriesContext(connection) as captured:
        assert _totals(client) == [0, 0, 0]
    assert _reads_the_register(captured)

    client.force_login(monitor_on_team)
    assert _totals(client) == [1, 0, 2]
    visible.archived_at = timezone.now()  # (a coordinator's archive, as record_archive saves it)
    visible.save()
    assert _totals(client) == [0, 0, 0]


def test_groups_are_counted_as_the_reader_may_see_them(client, team, monitor_off_team):
    hidden = _case(team, Confidentiality.STRICT, arrests=0, allegations=0)
    visible = _case(None, Confidentiality.INTERNAL, arrests=0, allegations=0)
    for case in (hidden, visible):
        GroupDetentionFigureFactory(
            group=GroupDetentionFactory(case=case, date="2022-05-16"), value=25
        )
    client.force_login(monitor_off_team)
    assert _totals(client) == [0, 25, 0]


def _dashboard_queries(client) -> int:
    client.get(reverse("dashboard"))  # the summary computed and kept
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return len(captured.captured_queries)


def _drafts(team, user, count):
    for _ in range(count):
        CaseFactory(team=team, created_by=user, review_state=ReviewState.DRAFT)
        PersonFactory(team=team, created_by=user, review_state=ReviewState.DRAFT)


def test_the_dashboards_queries_are_as_many_at_two_sizes(client, team, reviewer):
    client.force_login(reviewer)
    _case(team, Confidentiality.STRICT)
    _drafts(team, reviewer, 1)
    small = _dashboard_queries(client)
    for n in range(15):
        _case(team if n % 2 else None, Confidentiality.INTERNAL, arrests=2, allegations=2)
        GroupDetentionFigureFactory(
            group=GroupDetentionFactory(case=CaseFactory(team=team), date="2022-06"), value=7
        )
    _drafts(team, reviewer, 15)
    large = _dashboard_queries(client)
    assert small == large
    assert large <= DASHBOARD_QUERIES
