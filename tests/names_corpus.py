"""The name-matching corpus (tests/data/names_*.csv) and how the matcher is scored on it.

Used by ``tests/test_names_corpus.py`` (which pins the results) and by
``tests/bench/names_bench.py`` (which prints them, and runs the same queries on a large
generated register in PostgreSQL).

* **Recall**: every recorded spelling of the same-person pairs is one person of a register
  that also holds every person of the different-people pairs; a query with the other
  spelling must find the person in its first five results as a sure match
  (``score >= matching.MATCH_SCORE``).
* **False-match rate**: a query with one of two different people's names, whose namesake
  is in the register but who is not, must not return the namesake in its first five as a
  sure match.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from people import matching
from people.folding import fold_name

DATA = Path(__file__).resolve().parent / "data"


def read(name: str) -> list[list[str]]:
    with (DATA / name).open(encoding="utf-8") as file:
        return list(csv.reader(file))[1:]


def same_pairs() -> list[tuple[str, str, str]]:
    """``(query, recorded, person)``: the person's key is shared by the pairs of one person."""
    return [(row[0], row[1], row[3]) for row in read("names_same.csv")]


def different_pairs() -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in read("names_different.csv")]


@dataclass
class Result:
    recall: float
    false_match_rate: float
    misses: list[tuple[str, str]]
    false_matches: list[tuple[str, str]]


class Register:
    """Folded names by person, with the candidates a database would hand the scorer (here:
    names with a word of the same first letter, an initial's letters included)."""

    def __init__(self, names: list[tuple[str, str]]):
        self.names = [(person, fold_name(name)) for person, name in names]
        self.by_letter: dict[str, set[int]] = defaultdict(set)
        for index, (_person, key) in enumerate(self.names):
            for word in matching.words_of(key):
                self.by_letter[word[0]].add(index)

    def top(self, query: str, limit: int = 5) -> list[tuple[str, float]]:
        key = fold_name(query)
        rows: set[int] = set()
        for word in matching.words_of(key):
            for letter in matching._INITIALS.get(word[0], word[0]) if len(word) == 1 else word[0]:
                rows |= self.by_letter.get(letter, set())
        best: dict[str, float] = {}
        for index in rows:
            person, name = self.names[index]
            score = matching.name_score(key, name)
            if score >= matching.SEARCH_SCORE and score > best.get(person, 0.0):
                best[person] = score
        return sorted(best.items(), key=lambda item: (-item[1], item[0]))[:limit]


class DatabaseRegister:
    """The same register in the database, searched by :func:`people.matching.match_persons`
    as ``user``: the candidates come from the database (on PostgreSQL, its trigram index
    and the matcher's stages) instead of from the first letters."""

    def __init__(self, names: list[tuple[str, str]], *, user):
        import uuid

        from monitor.choices import Confidentiality
        from people.models import Person, PersonName

        self.user = user
        self.keys: dict[object, str] = {}
        persons: dict[str, Person] = {}
        rows = []
        for key, name in dict.fromkeys(names):  # a person's name once (a unique variant)
            if key not in persons:
                persons[key] = Person(id=uuid.uuid4(), confidentiality=Confidentiality.INTERNAL)
                self.keys[persons[key].pk] = key
            rows.append(
                PersonName(
                    id=uuid.uuid4(),
                    person=persons[key],
                    full_name=name,
                    folded=fold_name(name),
                    is_primary=not any(row.person is persons[key] for row in rows),
                )
            )
        # The base managers: a load of test data, not a workflow (no history).
        Person._base_manager.bulk_create(persons.values())
        PersonName._base_manager.bulk_create(rows)

    def top(self, query: str, limit: int = 5) -> list[tuple[str, float]]:
        found = matching.match_persons(query, user=self.user, limit=limit)
        return [(self.keys[match.person.pk], match.score) for match in found]


def register_names() -> list[tuple[str, str]]:
    """``(person key, recorded name)`` of every person of the corpus's register."""
    same, different = same_pairs(), different_pairs()
    return [(person, recorded) for _query, recorded, person in same] + [
        (f"other-{i}", other) for i, (_query, other) in enumerate(different)
    ]


def evaluate(register=None) -> Result:
    """Recall and false matches of ``register`` (default: :class:`Register`, pure Python)."""
    same, different = same_pairs(), different_pairs()
    register = register or Register(register_names())
    misses = []
    for query, recorded, person in same:
        found = {p for p, score in register.top(query) if score >= matching.MATCH_SCORE}
        if person not in found:
            misses.append((query, recorded))
    false_matches = []
    for i, (query, other) in enumerate(different):
        found = {p for p, score in register.top(query) if score >= matching.MATCH_SCORE}
        if f"other-{i}" in found:
            false_matches.append((query, other))
    return Result(
        recall=1 - len(misses) / len(same),
        false_match_rate=len(false_matches) / len(different),
        misses=misses,
        false_matches=false_matches,
    )
