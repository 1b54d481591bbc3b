"""Where a claim comes from: its sources, how good they are, and whether they are independent.

Read-only helpers for pages, the API and exports (the rules that act on them live in
:mod:`cases.services`). Everything a user is shown goes through ``visible_to`` and
:func:`monitor.access.reveals_identity`: a source the user may not see is left out, and a
protected source they may not identify is shown by its pseudonym, without its publisher.

Independence: two sources are *not* independent when they share a publisher (compared
without regard to case or spacing) or when one is derived from the other, however
indirectly (a news story repeating a press release; a blog repeating that story), or when
both derive from a common source. A claim is *single-sourced* when it lacks two sources
independent of each other.
"""

from __future__ import annotations

import functools
import operator
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cases.choices import FigureKind
from cases.models import Allegation, Detention, DetentionStep, Event, EventFigure
from monitor.access import reveals_identity
from monitor.approxdate import ApproximateDate
from monitor.services import NotVisible
from sources.choices import Credibility, Reliability, Stance
from sources.models import Citation, Source

# -- what a user may see of a source ---------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _grading_labels(language: str | None) -> tuple[dict[str, str], dict[int, str]]:
    """The reliability and credibility labels in ``language``: a claim's list of 100 sources
    shows two per source, each an enum lookup and a translation when asked one by one."""
    return (
        {str(grade): str(grade.label) for grade in Reliability},
        {int(grade): str(grade.label) for grade in Credibility},
    )


@dataclass(frozen=True)
class SourceRef:
    """A source as one user may see it."""

    id: uuid.UUID
    label: str  # its title, or its pseudonym
    publisher: str  # "" when the identity is hidden
    reliability: str  # A–F
    revealed: bool

    @property
    def reliability_label(self) -> str:
        return _grading_labels(get_language())[0][self.reliability]

    def __str__(self) -> str:
        return self.label


class _Identities:
    """Whether ``user`` may identify each source, asking :func:`reveals_identity` once per
    distinct team rather than once per source (its answer depends on nothing else)."""

    def __init__(self, user):
        self.user = user
        self._by_team: dict = {}

    def ref(self, source: Source) -> SourceRef:
        revealed = True
        if source.is_protected:
            if source.team_id not in self._by_team:
                self._by_team[source.team_id] = reveals_identity(self.user, source)
            revealed = self._by_team[source.team_id]
        return SourceRef(
            id=source.pk,
            label=source.title if revealed else source.pseudonym,
            publisher=source.publisher if revealed else "",
            reliability=source.reliability,
            revealed=revealed,
        )


#: For callers that label many sources for one user in one go (the register).
Identities = _Identities


# -- independence ------------------------------------------------------------------------------


def _publisher_key(publisher: str) -> str:
    return " ".join(publisher.split()).casefold()


