"""One search box for everything (issue 19, point 6), tested as the people who must not see
some of it: hidden records never appear, a protected person shows by pseudonym, and a query
that matches only hidden records answers exactly like one that matches nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import AllegationFactory, CitationFactory
from tests.pages.conftest import NOT_TEAM, PROTECTED_NAME, SECRET, TEAM

pytestmark = pytest.mark.django_db

UNCLEARED = ("monitor_off_team", "coordinator", "viewer")


def search(client, query: str):
    return client.get(reverse("search"), {"q": query})


def hits(response) -> list[tuple[str, str]]:
    return [(hit.kind, hit.label) for hit in response.context["hits"]]


def without_tokens(response) -> str:
    """The page without the parts that differ from request to request."""
    body = response.content.decode()
    return "\n".join(line for line in body.splitlines() if "csrfmiddlewaretoken" not in line)


def test_the_header_holds_the_search_box_on_every_page(client, reviewer):
    client.force_login(reviewer)
    body = client.get(reverse("dashboard")).content.decode()
    assert f'action="{reverse("search")}"' in body
    assert 'id="site-search-q"' in body


@pytest.mark.parametrize("persona", TEAM)
def test_one_query_finds_every_kind_the_team_may_see(client, personas, world, persona):
    client.force_login(personas[persona])

    found = hits(search(client, SECRET))

    kinds = {kind for kind, _label in found}
    assert {"Case", "Event", "Source", "Follow-up", "Person"} <= kinds


@pytest.mark.parametrize("persona", NOT_TEAM)
def test_hidden_records_never_appear_and_the_page_looks_like_no_match(
    client, personas, world, persona
):
    client.force_login(personas[persona])

    hidden = search(client, SECRET)
    nothing = search(client, "Qwzxv")

    assert hidden.status_code == nothing.status_code == 200
    assert hidden.context["hits"] == []
    assert without_tokens(hidden).replace(SECRET, "Q") == without_tokens(nothing).replace(
        "Qwzxv", "Q"
    )


def test_a_person_is_found_by_every_spelling(client, reviewer, world):
    client.force_login(reviewer)
    for query in ("Tolib Ayombekov", "Толиб Аёмбеков", "ayombekov"):
        assert ("Person", "Tolib Ayombekov") in hits(search(client, query)), query


def test_cases_are_found_by_a_victims_name_ranked_below_a_title_match(client, reviewer, world):
    client.force_login(reviewer)

    found = hits(search(client, "Ayombekov"))

    assert found[0] == ("Person", "Tolib Ayombekov")
    assert ("Case", "TJK-2023-0100 — Open detentions") in found


def test_a_case_is_found_by_its_allegations_words_and_its_quotes(client, reviewer, world):
    case = world["internal_case"]
    AllegationFactory(case=case, description="Beaten with a rubber baton in the basement")
    allegation = case.allegations.first()
    CitationFactory(
        source=world["public_source"], record=allegation, quote="They kept him in a cold cell"
    )
    client.force_login(reviewer)

    assert ("Case", str(case)) in hits(search(client, "rubber baton"))
    assert ("Case", str(case)) in hits(search(client, "cold cell"))


def test_a_quote_from_a_source_the_user_may_not_see_finds_nothing(client, personas, world):
    case = world["internal_case"]
    CitationFactory(
        source=world["secret_source"], record=case, quote="Taken to the Vanj checkpoint"
    )
    client.force_login(personas["viewer"])
    assert hits(search(client, "Vanj checkpoint")) == []
    client.force_login(personas["reviewer"])
    assert ("Case", str(case)) in hits(search(client, "Vanj checkpoint"))


@pytest.mark.parametrize("persona", UNCLEARED)
def test_a_protected_person_is_never_found_by_their_name_by_the_uncleared(
    client, personas, world, persona
):
    client.force_login(personas[persona])
    for query in (PROTECTED_NAME, "Qalandarov", "Каландаров", "qalandarov"):
        response = search(client, query)
        assert response.context["hits"] == [], (persona, query)
        assert world["protected_person"].pseudonym not in response.content.decode()


@pytest.mark.parametrize("persona", UNCLEARED)
def test_a_protected_name_in_free_text_does_not_find_its_case(client, personas, world, persona):
    case = world["internal_case"]
    case.summary = "Qalandarov saw the arrest from the window."
    case.save()
    client.force_login(personas[persona])

    assert hits(search(client, "Qalandarov")) == []


@pytest.mark.parametrize("persona", TEAM)
def test_the_cleared_find_the_protected_person_by_name(client, personas, world, persona):
    client.force_login(personas[persona])
    assert ("Person", PROTECTED_NAME) in hits(search(client, "Каландаров"))


def test_a_user_without_a_role_finds_nothing(client, personas, world):
    client.force_login(personas["no_role_user"])
    assert search(client, "Open").context["hits"] == []


def test_the_result_page_runs_as_many_queries_for_20_matches_of_each_kind_as_for_2(
    client, reviewer, team
):
    from tests.factories import (
        CaseFactory,
        EventFactory,
        FollowUpFactory,
        PersonFactory,
        SourceFactory,
    )
    from tests.pages.test_queries import _queries

    def make(word: str, n: int) -> None:
        for index in range(n):
            case = CaseFactory(team=team, title=f"{word} detentions {index}")
            EventFactory(team=team, title=f"{word} rally {index}")
            SourceFactory(team=team, title=f"{word} report {index}")
            FollowUpFactory(case=case, title=f"{word} letter {index}")
            PersonFactory(team=team, name=f"Rustam {word} {index}")

    make("Vanjskaya", 2)
    make("Rushanskaya", 20)
    client.force_login(reviewer)
    few = _queries(client, reverse("search"), {"q": "Vanjskaya"})
    many = _queries(client, reverse("search"), {"q": "Rushanskaya"})
    assert many <= few  # the name search stops in stages once it has enough
