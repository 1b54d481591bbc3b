"""Who changed what, and why: the acting user and reason behind every history row.

Pages and the API take the actor from the request (simple_history's middleware). Commands
and services that run outside a request name their actor explicitly::

    with acting_as(coordinator, reason="Imported from the 12 May 2023 letter"):
        case.save()
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from simple_history.models import HistoricalRecords

_actor: ContextVar = ContextVar("monitor_history_actor", default=None)
_reason: ContextVar = ContextVar("monitor_history_reason", default=None)


@contextlib.contextmanager
def acting_as(user, reason: str | None = None) -> Iterator[None]:
    """Attribute every history row written inside the block to ``user`` (with ``reason``)."""
    actor_token = _actor.set(user)
    reason_token = _reason.set(reason)
    try:
        yield
    finally:
        _actor.reset(actor_token)
        _reason.reset(reason_token)


def current_actor():
    return _actor.get()


class AuditedHistoricalRecords(HistoricalRecords):
    """HistoricalRecords that take the actor and the reason from :func:`acting_as` first."""

    def get_history_user(self, instance):
        actor = _actor.get()
        if actor is not None:
            return actor
        return super().get_history_user(instance)

    def m2m_changed(self, instance, action, attr, pk_set, reverse, model=None, **kwargs):
        """Record a tracked many-to-many change made from either side.

        Changed from the other side (``user.teams.add(team)``), simple-history records
        ``instance`` — the user — with the team's fields and crashes (django-simple-history
        #1048, #1408). The records whose relation changed are the teams: record those.
        """
        if not reverse:
            return super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
        if hasattr(instance, "skip_history_when_saving"):
            return None
        stash = f"_history_{attr}_before_clear"
        if action == "pre_clear":  # a clear names no pks: remember them before they go
            owners = model._base_manager.filter(**{attr: instance}).values_list("pk", flat=True)
            setattr(instance, stash, set(owners))
        elif action in ("post_add", "post_remove", "post_clear"):
            pks = instance.__dict__.pop(stash, set()) if action == "post_clear" else pk_set
            for owner in model._base_manager.filter(pk__in=pks or ()):
                self.create_historical_record(owner, "~")
        return None

    def get_change_reason_for_object(self, instance, history_type, using):
        reason = super().get_change_reason_for_object(instance, history_type, using)
        return reason or _reason.get() or ""
