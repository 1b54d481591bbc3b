"""Readable history for the admin: who changed a record, when, why, and each field's change.

Values are shown as people read them: approximate dates as "May 2022", choices by their
label, linked records by their name — as the reader may see them: a linked record they may
not see is not named, a protected person is shown by their pseudonym (``str()``), and the
identifying fields of a protected record are left out for readers who may not identify it.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy as _

from monitor.approxdate import ApproximateDate, ApproximateDateField
from monitor.history import link_changes, link_ids, prefetch_links
from monitor.labels import can_label, labelled, safe_label, visible

#: Bookkeeping every save changes, or shown in the entry itself (who, when); and the search
#: keys folded from fields that are compared themselves (a name's, a case's text).
#: Not shown as changes: bookkeeping (``queued_at``/``queued_by`` repeat the review decisions,
#: which the record's decisions list shows; a detention's ``release_first``/``release_last``
#: are worked out from its steps, whose own history shows the change).
SKIPPED = frozenset(
    {
        "id",
        "version",
        "created_at",
        "updated_at",
        "created_by",
        "folded",
        "queued_at",
        "queued_by",
        "release_first",
        "release_last",
    }
)
EMPTY = "—"
NOT_VISIBLE = _("(a record you cannot see)")
KINDS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


@dataclass
class FieldChange:
    """One field's change, as people read it (``label``, ``old``, ``new``) and as data
    (``name``, ``old_value``, ``new_value``; a link's visible ids, with ``added`` and
    ``removed``) for the API — one computation, two renderings."""

    label: str
    old: str
    new: str
    name: str = ""
    old_value: object = None
    new_value: object = None
    added: list[str] | None = None
    removed: list[str] | None = None


@dataclass
class HistoryEntry:
    """One saved version: who, when, why, and what changed since the version before."""

    when: object
    who: object
    kind: str
    version: int | None
    reason: str
    changes: list[FieldChange] = field(default_factory=list)
    #: Fields the reader may not see changed too (a protected person's contact, say).
    hidden_changes: bool = False
    #: simple-history's ``+``, ``~`` or ``-``.
    history_type: str = "~"


def _companions(name: str) -> set[str]:
    return {f"{name}_precision", f"{name}_circa", f"{name}_end"}


def diff_fields(model, hidden_fields=()) -> tuple[list[models.Field], list[models.Field]]:
    """The fields a history entry compares: (shown, hidden from this reader)."""
    companions: set[str] = set()
    for model_field in model._meta.concrete_fields:
        if isinstance(model_field, ApproximateDateField):
            companions |= _companions(model_field.name)
    shown, hidden = [], []
    for model_field in model._meta.concrete_fields:
        if model_field.name in SKIPPED or model_field.name in companions:
            continue
        (hidden if model_field.name in hidden_fields else shown).append(model_field)
    return shown, hidden


def _key(model_field, row):
    """What is compared: the stored value (an approximate date with its precision)."""
    if isinstance(model_field, ApproximateDateField):
        value = getattr(row, model_field.name)
        return None if value is None else str(value)
    return getattr(row, model_field.attname)


def _changed(fields, row, previous) -> list[models.Field]:
    if previous is None:
        return [f for f in fields if _key(f, row) not in (None, "", False)]
    return [f for f in fields if _key(f, row) != _key(f, previous)]


def _labels(pairs: dict, user) -> dict:
    """``{(model, pk): label}`` for linked records, through ``visible_to`` where it exists.

    The same labels as the reviewer's diff (:mod:`monitor.labels`): a person or
    source by name or pseudonym; a record whose ``str()`` would name a linked person (an
    allegation, a detention) by its kind — one query per kind of record, none per row.
    """
    labels = {}
    for related, ids in pairs.items():
        queryset = visible(related, user).filter(pk__in=ids)
        if can_label(related):
            for obj in labelled(queryset, user):
                labels[(related, obj.pk)] = safe_label(obj)
        else:
            kind = capfirst(related._meta.verbose_name)
            for pk in queryset.values_list("pk", flat=True):
                labels[(related, pk)] = kind
    return labels


def plain(value):
    """A stored value as data (JSON): an approximate date as typed, ids and decimals as text."""
    if isinstance(value, ApproximateDate):
        return value.as_input()
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    return value


def _value(model_field, row):
    if row is None:
        return None
    if isinstance(model_field, ApproximateDateField):
        return plain(getattr(row, model_field.name))
    return plain(getattr(row, model_field.attname))


def _display(model_field, row, labels) -> str:
    if isinstance(model_field, ApproximateDateField):
        value = getattr(row, model_field.name)
        return EMPTY if value is None else str(value)
    value = getattr(row, model_field.attname)
    if value is None or value == "":
        return EMPTY
    if model_field.is_relation:
        return labels.get((model_field.related_model, value), str(NOT_VISIBLE))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return str(_("yes") if value else _("no"))
    if isinstance(model_field, models.DateTimeField):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(model_field, models.DateField):
        return date_format(value, "DATE_FORMAT")
    return Truncator(str(value)).chars(300)


def history_entries(model, rows, *, user, hidden_fields=()) -> list[HistoryEntry]:
    """Entries for historical ``rows`` (newest first), each against the row after it.

    The last row is compared with nothing (a creation lists the values it started with):
    pass one row more than you show when the list is a page of a longer history.
    """
    shown, hidden = diff_fields(model, hidden_fields)
    rows = list(rows)
    # Each row's link snapshot, in one query per link for the whole window.
    prefetch_links(rows, model)
    # Each row against the next older row of the same record (rows of several records may
    # come in one list: a page's history of a case's allegations).
    pairs, older = [], {}
    for row in reversed(rows):
        pairs.append((row, older.get(row.id)))
        older[row.id] = row
    pairs.reverse()
    changed = {id(row): _changed(shown, row, previous) for row, previous in pairs}
    wanted = defaultdict(set)
    for row, previous in pairs:
        for model_field in changed[id(row)]:
            if model_field.is_relation:
                for version in (row, previous):
                    value = None if version is None else getattr(version, model_field.attname)
                    if value is not None:
                        wanted[model_field.related_model].add(value)
    links = {id(row): link_changes(model, row, previous) for row, previous in pairs}
    for row, previous in pairs:
        for link, _added, _removed in links[id(row)]:
            if link.name not in hidden_fields:
                wanted[link.related_model] |= link_ids(row, link) | link_ids(previous, link)
    labels = _labels(wanted, user)
    entries = []
    for row, previous in pairs:
        entries.append(
            HistoryEntry(
                when=row.history_date,
                who=row.history_user,
                kind=str(KINDS.get(row.history_type, row.history_type)),
                version=getattr(row, "version", None),
                reason=row.history_change_reason or "",
                changes=[
                    FieldChange(
                        label=_field_label(model_field),
                        old=EMPTY if previous is None else _display(model_field, previous, labels),
                        new=_display(model_field, row, labels),
                        name=model_field.name,
                        old_value=_shown_value(model_field, previous, labels),
                        new_value=_shown_value(model_field, row, labels),
                    )
                    for model_field in changed[id(row)]
                ]
                + [
                    _link_change(link, row, previous, added, removed, labels)
                    for link, added, removed in links[id(row)]
                    if link.name not in hidden_fields
                ],
                hidden_changes=previous is not None and bool(_changed(hidden, row, previous)),
                history_type=row.history_type,
            )
        )
    return entries


def _shown_value(model_field, row, labels):
    """The stored value as data; a link to a record the reader may not see reads null."""
    value = _value(model_field, row)
    if value is not None and model_field.is_relation:
        key = getattr(row, model_field.attname)
        if (model_field.related_model, key) not in labels:
            return None
    return value


def _link_change(link, row, previous, added, removed, labels) -> FieldChange:
    """A link's change as people read it: "added Khorog; removed Rushan"; as data, the ids
    of the linked records the reader may see, before and after."""

    def ids(values):
        return sorted(str(pk) for pk in values if (link.related_model, pk) in labels)

    def names(ids):
        return ", ".join(
            sorted(labels.get((link.related_model, pk), str(NOT_VISIBLE)) for pk in ids)
        )

    parts = []
    if added:
        parts.append(str(_("added %(names)s")) % {"names": names(added)})
    if removed:
        parts.append(str(_("removed %(names)s")) % {"names": names(removed)})
    return FieldChange(
        label=capfirst(link.verbose_name),
        old=EMPTY,
        new="; ".join(parts),
        name=link.name,
        old_value=ids(link_ids(previous, link)),
        new_value=ids(link_ids(row, link)),
        added=ids(added),
        removed=ids(removed),
    )


def _field_label(model_field) -> str:
    """A changed field's label; the primary key's is Django's untranslated "ID"."""
    if model_field.primary_key:
        return str(_("Identifier"))
    return capfirst(model_field.verbose_name)