def derivation_ancestors(source_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Every source each of ``source_ids`` derives from, however indirectly.

    One query per level of derivation; hidden and archived sources count too (a repetition
    stays a repetition whoever may read the original).
    """
    through = Source.derived_from.through
    parents: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    frontier, seen = set(source_ids), set()
    while frontier:
        seen |= frontier
        rows = through.objects.filter(from_source_id__in=frontier).values_list(
            "from_source_id", "to_source_id"
        )
        frontier = set()
        for child, parent in rows:
            parents[child].add(parent)
            if parent not in seen:
                frontier.add(parent)
    ancestors: dict[uuid.UUID, set[uuid.UUID]] = {}
    for start in source_ids:
        found, stack = set(), list(parents[start])
        while stack:
            current = stack.pop()
            if current in found or current == start:
                continue
            found.add(current)
            stack.extend(parents[current])
        ancestors[start] = found
    return ancestors


@dataclass(frozen=True)
class Dependence:
    """Why two sources do not count as independent."""

    first: SourceRef
    second: SourceRef
    reason: str


@dataclass(frozen=True)
class Independence:
    """The sources behind a claim and how far they are independent of one another."""

    sources: tuple[SourceRef, ...]
    independent: tuple[SourceRef, ...]  # sources independent of each other, as many as found
    #: The named dependences: a repetition, a shared original (sources of one publisher are
    #: one sentence of ``reasons``, not a pair each).
    dependences: tuple[Dependence, ...]
    reasons: tuple[str, ...]  # one sentence per group of dependent sources

    @property
    def count(self) -> int:
        return len(self.independent)

    @property
    def corroborated(self) -> bool:
        """At least two sources independent of each other."""
        return self.count >= 2

    def explain(self) -> str:
        """Why the sources do not corroborate the claim ("" when they do)."""
        if self.corroborated:
            return ""
        need = _("Corroboration needs at least two independent sources")
        if not self.sources:
            return _("%(need)s; this claim cites none you can see.") % {"need": need}
        if len(self.sources) == 1:
            return _("%(need)s; this claim cites only “%(source)s”.") % {
                "need": need,
                "source": self.sources[0],
            }
        return f"{need}: " + " ".join(self.reasons)


def assess_independence(
    sources: Iterable[Source],
    user,
    *,
    ancestors: dict[uuid.UUID, set[uuid.UUID]] | None = None,
    identities: _Identities | None = None,
) -> Independence:
    """How independent ``sources`` are of one another, labelled for ``user``.

    Queries: one per level of derivation (none when ``ancestors`` from
    :func:`derivation_ancestors` is given), plus one to label common originals when two
    sources repeat the same one; none per source.
    """
    unique = list({source.pk: source for source in sources}.values())
    identities = identities or _Identities(user)
    refs = {source.pk: identities.ref(source) for source in unique}
    if len(unique) < 2:
        ancestors = {}
    elif ancestors is None:
        ancestors = derivation_ancestors(refs)
    else:
        ancestors = {pk: ancestors.get(pk, set()) for pk in refs}
    originals = _label_originals(ancestors, user, identities) if ancestors else {}

    keys = {source.pk: _publisher_key(source.publisher) for source in unique}
    pks = [source.pk for source in unique]
    # Sources of one publisher depend on each other: a group, not its n·(n-1)/2 pairs (a
    # case citing 100 reports of one NGO).
    by_key: dict[str, list[int]] = defaultdict(list)
    for index, pk in enumerate(pks):
        if keys[pk]:
            by_key[keys[pk]].append(index)
    group = {index: set(members) for members in by_key.values() for index in members}
    derived = {index for index, pk in enumerate(pks) if ancestors.get(pk)}
    # A pair with a derived source is asked (it may repeat the other, or share an original);
    # a pair of one publisher where neither derives is "publisher", as _pair_reason says.
    dependences: list[Dependence] = []
    related: list[set[int]] = [set() for _ in pks]
    paired = {
        index
        for members in by_key.values()
        if len(plain := [i for i in members if i not in derived]) > 1
        for index in plain
    }
    for first, second in _pairs_with_a_derived_source(len(pks), derived):
        a, b = pks[first], pks[second]
        reason = _pair_reason(a, b, refs, keys, ancestors, originals)
        if reason == "publisher":
            paired.update((first, second))
        elif reason:
            dependences.append(Dependence(refs[a], refs[b], reason))
            related[first].add(second)
            related[second].add(first)

    def dependent(index: int) -> set[int]:
        return (group[index] | related[index]) - {index} if index in group else related[index]

    # Greedy, fewest dependences first: exact when dependent sources form groups (one
    # publisher), and never wrong about "two or more", which is what the rules ask.
    independent: list[int] = []
    chosen: set[int] = set()
    counts = [len(dependent(index)) for index in range(len(pks))]
    for index in sorted(range(len(pks)), key=lambda i: (counts[i], refs[pks[i]].label)):
        if not (group.get(index, set()) | related[index]) & chosen:
            independent.append(index)
            chosen.add(index)
    return Independence(
        sources=tuple(refs.values()),
        independent=tuple(refs[pks[index]] for index in independent),
        dependences=tuple(dependences),
        reasons=tuple(_group_reasons(unique, refs, keys, dependences, {pks[i] for i in paired})),
    )


def _pairs_with_a_derived_source(count: int, derived: set[int]) -> list[tuple[int, int]]:
    """The pairs of positions (of ``count`` sources) with a ``derived`` source in them, in the
    order of ``itertools.combinations``: the only pairs with a reason beyond their
    publisher (a repetition, a shared original)."""
    pairs = {
        (min(index, other), max(index, other))
        for index in derived
        for other in range(count)
        if other != index
    }
    return sorted(pairs)


def _label_originals(ancestors, user, identities: _Identities) -> dict[uuid.UUID, str]:
    # Originals that two or more of the sources repeat (any pair's common ancestors): counted
    # in one pass rather than by intersecting every pair (a claim citing 100 sources).
    repeated = Counter(original for found in ancestors.values() for original in found)
    shared = {original for original, count in repeated.items() if count > 1}
    if not shared:
        return {}
    visible = Source.objects.visible_to(user).filter(pk__in=shared)
    return {source.pk: f"“{identities.ref(source).label}”" for source in visible}


def _pair_reason(a, b, refs, keys, ancestors, originals) -> str:
    if a in ancestors.get(b, ()):
        return _("“%(copy)s” repeats “%(original)s”.") % {"copy": refs[b], "original": refs[a]}
    if b in ancestors.get(a, ()):
        return _("“%(copy)s” repeats “%(original)s”.") % {"copy": refs[a], "original": refs[b]}
    if keys[a] and keys[a] == keys[b]:
        return "publisher"  # worded per group of sources by _group_reasons
    common = ancestors.get(a, set()) & ancestors.get(b, set())
    if common:
        labels = sorted(originals.get(pk, "") for pk in common)
        original = labels[-1] or _("the same source")  # a hidden original is not named
        return _("“%(first)s” and “%(second)s” both repeat %(original)s.") % {
            "first": refs[a],
            "second": refs[b],
            "original": original,
        }
    return ""


def _group_reasons(unique, refs, keys, dependences, paired) -> list[str]:
    """One sentence per group of sources of one publisher (``paired``: the sources in a
    "same publisher" pair), then the other dependences' reasons."""
    reasons: list[str] = []
    groups: dict[str, list[uuid.UUID]] = defaultdict(list)
    for source in unique:
        if source.pk in paired:
            groups[keys[source.pk]].append(source.pk)
    for members in groups.values():
        names = [refs[pk] for pk in members]
        revealed = all(ref.revealed for ref in names)
        publisher = names[0].publisher.strip()
        if len(members) == len(unique) == 2:
            reasons.append(
                _("Both sources are from %(publisher)s.") % {"publisher": publisher}
                if revealed
                else _("Both sources have the same publisher.")
            )
            continue
        listed = _join([f"“{ref}”" for ref in names])
        reasons.append(
            _("%(sources)s are all from %(publisher)s.")
            % {"sources": listed, "publisher": publisher}
            if revealed
            else _("%(sources)s have the same publisher.") % {"sources": listed}
        )
    reasons += [d.reason for d in dependences if d.reason != "publisher"]
    return list(dict.fromkeys(reasons))


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + _(" and ") + items[-1]


# -- provenance of claims --------------------------------------------------------------------


@dataclass(frozen=True)
class CitedSource:
    """One citation of a claim, as one user may see it."""

    citation_id: uuid.UUID
    source: SourceRef
    field_name: str  # "" when the source supports the whole record
    field_label: str
    stance: str
    credibility: int  # 1–6
    page: str
    paragraph: str
    timestamp: str
    quote: str
    locator: str

    @property
    def reliability(self) -> str:
        return self.source.reliability

    @property
    def credibility_label(self) -> str:
        return _grading_labels(get_language())[1][self.credibility]

    @property
    def grading(self) -> str:
        """The Admiralty code: source reliability and information credibility, e.g. "B2"."""
        return f"{self.source.reliability}{self.credibility}"

    @property
    def contests(self) -> bool:
        return self.stance == Stance.CONTESTS


@dataclass(frozen=True)
class Provenance:
    """Every visible citation of one record, and what they add up to."""

    record: models.Model
    citations: tuple[CitedSource, ...]
    independence: Independence  # of the supporting sources

    @property
    def supporting(self) -> list[CitedSource]:
        return [c for c in self.citations if not c.contests]

    @property
    def contesting(self) -> list[CitedSource]:
        return [c for c in self.citations if c.contests]

    @property
    def by_field(self) -> dict[str, list[CitedSource]]:
        """Citations per field name; "" holds those for the whole record."""
        fields: dict[str, list[CitedSource]] = defaultdict(list)
        for citation in self.citations:
            fields[citation.field_name].append(citation)
        return dict(fields)

    @property
    def single_sourced(self) -> bool:
        """Fewer than two independent sources support the claim."""
        return not self.independence.corroborated


def visible_citations(records: Iterable[models.Model], user) -> models.QuerySet:
    """Active citations of ``records`` (of one model or several) whose source ``user`` may
    see, oldest first."""
    wanted: dict = defaultdict(list)
    for record in records:
        wanted[ContentType.objects.get_for_model(type(record))].append(record.pk)
    if not wanted:
        return Citation.objects.none()
    cited = functools.reduce(
        operator.or_,
        (models.Q(content_type=kind, object_id__in=pks) for kind, pks in wanted.items()),
    )
    return (
        Citation.objects.active()
        .filter(cited, source__in=Source.objects.visible_to(user).active().values("pk"))
        .select_related("source")
        .order_by("created_at")
    )


def _visible_pks(by_model: dict[type, list], user) -> set:
    """The primary keys of the records (``{model: records}``) that ``user`` may see, each
    model's ``visible_to`` asked in one query for all of them (a UNION)."""
    parts = [
        model._default_manager.all()
        .visible_to(user)
        .filter(pk__in=[record.pk for record in group])
        .order_by()
        .values_list("pk", flat=True)
        for model, group in by_model.items()
    ]
    if not parts:
        return set()
    return set(parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0])


