"""Helpers the detail pages and the dashboard share: history, decisions, record labels.

Every label here is built so that it cannot carry what the user may not see: a record is
named by its own reference or title, or by its pseudonym, never by the name of a linked
person that ``str()`` would pull in (an allegation's ``str()`` names its victim, who may be
hidden from someone who sees the case).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import prefetch_related_objects
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitor import redaction
from monitor.admin_history import history_entries as describe_changes
from monitor.models import AuditedModel, DecisionAction, ReviewDecision, ReviewedModel

HISTORY_TYPES = {
    "+": gettext_lazy("created"),
    "~": gettext_lazy("changed"),
    "-": gettext_lazy("deleted"),
}


@dataclass(frozen=True)
class HistoryEntry:
    """One row of a record's history, as a page shows it, with its field-by-field changes
    (the same engine as the admin's history and the reviewer's diff)."""

    at: Any
    user: Any
    action: str
    what: str
    reason: str
    version: int | None
    changes: tuple = ()
    hidden_changes: bool = False


def history_entries(
    querysets: Iterable[models.QuerySet], *, user, limit: int = 30
) -> list[HistoryEntry]:
    """The latest ``limit`` rows of several history querysets, newest first.

    Each row carries what changed against the version before it, links included ("added
    Khorog"), as ``user`` may see it: the labels of linked records through their
    ``visible_to``, and nothing that identifies a protected record ``user`` may not identify
    (:mod:`monitor.redaction`). Rows are described by kind of record and action, not by
    ``str()`` of the historical record, which may name a hidden person.
    """
    reader = redaction.Reader(user)
    found: list[tuple[Any, HistoryEntry]] = []
    for queryset in querysets:
        # A window of rows per kind of record: enough for the page and their predecessors.
        rows = list(
            queryset.select_related("history_user").order_by("-history_date", "-history_id")[
                : limit * 4
            ]
        )
        rule = redaction.policy(queryset.model)
        if rule is not None and rule.subject:
            # Whose identity each row carries, in one query (the reader's rule asks it).
            prefetch_related_objects(rows, rule.subject)
        if not rows:
            continue
        model = rows[0].instance_type
        described = describe_changes(
            model, rows, user=user, hidden_fields=_hidden_fields(reader, rows)
        )
        oldest = {}
        for row in rows:
            oldest[row.id] = row  # newest first: the last one seen is the oldest in the window
        for row, entry in zip(rows, described, strict=True):
            # The oldest row of a window that does not start at the creation has no
            # predecessor here: it is shown without a diff rather than with a wrong one.
            has_diff = oldest[row.id] is not row or row.history_type == "+"
            found.append(
                (
                    row,
                    HistoryEntry(
                        at=row.history_date,
                        user=row.history_user,
                        action=str(HISTORY_TYPES.get(row.history_type, row.history_type)),
                        what=str(model._meta.verbose_name),
                        reason=getattr(row, "history_change_reason", "") or "",
                        version=getattr(row, "version", None),
                        changes=tuple(entry.changes) if has_diff else (),
                        hidden_changes=entry.hidden_changes,
                    ),
                )
            )
    found.sort(key=lambda pair: (pair[0].history_date, pair[0].history_id), reverse=True)
    return [entry for _row, entry in found[:limit]]


def _hidden_fields(reader, rows) -> frozenset:
    """What the reader may not see in any of ``rows`` (all of one kind of record)."""
    hidden: frozenset = frozenset()
    for row in rows:
        hidden |= reader.hidden_fields(row)
    return hidden


def decisions_for(record) -> list[ReviewDecision]:
    """Every review decision on ``record``, newest first (the actor joined)."""
    return list(ReviewDecision.objects.for_record(record).select_related("actor").order_by("-at"))


def latest_return(decisions: list[ReviewDecision]) -> ReviewDecision | None:
    """The latest "returned" decision, whose comment the author has to act on."""
    return next((d for d in decisions if d.action == DecisionAction.RETURNED), None)


def detail_url(record) -> str | None:
    """The page of ``record`` (``<model>-detail``), when it has one."""
    if record is None:
        return None
    try:
        return reverse(f"{record._meta.model_name}-detail", kwargs={"pk": record.pk})
    except NoReverseMatch:
        return None


def _parent_field(model) -> str | None:
    """The first link to another audited record: what the record belongs to."""

    for field in model._meta.concrete_fields:
        related = getattr(field, "related_model", None)
        if (
            field.many_to_one
            and related is not None
            and issubclass(related, AuditedModel)
            and related._meta.app_label != "monitor"  # places and terms describe, not own
        ):
            return field.name
    return None


def _root_path(model) -> str | None:
    """The select_related path from a child record to the reviewed record it belongs to."""
    path, current = [], model
    for _depth in range(3):
        if issubclass(current, ReviewedModel):
            return "__".join(path) or None
        name = _parent_field(current)
        if name is None:
            return None
        path.append(name)
        current = current._meta.get_field(name).related_model
    return None


@dataclass(frozen=True)
class RecordRef:
    """A record as a link: its label and its page."""

    pk: uuid.UUID
    kind: str
    label: str
    url: str | None


def describe_records(records_by_model: dict[type, set], user) -> dict[uuid.UUID, RecordRef]:
    """Labels and links for records of any model, by primary key; only visible ones.

    ``records_by_model`` maps a model to the primary keys wanted. One query per model (the
    record with what it belongs to joined), plus one per kind of record labelled by a query of
    its own (:func:`labelled_by_query`: a person's name or pseudonym).
    """
    found: dict[uuid.UUID, RecordRef] = {}
    roots_wanted: dict[type, dict[uuid.UUID, list[tuple[uuid.UUID, str, str | None, str]]]] = (
        defaultdict(lambda: defaultdict(list))
    )
    for model, pks in records_by_model.items():
        if not pks:
            continue
        path = _root_path(model)
        queryset = model._default_manager.all().visible_to(user).filter(pk__in=pks)
        if path:
            queryset = queryset.select_related(path)
        kind = str(model._meta.verbose_name)
        for record in queryset:
            root = record
            for part in (path or "").split("__"):
                if part:
                    root = getattr(root, part)
            parent_name = _parent_field(model) if root is not record else None
            parent = getattr(record, parent_name) if parent_name else None
            url = detail_url(record) or detail_url(parent) or detail_url(root)
            if labelled_by_query(type(root)):
                roots_wanted[type(root)][root.pk].append(
                    (record.pk, kind, url, "" if root is record else kind)
                )
                continue
            label = _own_label(root)
            if root is not record:
                label = _("%(kind)s in %(parent)s") % {"kind": kind, "parent": label}
                own = _own_label(record)
                if own:
                    label = f"{own} ({label})"
            found[record.pk] = RecordRef(record.pk, kind, label, url)
    for root_model, wanted in roots_wanted.items():
        for root in root_model._default_manager.filter(pk__in=wanted).with_label():
            name = str(root)  # the pseudonym when the viewer may not identify them
            for pk, kind, url, child_kind in wanted[root.pk]:
                label = (
                    name
                    if not child_kind
                    else _("%(kind)s of %(person)s")
                    % {
                        "kind": child_kind,
                        "person": name,
                    }
                )
                found[pk] = RecordRef(pk, kind, label, url)
    return found


def labelled_by_query(model: type) -> bool:
    """Whether a record of ``model`` is called by ``str()`` of a row its QuerySet's
    ``with_label()`` annotates (a person: their primary name, or pseudonym)."""
    return hasattr(model._default_manager.none(), "with_label")


def _own_label(record) -> str:
    """What a record calls itself without naming anyone linked to it."""
    if getattr(record, "label_is_str", False):
        return str(record)  # a source: the pseudonym when protected and not revealed
    for attribute in ("reference", "title"):
        value = getattr(record, attribute, "")
        if value and attribute == "reference" and getattr(record, "title", ""):
            return f"{value} — {record.title}"
        if value:
            return str(value)
    kind = getattr(record, "get_kind_display", None)
    date = getattr(record, "date", None)
    if kind is not None:
        return f"{kind()}{f' · {date}' if date else ''}"
    return ""
