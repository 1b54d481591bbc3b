"""Serializer fields shared by every app's API.

* :class:`ApproximateDateField` carries an approximate date as a string: ``"2022-05-18"``,
  ``"2022-05"``, ``"2022"``, with ``"c. "`` in front when it is approximate. Input also
  accepts what people type (``"May 2022"``, ``"c. 2021"``).
* :class:`TermField` is a :class:`RecordField` for a term of one vocabulary, which also
  takes the term's code.
* :class:`RecordField` links to another record: a brief object when read, its id (or the
  brief object itself) when written. Its choices are the records the request's user may see,
  so an id they may not see is refused exactly like one that does not exist. A related
  record the reader may not see is shown as ``null`` (its prefetch goes through
  ``visible_to``: see each viewset's ``get_queryset``).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from monitor import redaction
from monitor.approxdate import ApproximateDate

#: What a stored approximate date looks like in a response.
APPROXIMATE_DATE_PATTERN = r"^(c\. )?\d{4}(-\d{2}(-\d{2})?)?$"


class ApproximateDateField(serializers.Field):
    default_error_messages = {
        "invalid": _("Enter a date such as 2022-05-18, 2022-05, 2022 or c. 2021."),
    }

    def to_representation(self, value) -> str:
        return value.as_input()

    def to_internal_value(self, data) -> ApproximateDate:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return ApproximateDate.parse(data)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc), code="invalid") from exc


def user_of(context) -> object | None:
    request = context.get("request")
    return getattr(request, "user", None)


def redaction_reader(context) -> redaction.Reader:
    """The request's :class:`monitor.redaction.Reader`, made once per serializer context."""
    reader = context.get("identity")
    if reader is None:
        reader = redaction.Reader(user_of(context))
        with contextlib.suppress(TypeError):  # an immutable context: just not remembered
            context["identity"] = reader
    return reader


class RecordListField(serializers.ManyRelatedField):
    """Many links: those the reader may not see are left out (not listed as null)."""

    def to_representation(self, iterable):
        shown = super().to_representation(iterable)
        return [item for item in shown if item is not None]


class RecordField(serializers.RelatedField):
    """A link to a record: brief when read, an id when written (see the module docstring).

    Args:
        brief: the serializer that shows the linked record.
        choices: ``choices(user)`` → the records this user may link to (through
            ``visible_to``); the field is read-only without it.
    """

    default_error_messages = {
        "does_not_exist": _("No record with id “{pk_value}” that you may link to."),
        "incorrect_type": _("Give the record's id (a UUID)."),
    }

    def __init__(
        self,
        brief: type[serializers.Serializer],
        choices: Callable[[object], QuerySet] | None = None,
        **kwargs,
    ):
        self.brief = brief
        self.choices_for = choices
        if choices is None:
            kwargs["read_only"] = True
        else:
            kwargs.setdefault("queryset", _Placeholder())
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.choices_for(user_of(self.context))

    def use_pk_only_optimization(self) -> bool:
        return False

    @property
    def brief_serializer(self) -> serializers.Serializer:
        # One instance per field, reused for every row: building a serializer's fields is the
        # costly part of DRF, and a list shares its child serializer (so this field) per row.
        serializer = self.__dict__.get("_brief")
        if serializer is None:
            serializer = self.__dict__["_brief"] = self.brief(context=self.context)
        return serializer

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        for key in kwargs:
            if key in MANY_RELATION_KWARGS:
                list_kwargs[key] = kwargs[key]
        return RecordListField(**list_kwargs)

    def to_representation(self, value):
        # Fails closed: a linked record the reader may not see reads null even if a queryset
        # loaded it without ``visible_to`` (a select_related, a prefetch forgotten).
        if not redaction_reader(self.context).sees(value):
            return None
        return self.brief_serializer.to_representation(value)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = data.get("id")
        try:
            pk = uuid.UUID(str(data)) if not isinstance(data, uuid.UUID) else data
        except (TypeError, ValueError, AttributeError):
            self.fail("incorrect_type")
        found = self.get_queryset().filter(pk=pk).first()
        if found is None:
            self.fail("does_not_exist", pk_value=data)
        return found

    def get_choices(self, cutoff=None):
        # Never list every linkable record (the browsable API and OPTIONS would): ids only.
        return {}


class _Placeholder:
    """Satisfies RelatedField's check for a queryset; the real one is per request."""

    def all(self):  # pragma: no cover - never used: get_queryset is overridden
        raise NotImplementedError


class TermField(RecordField):
    """A term of one vocabulary: written as its id or as its code (``"torture"``), or as
    ``{"vocabulary": …, "code": …}``; read as a brief term. Which vocabulary is in the
    schema's description of the field."""

    default_error_messages = {
        "does_not_exist": _("No term “{pk_value}” in the vocabulary “{vocabulary}”."),
        "incorrect_type": _("Give the term's id or its code."),
        "wrong_vocabulary": _("This field takes a term of the vocabulary “{vocabulary}”."),
    }

    def __init__(self, brief, vocabulary: str, choices, **kwargs):
        self.vocabulary = vocabulary
        super().__init__(brief, choices, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            if data.get("vocabulary") not in (None, self.vocabulary):
                self.fail("wrong_vocabulary", vocabulary=self.vocabulary)
            data = data.get("id") or data.get("code")
        if isinstance(data, uuid.UUID):
            return super().to_internal_value(data)
        if not isinstance(data, str) or not data.strip():
            self.fail("incorrect_type")
        try:
            pk = uuid.UUID(data)
        except ValueError:
            found = self.get_queryset().filter(code=data.strip()).first()
        else:
            found = self.get_queryset().filter(pk=pk).first()
        if found is None:
            self.fail("does_not_exist", pk_value=data, vocabulary=self.vocabulary)
        return found
