"""Writes that would skip the history are refused on every audited model; nothing is deleted."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from monitor.models import AuditedModel, AuditError
from sources.choices import CustodyAction
from sources.models import CustodyEvent
from tests.factories import FACTORIES, CustodyEventFactory, EvidenceFileFactory

pytestmark = pytest.mark.django_db

AUDITED_MODELS = sorted(
    (model for model in apps.get_models() if issubclass(model, AuditedModel)),
    key=lambda model: model._meta.label,
)


def test_the_audited_models_are_the_domain_records():
    labels = {model._meta.label for model in AUDITED_MODELS}
    # A sample of each app: if the base class stopped being used, this list would shrink.
    assert {"monitor.Term", "sources.Source", "people.PersonName", "cases.DetentionStep"} <= labels
    assert len(labels) >= 19


def test_every_audited_model_has_a_factory():
    assert [model for model in AUDITED_MODELS if model not in FACTORIES] == []


@pytest.fixture(params=AUDITED_MODELS, ids=lambda model: model._meta.label)
def record(request):
    """One saved row of each audited model."""
    return FACTORIES[request.param]()


def _unchanged(record) -> bool:
    fresh = type(record)._base_manager.filter(pk=record.pk)
    return fresh.exists() and fresh.get().version == record.version


def test_queryset_update_is_refused(record):
    model = type(record)
    with pytest.raises(AuditError, match="update"):
        model.objects.filter(pk=record.pk).update(archived_at=timezone.now())
    assert model.objects.get(pk=record.pk).archived_at is None


def test_manager_update_is_refused(record):
    with pytest.raises(AuditError):
        type(record).objects.update(archived_at=timezone.now())
    assert _unchanged(record)


def test_bulk_update_is_refused(record):
    model = type(record)
    record.archived_at = timezone.now()
    with pytest.raises(AuditError, match="bulk_update"):
        model.objects.bulk_update([record], ["archived_at"])
    assert model.objects.get(pk=record.pk).archived_at is None


def test_bulk_create_is_refused(record):
    model = type(record)
    before = model._base_manager.count()
    with pytest.raises(AuditError, match="bulk_create"):
        model.objects.bulk_create([model()])
    assert model._base_manager.count() == before


def test_queryset_delete_is_refused(record):
    model = type(record)
    with pytest.raises(AuditError, match="archived, never deleted"):
        model.objects.filter(pk=record.pk).delete()
    with pytest.raises(AuditError):
        model.objects.all().delete()
    assert _unchanged(record)


def test_instance_delete_is_refused(record):
    with pytest.raises(AuditError, match="archived, never deleted"):
        record.delete()
    assert _unchanged(record)
    assert not type(record).history.filter(id=record.pk, history_type="-").exists()


def test_saving_writes_one_history_row_per_save(record):
    model = type(record)
    assert model.history.filter(id=record.pk).count() == 1
    record.save()
    assert model.history.filter(id=record.pk).count() == 2


def test_custody_event_is_append_only():
    event = CustodyEventFactory(action=CustodyAction.UPLOAD)

    event.note = "rewritten afterwards"
    with pytest.raises(AuditError, match="append-only"):
        event.save()
    with pytest.raises(AuditError):
        event.delete()
    with pytest.raises(AuditError):
        CustodyEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(AuditError):
        CustodyEvent.objects.filter(pk=event.pk).delete()
    # bulk_update() goes through update(); its own transaction is rolled back with it.
    with pytest.raises(AuditError), transaction.atomic():
        CustodyEvent.objects.bulk_update([event], ["note"])

    assert CustodyEvent.objects.get(pk=event.pk).note == ""


def test_custody_log_grows_by_new_events():
    evidence = EvidenceFileFactory()
    CustodyEventFactory(evidence=evidence, action=CustodyAction.UPLOAD)
    CustodyEventFactory(evidence=evidence, action=CustodyAction.DOWNLOAD)
    assert list(evidence.custody_events.values_list("action", flat=True)) == [
        CustodyAction.UPLOAD,
        CustodyAction.DOWNLOAD,
    ]
