"""The dashboard: drafts, returned work with the reviewer's comment, what waits for review,
deadlines, recent changes and the chart."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from cases.choices import StepKind
from monitor.choices import Confidentiality
from monitor.history import acting_as
from monitor.services import review_return, review_submit
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    DetentionFactory,
    DetentionStepFactory,
    EventFactory,
    FollowUpFactory,
    GroupDetentionFactory,
    GroupDetentionFigureFactory,
)

pytestmark = pytest.mark.django_db


def test_user_without_a_role_sees_an_empty_dashboard_asking_for_a_coordinator(client, no_role_user):
    CaseFactory(title="Public case", confidentiality=Confidentiality.PUBLIC)
    client.force_login(no_role_user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert b"Ask a coordinator" in response.content
    assert b"Public case" not in response.content


def test_my_drafts_lists_what_i_created_or_edited_and_nothing_else(
    client, monitor_on_team, monitor_off_team, team
):
    with acting_as(monitor_on_team):
        mine = CaseFactory(title="Draft by Alice", team=team)
    with acting_as(monitor_off_team):
        CaseFactory(title="Draft by Bob", team=team)
    client.force_login(monitor_on_team)
    response = client.get(reverse("dashboard"))
    drafts = [item["ref"].label for item in response.context["drafts"]]
    assert drafts == [str(mine)]
    html = response.content.decode()
    section = html[html.index('id="drafts-heading"') : html.index('id="returned-heading"')]
    assert "Draft by Alice" in section
    assert "Draft by Bob" not in section


def test_returned_work_shows_the_reviewers_comment(client, monitor_on_team, reviewer, team):
    with acting_as(monitor_on_team):
        case = CaseFactory(title="Khorog arrests", team=team)
    review_submit(record=case, actor=monitor_on_team)
    review_return(record=case, actor=reviewer, comment="Cite the court record for the sentence.")
    client.force_login(monitor_on_team)
    response = client.get(reverse("dashboard"))
    html = response.content.decode()
    section = html[html.index('id="returned-heading"') : html.index('id="overdue-heading"')]
    assert "Khorog arrests" in section
    assert "Cite the court record for the sentence." in section
    assert "rita-reviewer" in section


def test_reviewer_sees_the_count_waiting_and_the_review_queue_link(
    client, monitor_on_team, reviewer, team
):
    with acting_as(monitor_on_team):
        first, second = CaseFactory(team=team), EventFactory(team=team)
        CaseFactory(team=team)  # a draft: not waiting
    review_submit(record=first, actor=monitor_on_team)
    review_submit(record=second, actor=monitor_on_team)
    client.force_login(reviewer)
    response = client.get(reverse("dashboard"))
    assert response.context["waiting_count"] == 2
    assert f'href="{reverse("review-queue")}"'.encode() in response.content


def test_monitor_sees_no_review_section(client, monitor_on_team):
    client.force_login(monitor_on_team)
    response = client.get(reverse("dashboard"))
    assert b"Waiting for review" not in response.content


def test_overdue_and_upcoming_follow_ups_are_listed(client, monitor_on_team, team):
    case = CaseFactory(team=team)
    today = datetime.date.today()
    FollowUpFactory(case=case, title="Letter left unanswered", sent="2023-05-12")
    FollowUpFactory(
        case=case,
        title="Letter due soon",
        sent=(today - datetime.timedelta(days=50)).isoformat(),
        due_on=today + datetime.timedelta(days=10),
    )
    FollowUpFactory(
        case=case,
        title="Letter due later",
        sent=today.isoformat(),
        due_on=today + datetime.timedelta(days=40),
    )
    client.force_login(monitor_on_team)
    response = client.get(reverse("dashboard"))
    overdue = [entry["item"].title for entry in response.context["overdue"]]
    upcoming = [entry["item"].title for entry in response.context["upcoming"]]
    assert overdue == ["Letter left unanswered"]
    assert upcoming == ["Letter due soon"]
    html = response.content.decode()
    assert "days late" in html
    followup_url = reverse(
        "followup-detail", kwargs={"pk": response.context["overdue"][0]["item"].pk}
    )
    assert f'href="{followup_url}"' in html


def test_chart_counts_arrests_and_allegations_per_month(client, monitor_on_team, team):
    case = CaseFactory(team=team)
    for date in ("2022-05-16", "2022-05-18", "2022-07"):
        DetentionStepFactory(
            detention=DetentionFactory(case=case), kind=StepKind.ARRESTED, date=date
        )
    DetentionStepFactory(
        detention=DetentionFactory(case=case), kind=StepKind.RELEASED, date="2022-06"
    )
    AllegationFactory(case=case, date="May 2022")
    AllegationFactory(case=case, date="2022")  # year only: counted apart
    # 25 people detained together at a rally: people, in a series of their own.
    group = GroupDetentionFactory(case=case, date="2022-05-16")
    GroupDetentionFigureFactory(group=group, value=25)
    GroupDetentionFigureFactory(group=group, value=12)
    client.force_login(monitor_on_team)
    response = client.get(reverse("dashboard"))
    chart = response.context["chart"]
    assert [series.key for series in chart.series] == ["detentions", "detained", "allegations"]
    assert chart.categories == ["May 2022", "Jun 2022", "Jul 2022"]
    assert chart.rows == [
        ("May 2022", [2, 25, 1]),
        ("Jun 2022", [0, 0, 0]),
        ("Jul 2022", [1, 0, 0]),
    ]
    assert response.context["chart_apart"]["allegations"]["year_only"] == 1
    html = response.content.decode()
    assert '<svg viewBox="0 0 720 280" role="img"' in html
    assert '<title id="chart-title">' in html and '<desc id="chart-desc">' in html
    assert (
        '<th scope="row">May 2022</th><td class="num">2</td><td class="num">25</td>'
        '<td class="num">1</td>'
    ) in html
    assert "25 people detained in groups" in html


def test_chart_filters_by_event_and_place(client, monitor_on_team, team):
    from tests.factories import PlaceFactory

    rally = EventFactory(team=team, title="Khorog rally")
    khorog = PlaceFactory(name="Khorog")
    in_rally = CaseFactory(team=team)
    in_rally.events.add(rally)
    elsewhere = CaseFactory(team=team)
    AllegationFactory(case=in_rally, date="May 2022")
    AllegationFactory(case=elsewhere, date="May 2022", place=khorog)
    AllegationFactory(case=elsewhere, date="June 2022")
    client.force_login(monitor_on_team)
    by_event = client.get(reverse("dashboard"), {"event": str(rally.pk)}).context["chart"]
    assert by_event.totals == [0, 0, 1]
    by_place = client.get(reverse("dashboard"), {"place": str(khorog.pk)}).context["chart"]
    assert by_place.totals == [0, 0, 1]
    everything = client.get(reverse("dashboard")).context["chart"]
    assert everything.totals == [0, 0, 3]


def test_chart_refuses_an_event_the_user_may_not_see(client, monitor_off_team, team):
    hidden = EventFactory(team=team, confidentiality=Confidentiality.STRICT)
    client.force_login(monitor_off_team)
    response = client.get(reverse("dashboard"), {"event": str(hidden.pk)})
    assert response.context["chart_error"]
    assert "chart" not in response.context


def test_recent_changes_list_visible_records_only(client, monitor_off_team, team):
    CaseFactory(title="Team-only change", team=team, confidentiality=Confidentiality.STRICT)
    CaseFactory(title="Visible change", confidentiality=Confidentiality.INTERNAL)
    client.force_login(monitor_off_team)
    response = client.get(reverse("dashboard"))
    labels = [change["ref"].label for change in response.context["recent"]]
    assert any("Visible change" in label for label in labels)
    assert b"Team-only change" not in response.content
