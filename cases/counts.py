"""How many people were detained, and what became of them — counted once for every surface.

A group detention (:class:`~cases.models.GroupDetention`) counts its people at the highest
figure any source gives (the figure's lower value: "more than 40" counts 40), never fewer than
the detainees named from it so far. A named detention outside any group counts one. Figures
and detentions are read as the reader may see them (``visible_to``): a figure whose source is
hidden from them does not count for them.

The event list, its CSV, the case page, the register's summary, the dashboard's chart, the
places of detention and the statistics page all ask this module, so their numbers agree. Every
function runs a fixed number of queries whatever the number of rows: the counts are
subqueries and sums in the database.

Administrative outcomes (released without charge, warned, fined, administrative arrest,
community work) are counted apart from criminal sentences (:func:`outcome_totals`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from cases.choices import ADMINISTRATIVE_OUTCOMES, CountKind, StepKind
from cases.models import (
    Allegation,
    Case,
    Detention,
    DetentionStep,
    Facility,
    GroupDetention,
    GroupDetentionFigure,
)

#: The ``monitor.summaries`` key of the register's arrests and allegations per month, split
#: by their case's team and confidentiality (the dashboard's chart: ``chart_summary`` in
#: ``config/dashboard.py``). Every save of the models it reads changes it, in the writing
#: transaction (connected in ``cases.apps``): add a model here if the summary reads more.
REGISTER_PER_MONTH = "cases.register-per-month"
REGISTER_PER_MONTH_MODELS = (Case, Detention, DetentionStep, Allegation)


def counted_groups(user, kind: str = CountKind.DETAINED):
    """Visible, active group detentions annotated with ``named_count`` (detainees named so
    far) and ``counted`` (what the group counts of ``kind``: its highest figure; for the
    detained, never fewer than those named)."""
    figures = (
        GroupDetentionFigure.objects.visible_to(user)
        .filter(group=OuterRef("pk"), kind=kind, archived_at__isnull=True)
        .order_by()
        .values("group")
        .annotate(best=Max("value"))
        .values("best")
    )
    groups = with_named(
        GroupDetention.objects.visible_to(user).filter(
            archived_at__isnull=True, case__archived_at__isnull=True
        ),
        user,
    ).alias(figure_best=Coalesce(Subquery(figures), Value(0)))
    # An annotation naming another writes that one's subquery out again: ``figure_best`` is
    # only an alias, and ``counted_kind`` (a constant) tells GroupDetention.count() which
    # kind ``counted`` counts, so it reads it costing no query, and no column repeats it.
    if kind == CountKind.DETAINED:
        counted = Greatest("figure_best", "named_count")
    else:
        counted = F("figure_best")
    return groups.annotate(counted=counted, counted_kind=Value(kind))


def with_named(groups, user):
    """Annotate ``named_count`` on group detentions: the detainees named from each so far
    that ``user`` may see (:meth:`GroupDetention.named` reads it, costing no query)."""
    named = (
        Detention.objects.visible_to(user)
        .filter(group=OuterRef("pk"), archived_at__isnull=True)
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return groups.annotate(named_count=Coalesce(Subquery(named), Value(0)))


def _sum_by(groups, field: str) -> dict:
    rows = groups.order_by().values(field).annotate(total=Sum("counted"))
    return {row[field]: row["total"] or 0 for row in rows}


def _named_alone(user):
    """Visible, active named detentions not counted in any group."""
    return Detention.objects.visible_to(user).filter(
        archived_at__isnull=True, case__archived_at__isnull=True, group__isnull=True
    )


def detained_by_event(user, events=None) -> dict:
    """``{event id: people detained}`` over the group detentions linked to each event."""
    groups = counted_groups(user).filter(event__isnull=False)
    if events is not None:
        groups = groups.filter(event__in=events)
    return _sum_by(groups, "event")


def detained_by_case(user, cases=None, *, groups: list | None = None) -> dict:
    """``{case id: people detained}``: its groups, and its named detainees outside them.

    ``groups``: every group of ``cases`` as :func:`counted_groups` gives them, when the caller
    has read them already (the case page lists them): added up instead of counted again.
    """
    alone = _named_alone(user)
    if cases is not None:
        alone = alone.filter(case__in=cases)
    if groups is None:
        counted = counted_groups(user)
        totals = _sum_by(counted if cases is None else counted.filter(case__in=cases), "case")
    else:
        totals = {}
        for group in groups:
            totals[group.case_id] = totals.get(group.case_id, 0) + group.counted
    for row in alone.order_by().values("case").annotate(n=Count("pk")):
        totals[row["case"]] = totals.get(row["case"], 0) + row["n"]
    return totals


def detained_by_facility(user, facilities=None) -> dict:
    """``{facility id: people taken there}``: groups taken there, and named detainees outside
    a group with a step held there (each counted once per facility)."""
    groups = counted_groups(user).filter(facility__isnull=False)
    steps = DetentionStep.objects.visible_to(user).filter(
        archived_at__isnull=True,
        held_at__isnull=False,
        detention__in=_named_alone(user).values("pk"),
    )
    if facilities is not None:
        groups, steps = groups.filter(facility__in=facilities), steps.filter(held_at__in=facilities)
    totals = _sum_by(groups, "facility")
    for row in steps.order_by().values("held_at").annotate(n=Count("detention", distinct=True)):
        totals[row["held_at"]] = totals.get(row["held_at"], 0) + row["n"]
    return totals


def detained_total(user) -> int:
    """Everyone detained in the records the user may see: groups and named detainees."""
    groups = counted_groups(user).aggregate(total=Sum("counted"))["total"] or 0
    return groups + _named_alone(user).count()


@dataclass(frozen=True)
class OutcomeTotals:
    """What became of the people detained, administrative outcomes apart from sentences."""

    detained: int
    #: ``[(kind, label, people)]`` for each administrative outcome, in a fixed order.
    administrative: list
    #: People sentenced under the Criminal Code (named detentions with a sentence).
    sentenced: int
    #: People counted as charged with a crime in group detentions.
    charged_in_groups: int

    @property
    def administrative_total(self) -> int:
        return sum(people for _kind, _label, people in self.administrative)


def outcome_totals(user) -> OutcomeTotals:
    """Totals of the detained and their outcomes, for the statistics page and the API."""
    named = Detention.objects.visible_to(user).filter(
        archived_at__isnull=True, case__archived_at__isnull=True
    )
    steps = DetentionStep.objects.visible_to(user).filter(
        archived_at__isnull=True, detention__in=named.values("pk")
    )
    # A named detainee counted in a group is already in its figures: counted once, there.
    alone_steps = steps.filter(detention__group__isnull=True)
    per_step = dict(
        alone_steps.filter(kind__in=ADMINISTRATIVE_OUTCOMES)
        .order_by()
        .values("kind")
        .annotate(n=Count("detention", distinct=True))
        .values_list("kind", "n")
    )
    administrative = []
    for kind in ADMINISTRATIVE_OUTCOMES:
        in_groups = counted_groups(user, kind).aggregate(total=Sum("counted"))["total"] or 0
        administrative.append((kind, StepKind(kind).label, in_groups + per_step.get(kind, 0)))
    sentenced = steps.filter(Q(kind=StepKind.SENTENCED)).values("detention").distinct().count()
    charged = (
        counted_groups(user, CountKind.CRIMINAL_CHARGE).aggregate(total=Sum("counted"))["total"]
        or 0
    )
    return OutcomeTotals(
        detained=detained_total(user),
        administrative=administrative,
        sentenced=sentenced,
        charged_in_groups=charged,
    )


def detained_at_events(user, events) -> int:
    """People detained at the events of ``events`` (a queryset), in total."""
    groups = counted_groups(user).filter(event__in=events.values("pk"))
    return groups.aggregate(total=Sum("counted"))["total"] or 0


@dataclass(frozen=True)
class DetainedOverview:
    """Everyone detained, per place of detention, and what became of them."""

    outcomes: OutcomeTotals
    #: ``[(facility, people)]``, most people first.
    by_facility: list


def detained_overview(user) -> DetainedOverview:
    """The register's and the statistics page's summary of protest detentions."""
    counts = detained_by_facility(user)
    facilities = Facility.objects.visible_to(user).filter(pk__in=list(counts))
    by_facility = sorted(
        ((facility, counts[facility.pk]) for facility in facilities),
        key=lambda pair: (-pair[1], pair[0].name),
    )
    return DetainedOverview(outcomes=outcome_totals(user), by_facility=by_facility)
