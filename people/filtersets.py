"""Filters for persons, organisations and affiliations (one FilterSet per model).

See :mod:`monitor.filtersets` for the rules they all follow. A person is found by any of
their names in any script ("Шоиширинов" finds "Shoishirinov"), through the names the
searcher may see only: searching for a protected person's real name finds nothing for a
user who may not identify them.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from monitor import redaction
from monitor.filtersets import (
    CONFIDENTIALITY_CHOICES,
    REVIEW_STATE_CHOICES,
    RecordChoiceFilter,
    RecordFilterSet,
    StableOrderingFilter,
    teams,
    user_of,
    visible,
)
from monitor.models import Place
from people import matching
from people.choices import Gender, OrganizationKind
from people.models import Affiliation, Organization, Person


class PersonFilterSet(RecordFilterSet):
    # ``q`` searches, as on every other list; ``name`` is its older spelling, kept working.
    q = django_filters.CharFilter(
        method="filter_name",
        help_text=_(
            "Any of the person's names, in any script or spelling, words in any order: "
            "“Шоиширинов” finds “Shoishirinov”, “Djumaev” finds “Джумаев”. Results come "
            "best match first."
        ),
    )
    name = django_filters.CharFilter(
        method="filter_name",
        help_text=_(
            "The same as `q` (kept for clients written before `q`): words of any of the "
            "person's names, in any script or spelling."
        ),
    )
    review_state = django_filters.MultipleChoiceFilter(choices=REVIEW_STATE_CHOICES)
    confidentiality = django_filters.MultipleChoiceFilter(choices=CONFIDENTIALITY_CHOICES)
    team = RecordChoiceFilter(queryset=teams)
    is_protected = django_filters.BooleanFilter()
    gender = django_filters.ChoiceFilter(choices=[c for c in Gender.choices if c[0]])
    residence = RecordChoiceFilter(
        queryset=visible(Place),
        method="filter_residence",
        help_text=_("Living in this place or any place in it."),
    )
    organization = RecordChoiceFilter(
        queryset=visible(Organization),
        method="filter_organization",
        help_text=_("Affiliated with this organisation."),
    )
    ordering = StableOrderingFilter(fields=("created_at", "updated_at"))

    class Meta:
        model = Person
        fields = []

    def filter_name(self, queryset, name, value):
        # Ranked, best first (unless another order is asked for), with the matched name.
        return matching.ranked(queryset, value, user=user_of(self.request))

    def filter_residence(self, queryset, name, value):
        # Where someone lives identifies them (Person.redaction): only among those the user
        # may identify; for the others the link does not exist.
        rule = redaction.revealed_q(user_of(self.request), Person)
        places = Place.objects.with_descendants([value]).values("pk")
        return queryset.filter(rule if rule is not None else Q(pk__in=[]), residence__in=places)

    def filter_organization(self, queryset, name, value):
        # Through visible_to: an affiliation of a person the user may not identify is not
        # there for them (Affiliation.redaction is whole).
        links = Affiliation.objects.visible_to(user_of(self.request)).filter(
            organization=value, archived_at__isnull=True
        )
        return queryset.filter(pk__in=links.values("person_id"))


class OrganizationFilterSet(RecordFilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=OrganizationKind.choices)
    parent = RecordChoiceFilter(queryset=visible(Organization))
    within = RecordChoiceFilter(
        queryset=visible(Organization),
        method="filter_within",
        help_text=_("This organisation and every part of it."),
    )
    country = RecordChoiceFilter(queryset=visible(Place))
    confidentiality = django_filters.MultipleChoiceFilter(choices=CONFIDENTIALITY_CHOICES)
    q = django_filters.CharFilter(method="filter_q", help_text=_("Words in the name or acronym."))
    ordering = StableOrderingFilter(fields=("name", "acronym", "kind", "created_at"))

    class Meta:
        model = Organization
        fields = []

    def filter_within(self, queryset, name, value):
        # Down through the organisations the user sees only (see cases.filtersets).
        visible = Organization.objects.visible_to(getattr(self.request, "user", None))
        return queryset.filter(pk__in=visible.with_descendants([value], through=visible))

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(acronym__icontains=value))


class AffiliationFilterSet(RecordFilterSet):
    person = RecordChoiceFilter(queryset=visible(Person))
    organization = RecordChoiceFilter(queryset=visible(Organization))
    ordering = StableOrderingFilter(fields=("since", "created_at"))

    class Meta:
        model = Affiliation
        fields = []