#: What a provenance reads of a citation and of its source (:class:`CitedSource`,
#: :class:`SourceRef`, the independence): a claim citing 100 sources read their other columns
#: (dates, notes, audit fields) for nothing, 200 records of 18 and 32 columns on the big case.
_CITATION_FIELDS = (
    "content_type",
    "object_id",
    "source",
    "field_name",
    "stance",
    "credibility",
    "page",
    "paragraph",
    "timestamp",
    "quote",
)
_SOURCE_FIELDS = ("title", "publisher", "reliability", "is_protected", "team")


def provenance_for_records(records: Iterable[models.Model], user) -> dict:
    """Provenance of each of ``records`` that ``user`` may see, by primary key.

    For a list page or a record with its claims: the number of queries grows neither with
    the records, their kinds nor their citations (one visibility check, one for the
    citations, one per level of derivation).
    """
    identities = _Identities(user)
    by_model: dict[type, list] = defaultdict(list)
    for record in records:
        by_model[type(record)].append(record)
    visible = _visible_pks(by_model, user)
    shown = [record for group in by_model.values() for record in group if record.pk in visible]
    if not shown:
        return {}
    citations = list(
        visible_citations(shown, user).only(
            *_CITATION_FIELDS, *(f"source__{name}" for name in _SOURCE_FIELDS)
        )
    )
    per_record: dict = defaultdict(list)
    for citation in citations:
        per_record[(citation.content_type_id, citation.object_id)].append(citation)
    # One derivation walk for every source of every record, not one per record.
    sources = {c.source.pk: c.source for c in citations if c.stance == Stance.SUPPORTS}
    ancestors = derivation_ancestors(sources) if len(sources) > 1 else {}
    result = {}
    for model, group in by_model.items():
        kind = ContentType.objects.get_for_model(model).pk
        labels = {f.name: str(f.verbose_name) for f in model._meta.get_fields() if f.concrete}
        for record in group:
            if record.pk not in visible:
                continue
            cited = per_record.get((kind, record.pk), [])
            result[record.pk] = Provenance(
                record=record,
                citations=tuple(_cited(c, identities, labels) for c in cited),
                independence=assess_independence(
                    [c.source for c in cited if c.stance == Stance.SUPPORTS],
                    user,
                    ancestors=ancestors,
                    identities=identities,
                ),
            )
    return result


