"""The demo facts, read from the YAML files of ``fixtures/demo/`` and checked before any write.

Each file holds one kind of fact (see ``fixtures/README.md``). Reading checks the shape (no
unknown or missing key, the right kind of value), that every name a fact refers to is
defined (a place's parent, a case's events, a cited excerpt…), and that every excerpt is
quoted word for word from the paragraph its locator names in the source's text. A mistake
stops the load before anything is written, with the file and the entry it is in.

What the database itself checks (a violation type that is not a starter term, a step kind
that does not exist, a date out of order) is left to the services' ``full_clean()``.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings

from monitor.choices import Confidentiality
from sources.choices import Credibility

#: Where ``load_demo`` reads the facts from (the repository's ``fixtures/demo/``).
DEFAULT_FOLDER = Path(settings.BASE_DIR) / "fixtures" / "demo"


class DemoDataError(Exception):
    """A fixture file is wrong: the message names the file and the entry."""


# -- the shape of the facts ------------------------------------------------------------------
#
# Field names are the YAML keys. A field without a default must be given.


@dataclass(frozen=True, kw_only=True)
class Excerpt:
    """A passage of a source that facts cite: the source, where it is, and its words."""

    key: str
    source: str
    quote: str
    page: str = ""
    paragraph: str = ""
    timestamp: str = ""
    credibility: int = Credibility.POSSIBLY_TRUE


@dataclass(frozen=True, kw_only=True)
class Cite:
    """One citation of a fact: an excerpt, optionally for one field, with a note."""

    excerpt: Excerpt
    field: str = ""
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class EvidenceFact:
    """The demo evidence file of a source: an image drawn from one paragraph of its text."""

    name: str
    paragraph: int
    description: str


@dataclass(frozen=True, kw_only=True)
class SourceFact:
    key: str
    title: str
    kind: str
    published: str = ""
    language: str = ""
    reliability: str = ""
    confidentiality: str = "confidential"
    summary: str = ""
    obtained_how: str = ""
    #: The source's text, a file next to the YAML: excerpts are checked against it.
    text: str = ""
    evidence: EvidenceFact | None = None


@dataclass(frozen=True, kw_only=True)
class PlaceFact:
    name: str
    kind: str
    parent: str = ""
    code: str = ""
    latitude: str = ""
    longitude: str = ""


@dataclass(frozen=True, kw_only=True)
class OrganizationFact:
    name: str
    kind: str
    acronym: str = ""
    parent: str = ""
    country: str = ""
    description: str = ""
    confidentiality: str = "confidential"
    cites: tuple[Cite, ...] = ()


@dataclass(frozen=True, kw_only=True)
class NameFact:
    full_name: str
    given_name: str = ""
    family_name: str = ""
    kind: str = "official"
    language: str = ""


@dataclass(frozen=True, kw_only=True)
class AffiliationFact:
    organization: str
    role: str
    cites: tuple[Cite, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PersonFact:
    """A person; the first name is the primary one and the person's natural key."""

    names: tuple[NameFact, ...]
    occupation: str = ""
    ethnicity: str = ""
    biography: str = ""
    confidentiality: str = "confidential"
    #: A protected person: shown by their pseudonym to anyone who may not identify them.
    is_protected: bool = False
    #: Set on a person who is not in the article, added to show a feature (the protected
    #: witness): says so, and stands instead of a citation.
    illustration: str = ""
    affiliations: tuple[AffiliationFact, ...] = ()
    cites: tuple[Cite, ...] = ()

    @property
    def key(self) -> str:
        return self.names[0].full_name


@dataclass(frozen=True, kw_only=True)
class FigureFact:
    """One party's figure for an event; its citation supports the value."""

    kind: str
    qualifier: str = "exact"
    value: int
    claimed_by: str
    note: str = ""
    cite: Cite


