"""The queue: every submitted record a user may see, oldest first, in one UNION query."""

from __future__ import annotations

import datetime
import functools
import operator
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitor.labels import (
    item_key,
    item_url,
    labelled,
    reviewed_models,
    safe_label,
    visible,
)
from monitor.models import Team, User
from monitor.models.base import WAITING, waiting_since
from monitor.review_diff import Review
from monitor.services import ActionRefused, NotVisible, review_return, review_verify

PAGE_SIZE = 50

QUEUE_COLUMNS = ("queue_kind", "id", "submitted_at", "submitter_id", "team_id")


def has_team(model) -> bool:
    """Whether ``model``'s records belong to a team (reference data is everyone's)."""
    return any(field.name == "team" for field in model._meta.concrete_fields)


def of_team(rows, team):
    """``rows`` of one team; none, for a kind of record that has no team."""
    return rows.filter(team_id=team) if has_team(rows.model) else rows.none()


def waiting_records(model, user):
    """The ``model`` records waiting for review that ``user`` may see (the queue's rows of
    that kind, without its columns)."""
    return visible(model, user).filter(WAITING)


def waiting(model, user):
    """The ``model`` records waiting for review that ``user`` may see, annotated with when
    they entered the queue and who sent them there (the latest submission or reopening:
    ``Reviewable.queued_at`` and ``queued_by``, kept by the review services)."""
    rows = waiting_records(model, user)
    if not has_team(model):
        rows = rows.annotate(team_id=models.Value(None, output_field=models.UUIDField()))
    return rows.annotate(
        queue_kind=models.Value(model._meta.label_lower, output_field=models.CharField()),
        # A record put in the waiting state outside the services (raw SQL) still queues,
        # by its last change.
        submitted_at=waiting_since(),
        submitter_id=models.F("queued_by"),
    )


@dataclass(frozen=True)
class QueueFilters:
    """The queue's filters, read from the query string; a value that is not one of the
    choices is ignored rather than trusted."""

    kind: str = ""
    team: uuid.UUID | None = None
    submitter: uuid.UUID | None = None

    @classmethod
    def from_params(cls, params) -> QueueFilters:
        kind = params.get("type", "")
        kinds = {model._meta.label_lower for model in reviewed_models()}
        return cls(
            kind=kind if kind in kinds else "",
            team=parse_uuid(params.get("team")),
            submitter=parse_uuid(params.get("submitter")),
        )

    def params(self) -> dict[str, str]:
        values = {"type": self.kind, "team": self.team, "submitter": self.submitter}
        return {key: str(value) for key, value in values.items() if value}


def parse_uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def queue_rows(user, filters: QueueFilters | None = None, *, first: int | None = None):
    """One ordered query (a UNION) over every reviewed model: oldest first.

    ``first``: only that many rows from the start are wanted (a page's end). Each kind then
    gives its own first ``first`` rows, read in order from its queue index
    (``monitor.models.base.queue_indexes``), so a page does not sort every waiting record
    (PostgreSQL cannot read a UNION's branches in the order of an expression index: it
    sorts them all). The first ``first`` rows of the whole are among them.
    """
    filters = filters or QueueFilters()
    parts = []
    for model in reviewed_models():
        if filters.kind and model._meta.label_lower != filters.kind:
            continue
        rows = waiting(model, user)
        if filters.team:
            rows = of_team(rows, filters.team)
        if filters.submitter:
            rows = rows.filter(submitter_id=filters.submitter)
        if first is not None:
            rows = rows.filter(pk__in=rows.order_by("submitted_at", "id").values("pk")[:first])
        parts.append(rows.order_by().values(*QUEUE_COLUMNS))  # a UNION part is unordered
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return combined.order_by("submitted_at", "id")


def queue_count(user, filters: QueueFilters | None = None) -> int:
    """How many items :func:`queue_rows` holds, counted without its annotations.

    Counting the UNION itself would work out when and by whom every waiting record was
    submitted (a subquery per row: seconds at 100,000 cases) only to throw it away. A
    submitter filter needs that annotation, and then counts through it.
    """
    filters = filters or QueueFilters()
    if filters.submitter:
        return queue_rows(user, filters).count()
    parts = []
    for model in reviewed_models():
        if filters.kind and model._meta.label_lower != filters.kind:
            continue
        rows = waiting_records(model, user)
        if filters.team:
            rows = of_team(rows, filters.team)
        # SELECT COUNT(id) … of each kind, in one UNION ALL: one round trip for all kinds.
        parts.append(rows.order_by().annotate(n=_Count(models.F("pk"))).values("n"))
    if not parts:
        return 0
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return sum(row["n"] for row in combined)


class _Count(models.Func):
    """``COUNT(x)`` as a plain function: the whole filtered set counted, no GROUP BY."""

    function = "COUNT"
    output_field = models.IntegerField()


