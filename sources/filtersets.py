"""Filters for sources, evidence files and citations (one FilterSet per model).

See :mod:`monitor.filtersets` for the rules they all follow. Searching by what identifies a
protected source (its title or publisher) only reaches the sources whose identity the user
may see: a search must not confirm who a protected source is.
"""

from __future__ import annotations

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from monitor.access import identity_q
from monitor.approxdate import overlaps
from monitor.choices import Vocabulary
from monitor.filtersets import (
    CONFIDENTIALITY_CHOICES,
    REVIEW_STATE_CHOICES,
    ApproximateDateFilter,
    RecordChoiceFilter,
    RecordFilterSet,
    StableOrderingFilter,
    teams,
    user_of,
    visible,
)
from monitor.models import AuditedModel, Term
from sources.choices import Credibility, Reliability, Stance
from sources.models import Citation, EvidenceFile, Source


def _identified(request) -> Q:
    """Sources whose identity the request's user may see (nothing without a role)."""
    rule = identity_q(user_of(request))
    return Q(pk__in=[]) if rule is None else rule


class SourceFilterSet(RecordFilterSet):
    kind = RecordChoiceFilter(
        queryset=visible(Term, vocabulary=Vocabulary.SOURCE_KIND),
        method="filter_kind",
        help_text=_("This kind of source or any kind below it."),
    )
    reliability = django_filters.MultipleChoiceFilter(choices=Reliability.choices)
    publisher = django_filters.CharFilter(
        method="filter_publisher", help_text=_("Words in the publisher's name.")
    )
    review_state = django_filters.MultipleChoiceFilter(choices=REVIEW_STATE_CHOICES)
    confidentiality = django_filters.MultipleChoiceFilter(choices=CONFIDENTIALITY_CHOICES)
    team = RecordChoiceFilter(queryset=teams)
    is_protected = django_filters.BooleanFilter()
    language = django_filters.CharFilter()
    published_from = ApproximateDateFilter(bound="start")
    published_to = ApproximateDateFilter(bound="end")
    url = django_filters.CharFilter(
        method="filter_url",
        help_text=_(
            "Exactly this address (to see whether a source is recorded already); sources "
            "whose identity you may not see are never matched."
        ),
    )
    q = django_filters.CharFilter(
        method="filter_q", help_text=_("Words in the title, author or publisher.")
    )
    ordering = StableOrderingFilter(
        fields=("published", "reliability", "created_at", "updated_at"),
    )

    class Meta:
        model = Source
        fields = []

    def filter_kind(self, queryset, name, value):
        return queryset.filter(kind__in=Term.objects.with_descendants([value]).values("pk"))

    def filter_publisher(self, queryset, name, value):
        return queryset.filter(_identified(self.request), publisher__icontains=value)

    def filter_url(self, queryset, name, value):
        # The address identifies a protected source: matched among those the user may
        # identify only, so the filter never confirms a protected source's address.
        return queryset.filter(_identified(self.request), url=value.strip())

    def filter_q(self, queryset, name, value):
        words = Q(title__icontains=value) | Q(author__icontains=value)
        return queryset.filter(_identified(self.request), words | Q(publisher__icontains=value))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        start, end = self.date_range("published")
        if start or end:
            queryset = queryset.filter(overlaps("published", start, end))
        return queryset


class EvidenceFileFilterSet(RecordFilterSet):
    source = RecordChoiceFilter(queryset=visible(Source))
    sha256 = django_filters.CharFilter(help_text=_("The file's SHA-256, in hexadecimal."))
    is_web_capture = django_filters.BooleanFilter()
    derived_from = RecordChoiceFilter(queryset=visible(EvidenceFile))
    ordering = StableOrderingFilter(fields=("created_at", "size"))

    class Meta:
        model = EvidenceFile
        fields = []


def citable_types() -> list[tuple[str, str]]:
    """``app_label.model`` of every kind of record a citation may point at."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        if (
            issubclass(model, AuditedModel)
            and model._meta.app_label in ("cases", "people", "sources")
            and model not in (Citation, EvidenceFile)
        ):
            found.append((model._meta.label_lower, str(model._meta.verbose_name)))
    return sorted(found)


class CitationFilterSet(RecordFilterSet):
    source = RecordChoiceFilter(queryset=visible(Source))
    record_type = django_filters.ChoiceFilter(
        choices=citable_types, method="filter_record_type", help_text=_("e.g. cases.allegation")
    )
    record_id = django_filters.UUIDFilter(field_name="object_id")
    field_name = django_filters.CharFilter()
    stance = django_filters.ChoiceFilter(choices=Stance.choices)
    credibility = django_filters.MultipleChoiceFilter(choices=Credibility.choices)
    ordering = StableOrderingFilter(fields=("created_at", "credibility"))

    class Meta:
        model = Citation
        fields = []

    def filter_record_type(self, queryset, name, value: str):
        app_label, model = value.split(".")
        content_type = ContentType.objects.get_by_natural_key(app_label, model)
        return queryset.filter(content_type=content_type)
