"""Every list page is declared by a table that gives its columns and its CSV export at once.

The page columns are the CSV's (a page column is always exported); every list has its
export, allegations and detentions included; each row a list page draws has one cell per
column. The new allegation and detention lists follow the identity rules of the person list:
a protected person shows as their pseudonym to a reader who may not identify them, a hidden
one is left out, a hidden case's records are not listed.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.choices import StepKind
from cases.models import Allegation, Case, Detention, Event, Facility, FollowUp
from monitor.pages.listing import ListPage
from people.models import Person
from sources.models import Source
from tests.factories import (
    AllegationFactory,
    AllegationPerpetratorFactory,
    DetentionFactory,
    DetentionStepFactory,
    OrganizationFactory,
)
from tests.pages.conftest import LIST_NAMES, PROTECTED_NAME, SECRET, TEAM

pytestmark = pytest.mark.django_db


def list_pages() -> dict[str, ListPage]:
    """Every list page routed, by URL name: found from the URLs, so a new one is included."""
    found = {}

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                page = getattr(getattr(pattern.callback, "__wrapped__", None), "__self__", None)
                if isinstance(page, ListPage) and pattern.name.endswith("-list"):
                    found[pattern.name] = page

    walk(get_resolver().url_patterns)
    return found


#: Lists with a test module of their own (their columns, visibility, pseudonyms, queries).
TESTED_APART = {"register-list": "tests/pages/test_register.py"}


def test_every_list_is_routed_and_read_by_the_page_tests():
    pages = list_pages()
    assert set(pages) == set(LIST_NAMES) | set(TESTED_APART)
    models = {page.model for page in pages.values()}
    assert models == {Case, Event, FollowUp, Person, Source, Allegation, Detention, Facility}


@pytest.mark.parametrize("name", LIST_NAMES)
def test_each_list_has_a_table_whose_page_columns_are_exported(rf, personas, name):
    page = list_pages()[name]
    assert page.table is not None, f"{name}: declare its columns in the app's tables.py"
    export = reverse(page.export_url_name)
    assert export == reverse(name) + "export.csv"
    request = rf.get(reverse(name))
    request.user = personas["viewer"]
    table = page.table(request)
    on_page = [field.header for field in table.fields() if field.label]
    exported = [column.header for column in table.csv_columns()]
    assert on_page, name
    # Every page column is in the CSV, in the page's order; no CSV header twice.
    assert [header for header in exported if header in on_page] == on_page
    assert len(exported) == len(set(exported)), name
    # The page draws the table's columns (no list keeps columns of its own).
    assert [column.label for column in page.page_columns(request)] == [
        field.label for field in table.fields() if field.label
    ]


def _cells_per_row(html: str) -> list[int]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr\b.*?</tr>", body, flags=re.S)
    return [len(re.findall(r"<t[hd]\b", row)) for row in rows]


@pytest.mark.parametrize("name", LIST_NAMES)
def test_each_row_of_a_list_has_one_cell_per_column(client, personas, world, name):
    client.force_login(personas["reviewer"])
    response = client.get(reverse(name))
    assert response.status_code == 200
    headers = response.context["headers"]
    cells = _cells_per_row(response.content.decode())
    assert cells, f"{name}: no row drawn"
    assert set(cells) == {len(headers)}, (name, cells, [h["key"] for h in headers])


def _csv(response) -> list[dict]:
    text = response.getvalue().decode("utf-8").removeprefix("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def _protected_victim_world(world):
    """The protected person, victim of an allegation and detained, in the internal case;
    a perpetrator organisation alongside."""
    case = world["internal_case"]
    person = world["protected_person"]
    allegation = AllegationFactory(case=case, victim=person, date="May 2022")
    AllegationPerpetratorFactory(
        allegation=allegation, person=None, organization=OrganizationFactory(name="Militia")
    )
    detention = DetentionFactory(case=case, person=person)
    DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED, date="2022-05-20")
    DetentionStepFactory(detention=detention, kind=StepKind.CHARGED, date="2022-05-25")
    return allegation, detention


@pytest.mark.parametrize("persona", ["monitor_off_team", "coordinator", "viewer"])
@pytest.mark.parametrize("name", ["allegation-export", "detention-export", "allegation-list"])
def test_a_reader_who_may_not_identify_the_victim_gets_the_pseudonym(
    client, personas, world, persona, name
):
    _protected_victim_world(world)
    client.force_login(personas[persona])
    response = client.get(reverse(name))
    assert response.status_code == 200
    content = response.getvalue().decode("utf-8")
    assert world["protected_person"].pseudonym in content
    assert PROTECTED_NAME not in content
    assert SECRET not in content  # the strict case's records are not listed at all


@pytest.mark.parametrize("persona", TEAM)
def test_the_team_sees_the_victims_name_and_the_whole_detention(client, personas, world, persona):
    _protected_victim_world(world)
    client.force_login(personas[persona])
    allegations = _csv(client.get(reverse("allegation-export")))
    mine = [row for row in allegations if row["victim"] == PROTECTED_NAME]
    assert len(mine) == 1
    assert mine[0]["perpetrators"].startswith("Militia")
    assert mine[0]["case"] == world["internal_case"].reference
    detentions = _csv(client.get(reverse("detention-export")))
    held = [row for row in detentions if row["person"] == PROTECTED_NAME]
    assert len(held) == 1
    assert held[0]["status"] == str(StepKind.CHARGED.label)
    assert held[0]["steps"] == "20 May 2022 arrested; 25 May 2022 charged"
    # The strict case's records are the team's: listed for them.
    assert any(row["case"] == "TJK-2023-0901" for row in detentions)


def test_a_hidden_victim_is_left_blank_not_named(client, personas, world):
    hidden = world["secret_person"]  # strict, on the team
    public = Case.objects.get(pk=world["internal_case"].pk)
    AllegationFactory(case=public, victim=hidden, date="2023")
    client.force_login(personas["viewer"])
    rows = _csv(client.get(reverse("allegation-export")))
    assert rows and all(SECRET not in str(row) for row in rows)
    assert "" in {row["victim"] for row in rows}


def test_filters_narrow_the_export_like_the_list(client, personas, world):
    client.force_login(personas["reviewer"])
    case = world["internal_case"]
    rows = _csv(client.get(reverse("detention-export"), {"case": case.pk}))
    assert {row["case"] for row in rows} == {case.reference}


@pytest.mark.parametrize(
    ("persona", "at_station", "at_rally"),
    [("monitor_on_team", "102", "25"), ("monitor_off_team", "25", "25"), ("viewer", "25", "25")],
)
def test_people_detained_per_police_station_and_event_count_only_what_the_reader_sees(
    client, personas, world, persona, at_station, at_rally
):
    client.force_login(personas[persona])
    stations = _csv(client.get(reverse("facility-export")))
    assert [(row["name"], row["detained"]) for row in stations] == [
        ("Khorog city police station", at_station)
    ]
    events = {row["title"]: row["detained"] for row in _csv(client.get(reverse("event-export")))}
    assert events["Khorog rally"] == at_rally
    assert (f"{SECRET} operation" in events) == (persona == "monitor_on_team")
    page = client.get(reverse("facility-list"), {"q": "Хорога"}).content.decode()
    assert "Khorog city police station" in page
