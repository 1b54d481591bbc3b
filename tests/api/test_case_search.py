"""Case search folds letter case and ё/е in Python (``Case.folded``), not in the database:
SQLite's ``LIKE`` folds Latin letters only, so "удальцов" missed "Удальцов" (issue 22). Run
on SQLite and on PostgreSQL (``DATABASE_URL``): the answers are the same."""

from __future__ import annotations

import pytest
from django.urls import reverse

from monitor.choices import Confidentiality
from monitor.pages.helpers import history_entries
from monitor.services import record_save
from tests.api.conftest import API
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(team):
    def case(title, summary=""):
        return CaseFactory(
            team=team, title=title, summary=summary, confidentiality=Confidentiality.INTERNAL
        )

    return {
        "udaltsov": case("Задержание Сергея Удальцова на Болотной"),
        "pavlensky": case("Пётр Павленский: поджог двери"),
        "khorog": case("Rally detentions", "Задержаны участники митинга в Хороге 16 мая."),
        "other": case("Другое дело", "Ничего общего."),
    }


def _found(client, query) -> set[str]:
    rows = client.get(f"{API}/cases/", {"q": query}).json()["results"]
    return {row["title"] for row in rows}


@pytest.mark.parametrize("typed", ["удальцов", "Удальцов", "УДАЛЬЦОВ", "удальцова"])
def test_cyrillic_title_search_ignores_letter_case(api, monitor_on_team, cases, typed):
    assert _found(api(monitor_on_team), typed) == {cases["udaltsov"].title}


@pytest.mark.parametrize("typed", ["Петр", "петр", "Пётр", "ПЁТР", "Petr"])
def test_e_typed_for_yo_and_a_latin_spelling_find_the_title(api, monitor_on_team, cases, typed):
    assert _found(api(monitor_on_team), typed) == {cases["pavlensky"].title}


def test_a_word_of_the_summary_is_found_in_any_letter_case_with_its_ending(
    api, monitor_on_team, cases
):
    client = api(monitor_on_team)
    assert _found(client, "ХОРОГ") == {cases["khorog"].title}
    # Every word must be there: two words of different cases find neither.
    assert _found(client, "хорог удальцов") == set()


def test_the_case_list_page_searches_the_same_way(client, monitor_on_team, cases):
    client.force_login(monitor_on_team)
    page = client.get(reverse("case-list"), {"q": "удальцов"}).content.decode()
    assert cases["udaltsov"].reference in page
    assert cases["other"].reference not in page


def test_an_edited_title_is_found_by_its_new_words_and_the_key_is_not_history(
    api, monitor_on_team, cases
):
    case = cases["other"]
    case.title = "Дело Ёлкина"
    record_save(record=case, actor=monitor_on_team, reason="Renamed")
    assert _found(api(monitor_on_team), "елкин") == {"Дело Ёлкина"}
    entries = history_entries([case.history.all()], user=monitor_on_team)
    changed = {change.label for entry in entries for change in entry.changes}
    assert "title" in {str(label).lower() for label in changed}
    assert not any("search key" in str(label).lower() for label in changed)
