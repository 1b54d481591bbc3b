"""Identity-safe labels and lookups shared by the review queue's pages.

A protected person or source shows its pseudonym to a reader not cleared for it: the rule
of :func:`monitor.access.reveals_identity`, taken as a query annotation from
:func:`monitor.access.identity_q`, so a page of records costs no query per record.
"""

from __future__ import annotations

from django.apps import apps
from django.http import Http404
from django.urls import reverse

from monitor import redaction
from monitor.models import Reviewable


def reviewed_models() -> list[type[Reviewable]]:
    """Every kind of record that goes through review: cases, events, persons, sources, and
    the reference data (places, terms, places of detention, organisations)."""
    found = [model for model in apps.get_models() if issubclass(model, Reviewable)]
    return sorted(found, key=lambda model: str(model._meta.verbose_name))


def is_identity_bearing(model) -> bool:
    """Whether records of ``model`` may be protected and then show a pseudonym."""
    return hasattr(model, "pseudonym")


def can_label(model) -> bool:
    """Whether :func:`safe_label` of a ``model`` record can be shown.

    ``str()`` of a record pointing at a person or a source (an allegation, a detention, a
    citation) prints that person's name or that source's title, protected or not: such a
    record is labelled by its parts instead (see
    :func:`monitor.review_diff.build_review`).
    """
    if is_identity_bearing(model):
        return True
    return not any(
        f.many_to_one and is_identity_bearing(f.related_model) for f in model._meta.concrete_fields
    )


def with_identity(queryset, user, prefix: str = "", name: str = "identity_shown"):
    """Annotate ``name``: whether ``user`` may see who the (``prefix``) record is (the one
    rule, :func:`monitor.redaction.annotate`)."""
    return redaction.annotate(queryset, user, prefix, name=name)


def labelled(queryset, user):
    """``queryset`` made ready for :func:`safe_label`, with no query per row."""
    if is_identity_bearing(queryset.model):
        # Whose identity each row carries comes from the model's policy (an evidence file:
        # its source's).
        queryset = redaction.annotate(queryset, user, name="identity_shown")
        if hasattr(queryset, "with_primary_name"):
            queryset = queryset.with_primary_name()
    return queryset


def safe_label(record) -> str:
    """``str(record)``, or its pseudonym when its reader may not know who it is.

    Fails closed: a record not read through :func:`labelled` shows its pseudonym.
    """
    if is_identity_bearing(type(record)) and not getattr(record, "identity_shown", False):
        return record.pseudonym
    return str(record)


def visible(model, user):
    manager = model._default_manager.all()
    return manager.visible_to(user) if hasattr(manager, "visible_to") else manager


def reviewed_model(app_label: str, model_name: str) -> type[Reviewable]:
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        raise Http404 from None
    if not issubclass(model, Reviewable):
        raise Http404
    return model


def item_key(record) -> str:
    return f"{record._meta.label_lower}:{record.pk}"


def item_url(record) -> str:
    opts = record._meta
    return reverse("admin:review_item", args=[opts.app_label, opts.model_name, record.pk])
