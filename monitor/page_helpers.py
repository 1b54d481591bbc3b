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
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from monitor.models import DecisionAction, ReviewDecision, ReviewedModel

HISTORY_TYPES = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


@dataclass(frozen=True)
class HistoryEntry:
    """One row of a record's history, as a page shows it."""

    at: Any
    user: Any
    action: str
    what: str
    reason: str
    version: int | None


def history_entries(querysets: Iterable[models.QuerySet], limit: int = 30) -> list[HistoryEntry]:
    """The latest ``limit`` rows of several history querysets, newest first.

    One query per queryset (the user joined). Rows are described by kind of record and
    action, not by ``str()`` of the historical record, which may name a hidden person.
    """
    rows = []
    for queryset in querysets:
        rows += list(queryset.select_related("history_user").order_by("-history_date")[:limit])
    rows.sort(key=lambda row: row.history_date, reverse=True)
    entries = []
    for row in rows[:limit]:
        model = getattr(row, "instance_type", None)
        what = str(model._meta.verbose_name) if model is not None else ""
        entries.append(
            HistoryEntry(
                at=row.history_date,
                user=row.history_user,
                action=str(HISTORY_TYPES.get(row.history_type, row.history_type)),
                what=what,
                reason=getattr(row, "history_change_reason", "") or "",
                version=getattr(row, "version", None),
            )
        )
    return entries


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
    from monitor.models import AuditedModel

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
    record with what it belongs to joined), plus one for the names of persons.
    """
    from people.models import Person  # a person's label is their name or pseudonym

    found: dict[uuid.UUID, RecordRef] = {}
    persons_wanted: dict[uuid.UUID, list[tuple[uuid.UUID, str, str | None, str]]] = defaultdict(
        list
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
            if isinstance(root, Person):
                persons_wanted[root.pk].append(
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
    if persons_wanted:
        persons = Person.objects.filter(pk__in=persons_wanted).with_primary_name()
        for person in persons:
            name = str(person)  # the pseudonym when the viewer may not identify them
            for pk, kind, url, child_kind in persons_wanted[person.pk]:
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


def _own_label(record) -> str:
    """What a record calls itself without naming anyone linked to it."""
    from sources.models import Source

    if isinstance(record, Source):
        return str(record)  # the pseudonym when protected and not revealed
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


# -- querysets shared by the pages ---------------------------------------------------------------


def visible_persons(user) -> models.QuerySet:
    """Persons ``user`` may see, with their current primary name annotated (for ``str()``).

    Prefetch a link to a person through this queryset and a hidden person reads as None.
    """
    from people.models import Person, PersonName

    primary = PersonName.objects.filter(
        person=models.OuterRef("pk"), is_primary=True, archived_at__isnull=True
    ).values("full_name")[:1]
    return Person.objects.visible_to(user).annotate(primary_name=models.Subquery(primary))


def visible_organizations(user) -> models.QuerySet:
    from people.models import Organization

    return Organization.objects.visible_to(user)


def person_prefetch(lookup: str, user) -> models.Prefetch:
    """Prefetch a link to a person through ``visible_to`` (a hidden person reads as None)."""
    return models.Prefetch(lookup, queryset=visible_persons(user))


def organization_prefetch(lookup: str, user) -> models.Prefetch:
    return models.Prefetch(lookup, queryset=visible_organizations(user))
