"""The dashboard: what is waiting for the signed-in user, and what is happening.

The dashboard belongs to the project package (``config``, like ``urls.py``), above the apps:
it reads every app's records, always through ``visible_to(request.user)``. Sections:

* my drafts — records I created or edited that are still drafts;
* returned to me — records I created or edited that a reviewer returned, with the comment;
* for reviewers — how many records wait for review, and the admin review queue;
* follow-ups overdue, and deadlines in the next 14 days (``cases.deadlines``);
* recent changes to records I may see;
* documented detentions (arrest steps) and allegations per month, as an SVG chart, for the
  cases of one event or place (chosen through the cases' FilterSet, so only visible events
  and places are offered and counted); for the whole register, from a summary kept per
  worker and computed again after every change (``monitor.summaries``), of which each reader
  adds up the parts they may see.
"""

from __future__ import annotations

import datetime
import uuid
from collections import Counter
from itertools import chain

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import CharField, Count, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Cast, Concat, ExtractMonth, ExtractYear
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cases.choices import StepKind
from cases.counts import REGISTER_PER_MONTH, counted_groups
from cases.deadlines import dashboard_deadlines
from cases.filtersets import CaseFilterSet
from cases.models import Allegation, Case, DetentionStep, FollowUp
from monitor.access import has_role, sees
from monitor.admin.review.queue import queue_count
from monitor.approxdate import ApproximateDate, Precision
from monitor.charts import bar_chart
from monitor.choices import ReviewState
from monitor.labels import reviewed_models as reviewable_models
from monitor.models import (
    DecisionAction,
    Place,
    ReviewDecision,
    ReviewedModel,
    SummaryVersion,
)
from monitor.pages.helpers import describe_records
from monitor.suggest import make_suggest_widget
from monitor.summaries import kept

UPCOMING_DAYS = 14
LIST_LIMIT = 10
RECENT_LIMIT = 15
#: Above this many months the chart counts per year, so bars stay readable.
MAX_MONTHS = 36


def reviewed_models() -> list[type]:
    """Cases, events, persons and sources: every record that goes through review."""
    return [model for model in apps.get_models() if issubclass(model, ReviewedModel)]


@require_safe
def dashboard(request):
    user = request.user
    if not has_role(user):
        return render(request, "dashboard.html", {"no_role": True})
    today = timezone.localdate()
    mine = _my_records(user)
    drafts = mine.get(ReviewState.DRAFT, [])
    returned = mine.get(ReviewState.RETURNED, [])
    _attach_return_comments(returned)
    context = {
        # A viewer records nothing: no drafts or returns of theirs to show, not even empty.
        "records_work": user.has_perm("cases.add_case"),
        "drafts": drafts,
        "returned": returned,
        "is_reviewer": user.has_perm("monitor.verify_record"),
        **_deadlines(user, today),
        "recent": _recent_changes(user),
        **_chart(request),
    }
    if context["is_reviewer"]:
        context["waiting_count"] = queue_count(user)
        try:
            context["review_queue_url"] = reverse("review-queue")
        except NoReverseMatch:
            context["review_queue_url"] = ""
    return render(request, "dashboard.html", context)


# -- my drafts, returned to me ---------------------------------------------------------------------


