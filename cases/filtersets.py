"""Filters for events, cases, allegations, detentions and follow-ups (one per model).

See :mod:`monitor.filtersets` for the rules they all follow.

Approximate-date ranges (``date_from`` / ``date_to``) keep a record when any of its dates
*may* fall within the range: "May 2022" is within 2022-05-10..2022-06-01, "2021" is not. A
bound may itself be approximate: ``date_to=2022-05`` runs to 31 May 2022. For a case, its
dates are those of its allegations, of its detentions' steps and of its events (an event
spans its start to its end; without an end, its start).
"""

from __future__ import annotations

import datetime

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import (
    AssemblyStatus,
    CaseType,
    ClaimStatus,
    CountKind,
    FacilityKind,
    FollowUpKind,
    FollowUpStatus,
    StepKind,
)
from cases.models import (
    Allegation,
    Case,
    CasePerson,
    Detention,
    DetentionStep,
    Event,
    Facility,
    FollowUp,
    GroupDetention,
)
from cases.models.cases import words_in_text
from cases.models.detentions import SENTENCE_KINDS
from monitor import redaction
from monitor.access import has_role, identity_q
from monitor.approxdate import overlaps
from monitor.choices import ContentLanguage, ReviewState, Vocabulary
from monitor.filtersets import (
    CONFIDENTIALITY_CHOICES,
    REVIEW_STATE_CHOICES,
    ApproximateDateFilter,
    RecordChoiceFilter,
    RecordFilterSet,
    StableOrderingFilter,
    teams,
    visible,
)
from monitor.models import Place, Term, User
from people import matching
from people.models import Organization, Person
from sources.models import Citation, Source


def colleagues(request):
    """Users a follow-up may be owned by: active accounts, listed to users with a role."""

    user = getattr(request, "user", None)
    return User.objects.filter(is_active=True) if has_role(user) else User.objects.none()


def _descendant_ids(model, root):
    return model.objects.with_descendants([root]).values("pk")


def _visible_descendant_ids(model, root, request):
    """The root and the records below it that the user sees, reached only through records
    they see: a case is not found under an event by way of a sub-event hidden from them."""
    visible = model.objects.visible_to(getattr(request, "user", None))
    return visible.with_descendants([root], through=visible).values("pk")


class PlaceWithinFilter(RecordChoiceFilter):
    """A place and every place in it: a region finds what happened in its districts."""

    def __init__(self, *, help_text, field_name: str = "place", **kwargs):
        super().__init__(
            queryset=visible(Place), field_name=field_name, help_text=help_text, **kwargs
        )

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        found = qs.filter(**{f"{self.field_name}__in": _descendant_ids(Place, value)})
        return found.distinct() if self.distinct else found


class DatedFilterSet(RecordFilterSet):
    """A filterset whose records have one approximate ``date``: its ``date_from``/``date_to``
    (declared where they stand in its list) keep those whose date may fall in the range; an
    undated record never does."""

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        start, end = self.date_range()
        if start or end:
            queryset = queryset.filter(overlaps("date", start, end), date__isnull=False)
        return queryset


def event_overlaps(start, end, prefix: str = "") -> Q:
    """Events whose span (start to end, or just start) may meet ``[start, end]``."""
    rule = Q()
    if end is not None:
        rule &= Q(**{f"{prefix}start__lte": end})
    if start is not None:
        rule &= Q(**{f"{prefix}end_end__gte": start}) | Q(
            **{f"{prefix}end__isnull": True, f"{prefix}start_end__gte": start}
        )
    return rule & Q(**{f"{prefix}start__isnull": False})


