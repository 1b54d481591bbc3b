"""Who changed what, and why: the acting user and reason behind every history row.

Pages and the API take the actor from the request (simple_history's middleware). Commands
and services that run outside a request name their actor explicitly::

    with acting_as(coordinator, reason="Imported from the 12 May 2023 letter"):
        case.save()
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from contextvars import ContextVar

from django.db import models
from django.db.models import prefetch_related_objects
from django.utils import timezone
from simple_history.manager import HistoryDescriptor
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from monitor import write_batch

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


@contextlib.contextmanager
def one_version(instance) -> Iterator[None]:
    """A save and the many-to-many changes that go with it make ONE history row.

    simple-history writes a row for the save and another for each ``.set()`` of a tracked
    many-to-many field, with the same version number: a reviewer saw two "version 8" rows,
    the first with the old links. Inside the block, link changes write no row of their own;
    at its end, the row the save wrote takes the links as they now stand.

    A record created in the block wrote a creation row, which keeps no snapshot of links
    (:meth:`AuditedHistoricalRecords.create_historical_record_m2ms`): nothing to redo.
    """
    created = instance._state.adding
    instance._history_one_version = True
    try:
        yield
    finally:
        del instance._history_one_version
    records = instance.__dict__.pop("_history_links_changed", None)
    if records is not None and not created:
        row = instance.history.order_by("-history_date", "-history_id").first()
        if row is not None:
            for model_field in row._history_m2m_fields:
                records.m2m_models[model_field].objects.filter(history=row).delete()
            records.create_historical_record_m2ms(row, instance)


class _KeptHistoryDescriptor(HistoryDescriptor):
    """``Model.history`` as simple-history answers it, with its manager class made once.

    simple-history's descriptor builds a new class (``Manager.from_queryset``, which inspects
    every QuerySet method) on each access: a fifth of a millisecond, some twenty-five times a
    dashboard. The class depends only on the two classes given, so it is made once.
    """

    def __init__(self, descriptor: HistoryDescriptor):
        super().__init__(
            descriptor.model, manager=descriptor.manager_class, queryset=descriptor.queryset_class
        )
        self.kept_class = self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance, owner):
        return self.kept_class(self.model, instance)


class AuditedHistoricalRecords(HistoricalRecords):
    """HistoricalRecords that take the actor and the reason from :func:`acting_as` first."""

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        descriptor = sender.__dict__.get(self.manager_name)
        if type(descriptor) is HistoryDescriptor:
            setattr(sender, self.manager_name, _KeptHistoryDescriptor(descriptor))

    def get_meta_options(self, model):
        """A model whose history follows another record's review (a citation:
        ``review_follows_record``) has its history read by that record's id
        (``Reviewable.review_history``): indexed, or every review page and decision would
        read the whole table of every citation's every version."""
        options = super().get_meta_options(model)
        if getattr(model, "review_follows_record", False):
            options["indexes"] = (*options.get("indexes", ()), models.Index(fields=["object_id"]))
        return options

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
            if getattr(instance, "_history_one_version", False):
                instance._history_links_changed = self  # see one_version()
                return None
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

    def create_historical_record_m2ms(self, history_instance, instance):
        """The links' snapshot of a history row; a record just created has no links yet,
        so its first row's snapshot is empty without reading the links (one query per
        tracked field per new record, the import's bulk)."""
        if history_instance.history_type == "+":
            return None
        return super().create_historical_record_m2ms(history_instance, instance)

    def create_historical_record(self, instance, history_type, using=None):
        """Write the history row of a save — or, for a creation inside a
        :func:`monitor.write_batch.write_batch` of the acting user, build the very same row
        and hand it to the batch, which inserts its rows in bulk before its transaction
        commits (:meth:`~monitor.write_batch.WriteBatch.flush_history`). Any other row
        first flushes what the batch holds, so rows reach the table in the order written."""
        actor = _actor.get()
        batch = write_batch.current(actor) if actor is not None else None
        if batch is None:
            return super().create_historical_record(instance, history_type, using=using)
        model = _historical_model(type(instance), self.manager_name)
        if history_type != "+" or _has_receivers(model):
            batch.flush_history()
            return super().create_historical_record(instance, history_type, using=using)
        using = using if self.use_base_model_db else None
        attrs = {field.attname: getattr(instance, field.attname)
                 for field in self.fields_included(instance)}  # fmt: skip
        if getattr(model, "history_relation", None) is not None:
            attrs["history_relation"] = instance
        row = model(
            history_date=getattr(instance, "_history_date", timezone.now()),
            history_type=history_type,
            history_user=self.get_history_user(instance),
            history_change_reason=self.get_change_reason_for_object(instance, history_type,
                                                                    using),
            **attrs,
        )  # fmt: skip
        # A creation row keeps no links (create_historical_record_m2ms): the row is all.
        batch.defer_history(row, using)
        return None

    def get_change_reason_for_object(self, instance, history_type, using):
        reason = super().get_change_reason_for_object(instance, history_type, using)
        return reason or _reason.get() or ""