def _my_records(user) -> dict[str, list]:
    """My drafts and my returned records (created or edited by me), newest first.

    One query per state (a UNION over the kinds of record, as the review queue does), not one
    per kind: the dashboard's queries stay few and constant. Where the database allows it
    (PostgreSQL), each kind's part is itself ordered and cut to the first few: read backwards
    from the ``<model>_state_updated`` index, it stops there, however many drafts there are."""
    found: dict[str, list] = {}
    # Every reviewable kind (the queue's): a court one added and a reviewer returned is one's
    # to fix too.
    models_by_label = {model._meta.label_lower: model for model in reviewable_models()}
    rows_by_state = {}
    newest_first, first_few = ("-updated_at", "-pk"), LIST_LIMIT * 2
    each_part_cut = connection.features.supports_slicing_ordering_in_compound
    # Each kind's records of mine, built once and narrowed to each state.
    mine = []
    for label, model in models_by_label.items():
        edited = model.history.filter(history_user=user).values("id")
        mine.append(
            model.objects.visible_to(user)
            .filter(Q(created_by=user) | Q(pk__in=edited), archived_at__isnull=True)
            .annotate(record_kind=Value(label, output_field=CharField()))
            .values("record_kind", "pk", "updated_at")
        )
    for state in (ReviewState.DRAFT, ReviewState.RETURNED):
        parts = [part.filter(review_state=state) for part in mine]
        if each_part_cut:
            parts = [part.order_by(*newest_first)[:first_few] for part in parts]
        else:
            parts = [part.order_by() for part in parts]
        union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        rows_by_state[state] = list(union.order_by(*newest_first)[:first_few])
    # Both states' records labelled together: one query per kind, not per kind and state.
    wanted: dict[type, set] = {}
    for row in chain.from_iterable(rows_by_state.values()):
        wanted.setdefault(models_by_label[row["record_kind"]], set()).add(row["pk"])
    labels = describe_records(wanted, user) if wanted else {}
    for state, rows in rows_by_state.items():
        for row in rows:
            ref = labels.get(row["pk"])
            if ref is None:
                continue
            items = found.setdefault(state, [])
            if len(items) < LIST_LIMIT:
                items.append({"ref": ref, "updated_at": row["updated_at"], "pk": row["pk"]})
    return found


def _attach_return_comments(items: list[dict]) -> None:
    """The latest "returned" decision of each item: who returned it, when, and why."""
    if not items:
        return
    decisions = ReviewDecision.objects.filter(
        action=DecisionAction.RETURNED, object_id__in=[item["pk"] for item in items]
    ).select_related("actor").order_by("-at")  # fmt: skip
    latest: dict = {}
    for decision in decisions:
        latest.setdefault(decision.object_id, decision)
    for item in items:
        item["decision"] = latest.get(item["pk"])


# -- deadlines -------------------------------------------------------------------------------------


def _deadlines(user, today: datetime.date) -> dict:
    def link(item) -> str | None:
        if item.model == "cases.followup":
            return reverse("followup-detail", kwargs={"pk": item.pk})
        return reverse("case-detail", kwargs={"pk": item.case_id})

    late, coming = dashboard_deadlines(user, days=UPCOMING_DAYS, today=today)
    overdue = [
        {"item": item, "url": link(item), "days_late": item.days_late(today)} for item in late
    ]
    upcoming = [
        {"item": item, "url": link(item), "in_days": (item.date - today).days} for item in coming
    ]
    return {"overdue": overdue, "upcoming": upcoming, "upcoming_days": UPCOMING_DAYS}


# -- recent changes --------------------------------------------------------------------------------


def _recent_changes(user) -> list[dict]:
    """The latest history rows of records the user may see (one UNION over the kinds of
    record, one query for who made them, one per kind to label them). Rows are told by the
    record's label, who and when — not by their change reason, which a protected person's
    pseudonym would not cover."""
    models_by_label = {model._meta.label_lower: model for model in [*reviewed_models(), FollowUp]}
    parts = []
    for label, model in models_by_label.items():
        visible = model.objects.visible_to(user).values("pk")
        parts.append(
            model.history.filter(id__in=visible)
            .annotate(record_kind=Value(label, output_field=CharField()))
            .order_by()
            .values("record_kind", "id", "history_date", "history_user_id", "history_type")
        )
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    rows = list(union.order_by("-history_date")[:RECENT_LIMIT])
    wanted: dict[type, set] = {}
    for row in rows:
        wanted.setdefault(models_by_label[row["record_kind"]], set()).add(row["id"])
    labels = describe_records(wanted, user) if rows else {}
    users = get_user_model().objects.in_bulk({row["history_user_id"] for row in rows} - {None})
    actions = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    return [
        {
            "ref": labels[row["id"]],
            "at": row["history_date"],
            "user": users.get(row["history_user_id"]),
            "action": actions.get(row["history_type"], ""),
        }
        for row in rows
        if row["id"] in labels
    ]