class EventFilterSet(RecordFilterSet):
    parent = RecordChoiceFilter(queryset=visible(Event))
    within = RecordChoiceFilter(
        queryset=visible(Event),
        method="filter_within",
        help_text=_("This event and every event within it."),
    )
    kind = RecordChoiceFilter(queryset=visible(Term, vocabulary=Vocabulary.EVENT_TYPE))
    place = PlaceWithinFilter(
        field_name="places",
        distinct=True,
        help_text=_("Events in this place or any place in it."),
    )
    review_state = django_filters.MultipleChoiceFilter(choices=REVIEW_STATE_CHOICES)
    confidentiality = django_filters.MultipleChoiceFilter(choices=CONFIDENTIALITY_CHOICES)
    team = RecordChoiceFilter(queryset=teams)
    assembly_status = django_filters.MultipleChoiceFilter(
        choices=AssemblyStatus.choices, help_text=_("For assemblies: whether authorised.")
    )
    tag = RecordChoiceFilter(
        queryset=visible(Term, vocabulary=Vocabulary.TAG), field_name="tags", distinct=True
    )
    organiser = RecordChoiceFilter(
        queryset=visible(Organization),
        field_name="organiser_organizations",
        distinct=True,
        help_text=_("An organisation that organised it."),
    )
    date_from = ApproximateDateFilter(bound="start")
    date_to = ApproximateDateFilter(bound="end")
    q = django_filters.CharFilter(method="filter_q", help_text=_("Words in the title."))
    ordering = StableOrderingFilter(fields=("start", "title", "created_at", "updated_at"))

    class Meta:
        model = Event
        fields = []

    def filter_within(self, queryset, name, value):
        return queryset.filter(pk__in=_visible_descendant_ids(Event, value, self.request))

    def filter_q(self, queryset, name, value):
        return queryset.filter(title__icontains=value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        start, end = self.date_range()
        if start or end:
            queryset = queryset.filter(event_overlaps(start, end))
        return queryset


class CaseFilterSet(RecordFilterSet):
    review_state = django_filters.MultipleChoiceFilter(choices=REVIEW_STATE_CHOICES)
    case_type = django_filters.MultipleChoiceFilter(choices=CaseType.choices)
    language = django_filters.MultipleChoiceFilter(
        choices=ContentLanguage.choices,
        help_text=_("The language the case is written in."),
    )
    confidentiality = django_filters.MultipleChoiceFilter(choices=CONFIDENTIALITY_CHOICES)
    team = RecordChoiceFilter(queryset=teams)
    event = RecordChoiceFilter(
        queryset=visible(Event),
        method="filter_event",
        help_text=_("Cases linked to this event or to any event within it."),
    )
    place = RecordChoiceFilter(
        queryset=visible(Place),
        method="filter_place",
        help_text=_(
            "Cases in this place or any place in it: the case's places, or where one of its "
            "allegations happened."
        ),
    )
    person = RecordChoiceFilter(
        queryset=visible(Person),
        method="filter_person",
        help_text=_("Cases involving this person: linked, a victim, or detained."),
    )
    violation_type = RecordChoiceFilter(
        queryset=visible(Term, vocabulary=Vocabulary.VIOLATION_TYPE),
        method="filter_violation_type",
        help_text=_("Cases with an allegation of this violation or of one below it."),
    )
    tag = RecordChoiceFilter(queryset=visible(Term, vocabulary=Vocabulary.TAG), field_name="tags")
    date_from = ApproximateDateFilter(bound="start")
    date_to = ApproximateDateFilter(bound="end")
    q = django_filters.CharFilter(
        method="filter_q",
        help_text=_(
            "Words in the reference, title or summary, or the name of a person of the case "
            "(a victim, a detainee, a linked person) in any script or spelling."
        ),
    )
    ordering = StableOrderingFilter(fields=("reference", "title", "created_at", "updated_at"))

    class Meta:
        model = Case
        fields = []

    def filter_event(self, queryset, name, value):
        events = _visible_descendant_ids(Event, value, self.request)
        links = Case.events.through.objects.filter(event_id__in=events)
        return queryset.filter(pk__in=links.values("case_id"))

    def filter_place(self, queryset, name, value):
        places = _descendant_ids(Place, value)
        linked = Case.places.through.objects.filter(place_id__in=places).values("case_id")
        alleged = Allegation.objects.filter(place__in=places, archived_at__isnull=True)
        return queryset.filter(Q(pk__in=linked) | Q(pk__in=alleged.values("case_id")))

    def filter_person(self, queryset, name, value):
        linked = CasePerson.objects.filter(person=value, archived_at__isnull=True)
        victim = Allegation.objects.filter(victim=value, archived_at__isnull=True)
        detained = Detention.objects.filter(person=value, archived_at__isnull=True)
        return queryset.filter(
            Q(pk__in=linked.values("case_id"))
            | Q(pk__in=victim.values("case_id"))
            | Q(pk__in=detained.values("case_id"))
        )

    def filter_violation_type(self, queryset, name, value):
        allegations = Allegation.objects.filter(
            violation_type__in=_descendant_ids(Term, value), archived_at__isnull=True
        )
        return queryset.filter(pk__in=allegations.values("case_id"))

    def filter_q(self, queryset, name, value):
        # A person's name through the one matcher (any spelling, script or letter case, the
        # names the user may see only): their cases as victim, detainee or linked person.
        user = getattr(self.request, "user", None)
        found = matching.rank_person_ids(value, user=user, min_score=matching.MATCH_SCORE)
        persons = [person_id for person_id, _score, _name in found[: matching.CANDIDATES]]
        named = Q(pk__in=[])
        if persons:
            linked = CasePerson.objects.filter(person__in=persons, archived_at__isnull=True)
            victim = Allegation.objects.filter(victim__in=persons, archived_at__isnull=True)
            detained = Detention.objects.filter(person__in=persons, archived_at__isnull=True)
            named = (
                Q(pk__in=linked.values("case_id"))
                | Q(pk__in=victim.values("case_id"))
                | Q(pk__in=detained.values("case_id"))
            )
        if names_withheld_name(user, value):
            # Free text may name a protected person the user may not identify: a match there
            # would confirm who they are, so such a query looks at names the user may see only.
            return queryset.filter(named)
        return queryset.filter(
            Q(reference__icontains=value)
            | words_in_text(value)
            | named
            | Q(pk__in=_cases_alleging(value))
            | Q(pk__in=_cases_quoting(value, user))
        )

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        start, end = self.date_range()
        if start or end:
            alleged = Allegation.objects.filter(overlaps("date", start, end), date__isnull=False)
            steps = DetentionStep.objects.filter(overlaps("date", start, end))
            events = Event.objects.filter(event_overlaps(start, end))
            event_links = Case.events.through.objects.filter(event_id__in=events.values("pk"))
            queryset = queryset.filter(
                Q(pk__in=alleged.filter(archived_at__isnull=True).values("case_id"))
                | Q(pk__in=steps.filter(archived_at__isnull=True).values("detention__case_id"))
                | Q(pk__in=event_links.values("case_id"))
            )
        return queryset


class AllegationFilterSet(DatedFilterSet):
    case = RecordChoiceFilter(queryset=visible(Case))
    victim = RecordChoiceFilter(queryset=visible(Person))
    violation_type = RecordChoiceFilter(
        queryset=visible(Term, vocabulary=Vocabulary.VIOLATION_TYPE),
        method="filter_violation_type",
        help_text=_("This violation or any below it."),
    )
    claim_status = django_filters.MultipleChoiceFilter(choices=ClaimStatus.choices)
    language = django_filters.MultipleChoiceFilter(
        choices=ContentLanguage.choices,
        help_text=_("The language the allegation is written in."),
    )
    place = PlaceWithinFilter(help_text=_("In this place or any place in it."))
    perpetrator = RecordChoiceFilter(
        queryset=visible(Organization),
        field_name="perpetrators__organization",
        distinct=True,
        help_text=_("An organisation alleged to be responsible."),
    )
    date_from = ApproximateDateFilter(bound="start")
    date_to = ApproximateDateFilter(bound="end")
    ordering = StableOrderingFilter(fields=("date", "created_at", "updated_at"))

    class Meta:
        model = Allegation
        fields = []

    def filter_violation_type(self, queryset, name, value):
        return queryset.filter(violation_type__in=_descendant_ids(Term, value))


class DetentionFilterSet(RecordFilterSet):
    case = RecordChoiceFilter(queryset=visible(Case))
    person = RecordChoiceFilter(queryset=visible(Person))
    status = django_filters.MultipleChoiceFilter(
        choices=StepKind.choices,
        method="filter_status",
        help_text=_("The current status: the kind of the latest step."),
    )
    article = RecordChoiceFilter(
        queryset=visible(Term, vocabulary=Vocabulary.CRIMINAL_ARTICLE),
        method="filter_article",
        help_text=_("Charged or sentenced under this criminal-code article."),
    )
    facility = RecordChoiceFilter(
        queryset=visible(Term, vocabulary=Vocabulary.FACILITY),
        method="filter_facility",
        help_text=_("Held at this facility (or one of this type) at any step."),
    )
    held_at = RecordChoiceFilter(
        queryset=visible(Facility),
        method="filter_held_at",
        help_text=_("Held at this police station, holding facility, centre or colony."),
    )
    administrative_article = RecordChoiceFilter(
        queryset=visible(Term, vocabulary=Vocabulary.ADMINISTRATIVE_ARTICLE),
        method="filter_administrative_article",
        help_text=_("Charged under this article of the Code of Administrative Offences."),
    )
    group = RecordChoiceFilter(
        queryset=visible(GroupDetention), help_text=_("Named from this group detention.")
    )
    sentence_min_months = django_filters.NumberFilter(
        method="filter_sentence",
        min_value=0,
        help_text=_("Sentenced to at least this many months (life counts as longest)."),
    )
    place = RecordChoiceFilter(
        queryset=visible(Place),
        method="filter_place",
        help_text=_("A step (arrest, trial, transfer…) in this place or any place in it."),
    )
    event = RecordChoiceFilter(
        queryset=visible(Event),
        method="filter_event",
        help_text=_("The case is linked to this event or to any event within it."),
    )
    arrest_year = django_filters.NumberFilter(
        method="filter_arrest_year",
        min_value=1900,
        max_value=2100,
        help_text=_("Arrested in this year (the first possible day of the arrest date)."),
    )
    verified = django_filters.BooleanFilter(
        method="filter_verified",
        help_text=_("Only detentions of cases a reviewer has verified (four eyes)."),
    )
    changed_since = django_filters.DateFilter(
        method="filter_changed_since",
        help_text=_(
            "Recorded, changed or archived on or after this day: the detention or one of its steps."
        ),
    )
    date_from = ApproximateDateFilter(bound="start")
    date_to = ApproximateDateFilter(bound="end")
    ordering = StableOrderingFilter(fields=("created_at", "updated_at"))

    class Meta:
        model = Detention
        fields = []

    def filter_place(self, queryset, name, value):
        places = _descendant_ids(Place, value)
        return self._with_steps(queryset, DetentionStep.objects.filter(place__in=places))

    def filter_event(self, queryset, name, value):
        events = _visible_descendant_ids(Event, value, self.request)
        links = Case.events.through.objects.filter(event_id__in=events)
        return queryset.filter(case__in=links.values("case_id"))

    def filter_arrest_year(self, queryset, name, value):
        if value != int(value):
            raise ValidationError({name: _("A year, such as 2022.")})
        arrests = DetentionStep.objects.filter(kind=StepKind.ARRESTED, date__year=int(value))
        return self._with_steps(queryset, arrests)

    def filter_verified(self, queryset, name, value):
        verified = Q(case__review_state=ReviewState.VERIFIED)
        return queryset.filter(verified) if value else queryset.exclude(verified)

    def filter_changed_since(self, queryset, name, value):
        start = timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))
        # Archived steps count: archiving a step is a change a reader of the register must see.
        steps = DetentionStep.objects.filter(updated_at__gte=start).values("detention_id")
        return queryset.filter(Q(updated_at__gte=start) | Q(pk__in=steps))

    def _with_steps(self, queryset, steps):
        steps = steps.filter(archived_at__isnull=True)
        return queryset.filter(pk__in=steps.values("detention_id"))

    def filter_status(self, queryset, name, value):
        return queryset.with_status().filter(latest_step_kind__in=value)

    def filter_article(self, queryset, name, value):
        return self._with_steps(queryset, DetentionStep.objects.filter(articles=value))

    def filter_held_at(self, queryset, name, value):
        steps = DetentionStep.objects.filter(held_at=value, archived_at__isnull=True)
        return queryset.filter(pk__in=steps.values("detention_id"))

    def filter_administrative_article(self, queryset, name, value):
        steps = DetentionStep.objects.filter(
            administrative_articles__in=_descendant_ids(Term, value), archived_at__isnull=True
        )
        return queryset.filter(pk__in=steps.values("detention_id"))

    def filter_facility(self, queryset, name, value):
        facilities = _descendant_ids(Term, value)
        return self._with_steps(queryset, DetentionStep.objects.filter(facility__in=facilities))

    def filter_sentence(self, queryset, name, value):
        if value != int(value):
            from django.core.exceptions import ValidationError

            raise ValidationError({name: _("A whole number of months.")})
        sentences = DetentionStep.objects.filter(kind__in=SENTENCE_KINDS).filter(
            Q(sentence_months__gte=int(value)) | Q(life_sentence=True)
        )
        return self._with_steps(queryset, sentences)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        start, end = self.date_range()
        if start or end:
            queryset = self._with_steps(
                queryset, DetentionStep.objects.filter(overlaps("date", start, end))
            )
        return queryset


