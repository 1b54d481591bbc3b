"""What a row's values match among existing records: persons, places, terms, sources.

Persons are matched by the one name matcher, :func:`people.matching.match_persons` (ranked,
fuzzy, every script and romanisation folded alike): a row's "Muhammadjon Rahimov" is the
person recorded as "Мухаммадчон Рахимов" or "Mukhammadzhon Rakhimov". Only a sure match
(:data:`people.matching.MATCH_SCORE`) is taken as the same person, and only when one person
has the best score: two persons as sure and as close refuse the row (choose by hand). Names
found less surely are shown as likely matches and the row records a new person: a merge made
silently would put one person's detention on another's record (see ``people.services``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.db.models.functions import Lower

from cases.services import case_reference_next
from monitor.choices import Vocabulary
from monitor.models import Place, Term
from monitor.write_batch import current as current_batch
from people.folding import fold_name
from people.matching import (
    NameIndex,
    NameSearch,
    match_persons,
    name_index,
    read_candidates,
    words_of,
)
from people.models import Person
from people.selectors import visible_persons
from people.services import normalize_typed_name
from sources.models import Source

#: Persons shown as likely (not sure) matches of a row's name.
LIKELY = 3


@dataclass
class PersonMatch:
    """The person a typed name is (None: a new one), and persons it only looks like."""

    person: Person | None = None
    ambiguous: list[Person] = field(default_factory=list)
    likely: list[Person] = field(default_factory=list)
    variant: str = ""  # the recorded name that matched
    score: float = 0.0


def match_person(
    name: str,
    *,
    actor,
    index: NameIndex | NameSearch | None = None,
    persons: QuerySet | None = None,
    read: dict | None = None,
) -> PersonMatch:
    """The existing person ``name`` names, among those ``actor`` may see (not archived);
    ``index``: the visible names read before (:func:`people.matching.name_index`);
    ``persons``: :func:`matchable_persons` of ``actor``, built before; ``read``: those of
    them read before, by id (:func:`people.matching.match_persons`)."""
    typed = normalize_typed_name(name)
    if not typed:
        return PersonMatch()
    persons = matchable_persons(actor) if persons is None else persons
    matches = match_persons(
        typed, user=actor, limit=LIKELY + 2, queryset=persons, index=index, read=read
    )
    sure = [match for match in matches if match.is_sure]
    if not sure:
        return PersonMatch(likely=[match.person for match in matches[:LIKELY]])
    best = [match for match in sure if match.score == sure[0].score]
    if len(best) > 1:
        return PersonMatch(ambiguous=[match.person for match in best])
    others = [match.person for match in matches if match is not best[0]][:LIKELY]
    return PersonMatch(
        person=best[0].person, likely=others, variant=best[0].variant, score=best[0].score
    )


def matchable_persons(actor) -> QuerySet:
    """The persons a name may be matched to: visible to ``actor``, not archived."""
    return visible_persons(actor).filter(archived_at__isnull=True)


class Lookups:
    """Terms, places and sources found by what a spreadsheet writes, cached for a run."""

    def __init__(self, *, actor, value_map: dict | None = None):
        self.actor = actor
        self.value_map = value_map or {}
        self._terms: dict[str, dict[str, Term]] = {}
        self._places: dict[str, Place] | None = None
        self._sources: dict[str, Source | None] = {}
        self._reference: str | None = None
        self._persons: dict[str, PersonMatch] = {}
        self._names: NameIndex | NameSearch | None = None
        self._names_read = False
        self._matchable: QuerySet | None = None
        #: The matchable persons read in this chunk, by id (None: not matchable): the
        #: candidates of the chunk's names, read at once, and the persons its rows created.
        self._read: dict = {}
        self._expected: list[str] = []

    def term(self, vocabulary: str, text: str, field_code: str = "") -> Term | None:
        """The term of ``vocabulary`` labelled or coded ``text`` (or mapped to it)."""
        text = (text or "").strip()
        if not text:
            return None
        terms = self._vocabulary(vocabulary)
        mapped = self.value_map.get(field_code, {}).get(text)
        if mapped:
            return terms.get(f"id:{mapped}")
        return terms.get(text.casefold())

    def _vocabulary(self, vocabulary: str) -> dict[str, Term]:
        if vocabulary not in self._terms:
            found: dict[str, Term] = {}
            for term in (
                Term.objects.visible_to(self.actor).of(vocabulary).filter(archived_at__isnull=True)
            ):
                found[f"id:{term.pk}"] = term
                found.setdefault(term.code.casefold(), term)
                found.setdefault(term.label.casefold(), term)
            self._terms[vocabulary] = found
        return self._terms[vocabulary]

    def place(self, text: str, field_code: str = "place") -> Place | None:
        text = (text or "").strip()
        if not text:
            return None
        if self._places is None:
            self._places = {}
            for place in Place.objects.visible_to(self.actor).filter(archived_at__isnull=True):
                self._places[f"id:{place.pk}"] = place
                self._places.setdefault(place.name.casefold(), place)
        mapped = self.value_map.get(field_code, {}).get(text)
        if mapped:
            return self._places.get(f"id:{mapped}")
        return self._places.get(text.casefold())

    def next_reference(self) -> str:
        """The next free case reference, counted once per run then in memory: numbering
        each row's case by reading every reference of the year would make a run of n rows
        read n² references. A reference another user takes meanwhile fails that row only
        (the reference is unique), and the count is read again."""
        if self._reference is None:
            self._reference = case_reference_next()
        else:
            stem, number = self._reference.rsplit("-", 1)
            self._reference = f"{stem}-{int(number) + 1:04d}"
        return self._reference

    def reference_taken(self) -> None:
        self._reference = None

    def forget_run(self) -> None:
        """Forget what the run wrote (a chunk undone): references, sources, persons."""
        self._reference = None
        self._sources.clear()
        self._persons.clear()
        self.forget_names()

    def forget_names(self) -> None:
        """Read the visible names again at the next match: a chunk begins (others may have
        recorded or archived names since), or a row recorded names not handed to
        :meth:`remember_names`."""
        self._names, self._names_read = None, False
        # The queryset (not its rows) is built again too: building it costs as much as a
        # row's match, and what it says of the actor is read anew each chunk.
        self._matchable = None
        self._read = {}

    def expect_names(self, names) -> None:
        """The person names the chunk's rows will ask (:meth:`person`), read by the next
        :class:`people.matching.NameSearch` all at once (PostgreSQL: two statements for the
        chunk rather than a staged search a row). A name not given is still found, alone."""
        self._expected = [key for key in map(normalize_typed_name, names) if key]

    def _name_index(self) -> NameIndex | NameSearch:
        """The visible names for the chunk (:func:`people.matching.name_index`): read once
        into a ``NameIndex`` (SQLite, and PostgreSQL while they are few); on PostgreSQL
        above ``settings.NAMES_READ_AT_ONCE``, a ``NameSearch`` with the candidates of the
        names expected (:meth:`expect_names`) found together. The persons those names
        would show are read with them, in one statement (not one a name)."""
        if not self._names_read:
            self._names, self._names_read = name_index(self.actor), True
            expected, self._expected = self._expected, []  # once: a later read asks alone
            expected = [key for key in expected if key not in self._persons]
            if isinstance(self._names, NameSearch):
                self._names.prepare(words_of(fold_name(key)) for key in expected)
            if self._matchable is None:
                self._matchable = matchable_persons(self.actor)
            read_candidates(
                expected, user=self.actor, limit=LIKELY + 2, queryset=self._matchable,
                index=self._names, read=self._read,
            )  # fmt: skip
        return self._names

    def remember_names(self, person: Person, names) -> None:
        """``names`` (saved) of a person a row just recorded: later rows of the chunk match
        them as they would once read from the database."""
        if self._names is None:
            return
        for name in sorted(names, key=lambda name: (not name.is_primary, name.full_name)):
            self._names.add(person.pk, name.full_name, name.folded)

    def person(self, name: str) -> PersonMatch:
        """:func:`match_person`, asked once per name in a run. Only a name that found
        someone is kept: a name new to the register is asked again (a later row then finds
        the person an earlier one recorded, by any of its spellings)."""
        key = normalize_typed_name(name)
        if key in self._persons:
            return self._persons[key]
        if self._matchable is None:
            self._matchable = matchable_persons(self.actor)
        found = match_person(
            key, actor=self.actor, index=self._name_index(), persons=self._matchable,
            read=self._read,
        )  # fmt: skip
        if found.person is not None:
            self._persons[key] = found
            batch = current_batch(self.actor)
            if batch is not None:
                # Read now, in the chunk's transaction, through ``visible_persons``: the
                # rule ``monitor.services.is_visible`` asks, so the row's links to the
                # person are not checked again (a query each).
                batch.seen_visible(found.person)
        return found

    def remember_person(self, name: str, person: Person) -> None:
        """A row recorded ``person`` as new under ``name``: later rows of the name are them."""
        self._persons[normalize_typed_name(name)] = PersonMatch(person=person, variant=name,
                                                                 score=1.0)  # fmt: skip
        self._read[person.pk] = person  # new, seen by its maker: matchable

    def source_by_url(self, url: str) -> Source | None:
        """A visible source with this URL, recorded before (by hand or by an import)."""
        if url not in self._sources:
            self._sources[url] = (
                Source.objects.visible_to(self.actor)
                .filter(url=url, archived_at__isnull=True)
                .order_by(Lower("title"))
                .first()
            )
        return self._sources[url]

    def remember_source(self, url: str, source: Source) -> None:
        self._sources[url] = source


VOCABULARY_OF = {
    "facility": Vocabulary.FACILITY,
    "facilities": Vocabulary.FACILITY,
    "violation": Vocabulary.VIOLATION_TYPE,
    "articles": Vocabulary.CRIMINAL_ARTICLE,
}
