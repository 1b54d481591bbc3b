"""Reads of persons and organizations that apply visibility, for the pages of every app.

A link to a person or an organization is prefetched through these querysets, so a hidden
one reads as None (``visible_to`` fails closed); a person's ``str()`` (their primary name,
or the pseudonym to a viewer who may not identify them) needs no query per person.
"""

from __future__ import annotations

from django.db import models

from people.models import Organization, Person, PersonName


def visible_persons(user) -> models.QuerySet:
    """Persons ``user`` may see, with their current primary name annotated (for ``str()``).

    Prefetch a link to a person through this queryset and a hidden person reads as None.
    """
    primary = PersonName.objects.filter(
        person=models.OuterRef("pk"), is_primary=True, archived_at__isnull=True
    ).values("full_name")[:1]
    return Person.objects.visible_to(user).annotate(primary_name=models.Subquery(primary))


def visible_organizations(user) -> models.QuerySet:
    return Organization.objects.visible_to(user)


def person_prefetch(lookup: str, user) -> models.Prefetch:
    """Prefetch a link to a person through ``visible_to`` (a hidden person reads as None)."""
    return models.Prefetch(lookup, queryset=visible_persons(user))


def organization_prefetch(lookup: str, user) -> models.Prefetch:
    return models.Prefetch(lookup, queryset=visible_organizations(user))