class FollowUpFilterSet(RecordFilterSet):
    case = RecordChoiceFilter(queryset=visible(Case))
    kind = django_filters.MultipleChoiceFilter(choices=FollowUpKind.choices)
    status = django_filters.MultipleChoiceFilter(
        choices=FollowUpStatus.choices,
        method="filter_status",
        help_text=_(
            "Derived from closure, responses and the due date, as on the follow-up itself."
        ),
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", help_text=_("Past its due date with no answer, not closed.")
    )
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte")
    addressee = RecordChoiceFilter(
        queryset=visible(Organization),
        method="filter_addressee",
        help_text=_("Sent to this organisation (as the main or another addressee)."),
    )
    owner = RecordChoiceFilter(queryset=colleagues)
    reference = django_filters.CharFilter(lookup_expr="icontains")
    sent_from = ApproximateDateFilter(bound="start")
    sent_to = ApproximateDateFilter(bound="end")
    ordering = StableOrderingFilter(fields=("due_on", "sent", "created_at", "updated_at"))

    class Meta:
        model = FollowUp
        fields = []

    def filter_status(self, queryset, name, value):
        return queryset.with_status_in(*value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        start, end = self.date_range("sent")
        if start or end:
            queryset = queryset.filter(overlaps("sent", start, end))
        return queryset

    def filter_overdue(self, queryset, name, value):
        overdue = FollowUp.objects.overdue().values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)

    def filter_addressee(self, queryset, name, value):
        return queryset.filter(
            Q(addressee=value)
            | Q(pk__in=FollowUp.other_addressees.through.objects.filter(
                organization_id=value.pk
            ).values("followup_id"))
        )  # fmt: skip