def attach_provenance(records: Iterable[models.Model], user) -> None:
    """Set ``record.provenance`` on each of ``records`` (of any models) in one batch.

    Records that already carry one are left alone, so a caller may gather a record and its
    nested claims more than once. A record ``user`` may not see gets an empty provenance
    (no source, single-sourced), never another user's.
    """
    pending = [record for record in records if "provenance" not in record.__dict__]
    if not pending:
        return
    found = provenance_for_records(pending, user)
    for record in pending:
        record.provenance = found.get(record.pk) or _no_provenance(record, user)


def _no_provenance(record: models.Model, user) -> Provenance:
    return Provenance(record=record, citations=(), independence=assess_independence([], user))


def provenance_for(record: models.Model, user) -> Provenance:
    """The provenance of one record; :class:`NotVisible` if ``user`` may not see it."""
    found = provenance_for_records([record], user)
    if record.pk not in found:
        raise NotVisible(f"{type(record).__name__} not found")
    return found[record.pk]


def _cited(citation: Citation, identities: _Identities, labels: dict) -> CitedSource:
    return CitedSource(
        citation_id=citation.pk,
        source=identities.ref(citation.source),
        field_name=citation.field_name,
        field_label=labels.get(citation.field_name, citation.field_name),
        stance=citation.stance,
        credibility=citation.credibility,
        page=citation.page,
        paragraph=citation.paragraph,
        timestamp=citation.timestamp,
        quote=citation.quote,
        locator=citation.locator,
    )