@functools.cache
def _historical_model(model, manager_name: str):
    """``model``'s historical model, read from its history descriptor without calling it:
    ``instance.history`` builds a new manager class on every access (simple-history's
    ``from_queryset``), which cost a batched import as much as a row's SQL."""
    for klass in model.__mro__:
        descriptor = klass.__dict__.get(manager_name)
        if descriptor is not None:
            return descriptor.model
    return getattr(model, manager_name).model


def _has_receivers(historical_model) -> bool:
    """Whether anything listens for a history row being written (then it is written one by
    one, as the listener expects)."""
    return pre_create_historical_record.has_listeners(
        historical_model
    ) or post_create_historical_record.has_listeners(historical_model)


# -- many-to-many links in the history ------------------------------------------------------------
# simple-history keeps, with each historical row, a snapshot of the record's tracked links (a
# case's events, places and tags). These functions read them, for every renderer of history
# (the API's history, the admin's, the pages', the reviewer's diff).


def tracked_links(model) -> list:
    """The many-to-many fields of ``model`` whose links each history row keeps."""
    model = getattr(model, "instance_type", model)
    history = getattr(model, "history", None)
    if history is None:
        return []
    names = {f.name for f in getattr(history.model, "_history_m2m_fields", [])}
    return [f for f in model._meta.many_to_many if f.name in names]


def snapshot_accessor(historical_model, name: str) -> str:
    """The reverse accessor from a historical row to its snapshot of link ``name`` (one that
    ``prefetch_related`` understands, unlike the manager simple-history puts on the row)."""
    wanted = f"{historical_model._meta.object_name}_{name}".lower()
    for relation in historical_model._meta.related_objects:
        if relation.related_model._meta.model_name == wanted:
            return relation.get_accessor_name()
    raise LookupError(f"{historical_model.__name__} keeps no snapshot of {name}")


def prefetch_links(rows: list, model) -> None:
    """Read the link snapshots of ``rows`` (historical rows of ``model``) in one query per link."""
    if rows:
        historical = type(rows[0])
        prefetch_related_objects(
            rows, *(snapshot_accessor(historical, f.name) for f in tracked_links(model))
        )


def link_ids(row, model_field) -> frozenset:
    """The ids ``row`` (a historical row) was linked to through ``model_field``."""
    if row is None:
        return frozenset()
    target = model_field.m2m_reverse_field_name()
    snapshot = getattr(row, snapshot_accessor(type(row), model_field.name))
    return frozenset(getattr(link, f"{target}_id") for link in snapshot.all())


def link_changes(model, row, previous) -> list[tuple]:
    """``(field, added ids, removed ids)`` for each tracked link that changed from
    ``previous`` to ``row`` (a creation: everything linked is added)."""
    changes = []
    for model_field in tracked_links(model):
        now, before = link_ids(row, model_field), link_ids(previous, model_field)
        if now != before:
            changes.append((model_field, now - before, before - now))
    return changes
