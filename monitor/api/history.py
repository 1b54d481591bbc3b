"""A record's history as field-by-field changes: who, when, why, old → new.

Built from django-simple-history rows. Companion columns of approximate dates, ``version``
and timestamps are left out (each entry carries its version and time); ``hidden`` fields —
what identifies a protected person or source, for a reader who may not know who they are —
are removed from every entry.
"""

from __future__ import annotations

import datetime
import decimal
import uuid

from monitor.approxdate import ApproximateDate, ApproximateDateField
from monitor.history import link_changes

#: Never shown as changes: bookkeeping the entry itself carries.
SKIPPED = {"id", "version", "created_at", "updated_at"}
TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def tracked_fields(model) -> list:
    """The model's fields a history entry reports, approximate dates as one field each."""
    companions = set()
    for field in model._meta.concrete_fields:
        if isinstance(field, ApproximateDateField):
            companions |= {f"{field.name}_precision", f"{field.name}_circa", f"{field.name}_end"}
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in SKIPPED and field.name not in companions
    ]


def plain(value):
    """A value as JSON shows it."""
    if isinstance(value, ApproximateDate):
        return value.as_input()
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    return value


def history_entries(record, *, user, hidden: frozenset[str] | set[str] = frozenset()) -> list[dict]:
    """The record's history, newest first, each entry with its changes against the one before.

    A many-to-many link (a case's places) is one change with the ids before and after, and
    the ``added`` and ``removed`` ones; linked records ``user`` may not see are left out.
    """
    fields = [f for f in tracked_fields(type(record)) if f.name not in hidden]
    rows = list(record.history.select_related("history_user").order_by("history_date", "pk"))
    entries = []
    previous = None
    for row in rows:
        changes = []
        for field in fields:
            new = plain(getattr(row, field.attname))
            old = None if previous is None else plain(getattr(previous, field.attname))
            if previous is None and new in (None, "", False):
                continue  # a creation lists what was set, not every empty field
            if previous is not None and old == new:
                continue
            changes.append({"field": field.name, "old": old, "new": new})
        for link, added, removed in link_changes(type(record), row, previous):
            if link.name in hidden:
                continue
            changes.append(_link_change(link, row, previous, added, removed, user))
        entries.append(
            {
                "version": getattr(row, "version", None),
                "at": row.history_date,
                "user": row.history_user,
                "reason": row.history_change_reason or "",
                "type": TYPES.get(row.history_type, "changed"),
                "changes": changes,
            }
        )
        previous = row
    entries.reverse()
    return entries


def _link_change(link, row, previous, added, removed, user) -> dict:
    from monitor.history import link_ids

    related = link.related_model._default_manager.all()
    visible = related.visible_to(user) if hasattr(related, "visible_to") else related
    wanted = link_ids(row, link) | link_ids(previous, link)
    shown = {str(pk) for pk in visible.filter(pk__in=wanted).values_list("pk", flat=True)}

    def ids(values):
        return sorted(str(pk) for pk in values if str(pk) in shown)

    return {
        "field": link.name,
        "old": ids(link_ids(previous, link)),
        "new": ids(link_ids(row, link)),
        "added": ids(added),
        "removed": ids(removed),
    }