# -- provenance in exports ---------------------------------------------------------------------


def sources_text(provenance: Provenance | None) -> str:
    """The sources of a claim for one spreadsheet cell: each with its Admiralty grading,
    "; "-joined, e.g. “HRW report (B2); Verdict (A1, date); Statement (C3, contests)”.

    Labels are what the user may see (pseudonyms of protected sources); repeats are left
    out.
    """
    if provenance is None:
        return ""
    parts = []
    for cited in provenance.citations:
        notes = [cited.grading]
        if cited.field_name:
            notes.append(cited.field_label)
        if cited.contests:
            notes.append(str(Stance.CONTESTS.label))
        parts.append(f"{cited.source.label} ({', '.join(notes)})")
    return "; ".join(dict.fromkeys(parts))


def single_sourced_text(provenance: Provenance | None) -> str:
    """ "yes" when fewer than two independent sources the user may see support the claim."""
    return "yes" if provenance is None or provenance.single_sourced else "no"


def case_claims_single_sourced(cases: Iterable[models.Model], user) -> dict:
    """For each case, ``(single-sourced, all)``: how many of its claims (allegations,
    detentions and detention steps, not archived, that ``user`` may see) rest on fewer than
    two independent sources.

    For an export: a fixed number of queries whatever the number of cases (three for the
    claims, then :func:`provenance_for_records`' batch per kind of claim).
    """
    pks = [case.pk for case in cases]
    if not pks:
        return {}
    allegations = list(Allegation.objects.visible_to(user).active().filter(case_id__in=pks))
    detentions = list(Detention.objects.visible_to(user).active().filter(case_id__in=pks))
    steps = list(
        DetentionStep.objects.visible_to(user)
        .active()
        .filter(detention_id__in=[detention.pk for detention in detentions])
    )
    case_of = {detention.pk: detention.case_id for detention in detentions}
    claims = [
        *((claim.case_id, claim) for claim in allegations),
        *((claim.case_id, claim) for claim in detentions),
        *((case_of[claim.detention_id], claim) for claim in steps),
    ]
    found = provenance_for_records([claim for _case, claim in claims], user)
    counts = {pk: [0, 0] for pk in pks}
    for case_id, claim in claims:
        provenance = found.get(claim.pk)
        counts[case_id][0] += provenance is None or provenance.single_sourced
        counts[case_id][1] += 1
    return {pk: (single, total) for pk, (single, total) in counts.items()}