class _QueueWindow:
    """:func:`queue_rows` as a paginator slices it: each slice asks only for the rows up to
    its end (``first``)."""

    def __init__(self, user, filters: QueueFilters):
        self.user, self.filters = user, filters

    def __getitem__(self, window: slice):
        return queue_rows(self.user, self.filters, first=window.stop)[window]


class QueuePaginator(Paginator):
    """Pages of :func:`queue_rows`, counted by :func:`queue_count`."""

    def __init__(self, per_page: int, *, user, filters: QueueFilters):
        super().__init__(_QueueWindow(user, filters), per_page)
        self.user, self.filters = user, filters

    @cached_property
    def count(self) -> int:
        return queue_count(self.user, self.filters)


@dataclass
class QueueItem:
    key: str
    kind: str
    label: str
    url: str
    team: str
    submitter: str
    submitted_at: datetime.datetime
    age: str


def queue_items(rows: list[dict], user) -> list[QueueItem]:
    """The queue's rows as items to show: one query per kind of record, one for submitters."""
    wanted: dict[str, list] = defaultdict(list)
    for row in rows:
        wanted[row["queue_kind"]].append(row["id"])
    records = {}
    for kind, ids in wanted.items():
        model = apps.get_model(kind)
        queryset = labelled(visible(model, user).filter(pk__in=ids), user)
        if has_team(model):
            queryset = queryset.select_related("team")
        records.update({(kind, record.pk): record for record in queryset})
    submitters = User.objects.in_bulk({row["submitter_id"] for row in rows} - {None})
    now = timezone.now()
    items = []
    for row in rows:
        record = records.get((row["queue_kind"], row["id"]))
        if record is None:  # changed between the two queries: show nothing rather than guess
            continue
        submitter = submitters.get(row["submitter_id"])
        items.append(
            QueueItem(
                key=item_key(record),
                kind=capfirst(record._meta.verbose_name),
                label=safe_label(record),
                url=item_url(record),
                team=str(record.team) if getattr(record, "team", None) else "",
                submitter=str(submitter) if submitter else "",
                submitted_at=row["submitted_at"],
                age=timesince(row["submitted_at"], now, depth=1),
            )
        )
    return items


def filter_choices(user) -> dict[str, list[tuple[str, str]]]:
    """The filters' choice lists, built only from the items ``user`` may see: the teams and
    the people that at least one of them waits under or was sent by.

    Asked of each team and each person (an EXISTS per kind of record, answered from the
    queue's team index and the ``queued_by`` index at the first item found) rather than by
    reading the team and submitter of every waiting record.
    """
    kinds = reviewed_models()
    teams = Team.objects.filter(
        functools.reduce(
            operator.or_,
            [
                models.Exists(waiting_records(model, user).filter(team=models.OuterRef("pk")))
                for model in kinds
                if has_team(model)
            ],
        )
    )
    submitters = User.objects.filter(
        functools.reduce(
            operator.or_,
            [
                models.Exists(waiting_records(model, user).filter(queued_by=models.OuterRef("pk")))
                for model in kinds
            ],
        )
    )
    return {
        "type": [
            (model._meta.label_lower, capfirst(model._meta.verbose_name_plural)) for model in kinds
        ],
        "team": [(str(team.pk), str(team)) for team in teams.order_by("name")],
        "submitter": [(str(u.pk), str(u)) for u in submitters.order_by("username")],
    }


class QueueSummary:
    """The queue's link and count for the admin index; counted only when shown."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int:
        return queue_count(self.user)

    @cached_property
    def url(self) -> str:
        return reverse("admin:review_queue")


# -- deciding (the admin's item page and the review page) --------------------------------------

VERIFY_PERMISSION = "monitor.verify_record"
SERVICES = {"verify": review_verify, "return": review_return}
DONE = {"verify": gettext_lazy("verified"), "return": gettext_lazy("returned")}


def decide(request, review: Review) -> bool:
    """Verify or return the record as the request's user; True when it was done. A refusal
    (four eyes, a changed record, a missing comment) is reported as a message."""
    action = request.POST.get("action", "")
    if action not in SERVICES:
        messages.error(request, _("Choose Verify or Return."))
        return False
    try:
        # The reviewer decides on what they saw (the service compares the fingerprint).
        SERVICES[action](
            record=review.record,
            actor=request.user,
            comment=request.POST.get("comment", ""),
            seen=request.POST.get("seen", ""),
        )
    except NotVisible:
        raise Http404 from None
    except (ActionRefused, ValidationError) as refusal:
        messages.error(request, reason(refusal))
        return False
    messages.success(request, f"{review.label} — {DONE[action]}")
    return True


def reason(refusal: ActionRefused | ValidationError) -> str:
    if isinstance(refusal, ActionRefused):
        return refusal.message
    return " ".join(refusal.messages)
