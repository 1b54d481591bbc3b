"""Filters of the core app, and the base every app's FilterSets stand on.

One FilterSet per model, shared by the API and the list pages. Rules every
FilterSet here follows:

* A choice of a related record (an event, a place, a person…) lists only the records the
  request's user may see: a hidden id is refused as "not one of the available choices",
  exactly like an id that does not exist, so filtering never confirms a hidden record.
* An invalid value is an error (the API answers 400), never an empty list.
* ``ordering`` is explicit, and the primary key always comes last, so pages are stable.
* Archived records are left out unless ``archived=include`` or ``archived=only``.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_filters.utils import label_for_filter
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from monitor.access import has_role
from monitor.approxdate import ApproximateDate, ApproximateDateFormField
from monitor.choices import Confidentiality, ReviewState, Vocabulary
from monitor.models import Place, Team, Term
from monitor.models.places import PlaceKind


def user_of(request):
    return getattr(request, "user", None)


def visible(model, **filters):
    """A choice queryset: ``model``'s records visible to the request's user."""

    def queryset(request):
        return model.objects.visible_to(user_of(request)).filter(**filters)

    return queryset


def teams(request):
    return Team.objects.all() if has_role(user_of(request)) else Team.objects.none()


@extend_schema_field(OpenApiTypes.UUID)
class RecordChoiceFilter(django_filters.ModelChoiceFilter):
    """A record, by id, among those the request's user may see (pass ``visible(Model)``)."""


class StableOrderingFilter(django_filters.OrderingFilter):
    """``ordering=field`` or ``-field`` (comma-separated); the primary key always last.

    Without the parameter, the model's own ordering applies, again with the key last.
    """

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            ordering = [*(qs.query.order_by or qs.model._meta.ordering)]
        else:
            ordering = [self.get_ordering_value(param) for param in value]
        if "pk" not in ordering and "-pk" not in ordering:
            ordering.append("pk")
        return qs.order_by(*ordering)


