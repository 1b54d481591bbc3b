"""A protected person shows a pseudonym, and nothing that identifies them, to every user who
may not identify them: in lists, search results, exports and on every page."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tests.pages.conftest import PROTECTED_CYRILLIC, PROTECTED_NAME

pytestmark = pytest.mark.django_db

#: See the record, may not identify the person.
UNCLEARED = ("monitor_off_team", "coordinator", "viewer")
CLEARED = ("monitor_on_team", "reviewer")
IDENTIFYING = (PROTECTED_NAME, PROTECTED_CYRILLIC, "Journalist at a Khorog weekly")


def _pages(world) -> list[str]:
    person = world["protected_person"]
    return [
        reverse("person-list"),
        reverse("person-export"),
        reverse("person-detail", kwargs={"pk": person.pk}),
        reverse("case-detail", kwargs={"pk": world["internal_case"].pk}),
        reverse("dashboard"),
    ]


@pytest.mark.parametrize("persona", UNCLEARED)
def test_uncleared_user_sees_the_pseudonym_and_no_name_anywhere(client, personas, world, persona):
    client.force_login(personas[persona])
    pseudonym = world["protected_person"].pseudonym
    for url in _pages(world):
        content = client.get(url).getvalue().decode("utf-8")
        for text in IDENTIFYING:
            assert text not in content, (persona, url, text)
    listing = client.get(reverse("person-list")).content.decode()
    assert pseudonym in listing
    detail = client.get(reverse("person-detail", kwargs={"pk": world["protected_person"].pk}))
    assert pseudonym in detail.content.decode()
    assert b"identity is protected" in detail.content


@pytest.mark.parametrize("persona", CLEARED)
def test_team_member_sees_every_name_of_the_protected_person(client, personas, world, persona):
    client.force_login(personas[persona])
    detail = client.get(reverse("person-detail", kwargs={"pk": world["protected_person"].pk}))
    content = detail.content.decode()
    for text in IDENTIFYING:
        assert text in content, (persona, text)


@pytest.mark.parametrize("persona", UNCLEARED)
def test_searching_a_protected_name_finds_nothing_for_the_uncleared(
    client, personas, world, persona
):
    client.force_login(personas[persona])
    for query in (PROTECTED_NAME, PROTECTED_CYRILLIC, "Qalandarov"):
        response = client.get(reverse("person-list"), {"name": query})
        assert response.context["count"] == 0, (persona, query)
        assert world["protected_person"].pseudonym.encode() not in response.content


@pytest.mark.parametrize("persona", CLEARED)
def test_team_member_finds_the_protected_person_in_either_script(client, personas, world, persona):
    client.force_login(personas[persona])
    for query in ("Qalandarov", "Каландаров"):
        response = client.get(reverse("person-list"), {"name": query})
        assert response.context["count"] == 1, (persona, query)


@pytest.mark.parametrize("persona", UNCLEARED)
def test_person_export_withholds_identifying_fields(client, personas, world, persona):
    client.force_login(personas[persona])
    response = client.get(reverse("person-export"))
    text = response.getvalue().decode("utf-8").removeprefix("\ufeff")
    rows = {row[0]: row for row in list(csv.reader(io.StringIO(text)))[1:]}
    row = rows[world["protected_person"].pseudonym]
    assert row[1] == ""  # other names
    assert "withheld" in row[7]  # occupation
    for text_value in IDENTIFYING:
        assert text_value not in text


def test_sorting_by_name_does_not_order_by_hidden_names(client, personas, world):
    # The pseudonym sorts where its own letters put it, not where the real name would.
    from monitor.access import viewing_as

    client.force_login(personas["viewer"])
    rows = client.get(reverse("person-list"), {"sort": "name"}).context["rows"]
    with viewing_as(personas["viewer"]):
        names = [str(person) for person in rows]
    assert names == sorted(names)
    assert PROTECTED_NAME not in names
    assert world["protected_person"].pseudonym in names


def test_protected_source_shows_pseudonym_and_no_file_name(client, personas, world, team):
    from tests.factories import EvidenceFileFactory, SourceFactory

    source = SourceFactory(
        title="Statement of Farrukh",
        publisher="Khorog witness network",
        is_protected=True,
        team=team,
        confidentiality=20,
    )
    EvidenceFileFactory(source=source, original_name="farrukh-statement.txt")
    client.force_login(personas["viewer"])
    for url in (
        reverse("source-list"),
        reverse("source-export"),
        reverse("source-detail", kwargs={"pk": source.pk}),
    ):
        content = client.get(url).getvalue().decode("utf-8")
        assert "Farrukh" not in content and "farrukh" not in content, url
        assert "Khorog witness network" not in content, url
    detail = client.get(reverse("source-detail", kwargs={"pk": source.pk})).content.decode()
    assert source.pseudonym in detail
    assert "evidence-download" not in detail and "/download/" not in detail
    client.force_login(personas["monitor_on_team"])
    detail = client.get(reverse("source-detail", kwargs={"pk": source.pk})).content.decode()
    assert "farrukh-statement.txt" in detail
    assert source.evidence_files.get().sha256 in detail
