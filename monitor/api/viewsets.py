"""The base of every record endpoint: list, read, create, update, history, actions.

Each app's viewset only says which records (``get_queryset``, through ``visible_to``, with
its joins and prefetches), how to show them (``serializer_class``) and how to filter them
(``filterset_class``). The rest is here, once:

* reads: a hidden record is a 404; a detail carries an ``ETag`` made of its id and version;
* writes: validated by the serializer, saved by :func:`monitor.services.record_save` with
  the request's user — a record and its nested children in one transaction, so a bad child
  leaves nothing written; ``If-Match`` with a stale ETag is a 412; an ``Idempotency-Key``
  seen before answers with the record it created instead of creating another;
* actions (``submit``, ``verify``, ``return``, ``archive``, ``restore``) call the services;
* no DELETE: records are archived (405 for the method).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from monitor.api.exceptions import (
    Conflict,
    PreconditionFailed,
    django_validation_detail,
    translate,
)
from monitor.api.history import history_entries
from monitor.api.serializers import (
    CommentSerializer,
    HistoryEntrySerializer,
    ReasonSerializer,
    ReturnSerializer,
    ReviewSerializer,
    VerifySerializer,
)
from monitor.api.strict import StrictQuery, StrictSerializer
from monitor.labels import labelled
from monitor.models import IdempotencyKey
from monitor.redaction import Reader
from monitor.review_diff import build_review
from monitor.services import (
    record_archive,
    record_restore,
    record_save,
    review_return,
    review_submit,
    review_verify,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 255
#: The most records one batch creates.
MAX_BATCH = 100


def etag(record, children: tuple[str, ...] = ()) -> str:
    """The strong ETag of a record's current version.

    ``children`` names parts kept beside the record rather than in it (an event's figures):
    adding, changing or archiving one changes the ETag too, so an If-Match read before the
    change is refused. Their ids and versions are digested (one query per part).
    """
    tag = f"{record.pk}.{record.version}"
    digest, parts = hashlib.sha256(), 0
    for name in children:
        related = getattr(type(record), name).rel.related_model
        field = getattr(type(record), name).field.name
        rows = related._base_manager.filter(**{field: record}).order_by("pk")
        for pk, version in rows.values_list("pk", "version"):
            digest.update(f"{name}:{pk}:{version};".encode())
            parts += 1
    if parts:  # without parts, the plain "<id>.<version>" of every record
        tag = f"{tag}.{digest.hexdigest()[:16]}"
    return f'"{tag}"'


def precondition(request, record, children: tuple[str, ...] = ()) -> int | None:
    """Check ``If-Match``; the version it names, for the save's own check (None: no header).

    Raises:
        PreconditionFailed: the header names another version (or another record).
    """
    header = request.headers.get("If-Match")
    if header is None:
        return None
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" in tags:
        return None
    if etag(record, children) in tags:
        return record.version
    raise PreconditionFailed()


def _fingerprint(request) -> str:
    """A digest of a create request, to tell a retry from another request with the same key."""
    data = request.data
    if hasattr(data, "lists"):  # a form or multipart body: files by name and size
        data = {
            key: [
                f"{value.name}:{value.size}" if hasattr(value, "size") else str(value)
                for value in values
            ]
            for key, values in data.lists()
        }
    canonical = json.dumps(
        [request.method, request.path, data], sort_keys=True, default=str, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def batch_key_id(user, key: str, position: int = 0):
    """The id of the row remembering the record at ``position`` that ``key`` created: the
    key's own row for a create (and a batch's first record), one more per later record."""
    return IdempotencyKey.id_for(user, key if not position else f"{key}\n{position}")


@functools.cache
def batch_of(serializer_class):
    """The body of a batch of ``serializer_class``'s records: ``{"items": [...]}``."""
    name = serializer_class.__name__.removesuffix("Serializer")
    return type(
        f"{name}BatchSerializer",
        (StrictSerializer,),
        {
            "__doc__": f"Up to {MAX_BATCH} records, created together or not at all.",
            "__module__": __name__,
            "items": serializer_class(many=True, min_length=1, max_length=MAX_BATCH),
        },
    )


