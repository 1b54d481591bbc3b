"""Serializers of records whose identity may be protected (persons, sources).

What is redacted is the model's policy (:mod:`monitor.redaction`), applied to every
serializer by :class:`monitor.api.serializers.RecordSerializer`. For a person or a source
itself, and a reader who may not know who it is, this mixin adds:

* ``identity_redacted`` (true), and the record's label as its pseudonym;
* its children (a person's names) as an empty list;
* the identifying fields, the children, the protection itself and the team read-only: a
  client that writes back what it read must not erase what it was not shown, nor lift the
  protection to see it.
"""

from __future__ import annotations

from django.db import models
from rest_framework import serializers

from monitor import redaction
from monitor.api.serializers import redaction_reader as identity_policy

__all__ = ["RedactedSerializerMixin", "identity_policy"]


class RedactedSerializerMixin(serializers.Serializer):
    """Mixin for a RecordSerializer of a model with ``is_protected`` and ``pseudonym``."""

    identity_redacted = serializers.SerializerMethodField(
        help_text="True when you may not see who this is: identifying fields are null."
    )

    #: The field that shows the pseudonym instead (e.g. a source's title).
    pseudonym_field: str | None = None
    #: Read-only (besides the identifying fields) for those who may not identify the record.
    guarded_fields: tuple[str, ...] = ("is_protected", "team")

    def get_identity_redacted(self, instance) -> bool:
        return not identity_policy(self.context).reveals(instance)

    def _hidden_for_instance(self) -> bool:
        instance = self.instance
        if instance is None or isinstance(instance, (list, tuple, models.QuerySet)):
            return False
        return not identity_policy(self.context).reveals(instance)

    def get_fields(self):
        fields = super().get_fields()
        if self._hidden_for_instance():
            identifying = redaction.identifying_fields(self.Meta.model)
            for name in (*identifying, *self.guarded_fields, *self.children):
                if name in fields and name != "id":
                    fields[name].read_only = True
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not identity_policy(self.context).reveals(instance):
            if self.pseudonym_field:
                data[self.pseudonym_field] = instance.pseudonym
            for name in self.children:
                if name in data:
                    data[name] = []
        return data
