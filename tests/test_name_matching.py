"""The ranked name matcher (people.matching) and every surface that calls it.

Each pair of issue 15 is found in both directions: by the matcher, the API's ``?name=``, the
person list page, the admin's autocomplete (the admin's person pickers), the pages' person
pickers (a typed new person is checked against those recorded), the case list's search and
the API's person create (409 with the likely duplicates). Issue 22's search bugs too:
letter case of Cyrillic on SQLite, ё typed as е, x for ks, -ei/-ey, grammatical case.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.urls import reverse

from cases.models import Case
from monitor.choices import Confidentiality, Role, Vocabulary
from monitor.models import Term
from people import matching
from people.folding import fold_name
from people.models import Person
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    PersonFactory,
    UserFactory,
)
from tests.forms.test_case_form import create_case
from tests.names_corpus import DatabaseRegister, evaluate, register_names, same_pairs

#: The pairs of the issue: (as recorded, as typed), each tried both ways.
ISSUE_PAIRS = [
    ("Rustam Jumayev", "Rustam Djumaev"),
    ("Rustam Jumayev", "Рустам Джумаев"),
    ("Rustam Djumaev", "Джумаев Рустам"),
    ("Saidali Abdulloyev", "Saidali Abdulloev"),
    ("Farhod Irgashov", "Farhod Irgashev"),
    ("Bahrom Yuldoshev", "Bahrom Yuldashev"),
    ("Нодир Ёдгоров", "Нодир Едгоров"),
    ("Нодир Ёдгоров", "Nodir Edgorov"),
    ("Husein Nazarov", "Husayn Nazarov"),
    ("Khurshed Saidov", "Khurshid Saidov"),
    ("Umed Yusufov", "Umed Yusupov"),
    ("Umed Yusufov", "Умед Юсуфов"),
]
#: The surname alone, as a monitor types it into a search.
SURNAMES = [
    ("Rustam Jumayev", "Djumaev"),
    ("Rustam Djumaev", "Джумаев"),
    ("Saidali Abdulloyev", "Abdulloev"),
    ("Farhod Irgashov", "Irgashev"),
    ("Bahrom Yuldoshev", "Yuldashev"),
    ("Нодир Ёдгоров", "Edgorov"),
    ("Umed Yusufov", "Юсупов"),
]
BOTH_WAYS = [*ISSUE_PAIRS, *[(typed, recorded) for recorded, typed in ISSUE_PAIRS]]


@pytest.fixture
def searcher(db):
    return UserFactory(role=Role.MONITOR, clearance=Confidentiality.CONFIDENTIAL)


def person(name: str) -> Person:
    return PersonFactory(name=name, confidentiality=Confidentiality.INTERNAL)


# -- the key and the score -------------------------------------------------------------------


@pytest.mark.parametrize(("recorded", "typed"), BOTH_WAYS)
def test_each_pair_of_the_issue_is_a_sure_match_both_ways(recorded, typed):
    assert matching.name_score(fold_name(typed), fold_name(recorded)) >= matching.MATCH_SCORE


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Jumayev", "Djumaev"),
        ("Jumayev", "Джумаев"),
        ("Abdulloyev", "Abdulloev"),
        ("Irgashov", "Irgashev"),
        ("Yuldoshev", "Yuldashev"),
        ("Ёдгоров", "Едгоров"),
        ("Ёдгоров", "Edgorov"),
        ("Husein", "Husayn"),
        ("Khurshed", "Khurshid"),
        ("Yusufov", "Yusupov"),
        ("Пётр", "Петр"),
        ("Пётр", "Petr"),
        ("Алексей", "Alexei"),
        ("Alexei", "Alexey"),
        ("Rahmonzoda", "Rahmon-zade"),
        ("Rahmonzoda", "Rahmonzodeh"),
        ("Ниёзов", "Ниязов"),
        ("Иброҳимов", "Ибрагимов"),
        ("Удальцов", "удальцов"),
    ],
)
def test_the_deterministic_key_merges_the_spelling_variants(one, other):
    assert fold_name(one) == fold_name(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Nazarov", "Nazarova"),
        ("Karimov", "Kamolov"),
        ("Rahimov", "Rahmonov"),
        ("Saidov", "Sodiqov"),
        ("Gulobov", "Gulomov"),
        ("Tolib", "Tohir"),
    ],
)
def test_different_names_are_no_sure_match(one, other):
    assert matching.same_name_score(fold_name(one), fold_name(other)) < matching.MATCH_SCORE


def test_word_order_initials_and_patronymics():
    recorded = fold_name("Tolib Ayombekov")
    for typed in ("Ayombekov Tolib", "T. Ayombekov", "Аёмбеков Толиб Каримович", "Аёмбеков Т."):
        assert matching.name_score(fold_name(typed), recorded) >= matching.MATCH_SCORE, typed
    # "Д." is how a Russian list writes the initial of Джамшед.
    assert matching.name_score(fold_name("Д. Джумаев"), fold_name("Jamshed Jumayev")) >= 0.86


@pytest.mark.parametrize(
    ("typed", "recorded"),
    [
        ("Павленского", "Павленский"),
        ("Павленскому", "Павленский"),
        ("Павленским", "Павленский"),
        ("Юсуфову", "Юсуфов"),
        ("Юсуфовым", "Юсуфов"),
        ("Петра", "Пётр"),
        ("Алексея", "Алексей"),
    ],
)
def test_a_name_in_a_grammatical_case_meets_its_nominative(typed, recorded):
    assert matching.name_score(fold_name(typed), fold_name(recorded)) >= matching.MATCH_SCORE


def test_a_genitive_in_ova_is_found_but_not_taken_for_sure():
    # "Юсуфова" is his genitive or her name: found, ranked below her, never a sure match.
    score = matching.name_score(fold_name("Юсуфова"), fold_name("Юсуфов"))
    assert matching.SEARCH_SCORE <= score < matching.MATCH_SCORE


# -- the corpus ------------------------------------------------------------------------------


def test_the_corpus_holds_at_least_300_pairs_of_each_kind():
    from tests.names_corpus import different_pairs, same_pairs

    assert len(same_pairs()) >= 300
    assert len(different_pairs()) >= 300


def test_recall_and_false_match_rate_on_the_corpus_are_pinned():
    result = evaluate()
    # The issue's targets are recall >= 95 % and false matches <= 5 %; these are today's
    # results: a change that loses any of them fails here.
    assert result.recall >= 0.995, result.misses
    assert result.false_match_rate <= 0.0, result.false_matches


@pytest.mark.django_db
def test_recall_and_false_match_rate_through_the_database_are_pinned(searcher):
    """The same corpus, searched in the database: on PostgreSQL the candidates come from the
    trigram index in stages (``people.matching._candidates``), which must lose nothing."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite scores every visible name: the pure-Python evaluation above")
    result = evaluate(DatabaseRegister(register_names(), user=searcher))
    assert result.recall >= 0.995, result.misses
    assert result.false_match_rate <= 0.0, result.false_matches