# -- chart -----------------------------------------------------------------------------------------


class ChartFilterSet(CaseFilterSet):
    """The case list's event and place filters (the same visible choices, the same rules,
    archived cases left out by default), and the dates its ``filter_queryset`` reads, left
    empty: the chart asks for nothing else, and each of the list's other filters would make
    its field and its visible queryset on every dashboard."""


ChartFilterSet.base_filters = {
    name: CaseFilterSet.base_filters[name] for name in ("event", "place", "date_from", "date_to")
}


def _chart(request) -> dict:
    """Detentions (arrest steps) and allegations per month in the cases of an event or place.

    The event and place come from ``?event=`` and ``?place=`` through ``CaseFilterSet``: the
    same filters as the case list, offering and accepting visible records only. Dates known to
    the month or the day are counted in their month; those known only to the year are counted
    apart, as the chart cannot place them.
    """
    user = request.user
    data = {key: request.GET[key] for key in ("event", "place") if request.GET.get(key)}
    filterset = ChartFilterSet(data, queryset=Case.objects.visible_to(user), request=request)
    form = filterset.form
    form.fields["event"].label = _("Event")
    form.fields["event"].empty_label = _("All events")
    form.fields["place"].label = _("Place")
    form.fields["place"].empty_label = _("All places")
    # Events grow with the register: a type-ahead, as on the case list (monitor.suggest).
    make_suggest_widget(form, CaseFilterSet, "event", request)
    context = {"chart_form": form, "chart_fields": [form["event"], form["place"]]}
    if not filterset.is_valid():
        context["chart_error"] = _(
            "The chart's event or place could not be used: choose one from the list."
        )
        return context
    # The event narrows to its cases (and those of the events within it), as the case list
    # does. The place is the record's own where it has one (an arrest in Khorog, in a case
    # about all of GBAO), else its case's places.
    place = filterset.form.cleaned_data.get("place")
    if "place" in data:  # the cases of the event alone: the place is applied per record
        filterset = ChartFilterSet(
            {"event": data["event"]} if "event" in data else {},
            queryset=Case.objects.visible_to(user),
            request=request,
        )
    cases = filterset.qs.values("pk")
    arrests = DetentionStep.objects.visible_to(user).filter(
        kind=StepKind.ARRESTED,
        archived_at__isnull=True,
        detention__archived_at__isnull=True,
        detention__case__in=cases,
    )
    allegations = Allegation.objects.visible_to(user).filter(
        archived_at__isnull=True, case__in=cases
    )
    if place is not None:
        places = Place.objects.with_descendants([place]).values("pk")
        in_case_places = Case.places.through.objects.filter(place_id__in=places)
        arrests = arrests.filter(
            Q(place__in=places)
            | Q(place__isnull=True, detention__case__in=in_case_places.values("case_id"))
        )
        allegations = allegations.filter(
            Q(place__in=places) | Q(place__isnull=True, case__in=in_case_places.values("case_id"))
        )
    # People detained together and counted (cases.counts): their own series, people rather
    # than records, so 25 detained at a rally are not one allegation or one detention.
    groups = counted_groups(user).filter(case__in=cases)
    if place is not None:
        groups = groups.filter(
            Q(place__in=places) | Q(place__isnull=True, case__in=in_case_places.values("case_id"))
        )
    if place is None and "event" not in data:
        # The whole register: arrests and allegations from the kept summary (one scan of
        # every row per change, not per view); the groups, few, counted as they are.
        monthly, apart = _register_per_month(user, groups)
    else:
        # One query for the three series (a UNION), so the dashboard's queries stay constant.
        monthly, apart = _counted_per_month(
            {"detentions": arrests, "detained": groups, "allegations": allegations},
            totals={"detained": "counted"},
        )
    categories, series = _categories(monthly)
    chosen = [str(field.field.label) for field in context["chart_fields"] if data.get(field.name)]
    description = _(
        "Bars per %(period)s: documented detentions (arrests), people detained in group "
        "detentions and allegations in the cases you may see%(scope)s. Totals: "
        "%(detentions)s detentions, %(detained)s people detained in groups, "
        "%(allegations)s allegations."
    ) % {
        "period": _("year") if categories and len(categories[0]) == 4 else _("month"),
        "scope": _(", for the chosen %(what)s") % {"what": _(" and ").join(chosen).lower()}
        if chosen
        else "",
        "detentions": sum(series["detentions"]),
        "detained": sum(series["detained"]),
        "allegations": sum(series["allegations"]),
    }
    context["chart"] = bar_chart(
        title=_("Documented detentions and allegations over time"),
        description=description,
        categories=categories,
        series=[
            ("detentions", _("detentions"), series["detentions"]),
            ("detained", _("people detained in groups"), series["detained"]),
            ("allegations", _("allegations"), series["allegations"]),
        ],
    )
    context["chart_apart"] = apart
    return context