# -- contested figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureClaim:
    """One party's figure, with who gives it and how it is graded."""

    figure_id: uuid.UUID
    display_value: str  # "more than 40", "10", "30–50"
    value: int
    value_max: int | None
    qualifier: str
    claimed_by: str  # the source's pseudonym when its identity is hidden
    source: SourceRef
    credibility: int | None  # from the citation of the figure, when there is one
    as_of: ApproximateDate | None
    note: str

    @property
    def grading(self) -> str:
        credibility = self.credibility if self.credibility is not None else ""
        return f"{self.source.reliability}{credibility}"


@dataclass(frozen=True)
class FigureSummary:
    """Every figure given for one kind of count (killed, detained…) at one event."""

    kind: str
    label: str
    low: int
    high: int
    figures: tuple[FigureClaim, ...] = field(default_factory=tuple)

    @property
    def range_display(self) -> str:
        """The spread of what is said, e.g. "10 – more than 40" (one figure: itself)."""
        lowest = min(self.figures, key=lambda f: (f.value, f.value_max or f.value))
        highest = max(self.figures, key=lambda f: (f.value_max or f.value, f.value))
        if lowest is highest or lowest.display_value == highest.display_value:
            return lowest.display_value
        return f"{lowest.display_value} – {highest.display_value}"

    @property
    def contested(self) -> bool:
        return len({(f.value, f.value_max, f.qualifier) for f in self.figures}) > 1


def figures_summary(event: Event, user) -> list[FigureSummary]:
    """The figures ``user`` may see for ``event``, side by side, per kind of count.

    Each kind gets its range (lowest to highest value said) and every figure with who says
    it, its source and the grading. Queries: the event's visibility, the figures, their
    citations — whatever the number of figures.
    """
    if not Event.objects.visible_to(user).filter(pk=event.pk).exists():
        raise NotVisible("Event not found")
    figures = list(
        EventFigure.objects.visible_to(user)
        .active()
        .filter(event=event)
        .select_related("source")
        .order_by("kind", "value", "created_at")
    )
    credibility: dict[uuid.UUID, int] = {}
    source_of = {figure.pk: figure.source_id for figure in figures}
    for citation in visible_citations(figures, user):
        if citation.source_id == source_of[citation.object_id]:
            credibility.setdefault(citation.object_id, citation.credibility)
    identities = _Identities(user)
    by_kind: dict[str, list[FigureClaim]] = defaultdict(list)
    for figure in figures:
        source = identities.ref(figure.source)
        by_kind[figure.kind].append(
            FigureClaim(
                figure_id=figure.pk,
                display_value=figure.display_value,
                value=figure.value,
                value_max=figure.value_max,
                qualifier=figure.qualifier,
                claimed_by=figure.claimed_by if source.revealed else source.label,
                source=source,
                credibility=credibility.get(figure.pk),
                as_of=figure.as_of,
                note=figure.note,
            )
        )
    return [
        FigureSummary(
            kind=kind,
            label=str(FigureKind(kind).label),
            low=min(f.value for f in claims),
            high=max(f.value_max or f.value for f in claims),
            figures=tuple(claims),
        )
        for kind in FigureKind.values
        if (claims := by_kind.get(kind))
    ]
