"""Reads of persons and organisations that apply visibility — one place for every surface.

Pages, the API, forms and the admin take persons from here: ``visible_to`` (fails closed),
the primary name annotated (``str()`` costs no query) and whether the reader may identify
each person (:func:`monitor.redaction.annotate`). A link to a person prefetched through
:func:`person_prefetch` reads as None when the person is hidden.
"""

from __future__ import annotations

from django.db import models

from monitor import redaction
from people.models import Organization, Person, PersonName


def with_primary_name(queryset: models.QuerySet) -> models.QuerySet:
    """Annotate ``primary_name``: the person's current primary name (one subquery)."""
    primary = PersonName.objects.filter(
        person=models.OuterRef("pk"), is_primary=True, archived_at__isnull=True
    ).values("full_name")[:1]
    return queryset.annotate(primary_name=models.Subquery(primary))


def visible_persons(user) -> models.QuerySet:
    """Persons ``user`` may see, each with its primary name and identity flag."""
    return with_primary_name(redaction.annotate(Person.objects.visible_to(user), user))


def person_choices(user) -> models.QuerySet:
    """Persons a form offers: visible, not archived, by name (or pseudonym)."""
    return (
        visible_persons(user)
        .filter(archived_at__isnull=True)
        .order_by("primary_name", "created_at")
    )


def visible_names(user) -> models.QuerySet:
    """Name variants the user may see (none of a protected person they may not identify)."""
    return PersonName.objects.visible_to(user).filter(archived_at__isnull=True)


def visible_organizations(user) -> models.QuerySet:
    return Organization.objects.visible_to(user)


def person_prefetch(lookup: str, user) -> models.Prefetch:
    """Prefetch a link to a person through ``visible_to`` (a hidden person reads as None)."""
    return models.Prefetch(lookup, queryset=visible_persons(user))


def organization_prefetch(lookup: str, user) -> models.Prefetch:
    return models.Prefetch(lookup, queryset=visible_organizations(user))


def linked_person(record, field: str = "person"):
    """``record``'s person as :func:`person_prefetch` or :func:`attach_persons` read it, or
    None when it is hidden from the reader. Never a read of its own: a link that cannot be
    empty (a detention's person) raises on access when the visible-only read left it empty,
    and one not read that way must not be fetched past ``visible_to``."""
    return record._state.fields_cache.get(field)


def attach_persons(records, user, *, among: models.QuerySet, field: str = "person") -> None:
    """Set each record's ``field`` to its person as :func:`person_prefetch` would (``None``
    when hidden), in one query whose size does not grow with the records.

    A prefetch lists every linked id in its query; ``among`` (the records as a queryset,
    e.g. the detentions of a page's cases) chooses the persons by a subquery instead, so a
    page holding thousands of detentions asks one bounded query (on SQLite a prefetch of more
    than about 1,000 links fails: "Expression tree is too large").
    """
    attname = records[0]._meta.get_field(field).attname if records else None
    if attname is None:
        return
    persons = {
        person.pk: person for person in visible_persons(user).filter(pk__in=among.values(attname))
    }
    for record in records:
        record._state.fields_cache[field] = persons.get(getattr(record, attname))