def _per_month(queryset, name: str, total: str | None, *group_by: str):
    """``queryset``'s records (or ``total`` summed) per series, month and precision (and
    ``group_by``): one part of the UNION of :func:`_counted_per_month`."""
    return (
        queryset.annotate(
            series=Value(name, output_field=CharField()),
            year=ExtractYear("date"),
            month=ExtractMonth("date"),
        )
        .values("series", "year", "month", "date_precision", *group_by)
        .annotate(count=Count("pk") if total is None else Sum(total))
        .order_by()
    )


def _counted_per_month(
    querysets: dict, totals: dict[str, str]
) -> tuple[dict[str, Counter], dict[str, dict]]:
    """Per series, its records (or, where ``totals`` names a column, that column summed: people
    in a group detention) per month, and apart those dated to the year only or undated.

    One UNION over the series, grouped by month and precision: one query, however many
    series or records."""
    parts = [_per_month(queryset, name, totals.get(name)) for name, queryset in querysets.items()]
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return _fold(list(querysets), rows)


def _fold(names, rows) -> tuple[dict[str, Counter], dict[str, dict]]:
    """Rows of :func:`_per_month` as counts per series and month, and the counts apart."""
    monthly = {name: Counter() for name in names}
    apart = {name: {"year_only": 0, "undated": 0} for name in names}
    for row in rows:
        count = row["count"] or 0
        name = row["series"]
        if row["year"] is None:
            apart[name]["undated"] += count
        if row["date_precision"] == Precision.YEAR:
            apart[name]["year_only"] += count
        elif row["year"] is not None and row["date_precision"] >= Precision.MONTH:
            monthly[name][(row["year"], row["month"])] += count
    return monthly, apart


# -- the chart of the whole register, from a kept summary ------------------------------------------

_VERSION, _TEAM = "version:", "team:"


def chart_summary() -> list[dict]:
    """Every active case's arrests and allegations per month and precision, split by the
    case's team and confidentiality: what decides who may see them (``Case.visible_to``).

    The same series as the chart's own queries, over every record instead of one reader's:
    each reader then adds up the parts they may see (:func:`_register_per_month`)."""
    scope = ("case_team", "case_confidentiality")
    arrests = DetentionStep.objects.filter(
        kind=StepKind.ARRESTED,
        archived_at__isnull=True,
        detention__archived_at__isnull=True,
        detention__case__archived_at__isnull=True,
    ).annotate(
        case_team=F("detention__case__team_id"),
        case_confidentiality=F("detention__case__confidentiality"),
    )
    allegations = Allegation.objects.filter(
        archived_at__isnull=True, case__archived_at__isnull=True
    ).annotate(case_team=F("case__team_id"), case_confidentiality=F("case__confidentiality"))
    parts = [
        _per_month(arrests, "detentions", None, *scope),
        _per_month(allegations, "allegations", None, *scope),
    ]
    return list(parts[0].union(parts[1], all=True))


