"""What a row's values match among existing records: persons, places, terms, sources.

Person matching goes through ONE function, :func:`match_person`, so the ranked matcher of
``people`` can replace the rule here in one place. The rule now: a visible name variant
written the same way (case and spaces aside) is the same person; a name that only folds
alike ("Alla Nazarova" / "Ala Nazarova", "Шоиширинов" / "Shoishirinov") is shown as a
likely match but recorded as a new person: a merge made silently would put one person's
detention on another's record (see ``people.services``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models.functions import Lower

from cases.services import case_reference_next
from monitor.choices import Vocabulary
from monitor.models import Place, Term
from people.folding import fold_name
from people.models import Person
from people.selectors import visible_names
from people.services import normalize_typed_name
from sources.models import Source


@dataclass
class PersonMatch:
    """The person a typed name is (None: a new one), and persons it only looks like."""

    person: Person | None = None
    ambiguous: list[Person] = field(default_factory=list)
    likely: list[Person] = field(default_factory=list)


def match_person(name: str, *, actor) -> PersonMatch:
    """The existing person ``name`` names, among those ``actor`` may see."""
    typed = normalize_typed_name(name)
    key = fold_name(typed)
    if not key:
        return PersonMatch()
    names = list(
        visible_names(actor)
        .filter(folded=key, person__archived_at__isnull=True)
        .select_related("person")[:20]
    )
    same = {n.person_id: n.person for n in names if n.full_name.casefold() == typed.casefold()}
    alike = {n.person_id: n.person for n in names if n.person_id not in same}
    if len(same) == 1:
        return PersonMatch(person=next(iter(same.values())), likely=list(alike.values()))
    if len(same) > 1:
        return PersonMatch(ambiguous=list(same.values()))
    return PersonMatch(likely=list(alike.values()))


class Lookups:
    """Terms, places and sources found by what a spreadsheet writes, cached for a run."""

    def __init__(self, *, actor, value_map: dict | None = None):
        self.actor = actor
        self.value_map = value_map or {}
        self._terms: dict[str, dict[str, Term]] = {}
        self._places: dict[str, Place] | None = None
        self._sources: dict[str, Source | None] = {}
        self._reference: str | None = None

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