class RecordViewSet(StrictQuery, mixins.ListModelMixin, viewsets.GenericViewSet):
    """List, read, create and update an audited record, read its history, archive it."""

    paginated_actions = ("history",)

    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    #: The model, for writes (which load the plain record through ``visible_to``).
    model = None
    #: Parts kept beside the record whose changes change its ETag (see :func:`etag`).
    etag_children: tuple[str, ...] = ()
    #: Actions that create a part and honour ``Idempotency-Key`` (besides ``create``).
    idempotent_actions: tuple[str, ...] = ()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["identity"] = Reader(getattr(self.request, "user", None))
        return context

    # -- reading ---------------------------------------------------------------------------

    def get_write_object(self, *, lock: bool = False):
        """The record named in the URL as stored, if the user may see it (else 404).

        Writes start from this plain row, not from the list queryset with its prefetches.
        """
        queryset = self.model.objects.visible_to(self.request.user)
        if lock:
            queryset = queryset.select_for_update()
        lookup = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        try:
            record = queryset.filter(pk=lookup).first()
        except (TypeError, ValueError, DjangoValidationError):
            record = None
        if record is None:
            raise exceptions.NotFound()
        return record

    def refetch(self, record):
        """The record as a read shows it (with its prefetches), after a write."""
        fresh = self.get_queryset().filter(pk=record.pk).first()
        if fresh is None:  # the service refuses edits that hide a record; belt and braces
            raise exceptions.NotFound()
        return fresh

    def attach_provenance(self, records) -> None:
        """What a read shows beside the records, worked out for all of them at once (claims
        show their provenance); nothing by default."""

    def record_response(self, record, status_code=status.HTTP_200_OK) -> Response:
        response = Response(self.get_serializer(record).data, status=status_code)
        response["ETag"] = etag(record, self.etag_children)
        return response

    def filter_queryset(self, queryset):
        # Filters (and their default of leaving archived records out) shape lists only: an
        # archived record is still read, restored and audited by its id.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def retrieve(self, request, *args, **kwargs):
        return self.record_response(self.get_object())

    # -- writing ---------------------------------------------------------------------------

    def perform_write(self, serializer, instance=None, expected_version=None):
        """Save the record and its nested children as the request's user (one transaction)."""
        plan = serializer.to_record(instance)
        with transaction.atomic():
            record = self.save_record(plan, expected_version)
            for name, items in plan.children.items():
                self.save_children(record, serializer.fields[name], items, plan.reason)
        return record

    def save_record(self, plan, expected_version=None):
        """Save the record itself (a viewset with a service for its records overrides it)."""
        return record_save(
            record=plan.record,
            actor=self.request.user,
            reason=plan.reason,
            expected_version=expected_version,
            m2m=plan.m2m,
        )

    def child_plans(self, parent, list_field, items: list) -> tuple[list, dict]:
        """The nested ``items`` as ``(position, plan)`` pairs in saving order, and the errors
        of items naming a child that ``parent`` does not have (by position)."""
        child = list_field.child
        model = child.Meta.model
        existing = {row.pk: row for row in model.objects.filter(**{child.parent_field: parent})}
        plans, errors = [], {}
        for index in child.save_order(items):
            data = dict(items[index])
            pk = data.pop("id", None)
            if pk is None:
                record = model(**{child.parent_field: parent})
            elif pk in existing:
                record = existing[pk]
            else:
                errors[str(index)] = {"id": [str(_("No such item in this record."))]}
                continue
            plans.append((index, child.item_to_record(data, record)))
        return plans, errors

    def save_children(self, parent, list_field, items: list, reason: str) -> None:
        """Add or update the nested ``items`` of ``parent``; errors keep their positions."""
        # As DRF reports errors in nested lists: by position, for the failing items only.
        plans, errors = self.child_plans(parent, list_field, items)
        for index, plan in plans:
            try:
                self.save_child(plan.record, plan, reason)
            except DjangoValidationError as exc:
                if getattr(exc, "code", None) == "stale":
                    raise
                errors[str(index)] = django_validation_detail(exc)
        if errors:
            raise exceptions.ValidationError({list_field.field_name: errors})

    def save_child(self, record, plan, reason: str):
        """Save one nested child (a viewset with a service for its children overrides it)."""
        return record_save(record=record, actor=self.request.user, reason=reason, m2m=plan.m2m)

    def idempotency_key(self, request) -> str | None:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            return None
        key = key.strip()
        if not key or len(key) > MAX_IDEMPOTENCY_KEY:
            raise exceptions.ValidationError(
                {IDEMPOTENCY_HEADER: [_("Between 1 and 255 characters.")]}
            )
        return key

    def used_key(self, request, key: str, fingerprint: str, model) -> IdempotencyKey | None:
        """The live key ``key`` of this user, if a request already used it for a ``model``.

        Raises:
            Conflict: the key was used for another request.
        """
        used = (
            IdempotencyKey.objects.live()
            .filter(pk=IdempotencyKey.id_for(request.user, key))
            .first()
        )
        if used is None:
            return None
        if (
            used.fingerprint != fingerprint
            or used.content_type_id != ContentType.objects.get_for_model(model).pk
        ):
            raise Conflict(
                _("This Idempotency-Key was used for another request; use a new key."),
                code="idempotency_key_reused",
            )
        return used

    def keep_key(self, request, key: str, fingerprint: str, created, position: int = 0) -> None:
        """Remember that ``key`` created ``created`` (inside the create's transaction); a
        batch keeps a row per record, by its ``position`` (its first is the key's own row)."""
        key_id = batch_key_id(request.user, key, position)
        # An expired key of the same name is forgotten first.
        IdempotencyKey.objects.expired().filter(pk=key_id).delete()
        IdempotencyKey.objects.create(
            id=key_id,
            user=request.user,
            key=key,
            fingerprint=fingerprint,
            content_type=ContentType.objects.get_for_model(type(created)),
            object_id=created.pk,
        )

    def replay(self, request, key: str, fingerprint: str) -> Response | None:
        """The answer to a create already made with this key, if there was one.

        Cheap by design: one look-up of the key, then the record read as a GET reads it;
        the body is neither validated nor saved again.
        """
        used = self.used_key(request, key, fingerprint, self.model)
        if used is None:
            return None
        record = self.get_queryset().filter(pk=used.object_id).first()
        if record is None:
            raise exceptions.NotFound()
        response = self.record_response(record, status.HTTP_201_CREATED)
        response["Idempotent-Replayed"] = "true"
        return response

    def create(self, request, *args, **kwargs):
        key = self.idempotency_key(request)
        fingerprint = _fingerprint(request) if key else ""
        if key and (answer := self.replay(request, key, fingerprint)):
            return answer
        try:
            serializer = self.get_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            with transaction.atomic():
                record = self.perform_write(serializer)
                if key:
                    # In the same transaction as the record: both are kept, or neither.
                    self.keep_key(request, key, fingerprint, record)
        except (IntegrityError, exceptions.ValidationError, DjangoValidationError):
            # A concurrent retry with the same key won the race: answer with its record. The
            # loser may fail on the key's row (IntegrityError) or earlier, on a unique value
            # the winner just saved ("Case with this Reference already exists."): a client
            # retrying after a timeout must not conclude that its create failed.
            if key and (answer := self.replay(request, key, fingerprint)):
                return answer
            raise
        return self.record_response(self.refetch(record), status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs):
        record = self.get_write_object()
        expected = precondition(request, record, self.etag_children)
        serializer = self.get_serializer(record, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        record = self.perform_write(serializer, instance=record, expected_version=expected)
        return self.record_response(self.refetch(record))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    # -- actions ---------------------------------------------------------------------------

    def transition(self, request, service, **arguments) -> Response:
        """Run a workflow service on the record, after checking ``If-Match``."""
        with transaction.atomic():
            record = self.get_write_object(lock=True)
            precondition(request, record, self.etag_children)
            service(record=record, actor=request.user, **arguments)
        return self.record_response(self.refetch(record))

    def idempotent_transition(self, request, service, *, creates, **arguments) -> Response:
        """Run a service that adds a part (``creates``: its model) to the record, honouring
        ``Idempotency-Key`` like a create: a retry answers with the record as it is now
        (``Idempotent-Replayed: true``) instead of adding the part twice."""
        key = self.idempotency_key(request)
        fingerprint = _fingerprint(request) if key else ""
        with transaction.atomic():
            # The record's row lock orders retries racing on it: the second sees the key.
            record = self.get_write_object(lock=True)
            if key and self.used_key(request, key, fingerprint, creates) is not None:
                response = self.record_response(self.refetch(record))
                response["Idempotent-Replayed"] = "true"
                return response
            precondition(request, record, self.etag_children)
            created = service(record=record, actor=request.user, **arguments)
            if key:
                self.keep_key(request, key, fingerprint, created)
        return self.record_response(self.refetch(record))

    def action_input(self, serializer_class) -> dict:
        """The action's validated input, once the record is known to be visible: a hidden
        record answers 404 whatever the body, never a 400 that would confirm it exists."""
        self.get_write_object()
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        summary="Archive",
        description="Take the record out of normal lists; it stays whole and can be restored. "
        "Coordinators only.",
        request=ReasonSerializer,
    )
    @action(detail=True, methods=["post"])
    def archive(self, request, *args, **kwargs):
        data = self.action_input(ReasonSerializer)
        return self.transition(request, record_archive, reason=data.get("reason", ""))

    @extend_schema(
        summary="Restore",
        description="Bring an archived record back. Coordinators only.",
        request=ReasonSerializer,
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, *args, **kwargs):
        data = self.action_input(ReasonSerializer)
        return self.transition(request, record_restore, reason=data.get("reason", ""))

    @extend_schema(
        summary="History",
        description="Every change to the record, newest first: who, when, why, and each "
        "field's old and new value.",
        responses=HistoryEntrySerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, *args, **kwargs):
        record = self.get_write_object()
        # What identifies a protected record is left out for this reader: the one policy.
        hidden = Reader(request.user).hidden_fields(record)
        entries = history_entries(record, user=request.user, hidden=hidden)
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(HistoryEntrySerializer(page, many=True).data)