class FacilityFilterSet(RecordFilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=FacilityKind.choices)
    place = PlaceWithinFilter(help_text=_("In this place or any place in it."))
    authority = RecordChoiceFilter(queryset=visible(Organization))
    q = django_filters.CharFilter(
        method="filter_q",
        help_text=_(
            "Words in the name or another name, in any script or spelling "
            "(“Тверское” finds “Tverskoe”)."
        ),
    )
    ordering = StableOrderingFilter(fields=("name", "kind", "created_at", "updated_at"))

    class Meta:
        model = Facility
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.matching(value)


class GroupDetentionFilterSet(DatedFilterSet):
    case = RecordChoiceFilter(queryset=visible(Case))
    event = RecordChoiceFilter(
        queryset=visible(Event),
        method="filter_event",
        help_text=_("At this event or any event within it."),
    )
    facility = RecordChoiceFilter(queryset=visible(Facility))
    place = PlaceWithinFilter(help_text=_("Arrested in this place or any place in it."))
    count_kind = django_filters.ChoiceFilter(
        choices=CountKind.choices,
        method="filter_count_kind",
        help_text=_("Groups with a figure of this kind (e.g. fined)."),
    )
    date_from = ApproximateDateFilter(bound="start")
    date_to = ApproximateDateFilter(bound="end")
    ordering = StableOrderingFilter(fields=("date", "created_at", "updated_at"))

    class Meta:
        model = GroupDetention
        fields = []

    def filter_event(self, queryset, name, value):
        return queryset.filter(event__in=_visible_descendant_ids(Event, value, self.request))

    def filter_count_kind(self, queryset, name, value):
        return queryset.filter(figures__kind=value, figures__archived_at__isnull=True).distinct()