# -- the matcher on the database ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("recorded", "typed"), BOTH_WAYS)
def test_the_matcher_finds_each_pair_first_with_the_matched_name(searcher, recorded, typed):
    wanted = person(recorded)
    person("Someone Else Entirely")
    matches = matching.match_persons(typed, user=searcher)
    assert matches and matches[0].person == wanted
    assert matches[0].variant == recorded
    assert matches[0].is_sure


@pytest.mark.django_db
@pytest.mark.parametrize(("recorded", "typed"), SURNAMES)
def test_the_surname_alone_finds_the_person(searcher, recorded, typed):
    wanted = person(recorded)
    person("Someone Else Entirely")
    assert [m.person for m in matching.match_persons(typed, user=searcher)] == [wanted]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_trigram_threshold_is_set_once_per_transaction_and_again_after_a_rollback(searcher):
    """PostgreSQL: the word-similarity threshold the fuzzy stage needs ("Юсупов" finds
    "Umed Yusufov" only through it) is set once in a transaction, not at every search (an
    import's rows), and set again once a savepoint that set it is rolled back (which undoes
    it): every search still finds the misspelt surname."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no trigram index: no threshold to set")
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    wanted = person("Umed Yusufov")

    def found() -> bool:
        return [m.person for m in matching.match_persons("Юсупов", user=searcher)] == [wanted]

    def settings(queries) -> int:
        return sum("set_config" in query["sql"] for query in queries.captured_queries)

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        assert found() and found()
        assert settings(queries) == 1
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        sid = transaction.savepoint()
        assert found()  # set inside the savepoint …
        transaction.savepoint_rollback(sid)  # … and undone with it: set again
        assert found() and found()
        assert settings(queries) == 2
    with CaptureQueriesContext(connection) as queries:
        assert found() and found()  # each in a transaction of its own (autocommit)
    assert settings(queries) == 2


@pytest.mark.django_db
def test_results_are_ranked_best_first(searcher):
    exact = person("Rustam Jumaev")
    fuzzy = person("Rustam Jumaboev")
    other = person("Rustam Nazarov")
    found = [match.person for match in matching.match_persons("Rustam Jumaev", user=searcher)]
    assert found[0] == exact
    assert found.index(fuzzy) < found.index(other) if other in found else fuzzy in found


@pytest.mark.django_db
def test_sqlite_cyrillic_search_ignores_letter_case(searcher):
    udaltsov = person("Сергей Удальцов")
    for typed in ("удальцов", "Удальцов", "УДАЛЬЦОВ", "udaltsov"):
        assert [m.person for m in matching.match_persons(typed, user=searcher)] == [udaltsov]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("recorded", "typed"),
    [
        ("Пётр Павленский", "Петр"),
        ("Пётр Павленский", "Petr"),
        ("Алексей Навальный", "Alexei"),
        ("Алексей Навальный", "Aleksey"),
        ("Пётр Павленский", "Павленского"),
        ("Пётр Павленский", "Павленскому"),
    ],
)
def test_issue_22_search_misses_are_found(searcher, recorded, typed):
    wanted = person(recorded)
    assert [m.person for m in matching.match_persons(typed, user=searcher)] == [wanted]


@pytest.mark.django_db
def test_a_protected_persons_name_is_never_matched_for_who_may_not_identify():
    witness = PersonFactory(name="Rustam Jumayev", is_protected=True)
    uncleared = UserFactory(role=Role.MONITOR, clearance=Confidentiality.CONFIDENTIAL)
    cleared = UserFactory(role=Role.MONITOR, clearance=Confidentiality.STRICT)
    assert matching.match_persons("Джумаев", user=uncleared) == []
    assert matching.likely_duplicates(["Джумаев Рустам"], user=uncleared) == []
    assert [m.person for m in matching.match_persons("Джумаев", user=cleared)] == [witness]
    assert matching.match_persons("Джумаев", user=None) == []


# -- every surface -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("recorded", "typed"), BOTH_WAYS)
def test_api_search_finds_each_pair_ranked_with_its_match(api_client, searcher, recorded, typed):
    wanted = person(recorded)
    person("Someone Else Entirely")
    response = api_client(searcher).get("/api/v1/persons/", {"name": typed})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["id"] == str(wanted.pk)
    assert results[0]["match"]["name"] == recorded
    assert results[0]["match"]["score"] >= matching.MATCH_SCORE


@pytest.mark.django_db
@pytest.mark.parametrize(("recorded", "typed"), BOTH_WAYS)
def test_person_list_page_finds_each_pair(signed_in, searcher, recorded, typed):
    wanted = person(recorded)
    other = person("Someone Else Entirely")
    response = signed_in(searcher).get(reverse("person-list"), {"name": typed})
    assert response.status_code == 200
    assert [row.pk for row in response.context["rows"]][:1] == [wanted.pk]
    assert other.pk not in [row.pk for row in response.context["rows"]]
    assert f"found as “{recorded}”" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("recorded", "typed"), BOTH_WAYS)
def test_admin_person_picker_finds_each_pair(signed_in, recorded, typed):
    staff = UserFactory(role=Role.COORDINATOR, clearance=Confidentiality.STRICT, is_staff=True)
    client = signed_in(staff)
    wanted = person(recorded)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": typed,
            "app_label": "cases",
            "model_name": "allegation",
            "field_name": "victim",
        },
    )
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]][:1] == [str(wanted.pk)]


def _type_ahead(client, text: str) -> list[str]:
    """The ids the person pickers' type-ahead (``monitor.suggest``) offers for ``text``."""
    url = reverse("suggest", kwargs={"model": "cases.case", "field": "person"})
    response = client.get(url, {"q": text})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.django_db
