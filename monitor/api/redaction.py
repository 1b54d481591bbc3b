"""Serializers of records whose identity may be protected (persons, sources).

For a reader who may not know who a protected record is (:mod:`monitor.api.identity`):

* the identifying fields read as ``null`` (the record's label as its pseudonym), and
  ``identity_redacted`` is true;
* those fields, the names, the protection itself and the team are read-only for them: a
  client that writes back what it read must not erase what it was not shown, nor lift the
  protection to see it.
"""

from __future__ import annotations

from django.db import models
from rest_framework import serializers

from monitor.api.identity import identity_policy


class RedactedSerializerMixin(serializers.Serializer):
    """Mixin for a RecordSerializer of a model with ``is_protected`` and ``pseudonym``."""

    identity_redacted = serializers.SerializerMethodField(
        help_text="True when you may not see who this is: identifying fields are null."
    )

    #: Fields shown as null when the identity is hidden (``IDENTIFYING_FIELDS`` of the model).
    identifying_fields: tuple[str, ...] = ()
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
            for name in (*self.identifying_fields, *self.guarded_fields, *self.children):
                if name in fields:
                    fields[name].read_only = True
        return fields

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        # Identifying text fields read as null when redacted; written back, null means "".
        model = self.Meta.model
        for name in self.identifying_fields:
            if name in values and values[name] is None:
                field = model._meta.get_field(name)
                if isinstance(field, (models.CharField, models.TextField)):
                    values[name] = ""
        return values

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not identity_policy(self.context).reveals(instance):
            for name in self.identifying_fields:
                if name in data:
                    data[name] = None
            if self.pseudonym_field:
                data[self.pseudonym_field] = instance.pseudonym
            for name in self.children:
                if name in data:
                    data[name] = []
        return data

    @classmethod
    def nullable_identifying(cls, fields: tuple[str, ...]) -> dict:
        """``extra_kwargs`` making identifying fields nullable (they read as null redacted)."""
        return {name: {"allow_null": True} for name in fields}
