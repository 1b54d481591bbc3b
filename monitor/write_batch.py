"""Many writes by one actor in one transaction, with what they prove remembered once.

:func:`monitor.services.record_save` checks, for every record, that the actor sees it (and
its root), may edit it, that its links exist and its check constraints hold, and — after the
save — that the actor still sees it. An import records thousands of rows that name the same
team, terms, places and source, so inside :func:`write_batch` the save keeps what it proved:

* a record (or root) seen visible stays visible for the batch;
* a link proved to exist (a term, a place, the team), or to a record seen visible in the
  batch, is not looked up again;
* a check constraint that passed for the same values of its fields passes again;
* the team membership of the actor is read once per team;
* a check constraint is evaluated in Python when its condition is plain field lookups
  (``=``, ``IN``, ``<``, ``>=``, ``IS NULL`` on numbers, dates, booleans, ids; text by
  equality only), with SQL's rule that an unknown (NULL) result passes; a condition it
  cannot read, or one that fails, is asked of the database as outside a batch (the
  failure's message is the constraint's own). The database holds every check constraint
  on the write anyway;
* a new record's unique field (``unique=True``: a case's reference) is not looked up
  before the insert: its unique index refuses a clash, and the batch's caller takes that
  ``IntegrityError`` as :class:`BatchRefused` (the work is done again without a batch,
  where the check runs and names the field);
* a unique constraint naming a record this batch created (the persons of a new case, the
  names of a new person) cannot clash with a row outside the batch — nobody else can point
  at an uncommitted record — so its values are compared with those saved in the batch, and
  asked of the database only when they meet one;
* the "still visible after the save" check of every record saved is made at the end of the
  batch, one query per model (:meth:`WriteBatch.close`), and a failure there refuses the
  whole batch (``ActionRefused``, code ``would_hide``): the caller rolls the transaction
  back and records the same work again without a batch, one record at a time.

The history rows of the records the batch creates are built at each save exactly as one by
one (fields, user, reason, date: :class:`monitor.history.AuditedHistoricalRecords`) and
inserted in bulk, one statement per model, before any other history row is written and at
the end of the batch (:meth:`WriteBatch.flush_history`), inside the same transaction.

Nothing is skipped: every rule runs, once per distinct value instead of once per record.
The caches (and the history rows not yet inserted) are dropped for the records a failed
part rolled back (:meth:`WriteBatch.part`).
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import functools
import itertools
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router, transaction
from django.db.models.constants import LOOKUP_SEP

_current: ContextVar[WriteBatch | None] = ContextVar("monitor_write_batch", default=None)


def current(actor) -> WriteBatch | None:
    """The batch open for ``actor`` (None outside one, or for another actor)."""
    batch = _current.get()
    if batch is None or actor is None:
        return None
    return batch if batch.actor.pk == actor.pk else None


def atomic(actor):
    """The transaction of a service acting as ``actor``.

    Outside a batch, ``transaction.atomic()``: called inside a caller's transaction it is a
    savepoint, so a caller that catches the service's refusal carries on with nothing of the
    service kept. Inside ``actor``'s batch, no savepoint of its own: the batch's caller holds
    the savepoint a refusal undoes (an import's row, :meth:`WriteBatch.part`), and a service
    that catches a refusal to carry on must open a real savepoint itself — a refusal raised
    through a block without one leaves the transaction to be rolled back by that caller
    (Django refuses any query until then). An import row then costs one savepoint instead
    of one per service it goes through.
    """
    return transaction.atomic(savepoint=current(actor) is None)


@contextlib.contextmanager
def savepoint(actor) -> Iterator[None]:
    """A savepoint a service rolls back to carry on (one item of several refused): inside
    ``actor``'s batch, also a :meth:`WriteBatch.part`, so the batch forgets what the
    savepoint undid (the records it created, their history rows)."""
    batch = current(actor)
    with transaction.atomic(), batch.part() if batch is not None else contextlib.nullcontext():
        yield


def atomic_service(func: Callable) -> Callable:
    """``@transaction.atomic`` for a keyword-only service with an ``actor``: :func:`atomic`."""

    @functools.wraps(func)
    def inner(*args, **kwargs):
        with atomic(kwargs.get("actor")):
            return func(*args, **kwargs)

    return inner


class BatchRefused(Exception):
    """The checks deferred to the end of a batch failed: the caller redoes its work
    without a batch, record by record, to learn which one and why."""


def _key(record) -> tuple:
    return (type(record)._meta.label_lower, record.pk)


def _put_back(records: dict, pk, before) -> None:
    if before is None:
        records.pop(pk, None)
    else:
        records[pk] = before


class WriteBatch:
    def __init__(self, actor):
        self.actor = actor
        self.visible: set[tuple] = set()
        self.created: set[tuple] = set()
        self.pending: dict[type, set] = {}
        self.links: set[tuple] = set()
        self.checks: set[tuple] = set()
        self.teams: dict[int, bool] = {}
        self.uniques: set[tuple] = set()
        self.history: dict[int, tuple] = {}
        self._history_numbers = itertools.count()
        self.deferred: dict[Callable, set] = {}
        #: The records created in the batch, as last saved, by model and id.
        self.records: dict[type, dict] = {}
        self._journal: list[tuple[set | dict | Callable, object]] | None = None

    # -- what the batch knows -----------------------------------------------------------------

    def _remember(self, where: set, item) -> None:
        if item not in where:
            where.add(item)
            if self._journal is not None:
                self._journal.append((where, item))

    def knows_visible(self, record) -> bool:
        return _key(record) in self.visible

    def seen_visible(self, record) -> None:
        self._remember(self.visible, _key(record))

    def created_here(self, record) -> bool:
        """Created in this batch's transaction: no one else has seen, verified or changed it."""
        return _key(record) in self.created

    def saved(self, record, *, adding: bool) -> None:
        """``record`` was saved: its visibility to the actor is checked at the end."""
        self._remember(self.visible, _key(record))
        if adding:
            self._remember(self.created, _key(record))
        model = type(record)
        self._remember(self.pending.setdefault(model, set()), record.pk)
        if adding or _key(record) in self.created:
            self.keep_created(record)

    def keep_created(self, record) -> None:
        """``record``, created in this batch, is as it now stands in the database (saved
        again, archived): :meth:`created_children` hands out this copy."""
        records = self.records.setdefault(type(record), {})
        before = records.get(record.pk)
        records[record.pk] = record
        if self._journal is not None:
            self._journal.append((functools.partial(_put_back, records, record.pk, before), None))

    def created_children(self, model, field_name: str, parent) -> list | None:
        """The records of ``model`` whose ``field_name`` is ``parent``, as saved, when
        ``parent`` was created in this batch; None when it was not (ask the database).

        Nothing outside this transaction can point at a record it created, and inside it
        the batch's records are written through ``record_save`` (the one write of the
        services), which hands each to :meth:`saved`: those kept here are all there are.
        Archiving and restoring (``record_archive``, ``record_restore``) keep their copy
        too, so its links and ``archived_at`` are as stored."""
        if _key(parent) not in self.created:
            return None
        attname = model._meta.get_field(field_name).attname
        return [
            record
            for record in self.records.get(model, {}).values()
            if getattr(record, attname) == parent.pk
        ]

    def defer(self, work: Callable[[set], None], item) -> None:
        """Leave ``work`` to the end of the batch, done once for every ``item`` given
        (bookkeeping a save keeps up to date, such as a detention's release dates after a
        step: ``cases.deadlines``), in the same transaction; forgotten with a failed part."""
        self._remember(self.deferred.setdefault(work, set()), item)

    def in_team(self, team_id) -> bool:
        if team_id not in self.teams:
            self.teams[team_id] = self.actor.teams.filter(pk=team_id).exists()
        return self.teams[team_id]

    @contextlib.contextmanager
    def part(self) -> Iterator[None]:
        """A part of the batch that may be undone (a row in its savepoint): what it taught
        the batch is forgotten if it fails (a rolled-back id may be given again)."""
        outer, self._journal = self._journal, []
        try:
            yield
        except BaseException:
            for where, item in reversed(self._journal):
                if isinstance(where, dict):
                    where.pop(item, None)
                elif isinstance(where, set):
                    where.discard(item)
                else:
                    where()  # an undo of its own (a record kept, put back as it was)
            raise
        finally:
            journal, self._journal = self._journal, outer
            if outer is not None:
                outer.extend(journal)

    # -- history ------------------------------------------------------------------------------

    def defer_history(self, row, using) -> None:
        """Keep the creation row ``row`` (a historical instance, unsaved) for the bulk insert."""
        number = next(self._history_numbers)
        self.history[number] = (row, using)
        if self._journal is not None:
            self._journal.append((self.history, number))

    def flush_history(self) -> None:
        """Insert the history rows kept so far, in the order they were written, one
        statement per historical model (and database)."""
        if not self.history:
            return
        groups: dict[tuple, list] = {}
        for row, using in self.history.values():
            groups.setdefault((type(row), using), []).append(row)
        self.history.clear()
        for (model, using), rows in groups.items():
            model._default_manager.using(using or router.db_for_write(model)).bulk_create(rows)

    # -- validation ---------------------------------------------------------------------------

    def full_clean(self, record) -> None:
        """``record.full_clean()``, with the links and check constraints proved before in
        this batch taken as proved."""
        known = {
            field.name
            for field in record._meta.concrete_fields
            if field.many_to_one and self._link_known(field, getattr(record, field.attname))
        }
        errors: dict = {}
        try:
            record.clean_fields(exclude=known)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        try:
            record.clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        exclude = {name for name in errors if name != NON_FIELD_ERRORS}
        # A new id drawn at random (a UUID) is unique by construction, and the primary key
        # enforces it: no query for it. A new record's other unique fields (a case's
        # reference) are left to their unique index, which refuses the insert: the
        # batch's caller takes that IntegrityError as BatchRefused and does its work again
        # without a batch, where this check runs and names the field (one query a record
        # saved for a clash that almost never happens).
        unique_exclude = exclude
        if record._state.adding:
            unique_exclude = exclude | _new_unique_fields(type(record))
        try:
            record.validate_unique(exclude=unique_exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        exclude |= {name for name in errors if name != NON_FIELD_ERRORS}
        try:
            self._validate_constraints(record, exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
        for field in record._meta.concrete_fields:
            value = getattr(record, field.attname)
            if field.many_to_one and value is not None:
                self._remember(self.links, (field, value))

    def _link_known(self, field, value) -> bool:
        """A link proved before, or to a record this batch created or saw visible — read in
        its transaction, so it exists: nothing is deleted — and no choice limit."""
        if (field, value) in self.links:
            return True
        key = (field.related_model._meta.label_lower, value)
        return (key in self.created or key in self.visible) and not field.get_limit_choices_to()

    def _validate_constraints(self, record, exclude: set) -> None:
        """Model.validate_constraints, a check constraint asked once per values it reads."""
        using = router.db_for_write(type(record), instance=record)
        errors: dict = {}
        for model_class, constraints in record.get_constraints():
            for constraint in constraints:
                key = None
                if isinstance(constraint, models.CheckConstraint):
                    names, attnames = _condition_fields(model_class, constraint)
                    if exclude.intersection(names):
                        continue  # as Django: a condition on a refused field is not asked
                    key = (model_class, constraint.name, tuple(
                        repr(getattr(record, attname)) for attname in attnames
                    ))  # fmt: skip
                    if key in self.checks:
                        continue
                    if _holds(constraint.condition, model_class, record) is not False:
                        continue  # true, or unknown (NULL): passes, as in SQL
                elif isinstance(constraint, models.UniqueConstraint):
                    key = self._unique_key(model_class, constraint, record, exclude)
                    if key is not None and key not in self.uniques:
                        self._remember(self.uniques, key)
                        continue
                    key = None
                try:
                    constraint.validate(model_class, record, exclude=exclude, using=using)
                except ValidationError as error:
                    if (
                        getattr(error, "code", None) == "unique"
                        and len(getattr(constraint, "fields", ())) == 1
                    ):
                        errors.setdefault(constraint.fields[0], []).append(error)
                    else:
                        errors = error.update_error_dict(errors)
                    continue
                if key is not None:
                    self._remember(self.checks, key)
        if errors:
            raise ValidationError(errors)

    def _unique_key(self, model_class, constraint, record, exclude: set) -> tuple | None:
        """The values ``record`` gives a unique constraint's fields, when one of them is a
        record this batch created (no row outside the batch can hold it); None otherwise."""
        if (
            not constraint.fields
            or constraint.expressions
            or exclude.intersection(constraint.fields)
        ):
            return None
        fields = [model_class._meta.get_field(name) for name in constraint.fields]
        values = tuple(getattr(record, field.attname) for field in fields)
        if any(value is None for value in values):
            return None
        new_parent = any(
            field.many_to_one and (field.related_model._meta.label_lower, value) in self.created
            for field, value in zip(fields, values, strict=True)
        )
        if not new_parent:
            return None
        return (model_class._meta.label_lower, constraint.name, values)

    # -- the end ------------------------------------------------------------------------------

    def close(self) -> None:
        """Every record saved in the batch is still visible to the actor, or BatchRefused;
        the history rows kept are inserted first, after the work left to the end."""
        for work, items in list(self.deferred.items()):
            if items:
                work(set(items))
        self.deferred.clear()
        self.flush_history()
        for model, pks in self.pending.items():
            if not pks:
                continue
            seen = model._default_manager.all().visible_to(self.actor).filter(pk__in=pks)
            if seen.count() != len(pks):
                raise BatchRefused(f"{model.__name__}: a record saved would be hidden")
        self.pending.clear()


@functools.cache
def _new_unique_fields(model) -> frozenset[str]:
    """The fields of ``model`` a unique index holds alone (``unique=True``), whose check a
    new record in a batch leaves to the index: the primary key when drawn at random, the
    others always."""
    return frozenset(
        field.name
        for field in model._meta.concrete_fields
        if field.unique and (not field.primary_key or field.has_default())
    )


_CONDITION_FIELDS: dict[tuple, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _condition_fields(model_class, constraint) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fields a check constraint's condition reads, and their attribute names: the same
    for every record of the model (worked out once per constraint, not at every save)."""
    key = (model_class, constraint.name)
    found = _CONDITION_FIELDS.get(key)
    if found is None:
        names = tuple(sorted(models.Q(constraint.condition).referenced_base_fields))
        attnames = tuple(model_class._meta.get_field(name).attname for name in names)
        found = _CONDITION_FIELDS[key] = (names, attnames)
    return found


# -- check constraints read in Python -----------------------------------------------------------

#: Values compared in Python as the database compares them.
_ORDERED = (int, float, decimal.Decimal, datetime.date, datetime.datetime, datetime.time)
_COMPARABLE = (*_ORDERED, str, bool, uuid.UUID)
_COMPARE = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


class _Unreadable(Exception):
    """A condition (or a value) this reader does not handle: ask the database."""


def _holds(condition, model_class, record) -> bool | None:
    """A check constraint's ``condition`` on ``record``: True, False, or None (unknown, a
    NULL met) — or, when it is not plain lookups, the database's own answer."""
    try:
        return _truth(models.Q(condition), model_class, record)
    except _Unreadable:
        return False  # not read here: validated by the database


def _stored(model_class, record, name: str):
    try:
        field = model_class._meta.get_field("id" if name == "pk" else name)
    except Exception as error:
        raise _Unreadable from error
    if not field.concrete or field.many_to_many:
        raise _Unreadable
    # The stored column (an approximate date's first day), as the database compares it.
    value = record.__dict__.get(field.attname, getattr(record, field.attname))
    if value is not None and not isinstance(value, _COMPARABLE):
        raise _Unreadable
    return value


def _truth(node, model_class, record) -> bool | None:
    if isinstance(node, models.Q):
        if node.connector not in (models.Q.AND, models.Q.OR):
            raise _Unreadable
        results = [_truth(child, model_class, record) for child in node.children]
        if node.connector == models.Q.AND:
            result = False if False in results else (None if None in results else True)
        else:
            result = True if True in results else (None if None in results else False)
        if node.negated and result is not None:
            result = not result
        return result
    if not isinstance(node, tuple) or len(node) != 2:
        raise _Unreadable
    path, wanted = node
    name, _sep, lookup = path.partition(LOOKUP_SEP)
    lookup = lookup or "exact"
    value = _stored(model_class, record, name)
    if isinstance(wanted, models.F):
        wanted = _stored(model_class, record, wanted.name)
    elif hasattr(wanted, "resolve_expression"):
        raise _Unreadable
    if lookup == "isnull":
        return (value is None) == bool(wanted)
    if lookup == "exact" and wanted is None:
        return value is None
    if value is None:
        return None
    if lookup == "exact":
        return _equal(value, wanted)
    if lookup == "in":
        return any(_equal(value, item) for item in wanted if item is not None)
    if lookup in _COMPARE and not isinstance(value, str | bool):
        if wanted is None:
            return None
        if not isinstance(wanted, _ORDERED) or isinstance(wanted, bool):
            raise _Unreadable
        try:
            return _COMPARE[lookup](value, wanted)
        except TypeError as error:
            raise _Unreadable from error
    raise _Unreadable


def _equal(value, wanted) -> bool:
    if wanted is None:
        return False
    plain = (str, bool, int, uuid.UUID)
    if isinstance(value, str) != isinstance(wanted, str) or isinstance(value, bool) != (
        isinstance(wanted, bool)
    ):
        raise _Unreadable
    if not isinstance(wanted, plain + _ORDERED):
        raise _Unreadable
    return value == wanted


def open_batch() -> WriteBatch | None:
    """The batch open in this context, whoever its actor (None outside one)."""
    return _current.get()


@contextlib.contextmanager
def write_batch(actor) -> Iterator[WriteBatch]:
    """Open a batch for ``actor`` (inside the caller's transaction); its deferred checks run
    when the block ends without an error, raising :class:`BatchRefused` if one fails."""
    batch = WriteBatch(actor)
    token = _current.set(batch)
    try:
        yield batch
        batch.close()
    finally:
        _current.reset(token)
