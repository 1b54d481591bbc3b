"""Summaries of the whole register that a worker keeps between requests, never stale.

Some figures are sums over every record (the dashboard's chart: arrests and allegations per
month, at 100,000 cases a scan of every row). They are computed once over *all* records,
split by what decides who may see them (a case's team and confidentiality), and each reader
adds up the parts they may see (``monitor.access.sees``): so a summary is shared by every
reader and still never counts a record its reader may not see.

Kept per worker under the token of the summary's :class:`~monitor.models.SummaryVersion`
row, read *before* the summary is computed. Every write that may change a summary changes
its token in the writing transaction (:func:`summary_changed`, connected to the models'
saves by the app that owns them): the first read that sees the write sees the new token and
computes the summary again. This is the scheme of the withheld names
(``monitor.redaction.text_scrubber``).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections

_KEPT: dict[str, tuple[uuid.UUID, object]] = {}
_KEPT_LOCK = threading.Lock()


def _bumped_attribute(key: str) -> str:
    return f"_monitor_summary_bumped_{key}"


def changed_in_this_transaction(key: str, using: str | None = None) -> bool:
    """Whether the current transaction changed ``key``'s token (see :func:`summary_changed`)."""
    connection = connections[using or DEFAULT_DB_ALIAS]
    return connection.in_atomic_block and (
        connection.__dict__.get(_bumped_attribute(key)) is connection.run_on_commit
    )


def summary_changed(key: str, using: str | None = None) -> None:
    """A new token for ``key``, in the writing transaction; once per transaction (Django
    replaces the connection's list of commit callbacks at every commit and rollback, so the
    same list means the same transaction)."""
    from monitor.models import SummaryVersion

    using = using or DEFAULT_DB_ALIAS
    connection = connections[using]
    if changed_in_this_transaction(key, using):
        return
    token = uuid.uuid4()
    versions = SummaryVersion.objects.using(using).filter(key=key)
    if not versions.update(token=token):  # no row yet (a flushed test database)
        SummaryVersion.objects.using(using).bulk_create(
            [SummaryVersion(key=key, token=token)], ignore_conflicts=True
        )
        versions.update(token=token)
    if connection.in_atomic_block:
        connection.__dict__[_bumped_attribute(key)] = connection.run_on_commit


def receiver_for(key: str) -> Callable:
    """A ``post_save`` / ``post_delete`` receiver that changes ``key``'s token."""

    def changed(sender=None, **kwargs) -> None:
        summary_changed(key, kwargs.get("using"))

    changed.__name__ = f"summary_changed_{key}"
    return changed


def kept(key: str, token: str | None, compute: Callable[[], object]):
    """The summary ``key`` as of ``token`` (read before this call): kept by this worker, or
    computed now and kept. Without a token (no row yet: its row is made, for the next read),
    or when this very transaction changed it (it may change more before it commits),
    computed and not kept."""
    from monitor.models import SummaryVersion

    if token is None:
        SummaryVersion.objects.bulk_create([SummaryVersion(key=key)], ignore_conflicts=True)
        return compute()
    if changed_in_this_transaction(key):
        return compute()
    found = _KEPT.get(key)
    if found is not None and str(found[0]) == str(token):
        return found[1]
    summary = compute()
    with _KEPT_LOCK:
        _KEPT[key] = (token, summary)
    return summary
