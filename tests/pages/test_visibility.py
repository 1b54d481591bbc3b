"""Who must not see a record never sees it: not its page, not in a list, a search, a count,
a chart or an export."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tests.pages.conftest import (
    EXPORT_NAMES,
    LIST_NAMES,
    NOT_TEAM,
    SECRET,
    TEAM,
    WITH_ROLE,
    detail_urls,
)

pytestmark = pytest.mark.django_db


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


@pytest.mark.parametrize("persona", NOT_TEAM)
def test_outsider_gets_404_on_every_strict_record_page(client, personas, world, persona):
    for kind, url in detail_urls(world).items():
        response = _get(client, personas[persona], url)
        assert response.status_code == 404, (persona, kind)
        assert SECRET.encode() not in response.content


@pytest.mark.parametrize("persona", TEAM)
def test_team_member_opens_every_strict_record_page(client, personas, world, persona):
    for kind, url in detail_urls(world).items():
        response = _get(client, personas[persona], url)
        assert response.status_code == 200, (persona, kind)
        assert SECRET.encode() in response.content


@pytest.mark.parametrize("persona", NOT_TEAM)
def test_outsider_never_sees_strict_records_in_lists_or_exports(client, personas, world, persona):
    for name in LIST_NAMES + EXPORT_NAMES:
        response = _get(client, personas[persona], reverse(name))
        assert response.status_code == 200, (persona, name)
        assert SECRET.encode() not in response.getvalue(), (persona, name)


@pytest.mark.parametrize("persona", NOT_TEAM)
def test_outsider_searching_for_a_strict_record_finds_nothing(client, personas, world, persona):
    searches = {
        "case-list": {"q": SECRET},
        "event-list": {"q": SECRET},
        "source-list": {"q": SECRET},
        "person-list": {"name": SECRET},
    }
    titles = [
        f"{SECRET} detentions",
        f"{SECRET} operation",
        f"{SECRET} testimony",
        f"Hidden {SECRET}",
    ]
    for name, params in searches.items():
        response = _get(client, personas[persona], reverse(name), **params)
        for title in titles:  # the query itself is echoed in the search box
            assert title.encode() not in response.content, (persona, name)
        assert response.context["count"] == 0, (persona, name)
    # The searches that name it find nothing: the count says so.
    response = _get(client, personas[persona], reverse("case-list"), q=SECRET)
    assert response.context["count"] == 0


@pytest.mark.parametrize("persona", TEAM)
def test_team_member_finds_the_strict_case_by_search(client, personas, world, persona):
    response = _get(client, personas[persona], reverse("case-list"), q=SECRET)
    assert response.context["count"] == 1
    assert f"{SECRET} detentions".encode() in response.content


def test_case_counts_include_only_what_each_persona_may_see(client, personas, world):
    expected = {
        "monitor_on_team": 2,
        "reviewer": 2,
        "monitor_off_team": 1,
        "coordinator": 1,
        "viewer": 1,
        "no_role_user": 0,
    }
    for persona, count in expected.items():
        response = _get(client, personas[persona], reverse("case-list"))
        assert response.context["count"] == count, persona
        noun = "case" if count == 1 else "cases"
        assert f"{count} {noun}".encode() in response.content, persona


@pytest.mark.parametrize("persona", NOT_TEAM)
def test_outsider_cannot_filter_by_a_hidden_event(client, personas, world, persona):
    # Filtering by the hidden event's id is refused like an id that does not exist: it
    # confirms nothing, and the list is not silently empty.
    response = _get(
        client, personas[persona], reverse("case-list"), event=str(world["secret_event"].pk)
    )
    assert response.status_code == 200
    assert response.context["error"]
    assert response.context["rows"] == []
    assert SECRET.encode() not in response.content


@pytest.mark.parametrize("persona", NOT_TEAM)
def test_outsider_filter_choices_hold_no_hidden_record(client, personas, world, persona):
    response = _get(client, personas[persona], reverse("case-list"))
    html = response.content.decode()
    assert str(world["secret_event"].pk) not in html
    assert str(world["secret_person"].pk) not in html


def _csv_rows(response) -> list[list[str]]:
    text = response.getvalue().decode("utf-8").removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("persona", WITH_ROLE)
def test_case_export_has_one_row_per_visible_case(client, personas, world, persona):
    response = _get(client, personas[persona], reverse("case-export"))
    rows = _csv_rows(response)
    references = {row[0] for row in rows[1:]}
    expected = {"TJK-2023-0100"} | ({"TJK-2023-0901"} if persona in TEAM else set())
    assert references == expected
    assert response["Content-Disposition"].startswith("attachment;")


def test_no_role_user_exports_an_empty_file(client, personas, world):
    response = _get(client, personas["no_role_user"], reverse("case-export"))
    assert len(_csv_rows(response)) == 1  # the header only


def test_export_is_recorded_in_the_access_log(client, personas, world, caplog):
    with caplog.at_level("INFO", logger="monitor.access"):
        _get(client, personas["viewer"], reverse("case-export"), q="Open")
    record = next(r for r in caplog.records if r.name == "monitor.access")
    assert record.username == "vera-viewer"
    assert record.rows == 1
    assert record.filters == ["q"]
    assert "Open" not in record.getMessage()  # the search itself is never logged


@pytest.mark.parametrize("persona", NOT_TEAM)
def test_dashboard_chart_counts_exclude_strict_records(client, personas, world, persona):
    response = _get(client, personas[persona], reverse("dashboard"))
    if persona == "no_role_user":
        assert "chart" not in response.context
        return
    chart = response.context["chart"]
    # The internal case's arrest, its group of 25 detained and its allegation only: the
    # strict case's group of 77 is not counted.
    assert chart.totals == [1, 25, 1]
    assert "May 2023" not in chart.categories  # the strict allegation's month
    assert SECRET.encode() not in response.content


@pytest.mark.parametrize("persona", TEAM)
def test_dashboard_chart_counts_the_strict_records_for_the_team(client, personas, world, persona):
    chart = _get(client, personas[persona], reverse("dashboard")).context["chart"]
    assert chart.totals == [2, 25 + 77, 2]


@pytest.mark.parametrize("persona", NOT_TEAM)
def test_dashboard_never_mentions_a_strict_record(client, personas, world, persona):
    response = _get(client, personas[persona], reverse("dashboard"))
    assert SECRET.encode() not in response.content


def test_hidden_victim_is_not_named_on_a_visible_case(client, personas, world, team):
    # The case is visible to the viewer, its victim is a strict person of the team.
    from tests.factories import AllegationFactory

    AllegationFactory(case=world["internal_case"], victim=world["secret_person"])
    response = _get(
        client,
        personas["viewer"],
        reverse("case-detail", kwargs={"pk": world["internal_case"].pk}),
    )
    assert response.status_code == 200
    assert SECRET.encode() not in response.content
    assert b"a person you may not see" in response.content


def test_hidden_event_is_not_listed_on_a_visible_case(client, personas, world):
    world["internal_case"].events.add(world["secret_event"])
    response = _get(
        client,
        personas["viewer"],
        reverse("case-detail", kwargs={"pk": world["internal_case"].pk}),
    )
    assert SECRET.encode() not in response.content
    assert b"Khorog rally" in response.content


def test_hidden_source_is_not_shown_as_provenance(client, personas, world):
    from tests.factories import CitationFactory

    CitationFactory(source=world["secret_source"], record=world["internal_case"])
    response = _get(
        client,
        personas["coordinator"],
        reverse("case-detail", kwargs={"pk": world["internal_case"].pk}),
    )
    assert SECRET.encode() not in response.content


def test_archived_case_is_listed_only_on_request_and_opens_with_a_banner(client, personas, world):
    from monitor.services import record_archive

    coordinator = personas["coordinator"]
    record_archive(record=world["internal_case"], actor=coordinator, reason="duplicate")
    client.force_login(coordinator)
    assert client.get(reverse("case-list")).context["count"] == 0
    assert client.get(reverse("case-list"), {"archived": "include"}).context["count"] == 1
    page = client.get(reverse("case-detail", kwargs={"pk": world["internal_case"].pk}))
    assert page.status_code == 200
    assert b"This record was archived" in page.content
