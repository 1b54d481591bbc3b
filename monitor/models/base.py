"""The audited base every domain record stands on.

* Public ids are UUIDs: an URL or an API id never reveals how many records exist.
* Every change is kept by django-simple-history with who, when and why
  (:mod:`monitor.history`). Writes that would skip it — ``QuerySet.update()``,
  ``bulk_update()``, ``bulk_create()``, queryset ``delete()`` — raise :class:`AuditError`.
* Nothing is hard-deleted: records are archived (``archived_at``) and can be restored.
* ``version`` counts saves; it travels with forms and API writes so a stale edit is refused.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from monitor.access import confidentiality_q
from monitor.choices import Confidentiality, ReviewState
from monitor.history import AuditedHistoricalRecords
from monitor.redaction import restrict


class AuditError(RuntimeError):
    """A write that would leave no trace in the history was attempted."""


class StaleEdit(ValidationError):
    """A save based on a version that someone else has since replaced."""

    def __init__(self, record: AuditedModel, expected_version: int):
        latest = (
            record.history.order_by("-history_date").first() if hasattr(record, "history") else None
        )
        who = (latest.history_user if latest else None) or _("someone")
        when = timezone.localtime(latest.history_date).strftime("%Y-%m-%d %H:%M") if latest else "?"
        super().__init__(
            _(
                "This record was changed by %(who)s at %(when)s since you opened it "
                "(you edited version %(expected)s). Nothing was saved: reload it, then "
                "apply your changes again."
            )
            % {"who": who, "when": when, "expected": expected_version},
            code="stale",
        )
        self.record = record
        self.expected_version = expected_version


class TreeQuerySetMixin:
    """Helpers for models with a ``parent`` link (places, terms, events, organisations)."""

    def with_descendants(self, roots, *, through: models.QuerySet | None = None):
        """The roots and everything below them, however deep (one query per level).

        ``through``: walk down only through these rows (a user's visible events, say), so a
        record below a hidden one is not found by way of it. By default every row counts,
        archived ones too (a term's children stay under it when it is archived).
        """
        nodes = through if through is not None else self.model._base_manager.all()
        level = {getattr(root, "pk", root) for root in roots}
        found: set = set()
        while level:
            found |= level
            level = set(
                nodes.filter(parent__in=level).exclude(pk__in=found).values_list("pk", flat=True)
            )
        return self.filter(pk__in=found)


class AuditedQuerySet(models.QuerySet):
    """A queryset that refuses untraceable writes and answers ``visible_to`` closed."""

    def update(self, **kwargs):
        raise AuditError(
            f"{self.model.__name__}: QuerySet.update() skips the history; save each record "
            "(through its service) instead."
        )

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditError(f"{self.model.__name__}: bulk_update() skips the history.")

    def bulk_create(self, objs, *args, **kwargs):
        raise AuditError(f"{self.model.__name__}: bulk_create() skips the history.")

    def delete(self):
        raise AuditError(f"{self.model.__name__}: records are archived, never deleted.")

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def active(self):
        """Records that are not archived."""
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)

    def visible_to(self, user):
        """The records ``user`` may see. Models define their rule; without one, nothing."""
        return self.none()


class ConfidentialQuerySet(AuditedQuerySet):
    """For records with their own confidentiality level (and team): see monitor.access."""

    #: Whether the model has a ``team`` that opens it to its members.
    has_team = True

    def visible_to(self, user):
        rule = confidentiality_q(user, with_team=self.has_team)
        return self.none() if rule is None else self.filter(rule)


class ChildQuerySet(AuditedQuerySet):
    """For records that are visible exactly when their parents are (an allegation and its
    case, a step and its detention's case). ``parents`` pairs a lookup with a model label."""

    parents: tuple[tuple[str, str], ...] = ()

    @classmethod
    def following(cls, *parents: tuple[str, str]) -> type[ChildQuerySet]:
        return type(f"{cls.__name__}Following", (cls,), {"parents": parents})

    def visible_to(self, user):
        from django.apps import apps

        if not self.parents:
            return self.none()
        queryset = self
        for lookup, label in self.parents:
            parent = apps.get_model(label)
            visible = parent._default_manager.all().visible_to(user)
            queryset = queryset.filter(**{f"{lookup}__in": visible.values("pk")})
        # A part that says as a whole who its protected parent is (an affiliation) is
        # not there at all for those who may not identify the parent.
        return restrict(queryset, user)


class AuditedModel(models.Model):
    """Abstract base of every domain record: UUID id, version, audit fields, history."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("archived by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    history = AuditedHistoricalRecords(inherit=True)
    objects = AuditedQuerySet.as_manager()

    class Meta:
        abstract = True

    # -- optimistic concurrency ------------------------------------------------------------
    # Every update is ``UPDATE … WHERE id = %s AND version = <the version this copy was read
    # at>``: if another save got there first, no row matches and StaleEdit is raised, so a
    # stale form or API write can never silently overwrite newer data. The check lives here,
    # at the single point every write goes through, because a check done earlier (in a form)
    # leaves a race between reading and writing.

    def save(self, *args, **kwargs):
        if self._state.adding:
            return super().save(*args, **kwargs)
        expected = self.version
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        self.version = expected + 1
        self._expected_version = expected
        try:
            return super().save(*args, **kwargs)
        except BaseException:
            self.version = expected
            raise
        finally:
            del self._expected_version

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        expected = getattr(self, "_expected_version", None)
        if expected is None:
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        filtered = base_qs.filter(pk=pk_val)
        if filtered.filter(version=expected)._update(values) > 0:
            return True
        if filtered.exists():
            raise StaleEdit(self, expected)
        return False

    def delete(self, using=None, keep_parents=False):
        raise AuditError(f"{type(self).__name__}: records are archived, never deleted.")

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    # -- review ------------------------------------------------------------------------------

    #: The link to the record this one is a part of (an allegation's ``"case"``, a step's
    #: ``"detention"``). Editing a part is editing the reviewed record at the top of the
    #: chain, and the part is in that record's review unit (:func:`review_unit`): a new
    #: child model declares its parent here and cannot escape four eyes.
    review_parent: str | None = None
    #: For a record attached to any other record through a generic link (a citation):
    #: it belongs to the review of the record it is attached to.
    review_follows_record: bool = False

    def review_root(self) -> ReviewedModel | None:
        """The reviewed record this one belongs to (a case for an allegation); editing this
        record is editing that one."""
        if self.review_parent is None:
            return None
        parent = getattr(self, self.review_parent)
        return None if parent is None else parent.review_root()


def review_state_field(default: str) -> models.CharField:
    """Where a record stands in review, changed by the review services alone."""
    return models.CharField(
        _("review state"),
        max_length=12,
        choices=ReviewState.choices,
        default=default,
        editable=False,
        db_index=True,
    )


def waiting_since() -> models.Func:
    """Since when a waiting record waits: ``queued_at``, or its last change for a record put
    in the waiting state outside the services (raw SQL; reference data created directly).
    The review queue's order, and the expression of every reviewable model's queue index."""
    return Coalesce("queued_at", "updated_at")


#: What the review queue holds of a model: its records waiting for review, not archived.
WAITING = models.Q(review_state=ReviewState.SUBMITTED, archived_at__isnull=True)


def queue_indexes(*, team: bool) -> list[models.Index]:
    """The indexes every reviewable model declares (``Meta.indexes``) for the review queue,
    partial to its waiting records: the queue's order (a page reads each kind's first rows in
    order instead of sorting every waiting record) and, for a model with a team, the same
    order within each team, holding the confidentiality too, so that whether a team has an
    item a reader may see (the team filter's choices) is read from the index alone.
    ``tests/test_review_queue_columns.py`` checks that every reviewable model has them."""
    name = "%(app_label)s_%(class)s_queue"
    indexes = [models.Index(waiting_since(), "id", condition=WAITING, name=name)]
    if team:
        indexes.append(
            models.Index(
                "team",
                waiting_since(),
                "id",
                include=["confidentiality"],
                condition=WAITING,
                name=f"{name}_team",
            )
        )
    return indexes


class Reviewable(AuditedModel):
    """A record that goes through review: a review state, decisions, four eyes.

    The review services (``monitor.services``), the queue and the review screens work on any
    reviewable record. :class:`ReviewedModel` adds a team and a confidentiality (cases,
    events, persons, sources); :class:`ReferenceData` is shared by every team (places,
    terms, places of detention, organisations).
    """

    review_state = review_state_field(ReviewState.DRAFT)
    #: Since when the record waits in the review queue, and who sent it there (its latest
    #: submission or reopening); empty when it is not waiting. Kept by the review services
    #: alone (:meth:`set_review_state`), so the queue reads a column rather than searching
    #: every record's decisions (the review queue at 100,000 cases: issue 14).
    queued_at = models.DateTimeField(
        _("waiting since"), null=True, blank=True, editable=False, db_index=True
    )
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent to review by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True

    def set_review_state(self, state: str, actor) -> None:
        """Move to ``state``; entering the queue notes when and by whom, leaving it clears
        both. The services call it; saving is theirs."""
        self.review_state = state
        if state == ReviewState.SUBMITTED:
            self.queued_at, self.queued_by = timezone.now(), actor
        else:
            self.queued_at, self.queued_by = None, None

    def review_root(self) -> Reviewable:
        return self

    def review_history(self) -> list[models.QuerySet]:
        """History querysets of this record and everything that belongs to it — its review
        unit, derived from the model graph (:func:`review_unit`): who appears in them since
        the last verification may not verify it (four eyes), and the reviewer's diff shows
        each of them.

        The unit's records are chosen by subqueries (a part by its parent's), not by lists
        of their ids: a case of 500 linked records costs no query to list them, and no
        statement carrying hundreds of ids."""
        own = type(self)._base_manager.filter(pk=self.pk).order_by().values("pk")
        chosen: dict[type, models.QuerySet] = {type(self): own}
        histories = [self.history.all()]
        for model, link in review_unit(type(self)):
            field = model._meta.get_field(link)
            # A part of the record itself is chosen by its id, a part of a part by a subquery
            # (``review_unit`` lists parents first).
            parent = field.related_model
            within = [self.pk] if parent is type(self) else chosen[parent]
            chosen[model] = (
                model._base_manager.filter(**{f"{field.attname}__in": within})
                .order_by()
                .values("pk")
            )
            histories.append(model.history.filter(**{f"{field.attname}__in": within}))
        followers = _record_followers()
        if followers:
            every = list(chosen.values())
            every_id = every[0].union(*every[1:], all=True) if len(every) > 1 else every[0]
            for model in followers:
                histories.append(model.history.filter(object_id__in=every_id))
        return histories

    def review_fingerprint(self) -> str:
        """What the reviewer saw: changes whenever the record or any part of its review
        unit gets a new history row. ``review_verify`` and ``review_return`` take it (``seen``)
        and refuse to decide on a version the reviewer has not seen."""
        parts = [str(self.version)]
        for history in self.review_history():
            found = history.aggregate(
                rows=models.Count("history_id"), last=models.Max("history_id")
            )
            parts += [str(found["rows"]), str(found["last"] or 0)]
        return hashlib.sha256(":".join(parts).encode()).hexdigest()[:20]

    def verification_blockers(self) -> list[str]:
        """Reasons this record cannot be verified yet (e.g. an uncited allegation)."""
        return []

    def review_companions(self) -> list[ReviewedModel]:
        """Other reviewed records made along with this one that travel in its review: a
        case's new victims and sources, created from the case form. They are submitted,
        returned and verified with it (``monitor.services``), each with its own decision and
        its own four-eyes check. Only records not yet verified; none by default."""
        return []


class ReviewedModel(Reviewable):
    """A record that goes through review and carries its own confidentiality and team.

    Cases, events, persons and sources. Their child records (an allegation, a detention…)
    take both from their parent.
    """

    confidentiality = models.PositiveSmallIntegerField(
        _("confidentiality"),
        choices=Confidentiality.choices,
        default=Confidentiality.CONFIDENTIAL,
        db_index=True,
    )
    team = models.ForeignKey(
        "monitor.Team",
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True


class ReferenceData(Reviewable):
    """Reference data every team shares: places, vocabulary terms, places of detention and
    organisations (courts, forces, outlets).

    A new one — added in place from a case's form, through the API or in the admin: anything
    saved by ``record_save`` — is in the review queue from the start (``submitted``, with a
    decision naming who added it), and another person verifies it (four eyes, as for any
    record). It can be picked while it waits. Editing a verified one sends it back to review.
    The rows that existed before reference data was reviewed were marked verified by their
    migration.
    """

    review_state = review_state_field(ReviewState.SUBMITTED)

    class Meta:
        abstract = True


def review_unit(root: type) -> list[tuple[type, str]]:
    """The parts of a ``root`` record, as ``(model, link to its parent)``, parents first.

    Every model whose ``review_parent`` chain leads to ``root``; depth first, in the order
    the apps declare their models.
    """
    from django.apps import apps

    found: list[tuple[type, str]] = []

    def walk(parent: type) -> None:
        for model in apps.get_models():
            link = getattr(model, "review_parent", None)
            if link is None or hasattr(model, "instance_type") or model is parent:
                continue
            if model._meta.get_field(link).related_model is parent:
                found.append((model, link))
                walk(model)

    walk(root)
    return found


def _record_followers() -> list[type]:
    from django.apps import apps

    return [
        model
        for model in apps.get_models()
        if getattr(model, "review_follows_record", False) and not hasattr(model, "instance_type")
    ]


def confidentiality_constraint() -> models.CheckConstraint:
    """Confidentiality must be one of the four levels."""
    return models.CheckConstraint(
        condition=models.Q(confidentiality__in=Confidentiality.values),
        name="%(app_label)s_%(class)s_confidentiality_valid",
        violation_error_message=_(
            "Confidentiality must be public, internal, confidential or strict."
        ),
    )


def review_state_constraint() -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(review_state__in=ReviewState.values),
        name="%(app_label)s_%(class)s_review_state_valid",
        violation_error_message=_("Unknown review state."),
    )
