"""Reads shared by every app: linked records fetched through their own visibility rule.

A page, a viewset or an admin that prefetches a link (a case's events, an allegation's
victim) must not fetch a linked record its reader may not see. :func:`visible_prefetch` is
the one way to do it: it finds the linked model from the lookup and starts from that model's
``visible_to(user)``, so a hidden linked record reads as ``None`` (or is left out of a list)
whatever the caller adds. ``tests/test_linked_records.py`` fails on a ``Prefetch`` built
anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models
from django.db.models import Prefetch, QuerySet


def related_model(model: type, lookup: str) -> type:
    """The model at the end of ``lookup`` ("allegation__victim") from ``model``."""
    for part in lookup.split("__"):
        model = model._meta.get_field(part).related_model
    return model


def visible_prefetch(
    model: type,
    lookup: str,
    user,
    narrow: Callable[[QuerySet], QuerySet] | None = None,
    *,
    to_attr: str | None = None,
) -> Prefetch:
    """Prefetch ``lookup`` of ``model`` rows through the linked model's ``visible_to(user)``.

    ``narrow`` adds to that queryset (annotations, ordering, "not archived"); it cannot
    widen it.
    """
    target = related_model(model, lookup)
    queryset = target._default_manager.all().visible_to(user)
    if narrow is not None:
        queryset = narrow(queryset)
    return Prefetch(lookup, queryset=queryset, to_attr=to_attr)


def visible(model: type, user) -> models.QuerySet:
    """``model``'s rows ``user`` may see (for models of any app, by their own rule)."""
    return model._default_manager.all().visible_to(user)
