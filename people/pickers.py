"""The forms' pickers of persons and organisations (``monitor.suggest``).

Persons are searched by the one name matcher (``people.matching`` through
``PersonQuerySet.suggest``) among the names the user may see, and labelled as the user may
see them (a protected person by pseudonym). A person or organisation added in place is
recorded through its service; a new person is a draft that enters review like any other.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from monitor.choices import Confidentiality
from monitor.pages.editing import default_team
from monitor.services import record_save
from monitor.suggest import PickSource, register_source, text_exact, text_search
from people.choices import OrganizationKind
from people.models import Organization, Person
from people.selectors import person_choices, visible_names
from people.services import person_create_named


def _person_search(queryset, text: str, user):
    return queryset.suggest(text, user=user)


def _person_exact(queryset, text: str, user):
    named = visible_names(user).filter(full_name__iexact=" ".join(text.split()))
    return queryset.filter(pk__in=named.values("person"))


def _person_create(*, actor, name: str) -> Person:
    return person_create_named(
        actor=actor,
        full_name=name,
        team=default_team(actor),
        confidentiality=Confidentiality.CONFIDENTIAL,
        reason=_("Added from a form"),
    )


def organization_choices(user):
    return Organization.objects.visible_to(user).filter(archived_at__isnull=True).order_by("name")


def _organization_create(kind: str):
    def create(*, actor, name: str) -> Organization:
        # Courts, offices and forces are public knowledge: seen by every role, like places.
        organization = Organization(name=name, kind=kind, confidentiality=Confidentiality.INTERNAL)
        return record_save(record=organization, actor=actor, reason=_("Added from a form"))

    return create


register_source(
    PickSource(
        name="person",
        model=Person,
        choices=person_choices,
        search=_person_search,
        exact=_person_exact,
        create=_person_create,
    )
)
_organization_lookup = {
    "search": text_search("name", "acronym"),
    "exact": text_exact("name", "acronym"),
}
register_source(
    PickSource(
        name="organization",
        model=Organization,
        choices=organization_choices,
        create=_organization_create(OrganizationKind.OTHER),
        **_organization_lookup,
    )
)
#: Courts and prosecutor's offices (a step's authority, a hearing's court): any organisation
#: may be chosen, one added here is a court.
register_source(
    PickSource(
        name="court",
        model=Organization,
        choices=organization_choices,
        create=_organization_create(OrganizationKind.COURT),
        **_organization_lookup,
    )
)
