"""Many writes by one actor in one transaction, with what they prove remembered once.

:func:`monitor.services.record_save` checks, for every record, that the actor sees it (and
its root), may edit it, that its links exist and its check constraints hold, and — after the
save — that the actor still sees it. An import records thousands of rows that name the same
team, terms, places and source, so inside :func:`write_batch` the save keeps what it proved:

* a record (or root) seen visible stays visible for the batch;
* a link proved to exist (a term, a place, the team) is not looked up again;
* a check constraint that passed for the same values of its fields passes again;
* the team membership of the actor is read once per team;
* the "still visible after the save" check of every record saved is made at the end of the
  batch, one query per model (:meth:`WriteBatch.close`), and a failure there refuses the
  whole batch (``ActionRefused``, code ``would_hide``): the caller rolls the transaction
  back and records the same work again without a batch, one record at a time.

Nothing is skipped: every rule runs, once per distinct value instead of once per record.
The caches are dropped for the records a failed part rolled back (:meth:`WriteBatch.part`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router

_current: ContextVar[WriteBatch | None] = ContextVar("monitor_write_batch", default=None)


def current(actor) -> WriteBatch | None:
    """The batch open for ``actor`` (None outside one, or for another actor)."""
    batch = _current.get()
    return batch if batch is not None and batch.actor.pk == actor.pk else None


class BatchRefused(Exception):
    """The checks deferred to the end of a batch failed: the caller redoes its work
    without a batch, record by record, to learn which one and why."""


def _key(record) -> tuple:
    return (type(record)._meta.label_lower, record.pk)


class WriteBatch:
    def __init__(self, actor):
        self.actor = actor
        self.visible: set[tuple] = set()
        self.created: set[tuple] = set()
        self.pending: dict[type, set] = {}
        self.links: set[tuple] = set()
        self.checks: set[tuple] = set()
        self.teams: dict[int, bool] = {}
        self._journal: list[tuple[set, object]] | None = None

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
            for where, item in self._journal:
                where.discard(item)
            raise
        finally:
            journal, self._journal = self._journal, outer
            if outer is not None:
                outer.extend(journal)

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
        pk = record._meta.pk
        # A new id drawn at random (a UUID) is unique by construction, and the primary key
        # enforces it: no query for it.
        unique_exclude = exclude | (
            {pk.name} if record._state.adding and pk.has_default() else set()
        )
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
        """A link proved before, or to a record this batch created (and no choice limit)."""
        if (field, value) in self.links:
            return True
        created = (field.related_model._meta.label_lower, value) in self.created
        return created and not field.get_limit_choices_to()

    def _validate_constraints(self, record, exclude: set) -> None:
        """Model.validate_constraints, a check constraint asked once per values it reads."""
        using = router.db_for_write(type(record), instance=record)
        errors: dict = {}
        for model_class, constraints in record.get_constraints():
            for constraint in constraints:
                key = None
                if isinstance(constraint, models.CheckConstraint):
                    names = sorted(models.Q(constraint.condition).referenced_base_fields)
                    fields = [model_class._meta.get_field(name) for name in names]
                    key = (model_class, constraint.name, tuple(
                        repr(getattr(record, field.attname)) for field in fields
                    ))  # fmt: skip
                    if key in self.checks:
                        continue
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

    # -- the end ------------------------------------------------------------------------------

    def close(self) -> None:
        """Every record saved in the batch is still visible to the actor, or BatchRefused."""
        for model, pks in self.pending.items():
            if not pks:
                continue
            seen = model._default_manager.all().visible_to(self.actor).filter(pk__in=pks)
            if seen.count() != len(pks):
                raise BatchRefused(f"{model.__name__}: a record saved would be hidden")
        self.pending.clear()


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