@dataclass(frozen=True, kw_only=True)
class EventFact:
    title: str
    kind: str
    parent: str = ""
    start: str = ""
    end: str = ""
    places: tuple[str, ...] = ()
    description: str = ""
    confidentiality: str = "confidential"
    figures: tuple[FigureFact, ...] = ()
    cites: tuple[Cite, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PerpetratorFact:
    organization: str
    role: str


@dataclass(frozen=True, kw_only=True)
class AllegationFact:
    violation: str
    victim: str = ""
    victim_description: str = ""
    date: str = ""
    place: str = ""
    description: str = ""
    perpetrators: tuple[PerpetratorFact, ...] = ()
    cites: tuple[Cite, ...] = ()


@dataclass(frozen=True, kw_only=True)
class StepFact:
    kind: str
    date: str
    note: str = ""
    cites: tuple[Cite, ...] = ()


@dataclass(frozen=True, kw_only=True)
class DetentionFact:
    person: str
    description: str = ""
    steps: tuple[StepFact, ...] = ()
    cites: tuple[Cite, ...] = ()


@dataclass(frozen=True, kw_only=True)
class FollowUpFact:
    title: str
    kind: str
    communication_type: str = ""
    mandates: tuple[str, ...] = ()
    addressee: str = ""
    sent: str = ""
    description: str = ""
    cites: tuple[Cite, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CaseFact:
    reference: str
    title: str
    case_type: str
    summary: str = ""
    confidentiality: str = "confidential"
    events: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    victims: tuple[str, ...] = ()
    witnesses: tuple[str, ...] = ()
    allegations: tuple[AllegationFact, ...] = ()
    detentions: tuple[DetentionFact, ...] = ()
    followups: tuple[FollowUpFact, ...] = ()
    cites: tuple[Cite, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TeamFact:
    name: str
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class AccountFact:
    username: str
    role: str
    clearance: str
    first_name: str = ""
    on_team: bool = False


@dataclass(frozen=True)
class DemoFacts:
    """Every fact of the demo, in the order the loader writes them."""

    folder: Path
    team: TeamFact
    accounts: tuple[AccountFact, ...]
    sources: tuple[SourceFact, ...]
    excerpts: dict[str, Excerpt]
    places: tuple[PlaceFact, ...]
    organizations: tuple[OrganizationFact, ...]
    persons: tuple[PersonFact, ...]
    events: tuple[EventFact, ...]
    cases: tuple[CaseFact, ...]
    texts: dict[str, str] = field(default_factory=dict)

    def source_text(self, key: str) -> str:
        return self.texts.get(key, "")


def confidentiality(name: str) -> int:
    """``public`` / ``internal`` / ``confidential`` / ``strict`` as the stored level."""
    return Confidentiality[name.upper()].value


def paragraphs(text: str) -> list[str]:
    """A text's paragraphs as locators count them: blocks between blank lines, from 1.

    The first two blocks of an article file (headline and dateline) are not counted.
    """
    blocks = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]
    return blocks[2:]


# -- reading ---------------------------------------------------------------------------------


class _Reader:
    def __init__(self, folder: Path):
        self.folder = folder
        self.excerpts: dict[str, Excerpt] = {}

    def load_file(self, name: str) -> dict:
        path = self.folder / name
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise DemoDataError(f"{path}: the file is missing.") from exc
        except yaml.YAMLError as exc:
            raise DemoDataError(f"{path}: not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise DemoDataError(f"{path}: expected a mapping at the top.")
        return data

    def build(self, cls, value, where: str):
        """An instance of the dataclass ``cls`` from ``value`` (a mapping), checked."""
        if not isinstance(value, dict):
            raise DemoDataError(f"{where}: expected a mapping, found {value!r}.")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        hints = typing.get_type_hints(cls)
        unknown = sorted(set(value) - set(fields))
        if unknown:
            raise DemoDataError(
                f"{where}: unknown key {', '.join(unknown)} (known: {', '.join(fields)})."
            )
        kwargs = {}
        for name, spec in fields.items():
            if name not in value:
                if spec.default is dataclasses.MISSING and spec.default_factory is (
                    dataclasses.MISSING
                ):
                    raise DemoDataError(f"{where}: “{name}” is missing.")
                continue
            kwargs[name] = self.convert(hints[name], value[name], f"{where}.{name}")
        return cls(**kwargs)

    def convert(self, hint, value, where: str):
        origin = typing.get_origin(hint)
        if origin in (types.UnionType, typing.Union):  # ``X | None``
            (inner,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
            return None if value is None else self.convert(inner, value, where)
        if origin is tuple:
            inner = typing.get_args(hint)[0]
            if not isinstance(value, list):
                raise DemoDataError(f"{where}: expected a list, found {value!r}.")
            return tuple(self.convert(inner, v, f"{where}[{i}]") for i, v in enumerate(value))
        if hint is Cite:
            return self.cite(value, where)
        if dataclasses.is_dataclass(hint):
            return self.build(hint, value, where)
        if hint is bool:
            if not isinstance(value, bool):
                raise DemoDataError(f"{where}: expected true or false, found {value!r}.")
            return value
        if hint is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise DemoDataError(f"{where}: expected a whole number, found {value!r}.")
            return value
        if hint is str:
            # YAML reads 2022-05-14 as a date and 37.4897 as a number: take them as written.
            if isinstance(value, datetime.date):
                return value.isoformat()
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise DemoDataError(f"{where}: expected text, found {value!r}.")
            return str(value)
        raise TypeError(f"No reader for {hint!r}")  # a new field type: teach convert()

    def cite(self, value, where: str) -> Cite:
        """``key`` alone, or ``{excerpt: key, field: …, note: …}``."""
        if isinstance(value, str):
            value = {"excerpt": value}
        if not isinstance(value, dict):
            raise DemoDataError(f"{where}: expected an excerpt's name or a mapping.")
        key = value.get("excerpt")
        if key not in self.excerpts:
            raise DemoDataError(
                f"{where}: no excerpt “{key}” in sources.yaml (known: "
                f"{', '.join(sorted(self.excerpts))})."
            )
        rest = {name: v for name, v in value.items() if name != "excerpt"}
        unknown = sorted(set(rest) - {"field", "note"})
        if unknown:
            raise DemoDataError(
                f"{where}: unknown key {', '.join(unknown)} (known: excerpt, field, note)."
            )
        return Cite(
            excerpt=self.excerpts[key],
            field=self.convert(str, rest.get("field", ""), f"{where}.field"),
            note=self.convert(str, rest.get("note", ""), f"{where}.note"),
        )

    def items(self, data: dict, key: str, cls, file: str) -> tuple:
        entries = data.get(key)
        if not isinstance(entries, list):
            raise DemoDataError(f"{self.folder / file}: expected a list under “{key}”.")
        return tuple(
            self.build(cls, entry, f"{self.folder / file}: {key}[{i}]")
            for i, entry in enumerate(entries)
        )


def read_facts(folder: Path | str | None = None) -> DemoFacts:
    """Every demo fact from ``folder`` (default: the repository's ``fixtures/demo/``).

    Raises:
        DemoDataError: a file is missing or wrong; the message says where.
    """
    folder = Path(folder or DEFAULT_FOLDER)
    reader = _Reader(folder)

    data = reader.load_file("sources.yaml")
    sources = reader.items(data, "sources", SourceFact, "sources.yaml")
    texts = {}
    for source in sources:
        if source.evidence and not source.text:
            raise DemoDataError(
                f"{folder / 'sources.yaml'}: {source.key}: the evidence file is drawn from the "
                "source's text; give its “text”."
            )
        if source.text:
            try:
                texts[source.key] = (folder / source.text).read_text(encoding="utf-8")
            except FileNotFoundError as exc:
                raise DemoDataError(
                    f"{folder / source.text}: the text of “{source.key}” is missing."
                ) from exc
    raw_excerpts = data.get("excerpts")
    if not isinstance(raw_excerpts, dict):
        raise DemoDataError(f"{folder / 'sources.yaml'}: expected a mapping under “excerpts”.")
    for key, value in raw_excerpts.items():
        where = f"{folder / 'sources.yaml'}: excerpts.{key}"
        if not isinstance(value, dict):
            raise DemoDataError(f"{where}: expected a mapping.")
        reader.excerpts[key] = reader.build(Excerpt, {"key": key, **value}, where)
    _check_excerpts(reader.excerpts, {s.key: s for s in sources}, texts, folder)
    for source in sources:
        if source.evidence and not 1 <= source.evidence.paragraph <= len(
            paragraphs(texts[source.key])
        ):
            raise DemoDataError(
                f"{folder / 'sources.yaml'}: {source.key}: the evidence paragraph "
                f"{source.evidence.paragraph} is not in {source.text}."
            )

    accounts = reader.load_file("accounts.yaml")
    facts = DemoFacts(
        folder=folder,
        team=reader.build(TeamFact, accounts.get("team"), f"{folder / 'accounts.yaml'}: team"),
        accounts=reader.items(accounts, "accounts", AccountFact, "accounts.yaml"),
        sources=sources,
        excerpts=reader.excerpts,
        places=reader.items(reader.load_file("places.yaml"), "places", PlaceFact, "places.yaml"),
        organizations=reader.items(
            reader.load_file("organizations.yaml"),
            "organizations",
            OrganizationFact,
            "organizations.yaml",
        ),
        persons=reader.items(reader.load_file("people.yaml"), "persons", PersonFact, "people.yaml"),
        events=reader.items(reader.load_file("events.yaml"), "events", EventFact, "events.yaml"),
        cases=reader.items(reader.load_file("cases.yaml"), "cases", CaseFact, "cases.yaml"),
        texts=texts,
    )
    _check_references(facts)
    return facts


def _check_excerpts(excerpts: dict, sources: dict, texts: dict, folder: Path) -> None:
    """Every excerpt names a known source and is quoted word for word where it says."""
    for key, excerpt in excerpts.items():
        where = f"{folder / 'sources.yaml'}: excerpts.{key}"
        if excerpt.source not in sources:
            raise DemoDataError(f"{where}: no source “{excerpt.source}”.")
        text = texts.get(excerpt.source)
        if text is None:
            continue  # a source without its text (testimony, a document kept elsewhere)
        quote = " ".join(excerpt.quote.split())
        if excerpt.paragraph:
            found = paragraphs(text)
            number = int(excerpt.paragraph) if excerpt.paragraph.isdigit() else 0
            if not 1 <= number <= len(found):
                raise DemoDataError(
                    f"{where}: paragraph {excerpt.paragraph} does not exist "
                    f"(the text has {len(found)})."
                )
            if quote not in found[number - 1]:
                raise DemoDataError(
                    f"{where}: the quote is not word for word in paragraph {number} of "
                    f"{sources[excerpt.source].text}."
                )
        elif quote not in " ".join(text.split()):
            raise DemoDataError(f"{where}: the quote is not word for word in the text.")


def _check_references(facts: DemoFacts) -> None:
    """Every name a fact uses is defined by a fact read before it."""
    folder = facts.folder

    def need(name: str, known, what: str, where: str) -> None:
        if name and name not in known:
            raise DemoDataError(f"{folder / where}: {what} “{name}” is not defined.")

    places: set[str] = set()
    for fact in facts.places:
        need(fact.parent, places, "parent place", "places.yaml")
        places.add(fact.name)
    organizations: set[str] = set()
    for fact in facts.organizations:
        need(fact.parent, organizations, "parent organisation", "organizations.yaml")
        need(fact.country, places, "country", "organizations.yaml")
        organizations.add(fact.name)
    persons: set[str] = set()
    for fact in facts.persons:
        if not fact.names:
            raise DemoDataError(f"{folder / 'people.yaml'}: a person without a name.")
        for affiliation in fact.affiliations:
            need(affiliation.organization, organizations, "organisation", "people.yaml")
        persons.add(fact.key)
    events: set[str] = set()
    for fact in facts.events:
        need(fact.parent, events, "parent event", "events.yaml")
        for place in fact.places:
            need(place, places, "place", "events.yaml")
        events.add(fact.title)
    for case in facts.cases:
        for title in case.events:
            need(title, events, "event", "cases.yaml")
        for place in case.places:
            need(place, places, "place", "cases.yaml")
        for key in (*case.victims, *case.witnesses):
            need(key, persons, "person", "cases.yaml")
        for allegation in case.allegations:
            need(allegation.victim, persons, "person", "cases.yaml")
            need(allegation.place, places, "place", "cases.yaml")
            for perpetrator in allegation.perpetrators:
                need(perpetrator.organization, organizations, "organisation", "cases.yaml")
        for detention in case.detentions:
            need(detention.person, persons, "person", "cases.yaml")
        for followup in case.followups:
            need(followup.addressee, organizations, "organisation", "cases.yaml")
    levels = ", ".join(name.lower() for name in Confidentiality.names)
    labelled = [
        *(("sources.yaml", f.key, f.confidentiality) for f in facts.sources),
        *(("organizations.yaml", f.name, f.confidentiality) for f in facts.organizations),
        *(("people.yaml", f.key, f.confidentiality) for f in facts.persons),
        *(("events.yaml", f.title, f.confidentiality) for f in facts.events),
        *(("cases.yaml", f.reference, f.confidentiality) for f in facts.cases),
        *(("accounts.yaml", f.username, f.clearance) for f in facts.accounts),
    ]
    for file, label, level in labelled:
        if level.upper() not in Confidentiality.names:
            raise DemoDataError(f"{folder / file}: “{level}” of {label} is not one of {levels}.")