@pytest.mark.parametrize(("recorded", "typed"), BOTH_WAYS)
def test_the_person_type_ahead_finds_each_pair_first(signed_in, searcher, recorded, typed):
    wanted = person(recorded)
    person("Someone Else Entirely")
    close = person(f"{recorded} Karimov")  # the name and a word more: found, ranked below
    client = signed_in(searcher)
    assert _type_ahead(client, typed)[:2] == [str(wanted.pk), str(close.pk)]


@pytest.mark.django_db
def test_the_person_type_ahead_finds_the_corpus_pairs(signed_in, searcher):
    """The corpus's same-person pairs through the type-ahead: the person among the first
    five it offers, for at least as many pairs as the pinned recall."""
    register = DatabaseRegister(register_names(), user=searcher)
    client = signed_in(searcher)
    pairs = same_pairs()[::4]
    missed = [
        (query, recorded)
        for query, recorded, key in pairs
        if key not in {register.keys[uuid.UUID(pk)] for pk in _type_ahead(client, query)[:5]}
    ]
    assert len(missed) <= len(pairs) * 0.005, missed


@pytest.mark.django_db
@pytest.mark.parametrize(("recorded", "typed"), BOTH_WAYS[::3])
def test_typing_a_new_person_in_a_case_form_picker_warns_of_each_pair(
    signed_in, monitor_on_team, recorded, typed
):
    existing = person(recorded)
    violation = Term.objects.get(vocabulary=Vocabulary.VIOLATION_TYPE, code="arbitrary-arrest")
    source_kind = Term.objects.filter(vocabulary=Vocabulary.SOURCE_KIND).first()
    client = signed_in(monitor_on_team)
    response = create_case(
        client,
        violation,
        source_kind,
        **{
            "allegations-0-new_person": typed,
            "detentions-0-new_person": "",
            "detentions-0-person": str(existing.pk),
        },
    )
    assert response.status_code == 400
    assert "Already recorded with a similar name" in response.content.decode()
    assert reverse("person-detail", args=[existing.pk]) in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("recorded", "typed"), [("Umed Yusufov", "Юсуфов"), ("Юсуфов", "Yusupov")])
