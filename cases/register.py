"""The detainee register: one row per detention, its columns declared once.

The page (``cases.views.register``), its CSV and XLSX exports and the API
(``/api/v1/register/``) all read :data:`COLUMNS`, so what a person sees, what they download
and what a partner system reads cannot drift apart.

Rules every surface gets from here:

* Rows are ``Detention.objects.visible_to(user)`` (:func:`register_queryset`), filtered by the
  one ``DetentionFilterSet`` the detentions API uses too.
* The person is named by :func:`person_label` alone: their primary name where the reader may
  see and identify them, else their pseudonym. It is the one place to point at a redaction
  engine later.
* The status is derived from the steps (the latest step, :meth:`DetentionQuerySet.with_status`
  and :meth:`Detention.current_status`), never typed; the expected release comes from
  :func:`cases.deadlines.expected_release`.
* Sources are counted as the reader may see them (``visible_to``), and two sources count as
  independent under :func:`cases.provenance.assess_independence`: the sources of the
  detention and of each of its steps, together.
* A page runs the same number of queries whatever its number of rows: everything is joined,
  annotated or fetched in one batch per kind (:func:`build_rows`).
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import ExtractYear
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cases.choices import StepKind
from cases.deadlines import ENDED, expected_release
from cases.models import Case, Detention, DetentionStep
from cases.models.detentions import SENTENCE_KINDS
from cases.naming import linked_person, person_display_name
from cases.provenance import (
    Identities,
    assess_independence,
    derivation_ancestors,
    visible_citations,
)
from monitor.access import team_ids_of
from monitor.approxdate import ApproximateDate, Precision
from monitor.models import DecisionAction, ReviewDecision
from monitor.selectors import visible_prefetch
from people.selectors import organization_prefetch, person_prefetch
from sources.choices import Stance

# -- the person ------------------------------------------------------------------------------


def person_label(detention: Detention, user, *, team_ids: set) -> tuple[str, bool]:
    """How the register names the detained person: ``(label, revealed)`` — their primary
    name where ``user`` may see and identify them, else their pseudonym
    (:func:`cases.naming.person_display_name`). ``detention.person`` is prefetched through
    ``person_prefetch`` (a person hidden from the reader reads as missing)."""
    return person_display_name(
        linked_person(detention), detention.person_id, user, team_ids=team_ids
    )


# -- rows ------------------------------------------------------------------------------------


@dataclass
class RegisterRow:
    """One detention as the register shows it to one reader."""

    pk: uuid.UUID
    case_id: uuid.UUID
    case_reference: str
    person: str
    person_revealed: bool
    status: str | None
    arrested: ApproximateDate | None
    arrest_place: str
    facility: str
    authority: str
    articles: list[str]
    sentence_months: int | None
    life_sentence: bool
    expected_release: ApproximateDate | None
    days_in_custody: int | None
    days_approximate: bool
    last_verified: datetime.datetime | None
    independent_sources: int
    single_sourced: bool
    created_at: datetime.datetime
    change: str = ""
    #: ``(column, text)`` pairs, set by the page for its template.
    cells: list = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(StepKind(self.status).label) if self.status else ""

    @property
    def sentence(self) -> str:
        """ "7 years 6 months", "life" or ""."""
        if self.life_sentence:
            return str(_("life"))
        if not self.sentence_months:
            return ""
        years, months = divmod(self.sentence_months, 12)
        parts = []
        if years:
            parts.append(_("%(n)d years") % {"n": years} if years != 1 else _("1 year"))
        if months:
            parts.append(_("%(n)d months") % {"n": months} if months != 1 else _("1 month"))
        return " ".join(str(part) for part in parts)

    @property
    def sentence_years(self) -> int | None:
        return None if self.sentence_months is None else self.sentence_months // 12

    @property
    def sentence_rest_months(self) -> int | None:
        return None if self.sentence_months is None else self.sentence_months % 12

    @property
    def days_display(self) -> str:
        if self.days_in_custody is None:
            return ""
        return f"c. {self.days_in_custody}" if self.days_approximate else str(self.days_in_custody)


def _date_text(value) -> str:
    return "" if value is None else str(value)


def _iso(value) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).date().isoformat()


@dataclass(frozen=True)
class RegisterColumn:
    """A column of the register: its header, and its cell as plain data and as text.

    ``value`` is what the API and the XLSX get (a number stays a number); ``text`` what the
    page and the CSV show (defaults to ``value`` as text). ``kind`` types the API field.
    """

    key: str
    label: str
    value: Callable[[RegisterRow], Any]
    text: Callable[[RegisterRow], str] | None = None
    kind: str = "string"  # "string", "integer", "boolean", "date", "list"
    sort: str | None = None
    numeric: bool = False
    help_text: str = ""

    def cell_text(self, row: RegisterRow) -> str:
        if self.text is not None:
            return self.text(row)
        value = self.value(row)
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(_("yes") if value else _("no"))
        if isinstance(value, list):
            return "; ".join(str(v) for v in value)
        return str(value)


COLUMNS: tuple[RegisterColumn, ...] = (
    RegisterColumn(
        "person",
        _("Person"),
        lambda r: r.person,
        help_text=_("The primary name, or the pseudonym where you may not identify them."),
    ),
    RegisterColumn("case", _("Case"), lambda r: r.case_reference, sort="case__reference"),
    RegisterColumn(
        "status",
        _("Status"),
        lambda r: r.status,
        text=lambda r: r.status_label,
        sort="latest_step_kind",
        help_text=_("The kind of the latest step."),
    ),
    RegisterColumn("arrested", _("Arrested"), lambda r: _date_text(r.arrested), sort="arrest_date"),
    RegisterColumn("arrest_place", _("Place of arrest"), lambda r: r.arrest_place),
    RegisterColumn(
        "facility", _("Facility"), lambda r: r.facility, help_text=_("The latest one recorded.")
    ),
    RegisterColumn(
        "authority",
        _("Authority or court"),
        lambda r: r.authority,
        help_text=_("The latest one recorded that you may see."),
    ),
    RegisterColumn("articles", _("Articles"), lambda r: r.articles, kind="list"),
    RegisterColumn(
        "sentence_years",
        _("Sentence (years)"),
        lambda r: r.sentence_years,
        kind="integer",
        numeric=True,
    ),
    RegisterColumn(
        "sentence_months",
        _("Sentence (months)"),
        lambda r: r.sentence_rest_months,
        kind="integer",
        numeric=True,
        help_text=_("Months beyond the whole years."),
    ),
    RegisterColumn("life_sentence", _("Life sentence"), lambda r: r.life_sentence, kind="boolean"),
    RegisterColumn(
        "expected_release", _("Expected release"), lambda r: _date_text(r.expected_release)
    ),
    RegisterColumn(
        "days_in_custody",
        _("Days in custody"),
        lambda r: r.days_in_custody,
        text=lambda r: r.days_display,
        kind="integer",
        numeric=True,
        help_text=_(
            "From the arrest to the release, or to today (approximate when the arrest date is)."
        ),
    ),
    RegisterColumn(
        "last_verified",
        _("Last verified"),
        lambda r: _iso(r.last_verified),
        kind="date",
        sort="last_verified",
        help_text=_("When a reviewer last verified the case."),
    ),
    RegisterColumn(
        "independent_sources",
        _("Independent sources"),
        lambda r: r.independent_sources,
        kind="integer",
        numeric=True,
    ),
    RegisterColumn(
        "single_sourced", _("Single-sourced"), lambda r: r.single_sourced, kind="boolean"
    ),
)

#: Shown only in the "changes since" view.
CHANGE_COLUMN = RegisterColumn(
    "change",
    _("Change"),
    lambda r: r.change,
    text=lambda r: str(CHANGE_LABELS.get(r.change, "")),
    help_text=_('"new" or "changed" since the day asked for.'),
)
CHANGE_LABELS = {"new": _("new"), "changed": _("changed")}


def parse_since(value: str | None) -> datetime.date | None:
    """The "changes since" day of a query string, when it is a valid date (when it is not,
    the FilterSet has refused it already and nothing is listed)."""
    from django import forms

    try:
        return forms.DateField(required=False).clean(value or None)
    except forms.ValidationError:
        return None


def columns(*, since: datetime.date | None = None) -> tuple[RegisterColumn, ...]:
    return (*COLUMNS, CHANGE_COLUMN) if since else COLUMNS


# -- the queryset ----------------------------------------------------------------------------


def _arrest_steps():
    return DetentionStep.objects.filter(
        detention=OuterRef("pk"), kind=StepKind.ARRESTED, archived_at__isnull=True
    ).order_by("date", "created_at")


def _by_position(terms):
    return terms.order_by("position", "label")


def register_queryset(user) -> models.QuerySet:
    """The detentions ``user`` may see, with everything a register row shows.

    The status (latest step), the first arrest date and the case's last verification are
    annotations; the person comes through ``Person.visible_to`` (hidden reads as None), the
    steps with their place, facility, articles and (through ``visible_to``) authority.
    """
    case_type = ContentType.objects.get_for_model(Case)
    verified = ReviewDecision.objects.filter(
        content_type=case_type, object_id=OuterRef("case_id"), action=DecisionAction.VERIFIED
    ).order_by("-at")

    def steps(rows):
        return (
            rows.filter(archived_at__isnull=True)
            .select_related("place", "facility")
            .prefetch_related(
                visible_prefetch(
                    DetentionStep,
                    "articles",
                    user,
                    lambda terms: terms.order_by("position", "label"),
                ),
                organization_prefetch("authority", user),
            )
        )

    return (
        Detention.objects.visible_to(user)
        .with_status()
        .annotate(
            arrest_date=Subquery(_arrest_steps().values("date")[:1]),
            last_verified=Subquery(verified.values("at")[:1]),
        )
        .select_related("case")
        .prefetch_related(
            person_prefetch("person", user), visible_prefetch(Detention, "steps", user, steps)
        )
        .order_by("case__reference", "created_at", "pk")
    )


# -- building rows ---------------------------------------------------------------------------


def _independence(detentions: list[Detention], user) -> dict[uuid.UUID, tuple[int, bool]]:
    """``(independent sources, single-sourced)`` per detention: the supporting sources of the
    detention and of its steps, together. One query per kind of record, one per level of
    derivation."""
    steps = [step for detention in detentions for step in detention.steps.all()]
    owner = {step.pk: step.detention_id for step in steps}
    sources: dict[uuid.UUID, dict] = defaultdict(dict)
    for records in (detentions, steps):
        for citation in visible_citations(records, user):
            if citation.stance != Stance.SUPPORTS:
                continue
            detention_id = owner.get(citation.object_id, citation.object_id)
            sources[detention_id][citation.source.pk] = citation.source
    every_source = {pk: s for found in sources.values() for pk, s in found.items()}
    ancestors = derivation_ancestors(every_source) if len(every_source) > 1 else {}
    identities = Identities(user)
    result = {}
    for detention in detentions:
        found = sources.get(detention.pk, {})
        independence = assess_independence(
            found.values(), user, ancestors=ancestors, identities=identities
        )
        result[detention.pk] = (independence.count, not independence.corroborated)
    return result


def _days(start: ApproximateDate | None, end: datetime.date) -> tuple[int | None, bool]:
    if start is None:
        return None, False
    days = (end - start.start).days
    if days < 0:
        return None, False
    return days, start.precision != Precision.DAY or bool(start.circa)


def build_rows(
    detentions: Iterable[Detention],
    user,
    *,
    today: datetime.date | None = None,
    since: datetime.date | None = None,
) -> list[RegisterRow]:
    """Register rows for ``detentions`` from :func:`register_queryset` (a fixed number of
    queries whatever their number)."""
    detentions = list(detentions)
    today = today or timezone.localdate()
    team_ids = team_ids_of(user)
    independence = _independence(detentions, user)
    since_start = (
        timezone.make_aware(datetime.datetime.combine(since, datetime.time.min)) if since else None
    )
    rows = []
    for detention in detentions:
        steps = detention.ordered_steps()
        arrest = next((s for s in steps if s.kind == StepKind.ARRESTED), None)
        first = arrest or (steps[0] if steps else None)
        end_step = steps[-1] if steps and steps[-1].kind in ENDED else None
        days, approximate = _days(
            first.date if first else None, end_step.date.start if end_step else today
        )
        with_term = [
            s for s in steps if s.kind in SENTENCE_KINDS and (s.sentence_months or s.life_sentence)
        ]
        term = with_term[-1] if with_term else None
        facility = next((s.facility for s in reversed(steps) if s.facility), None)
        authority = next((s.authority for s in reversed(steps) if s.authority), None)
        articles = list(
            dict.fromkeys(term_.shown_label for step in steps for term_ in step.articles.all())
        )
        release = expected_release(detention)
        label, revealed = person_label(detention, user, team_ids=team_ids)
        sources, single = independence.get(detention.pk, (0, True))
        change = ""
        if since_start is not None:
            change = "new" if detention.created_at >= since_start else "changed"
        rows.append(
            RegisterRow(
                pk=detention.pk,
                case_id=detention.case_id,
                case_reference=detention.case.reference,
                person=label,
                person_revealed=revealed,
                status=detention.current_status,
                arrested=arrest.date if arrest else None,
                arrest_place=arrest.place.name if arrest and arrest.place else "",
                facility=facility.shown_label if facility else "",
                authority=authority.name if authority else "",
                articles=articles,
                sentence_months=None
                if term is None or term.life_sentence
                else term.sentence_months,
                life_sentence=bool(term and term.life_sentence),
                expected_release=release.when if release else None,
                days_in_custody=days,
                days_approximate=approximate,
                last_verified=getattr(detention, "last_verified", None),
                independent_sources=sources,
                single_sourced=single,
                created_at=detention.created_at,
                change=change,
            )
        )
    return rows


# -- counts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class RegisterCounts:
    """How many detentions of the filtered register fall under each status, article, year."""

    total: int
    by_status: list[Tally]
    by_article: list[Tally]
    by_year: list[Tally]
    no_arrest_date: int


def register_counts(queryset: models.QuerySet) -> RegisterCounts:
    """Counts over the whole filtered register (not one page): one query per grouping.

    ``queryset`` comes from :func:`register_queryset` and the FilterSet. An article counts a
    detention once however many steps name it, so the article rows add up to more than the
    total when people are charged under several.
    """
    ids = queryset.order_by().values("pk")
    base = Detention.objects.filter(pk__in=ids).with_status().order_by()
    statuses = {
        row["latest_step_kind"]: row["n"]
        for row in base.values("latest_step_kind").annotate(n=Count("pk"))
    }
    by_status = [
        Tally(kind.value, str(kind.label), statuses[kind.value])
        for kind in StepKind
        if statuses.get(kind.value)
    ]
    if statuses.get(None):
        by_status.append(Tally("none", str(_("no step recorded")), statuses[None]))
    through = DetentionStep.articles.through
    articles = (
        through.objects.filter(
            detentionstep__detention__in=ids, detentionstep__archived_at__isnull=True
        )
        .values("term_id", "term__label", "term__labels")
        .annotate(n=Count("detentionstep__detention", distinct=True))
        .order_by("-n", "term__label")
    )
    language = (translation.get_language() or "en").split("-")[0]
    by_article = [
        Tally(str(row["term_id"]), _term_label(row, language), row["n"]) for row in articles
    ]
    years = (
        Detention.objects.filter(pk__in=ids)
        .annotate(arrest_date=Subquery(_arrest_steps().values("date")[:1]))
        .annotate(year=ExtractYear("arrest_date"))
        .values("year")
        .annotate(n=Count("pk"))
        .order_by("year")
    )
    by_year, undated = [], 0
    for row in years:
        if row["year"] is None:
            undated += row["n"]
        else:
            by_year.append(Tally(str(row["year"]), str(row["year"]), row["n"]))
    return RegisterCounts(
        total=sum(statuses.values()),
        by_status=by_status,
        by_article=by_article,
        by_year=by_year,
        no_arrest_date=undated,
    )


def _term_label(row: dict, language: str) -> str:
    """A term's label in ``language`` from a ``values()`` row (Term.label_in, without the
    model)."""
    return (row["term__labels"] or {}).get(language) or row["term__label"]