def _register_per_month(user, groups) -> tuple[dict[str, Counter], dict[str, dict]]:
    """The chart's series over the whole register as ``user`` may see it.

    One query: the groups (few) counted as the reader may see them, in a UNION with the kept
    summary's version token and the reader's teams, read in the same statement. The
    summary's parts are then kept to those the reader may see, by the rule of
    ``monitor.access.sees`` (the rule of ``Case.visible_to``, for one loaded record)."""
    columns = ["series", "year", "month", "date_precision", "count"]
    nulls = {column: Value(None, output_field=IntegerField()) for column in columns[1:]}
    version = (
        SummaryVersion.objects.filter(key=REGISTER_PER_MONTH)
        .order_by()
        .values(series=Concat(Value(_VERSION), Cast("token", CharField())), **nulls)
    )
    teams = (
        get_user_model()
        .teams.through.objects.filter(user_id=user.pk)
        .order_by()
        .values(series=Concat(Value(_TEAM), Cast("team_id", CharField())), **nulls)
    )
    rows = list(_per_month(groups, "detained", "counted").union(version, teams, all=True))
    token = next(
        (row["series"][len(_VERSION) :] for row in rows if row["series"].startswith(_VERSION)),
        None,
    )
    team_ids = {
        uuid.UUID(row["series"][len(_TEAM) :]) for row in rows if row["series"].startswith(_TEAM)
    }
    names = ["detentions", "detained", "allegations"]
    counted = [row for row in rows if row["series"] in names]
    for part in kept(REGISTER_PER_MONTH, token, chart_summary):
        scope = _CaseScope(part["case_team"], part["case_confidentiality"])
        if sees(user, scope, team_ids=team_ids):
            counted.append(part)
    return _fold(names, counted)


class _CaseScope:
    """What ``monitor.access.sees`` reads of a case: its team and confidentiality."""

    __slots__ = ("confidentiality", "team_id")

    def __init__(self, team_id, confidentiality):
        # As UUIDs, like the reader's teams (read as text beside the groups' rows).
        if team_id is not None and not isinstance(team_id, uuid.UUID):
            team_id = uuid.UUID(str(team_id))
        self.team_id = team_id
        self.confidentiality = confidentiality


def _categories(monthly: dict[str, Counter]) -> tuple[list[str], dict[str, list[int]]]:
    """The periods from the first to the last with data, and each series' counts in them."""
    keys = set(chain.from_iterable(counter.keys() for counter in monthly.values()))
    if not keys:
        return [], {name: [] for name in monthly}
    first, last = min(keys), max(keys)
    span = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
    if span > MAX_MONTHS:
        years = list(range(first[0], last[0] + 1))
        series = {
            name: [sum(n for (y, _m), n in counter.items() if y == year) for year in years]
            for name, counter in monthly.items()
        }
        return [str(year) for year in years], series
    months = []
    year, month = first
    for _index in range(span):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    series = {name: [counter.get(key, 0) for key in months] for name, counter in monthly.items()}
    # "Jun 2022" in English; "июнь 2022", "моҳи июни 2022" as Russian and Tajik write them.
    language = (translation.get_language() or "en").split("-")[0]
    labels = [
        ApproximateDate(y, m).display(language)
        if language in ("ru", "tg")
        else datetime.date(y, m, 1).strftime("%b %Y")
        for y, m in months
    ]
    return labels, series
