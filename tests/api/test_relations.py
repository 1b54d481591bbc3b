"""Every relation every serializer shows reads null when its record is hidden (issue 12).

Enumerated, not sampled: each route of the API router, each serializer class it uses (with
the nested ones), each field. A relation must be a ``RecordField`` (many: a
``RecordListField``) or a nested record serializer; then, for each ``RecordField`` whose
linked model has its own confidentiality, a record of that model kept above the reader's
clearance is given to the field — as a forgotten ``visible_to`` would — and must read null,
while a reader cleared for it reads it.
"""

from __future__ import annotations

import pytest
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from config.api_urls import router
from monitor.api.fields import RecordField, RecordListField
from monitor.api.serializers import RecordSerializer
from monitor.choices import Confidentiality
from tests.factories import FACTORIES, UserFactory

pytestmark = pytest.mark.django_db


def serializer_classes() -> set[type[serializers.Serializer]]:
    found = set()
    for _prefix, viewset, _basename in router.registry:
        for name in dir(viewset):
            value = getattr(viewset, name, None)
            if isinstance(value, type) and issubclass(value, serializers.BaseSerializer):
                found.add(value)
        for attr in ("serializer_class", "write_serializer_class", "list_serializer_class"):
            value = getattr(viewset, attr, None)
            if value is not None:
                found.add(value)
    return found


def walk(serializer, path=""):
    """``(path, field)`` for every field, nested serializers included."""
    for name, field in serializer.fields.items():
        where = f"{path}{name}"
        yield where, field
        if isinstance(field, serializers.ListSerializer):
            yield from walk(field.child, f"{where}[].")
        elif isinstance(field, serializers.Serializer):
            yield from walk(field, f"{where}.")


def fields_of_every_serializer(user):
    request = Request(APIRequestFactory().get("/"))
    request.user = user
    for cls in sorted(serializer_classes(), key=lambda c: c.__qualname__):
        yield from ((cls, path, field) for path, field in walk(cls(context={"request": request})))


def test_every_relation_of_every_serializer_is_a_field_that_fails_closed():
    user = UserFactory()
    found, wrong = 0, []
    for cls, path, field in fields_of_every_serializer(user):
        if isinstance(field, serializers.ManyRelatedField):
            if not isinstance(field, RecordListField):
                wrong.append(f"{cls.__name__}.{path}: {type(field).__name__}")
            found += 1
        elif isinstance(field, serializers.RelatedField):
            if not isinstance(field, RecordField):
                wrong.append(f"{cls.__name__}.{path}: {type(field).__name__}")
            found += 1
        elif (
            isinstance(field, serializers.Serializer)
            and not isinstance(field, RecordSerializer)
            and getattr(getattr(field, "Meta", None), "model", None) is not None
        ):
            wrong.append(f"{cls.__name__}.{path}: nested {type(field).__name__}")
    assert wrong == [], (
        "Declare these relations as monitor.api.fields.RecordField (it shows a hidden "
        f"record as null): {wrong}"
    )
    assert found > 40


def linked_model(field):
    """The model a relation field links to, from its serializer's model and its source."""
    owner = getattr(getattr(field.parent, "Meta", None), "model", None)
    if owner is None or "." in field.source or field.source == "*":
        return None
    try:
        return owner._meta.get_field(field.source).related_model
    except Exception:  # a property, not a model field
        return None


def confidential_links(user):
    """``(serializer, path, field, model)`` for each RecordField to a model with its own
    confidentiality (a case, a person, an organisation, a source…)."""
    seen = set()
    for cls, path, field in fields_of_every_serializer(user):
        relation = field.child_relation if isinstance(field, RecordListField) else field
        if not isinstance(relation, RecordField):
            continue
        model = linked_model(field)
        if model is None or not any(f.name == "confidentiality" for f in model._meta.fields):
            continue
        if (cls, path) not in seen:
            seen.add((cls, path))
            yield cls, path, field, model


def test_a_hidden_record_reads_null_in_every_relation(viewer, coordinator):
    """Confidential records: the viewer (cleared for internal) may not see them, the
    coordinator (cleared for confidential) may."""
    cleared = coordinator
    hidden = {}
    checked, leaks = set(), []
    for reader, expect_shown in ((viewer, False), (cleared, True)):
        for cls, path, field, model in confidential_links(reader):
            if model not in hidden:
                hidden[model] = FACTORIES[model](confidentiality=Confidentiality.CONFIDENTIAL)
            record = hidden[model]
            value = [record] if isinstance(field, RecordListField) else record
            shown = field.to_representation(value)
            shown = shown[0] if isinstance(field, RecordListField) and shown else shown or None
            if (shown is not None) != expect_shown:
                leaks.append(f"{reader}: {cls.__name__}.{path} → {shown!r}")
            checked.add(model._meta.label)
    assert leaks == []
    assert {"cases.Case", "people.Person", "people.Organization", "sources.Source"} <= checked