class ReviewedViewSet(RecordViewSet):
    """A record that goes through review: cases, events, persons, sources."""

    @extend_schema(
        summary="Submit for review",
        description="Send a draft or returned record to the review queue.",
        request=CommentSerializer,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        data = self.action_input(CommentSerializer)
        return self.transition(request, review_submit, comment=data.get("comment", ""))

    @extend_schema(
        summary="Verify",
        description="Verify a submitted record. Reviewers only, and never their own work "
        "(code `four_eyes`); every claim must cite a source (code `uncited`).",
        request=CommentSerializer,
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, *args, **kwargs):
        data = self.action_input(VerifySerializer)
        return self.transition(
            request, review_verify, comment=data.get("comment", ""), seen=data.get("seen")
        )

    @extend_schema(
        summary="Return to its authors",
        description="Return a submitted record with a comment saying what to fix. Reviewers only.",
        request=ReturnSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, *args, **kwargs):
        data = self.action_input(ReturnSerializer)
        return self.transition(
            request, review_return, comment=data["comment"], seen=data.get("seen")
        )

    @extend_schema(
        summary="Review",
        description="What changed since the last verification, field by field and link by "
        "link, in the record and every part of it (allegations, steps, citations…), as you "
        "may see it; its `fingerprint` goes back with verify or return as `seen`.",
        responses=ReviewSerializer,
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def review(self, request, *args, **kwargs):
        record = self.get_write_object()
        # Labelled (identity annotated) as the admin's queue reads it: the same engine.
        record = labelled(type(record).objects.filter(pk=record.pk), request.user).get()
        return Response(ReviewSerializer(build_review(record, request.user)).data)


def _batch_items(request) -> list | None:
    """A batch's ``items``, if the body has a non-empty list of them."""
    items = request.data.get("items") if isinstance(request.data, Mapping) else None
    return items if isinstance(items, list) and items else None


class BatchCreateMixin:
    """``POST <list>/batch/``: up to ``MAX_BATCH`` records created as ``create`` creates
    each, in one transaction: all of them, or (any item refused) none."""

    def get_serializer_class(self):
        serializer_class = super().get_serializer_class()
        return batch_of(serializer_class) if self.action == "batch" else serializer_class

    def batch_items(self, request) -> list:
        """The request's items, each checked as a create checks its body; errors by
        position (``{"items": {"3": {"date": ["…"]}}}``)."""
        items = _batch_items(request)
        if items is None or len(items) > MAX_BATCH or set(request.data) != {"items"}:
            # Not a body of 1 to MAX_BATCH items and nothing else: its shape's own errors.
            self.get_serializer(data=request.data).is_valid(raise_exception=True)
        item_class = super().get_serializer_class()
        serializers, errors = [], {}
        for index, item in enumerate(items):
            serializer = item_class(data=item, context=self.get_serializer_context())
            if serializer.is_valid():
                serializers.append(serializer)
            else:
                errors[str(index)] = serializer.errors
        if errors:
            raise exceptions.ValidationError({"items": errors})
        return serializers

    def batch_write(self, serializers: list) -> list:
        """Save every item; an item refused by its service is an error at its position,
        and the whole batch is rolled back."""
        records, errors = [], {}
        for index, serializer in enumerate(serializers):
            try:
                with transaction.atomic():  # a savepoint: the next items are still checked
                    records.append(self.perform_write(serializer))
            except (exceptions.ValidationError, DjangoValidationError, IntegrityError) as exc:
                refusal = translate(exc)
                if not isinstance(refusal, exceptions.ValidationError):
                    raise
                errors[str(index)] = refusal.detail
        if errors:
            raise exceptions.ValidationError({"items": errors})
        return records

    def batch_response(self, ids: list, status_code=status.HTTP_201_CREATED) -> Response:
        found = {record.pk: record for record in self.get_queryset().filter(pk__in=ids)}
        if len(found) != len(set(ids)):
            raise exceptions.NotFound()
        records = [found[pk] for pk in ids]
        self.attach_provenance(records)
        return Response(self.get_serializer({"items": records}).data, status=status_code)

    def batch_replay(self, request, key: str, fingerprint: str, count: int) -> Response | None:
        """The answer to a batch already made with this key, if there was one."""
        if self.used_key(request, key, fingerprint, self.model) is None:
            return None
        rows = dict(
            IdempotencyKey.objects.filter(
                pk__in=[batch_key_id(request.user, key, n) for n in range(count)]
            ).values_list("pk", "object_id")
        )
        ids = [rows.get(batch_key_id(request.user, key, n)) for n in range(count)]
        response = self.batch_response(ids)
        response["Idempotent-Replayed"] = "true"
        return response

    @extend_schema(
        summary="Create several",
        description=f"Up to {MAX_BATCH} records in one request, each checked and saved as "
        "the single create does: all are created, or — any item refused — none, and the "
        'errors name each refused item by its position (`{"items": {"3": {"date": '
        '["…"]}}}`). An `Idempotency-Key` makes a retried batch safe.',
    )
    @action(detail=False, methods=["post"])
    def batch(self, request, *args, **kwargs):
        key = self.idempotency_key(request)
        fingerprint = _fingerprint(request) if key else ""
        count = len(_batch_items(request) or ())
        if key and count and (answer := self.batch_replay(request, key, fingerprint, count)):
            return answer
        try:
            serializers = self.batch_items(request)
            with transaction.atomic():
                records = self.batch_write(serializers)
                if key:
                    for position, record in enumerate(records):
                        self.keep_key(request, key, fingerprint, record, position)
        except (IntegrityError, exceptions.ValidationError, DjangoValidationError):
            # A concurrent retry with the same key won: answer with its records (as create).
            if key and (answer := self.batch_replay(request, key, fingerprint, count)):
                return answer
            raise
        return self.batch_response([record.pk for record in records])