@extend_schema_field(OpenApiTypes.STR)
class ApproximateDateFilter(django_filters.Filter):
    """A date bound typed like an approximate date: ``2022-05-18``, ``2022-05``, ``2022``.

    As a lower bound (``…_from``) it means its first possible day, as an upper bound
    (``…_to``) its last: ``date_to=2022-05`` includes the whole of May 2022. The FilterSet
    applies both bounds together (:meth:`RecordFilterSet.date_range`).
    """

    field_class = ApproximateDateFormField

    def __init__(self, *args, bound: str = "start", **kwargs):
        self.bound = bound
        kwargs.setdefault(
            "help_text", _("A date such as 2022-05-18, 2022-05 or 2022 (its whole month or year).")
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return qs

    def as_date(self, value: ApproximateDate | None):
        if value is None:
            return None
        return value.start if self.bound == "start" else value.end


#: The labels of filters that many lists share and that are named after no field of the
#: model (their label would otherwise be made from their English name).
COMMON_FILTER_LABELS = {
    "administrative_article": _("Administrative article"),
    "archived": _("Archived"),
    "arrest_year": _("Year of arrest"),
    "article": _("Article"),
    "changed_since": _("Changed since"),
    "date_from": _("Date from"),
    "date_to": _("Date to"),
    "due_after": _("Due on or after"),
    "due_before": _("Due on or before"),
    "event": _("Event"),
    "facility": _("Facility"),
    "held_at": _("Place of detention"),
    "language": _("Written in"),
    "name": _("Name"),
    "organization": _("Organisation"),
    "overdue": _("Overdue"),
    "parent": _("Part of"),
    "person": _("Person"),
    "perpetrator": _("Perpetrator"),
    "place": _("Place"),
    "published_from": _("Published from"),
    "published_to": _("Published to"),
    "q": _("Search"),
    "residence": _("Residence"),
    "sent_from": _("Sent from"),
    "sent_to": _("Sent to"),
    "sentence_min_months": _("Sentenced to at least (months)"),
    "status": _("Status"),
    "tag": _("Tag"),
    "verified": _("Verified cases only"),
    "violation_type": _("Violation"),
    "within": _("Within"),
}


def _default_label(model, name: str, filter_) -> str:
    """The label django-filter would make (its field's verbose name), in the reader's language."""
    if name in COMMON_FILTER_LABELS:
        return str(COMMON_FILTER_LABELS[name])
    label = label_for_filter(model, filter_.field_name, filter_.lookup_expr, filter_.exclude)
    if "[invalid name]" in label:
        return name.replace("_", " ").capitalize()
    return label


ARCHIVED_CHOICES = (
    ("exclude", _("leave archived records out (the default)")),
    ("include", _("include archived records")),
    ("only", _("only archived records")),
)


class RecordFilterSet(django_filters.FilterSet):
    """Base FilterSet of every audited model (see the module docstring)."""

    archived = django_filters.ChoiceFilter(
        choices=ARCHIVED_CHOICES,
        method="filter_archived",
        empty_label=None,
        help_text=_("Archived records are left out unless asked for."),
    )

    @classmethod
    def get_filters(cls):
        """Every filter without a label of its own gets a lazy one, translated when shown.

        django-filter makes a missing label once, as text, in the language active at that
        moment (an English API schema, say) and keeps it for every later reader.
        """
        filters = super().get_filters()
        model = cls._meta.model
        for name, filter_ in filters.items():
            if model is not None and filter_._label is None:
                filter_.label = lazy(_default_label, str)(model, name, filter_)
        return filters

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():
            # A form field once made on the class's own filter (the API schema reads some) is
            # copied into every filterset with the choices and queryset of that moment (another
            # user's, or none): each request's filterset makes its fields afresh.
            filter_.__dict__.pop("_field", None)

    def filter_archived(self, queryset, name, value):
        return queryset  # applied in filter_queryset, where its default also lives

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        archived = self.form.cleaned_data.get("archived") or "exclude"
        if archived == "exclude":
            queryset = queryset.filter(archived_at__isnull=True)
        elif archived == "only":
            queryset = queryset.filter(archived_at__isnull=False)
        return queryset

    def date_range(self, prefix: str = "date"):
        """The ``(first day, last day)`` of ``<prefix>_from`` / ``<prefix>_to``, if given."""
        data = self.form.cleaned_data
        start = self.filters[f"{prefix}_from"].as_date(data.get(f"{prefix}_from"))
        end = self.filters[f"{prefix}_to"].as_date(data.get(f"{prefix}_to"))
        return start, end


def descendants(queryset, root) -> Q:
    """``pk__in`` the root and everything below it (a Place, Term or Event tree)."""
    return Q(pk__in=queryset.with_descendants([root]).values("pk"))


# -- the core app's models -----------------------------------------------------------------


class TermFilterSet(RecordFilterSet):
    vocabulary = django_filters.ChoiceFilter(choices=Vocabulary.choices)
    code = django_filters.CharFilter()
    parent = RecordChoiceFilter(queryset=visible(Term))
    within = RecordChoiceFilter(
        queryset=visible(Term),
        method="filter_within",
        help_text=_("This term and every term below it."),
    )
    q = django_filters.CharFilter(method="filter_q", help_text=_("Words in the label or code."))
    ordering = StableOrderingFilter(fields=("vocabulary", "position", "label", "code"))

    class Meta:
        model = Term
        fields = []

    def filter_within(self, queryset, name, value):
        return queryset.filter(descendants(Term.objects.all(), value))

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(label__icontains=value) | Q(code__icontains=value))


class PlaceFilterSet(RecordFilterSet):
    kind = django_filters.ChoiceFilter(choices=PlaceKind.choices)
    code = django_filters.CharFilter()
    parent = RecordChoiceFilter(queryset=visible(Place))
    within = RecordChoiceFilter(
        queryset=visible(Place),
        method="filter_within",
        help_text=_("This place and every place in it."),
    )
    q = django_filters.CharFilter(method="filter_q", help_text=_("Words in the name."))
    ordering = StableOrderingFilter(fields=("name", "kind", "code"))

    class Meta:
        model = Place
        fields = []

    def filter_within(self, queryset, name, value):
        return queryset.filter(descendants(Place.objects.all(), value))

    def filter_q(self, queryset, name, value):
        return queryset.filter(name__icontains=value)


REVIEW_STATE_CHOICES = ReviewState.choices
CONFIDENTIALITY_CHOICES = Confidentiality.choices
