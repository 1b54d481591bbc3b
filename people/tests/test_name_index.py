"""The name index an import matches a chunk of rows against (``people.matching.NameIndex``):
it leaves out only names that cannot score what is asked, so a row is matched as if every
visible name were scored (what SQLite's search does for each query)."""

from __future__ import annotations

import pytest

from people import matching
from people.folding import fold_name
from tests.names_corpus import different_pairs, register_names, same_pairs

EXTRA_QUERIES = [
    "T. Ayombekov",  # an initial
    "Ayombekov",  # one word
    "Толиб Аёмбеков Каримович",  # a patronymic in the query
    "Rustam Jumaev Tolib",  # more words than the name
    "Павленского",  # a grammatical case
    "Kar",  # a beginning being typed
    "k",  # a lone initial
]


def _queries() -> list[str]:
    queries = [query for query, _recorded, _person in same_pairs()]
    queries += [one for one, _other in different_pairs()]
    return [*queries[::6], *EXTRA_QUERIES]  # every sixth: each is scored against every name


def _register() -> list[tuple]:
    names = [(person, name) for person, name in register_names()]
    names += [("initials", "Т. Аёмбеков"), ("one-word", "Karimov"), ("pat", "Каримович")]
    # Each row its own person id (a register may hold the same name twice).
    return [(f"{person}/{n}", name, fold_name(name)) for n, (person, name) in enumerate(names)]


@pytest.mark.parametrize("min_score", [matching.SEARCH_SCORE, matching.MATCH_SCORE, 0.5])
def test_the_index_hands_over_every_name_that_can_reach_the_score(min_score):
    rows = _register()
    index = matching.NameIndex(rows[: len(rows) // 2])
    for row in rows[len(rows) // 2 :]:
        index.add(*row)  # names recorded after the read, as an import's earlier rows add them
    left_out = 0
    for query in _queries():
        words = matching.words_of(fold_name(query))
        handed = index.candidates(words, min_score, True)
        positions = [rows.index(row) for row in handed]
        assert positions == sorted(positions), "in the order read"
        kept = set(handed)
        for row in rows:
            if row not in kept:
                left_out += 1
                assert matching.name_score(fold_name(query), row[2]) < min_score, (query, row)
    assert left_out  # the index does leave names out


def test_a_name_added_is_found_like_one_read():
    index = matching.NameIndex([(1, "Толиб Аёмбеков", fold_name("Толиб Аёмбеков"))])
    index.add(2, "Rustam Jumayev", fold_name("Rustam Jumayev"))
    words = matching.words_of(fold_name("Рустам Джумаев"))
    assert [row[0] for row in index.candidates(words, matching.SEARCH_SCORE, True)] == [2]


@pytest.mark.django_db
def test_a_chunk_s_names_searched_at_once_find_what_each_finds_alone(monkeypatch):
    """PostgreSQL: ``NameSearch.prepare`` (an import's chunk) finds each name's candidates
    in one statement, and their visibility in one more; each answer is the one the name's
    own staged search gives with every stage asked (the same names, in the same order)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from monitor.choices import Confidentiality, Role
    from people.selectors import visible_names
    from tests.factories import UserFactory
    from tests.names_corpus import DatabaseRegister

    if connection.vendor != "postgresql":
        pytest.skip("SQLite reads every visible name into a NameIndex: the tests above")
    user = UserFactory(role=Role.MONITOR, clearance=Confidentiality.CONFIDENTIAL)
    DatabaseRegister(register_names(), user=user)
    queries = [words for words in (matching.words_of(fold_name(q)) for q in _queries()) if words]
    names = visible_names(user)  # what the user may see, worked out once (their roles read)
    with CaptureQueriesContext(connection) as statements:
        together = matching._candidates_many(queries, names)
    assert len([q for q in statements.captured_queries if "set_config" not in q["sql"]]) == 2
    assert sum(bool(found) for found in together.values()) > len(queries) // 2
    for words in queries:
        alone = matching._candidates([words], user, every_stage=True)
        assert together[tuple(words)] == alone, words
    # Many names (an events sheet's) are found a few statements' worth at a time, alike.
    monkeypatch.setattr(matching, "PREPARED_AT_ONCE", 7)
    search = matching.NameSearch(user)
    with CaptureQueriesContext(connection) as statements:
        search.prepare(queries)
    assert len(statements.captured_queries) > 2 * (len(together) // 7)
    assert search._prepared == together


@pytest.mark.django_db
@pytest.mark.parametrize("limit", [0, 2, 3, 20_000])
def test_the_importer_reads_the_names_at_once_while_they_are_few(settings, limit):
    """``name_index``: SQLite always reads the visible names into a ``NameIndex``;
    PostgreSQL does while they are at most ``settings.NAMES_READ_AT_ONCE``, and above that
    searches its trigram index (``NameSearch``). Only the names the importer may see are
    counted, and only they are read: a protected person of another team is neither."""
    from django.db import connection

    from monitor.choices import Confidentiality, Role
    from tests.factories import PersonFactory, TeamFactory, UserFactory

    settings.NAMES_READ_AT_ONCE = limit
    team = TeamFactory()
    user = UserFactory(role=Role.MONITOR, clearance=Confidentiality.CONFIDENTIAL, teams=[team])
    PersonFactory(team=team, name="Толиб Аёмбеков")
    PersonFactory(team=team, name="Рустам Джумаев")
    hidden = PersonFactory(team=TeamFactory(), name="Далер Имомали", is_protected=True)
    index = matching.name_index(user)
    # Two visible names (and the hidden person's, which is not counted).
    searched = connection.vendor == "postgresql" and limit < 2
    assert isinstance(index, matching.NameSearch if searched else matching.NameIndex)
    if not searched:
        assert sorted(row[1] for row in index.rows) == ["Рустам Джумаев", "Толиб Аёмбеков"]
        assert hidden.pk not in {row[0] for row in index.rows}