def test_case_search_finds_the_case_of_a_victim_by_any_spelling(
    api_client, searcher, recorded, typed
):
    victim = person(recorded)
    case = CaseFactory(title="Detention in Dushanbe", confidentiality=Confidentiality.INTERNAL)
    AllegationFactory(case=case, victim=victim)
    CaseFactory(title="Another case", confidentiality=Confidentiality.INTERNAL)
    response = api_client(searcher).get("/api/v1/cases/", {"q": typed})
    assert [row["id"] for row in response.json()["results"]] == [str(case.pk)]


@pytest.mark.django_db
def test_api_create_answers_409_with_the_likely_duplicates_unless_confirmed(
    api_client, monitor_on_team, team
):
    existing = PersonFactory(name="Rustam Jumayev", confidentiality=Confidentiality.INTERNAL)
    body = {"names": [{"full_name": "Рустам Джумаев"}], "team": str(team.pk)}
    client = api_client(monitor_on_team)

    response = client.post("/api/v1/persons/", body, format="json")

    assert response.status_code == 409, response.json()
    error = response.json()["error"]
    assert error["code"] == "likely_duplicates"
    assert [row["id"] for row in error["likely_duplicates"]] == [str(existing.pk)]
    assert error["likely_duplicates"][0]["matched_name"] == "Rustam Jumayev"
    assert error["likely_duplicates"][0]["reasons"]
    assert Person.objects.count() == 1

    response = client.post("/api/v1/persons/?confirm_new=true", body, format="json")
    assert response.status_code == 201, response.json()
    assert Person.objects.count() == 2


@pytest.mark.django_db
def test_the_duplicate_check_sees_a_misspelt_person_among_many_namesakes(
    api_client, monitor_on_team, team
):
    """Before someone is recorded, every person as surely alike is shown, as the importer
    sees them (``every_stage``): on PostgreSQL a common surname's namesakes filled the
    search's first stage, and "Рустам Рустамова", one letter off, was never looked at."""
    for given in ("Фирдавс", "Шарофат", "Хушруз", "Тахмина", "Алишер", "Бехруз", "Диловар",
                  "Эхсон", "Зафар", "Иззат", "Лола", "Нигина", "Ораз", "Курбон", "Саодат",
                  "Умед", "Вали", "Ёдгор", "Джамшед", "Бахром", "Гулнора", "Шодмон"):  # fmt: skip
        PersonFactory(team=team, name=f"{given} Рустамоева")
    alike = {
        PersonFactory(team=team, name="Рустам Рустамоев"),
        PersonFactory(team=team, name="Рустам Рустамова"),
    }
    found = matching.likely_duplicates(["Рустам Рустамоева"], user=monitor_on_team)
    assert alike <= {match.person for match in found}
    body = {"names": [{"full_name": "Рустам Рустамоева"}], "team": str(team.pk)}
    response = api_client(monitor_on_team).post("/api/v1/persons/", body, format="json")
    assert response.status_code == 409, response.json()
    shown = {row["id"] for row in response.json()["error"]["likely_duplicates"]}
    assert {str(person.pk) for person in alike} <= shown


@pytest.mark.django_db
def test_api_create_of_someone_unlike_anyone_is_not_held_up(api_client, monitor_on_team, team):
    person("Rustam Jumayev")
    body = {"names": [{"full_name": "Nigora Safarova"}], "team": str(team.pk)}
    response = api_client(monitor_on_team).post("/api/v1/persons/", body, format="json")
    assert response.status_code == 201, response.json()


def test_the_scorer_skips_only_names_that_cannot_reach_the_least_score():
    """rank_person_ids leaves a candidate unscored when none of its words meets a query
    word at the least score asked (``_reaching_words``): over the corpus — every query
    against every recorded name — no name it skips would have scored that much."""
    queries = [query for query, _recorded, _person in same_pairs()][:150]
    names = [fold_name(recorded) for _person, recorded in register_names()]
    skipped = 0
    for min_score in (matching.SEARCH_SCORE, matching.MATCH_SCORE):
        for query in queries:
            key = fold_name(query)
            reaches = matching._reaching_words(matching.words_of(key), min_score, True)
            for name in names:
                if not any(reaches(word) for word in matching.words_of(name)):
                    skipped += 1
                    assert matching.name_score(key, name) < min_score, (query, name)
    assert skipped  # the shortcut is taken
