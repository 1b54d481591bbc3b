"""A record's history as data, for the API: who, when, why, each field's old → new.

The entries come from the one history engine (:func:`monitor.admin_history.history_entries`,
which the admin and the pages render as text): the same rows, the same comparisons, the same
rule for what the reader may see. This module only writes them as JSON: stored values rather
than labels, a link's ids (of the records the reader may see) with ``added`` and
``removed``, a link to a record the reader may not see as null. Fields that identify a
protected record (``hidden``) are left out of every entry.
"""

from __future__ import annotations

from monitor.admin_history import FieldChange
from monitor.admin_history import history_entries as describe

TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def history_entries(record, *, user, hidden: frozenset[str] | set[str] = frozenset()) -> list[dict]:
    """The record's history, newest first, each entry with its changes against the one before."""
    rows = record.history.select_related("history_user").order_by("-history_date", "-history_id")
    return [
        {
            "version": entry.version,
            "at": entry.when,
            "user": entry.who,
            "reason": entry.reason,
            "type": TYPES.get(entry.history_type, "changed"),
            "changes": [_change(change) for change in entry.changes],
        }
        for entry in describe(type(record), rows, user=user, hidden_fields=hidden)
    ]


def _change(change: FieldChange) -> dict:
    data = {"field": change.name, "old": change.old_value, "new": change.new_value}
    if change.added is not None:
        data |= {"added": change.added, "removed": change.removed}
    return data