def names_withheld_name(user, text: str) -> bool:
    """Whether ``text`` holds a name, or a word of a name, of a protected person ``user`` may
    not identify ("Qalandarov" alone as much as "Farrukh Qalandarov"), in any letter case."""
    if identity_q(user) == Q():
        return False  # the user may identify everyone
    names = redaction.text_scrubber(user).names  # read once per change (monitor.redaction)
    words = {word.casefold() for name in names for word in name.split()}
    asked = [word.casefold() for word in text.split() if len(word) >= redaction.MIN_NAME]
    return any(word in words for word in asked) or text.casefold() in {
        name.casefold() for name in names
    }


def _cases_alleging(value: str):
    """Cases with an allegation whose description or group of victims says ``value``."""
    return (
        Allegation.objects.filter(archived_at__isnull=True)
        .filter(Q(description__icontains=value) | Q(victim_description__icontains=value))
        .values("case_id")
    )


def _cases_quoting(value: str, user):
    """Cases quoting ``value`` from a source ``user`` may see: a citation of the case, of one
    of its allegations or of one of its detentions."""
    quotes = Citation.objects.filter(
        quote__icontains=value,
        archived_at__isnull=True,
        source__in=Source.objects.visible_to(user).values("pk"),
    )

    def cited(model):
        return quotes.filter(content_type=ContentType.objects.get_for_model(model)).values(
            "object_id"
        )

    return Case.objects.filter(
        Q(pk__in=cited(Case))
        | Q(pk__in=Allegation.objects.filter(pk__in=cited(Allegation)).values("case_id"))
        | Q(pk__in=Detention.objects.filter(pk__in=cited(Detention)).values("case_id"))
    ).values("pk")
