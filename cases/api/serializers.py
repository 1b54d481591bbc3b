"""Serializers of events, cases, allegations, detentions and follow-ups."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.api.recording import (
    PARTS,
    NewAllegationSerializer,
    NewDetentionSerializer,
    NewSourceSerializer,
)
from cases.choices import (
    ClaimStatus,
    CountKind,
    FigureKind,
    FigureQualifier,
    FollowUpStatus,
    StepKind,
)
from cases.models import (
    Allegation,
    AllegationPerpetrator,
    Case,
    CasePerson,
    Detention,
    DetentionStep,
    Event,
    EventFigure,
    Facility,
    FollowUp,
    FollowUpResponse,
    GroupDetention,
    GroupDetentionFigure,
)
from cases.models.protest import ADMINISTRATIVE_CUSTODY_LIMIT_HOURS
from cases.provenance import attach_provenance
from monitor.api.fields import ApproximateDateField, RecordField
from monitor.api.schema import RecordFieldSchema
from monitor.api.serializers import (
    AUDIT_FIELDS,
    BriefPlaceSerializer,
    BriefTermSerializer,
    ChildSerializer,
    RecordSerializer,
    TeamField,
    UserField,
    VocabularyField,
    visible_places,
)
from monitor.api.strict import StrictSerializer
from monitor.choices import Vocabulary
from people.api.serializers import (
    BriefOrganizationSerializer,
    BriefPersonSerializer,
    visible_organizations,
    visible_persons,
)
from sources.api.serializers import (
    BriefSourceSerializer,
    NestedCitationsField,
    ProvenanceSerializer,
    visible_sources,
)
from sources.choices import Credibility

CHILD_AUDIT = ("version", "archived_at")


class ClaimProvenanceSerializer(ProvenanceSerializer):
    """Where this record comes from: the citations whose sources you may see, and whether
    they add up to independent corroboration."""

    # The viewsets attach the provenance to every record of a page, and to the claims nested
    # in them, in one batch (cases.provenance.attach_provenance); a record shown without it
    # (this serializer used elsewhere) gets its own, at a few queries' cost.

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault(
            "help_text",
            _(
                "Where this comes from: each citation whose source you may see, with the "
                "source's reliability (A–F) and the information's credibility (1–6), and "
                "whether it rests on a single source."
            ),
        )
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        if "provenance" not in instance.__dict__:
            request = self.context.get("request")
            attach_provenance([instance], getattr(request, "user", None))
        return instance.provenance


def visible_events(user):
    return Event.objects.visible_to(user)


def visible_cases(user):
    return Case.objects.visible_to(user)


class BriefEventSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)
    start = ApproximateDateField(read_only=True, allow_null=True)


class BriefCaseSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    reference = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)


def visible_facilities(user):
    return Facility.objects.visible_to(user).active()


def visible_groups(user):
    return GroupDetention.objects.visible_to(user).active()


class BriefFacilitySerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)


class BriefGroupSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    date = ApproximateDateField(read_only=True, allow_null=True)


class CustodyHoursMixin(serializers.Serializer):
    over_legal_limit = serializers.BooleanField(
        read_only=True,
        help_text=_("Held longer than the %(hours)d hours administrative detention allows.")
        % {"hours": ADMINISTRATIVE_CUSTODY_LIMIT_HOURS},
    )


# -- events ------------------------------------------------------------------------------------


class EventFigureSerializer(serializers.ModelSerializer):
    """One party's figure; added with its source through the figures workflow (read here)."""

    source = RecordField(BriefSourceSerializer)
    as_of = ApproximateDateField(read_only=True, allow_null=True)
    display_value = serializers.CharField(read_only=True)
    provenance = ClaimProvenanceSerializer()

    class Meta:
        model = EventFigure
        fields = [
            "id",
            "kind",
            "qualifier",
            "value",
            "value_max",
            "display_value",
            "claimed_by",
            "source",
            "as_of",
            "note",
            "provenance",
        ]
        read_only_fields = fields


class FigureAddSerializer(StrictSerializer):
    """One party's figure for an event, with the source that gives it."""

    kind = serializers.ChoiceField(choices=FigureKind.choices)
    qualifier = serializers.ChoiceField(
        choices=FigureQualifier.choices, default=FigureQualifier.EXACT
    )
    value = serializers.IntegerField(min_value=0)
    value_max = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    claimed_by = serializers.CharField(max_length=300, help_text=_("Who gives this figure."))
    source = RecordField(BriefSourceSerializer, visible_sources)
    as_of = ApproximateDateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    page = serializers.CharField(required=False, allow_blank=True, max_length=40)
    paragraph = serializers.CharField(required=False, allow_blank=True, max_length=40)
    timestamp = serializers.CharField(required=False, allow_blank=True, max_length=40)
    quote = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    credibility = serializers.ChoiceField(choices=Credibility.choices, required=False)


class FigureEditSerializer(StrictSerializer):
    """A correction of a figure; what is left out stays as it is. The source cannot change."""

    kind = serializers.ChoiceField(choices=FigureKind.choices, required=False)
    qualifier = serializers.ChoiceField(choices=FigureQualifier.choices, required=False)
    value = serializers.IntegerField(min_value=0, required=False)
    value_max = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    claimed_by = serializers.CharField(max_length=300, required=False)
    as_of = ApproximateDateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    change_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text=_("Why the figure was corrected; kept in its history."),
    )


class EventSerializer(RecordSerializer):
    kind = VocabularyField(Vocabulary.EVENT_TYPE, allow_null=True, required=False)
    parent = RecordField(BriefEventSerializer, visible_events, allow_null=True, required=False)
    places = RecordField(BriefPlaceSerializer, visible_places, many=True, required=False)
    organiser_persons = RecordField(
        BriefPersonSerializer, visible_persons, many=True, required=False
    )
    organiser_organizations = RecordField(
        BriefOrganizationSerializer, visible_organizations, many=True, required=False
    )
    tags = VocabularyField(Vocabulary.TAG, many=True, required=False)
    detained = serializers.IntegerField(
        read_only=True,
        source="detained_count",
        default=None,
        help_text=_(
            "People detained at this event in the group detentions you may see: named and "
            "unidentified, each group counted at the highest figure a source gives."
        ),
    )
    team = TeamField()
    figures = EventFigureSerializer(
        many=True, read_only=True, help_text=_("Contested figures, each with its source.")
    )
    provenance = ClaimProvenanceSerializer()

    citations = NestedCitationsField()
    children = ("citations",)

    class Meta:
        model = Event
        fields = [
            "id",
            "title",
            "kind",
            "parent",
            "start",
            "end",
            "places",
            "description",
            "assembly_status",
            "organiser_persons",
            "organiser_organizations",
            "tags",
            "figures",
            "detained",
            "provenance",
            "confidentiality",
            "team",
            "review_state",
            *AUDIT_FIELDS[1:],
            "citations",
            "change_reason",
        ]
        read_only_fields = (*AUDIT_FIELDS, "review_state")


# -- places of detention and group detentions -------------------------------------------------


class FacilitySerializer(RecordSerializer):
    place = RecordField(BriefPlaceSerializer, visible_places, allow_null=True, required=False)
    coordinates_source = RecordField(
        BriefSourceSerializer, visible_sources, allow_null=True, required=False
    )
    authority = RecordField(
        BriefOrganizationSerializer, visible_organizations, allow_null=True, required=False
    )
    names = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=_("The name, then the others.")
    )

    class Meta:
        model = Facility
        fields = [
            "id",
            "name",
            "kind",
            "other_names",
            "names",
            "address",
            "place",
            "latitude",
            "longitude",
            "coordinates_source",
            "authority",
            "note",
            "review_state",
            *AUDIT_FIELDS[1:],
            "change_reason",
        ]
        read_only_fields = (*AUDIT_FIELDS, "review_state")


class GroupFigureSerializer(serializers.ModelSerializer):
    """One party's figure for a group detention (added through its workflow; read here)."""

    source = RecordField(BriefSourceSerializer)
    as_of = ApproximateDateField(read_only=True, allow_null=True)
    display_value = serializers.CharField(read_only=True)
    provenance = ClaimProvenanceSerializer()

    class Meta:
        model = GroupDetentionFigure
        fields = [
            "id",
            "kind",
            "qualifier",
            "value",
            "value_max",
            "display_value",
            "claimed_by",
            "source",
            "as_of",
            "note",
            "provenance",
        ]
        read_only_fields = fields


class GroupFigureAddSerializer(FigureAddSerializer):
    kind = serializers.ChoiceField(choices=CountKind.choices, default=CountKind.DETAINED)


class GroupFigureEditSerializer(FigureEditSerializer):
    kind = serializers.ChoiceField(choices=CountKind.choices, required=False)


class GroupDetentionSerializer(CustodyHoursMixin, RecordSerializer):
    case = RecordField(BriefCaseSerializer, visible_cases)
    event = RecordField(BriefEventSerializer, visible_events, allow_null=True, required=False)
    place = RecordField(BriefPlaceSerializer, visible_places, allow_null=True, required=False)
    facility = RecordField(
        BriefFacilitySerializer, visible_facilities, allow_null=True, required=False
    )
    figures = GroupFigureSerializer(
        many=True, read_only=True, help_text=_("Figures side by side, each with its source.")
    )
    detained = serializers.SerializerMethodField(
        help_text=_(
            "How many were detained: the highest figure a source gives, never fewer than the "
            "detainees named so far."
        )
    )
    named = serializers.SerializerMethodField(help_text=_("Detainees named so far."))
    unidentified = serializers.SerializerMethodField(help_text=_("Detained and not yet named."))
    outcomes = serializers.SerializerMethodField(
        help_text=_("The highest figure given for each outcome (fined, arrested…).")
    )
    provenance = ClaimProvenanceSerializer()

    class Meta:
        model = GroupDetention
        fields = [
            "id",
            "case",
            "event",
            "date",
            "place",
            "facility",
            "hours_held",
            "over_legal_limit",
            "description",
            "figures",
            "detained",
            "named",
            "unidentified",
            "outcomes",
            "provenance",
            *AUDIT_FIELDS[1:],
            "change_reason",
        ]
        read_only_fields = AUDIT_FIELDS

    def get_fields(self):
        fields = super().get_fields()
        if isinstance(self.instance, GroupDetention):
            fields["case"].read_only = True  # a group stays with its case
        return fields

    def get_detained(self, group) -> int:
        return group.count()

    def get_named(self, group) -> int:
        return group.named()

    def get_unidentified(self, group) -> int:
        return group.unidentified()

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_outcomes(self, group) -> dict:
        kinds = {f.kind for f in group.active_figures()} - {CountKind.DETAINED}
        return {kind: group.count(kind) for kind in sorted(kinds)}


# -- cases -------------------------------------------------------------------------------------


class CasePersonSerializer(ChildSerializer):
    parent_field = "case"
    person = RecordField(BriefPersonSerializer, visible_persons)

    class Meta:
        model = CasePerson
        fields = ["id", "person", "role", "note", *CHILD_AUDIT]
        read_only_fields = CHILD_AUDIT


class CaseAllegationSerializer(serializers.ModelSerializer):
    """An allegation as a case lists it; the whole record is at /allegations/{id}/."""

    violation_type = RecordField(BriefTermSerializer)
    victim = RecordField(BriefPersonSerializer, allow_null=True)
    date = ApproximateDateField(read_only=True, allow_null=True)

    class Meta:
        model = Allegation
        fields = ["id", "violation_type", "victim", "victim_description", "date", "claim_status"]
        read_only_fields = fields


class AttachedPersonField(RecordField):
    """A link read only as attached for the page (``people.selectors.attach_persons``): one
    not attached reads as null rather than being fetched past ``visible_to``."""

    def get_attribute(self, instance):
        return instance._state.fields_cache.get(self.source_attrs[-1])


class AttachedPersonFieldSchema(RecordFieldSchema):
    """In the schema, an attached link is a link like any RecordField."""

    target_class = AttachedPersonField


class CaseDetentionSerializer(serializers.ModelSerializer):
    """A detention as a case lists it; the whole record is at /detentions/{id}/."""

    person = AttachedPersonField(BriefPersonSerializer, allow_null=True)
    current_status = serializers.ChoiceField(
        choices=StepKind.choices, read_only=True, allow_null=True
    )

    class Meta:
        model = Detention
        fields = ["id", "person", "current_status"]
        read_only_fields = fields


class CaseGroupSerializer(serializers.ModelSerializer):
    """A group detention as a case lists it; the whole record is at /group-detentions/{id}/."""

    facility = RecordField(BriefFacilitySerializer, allow_null=True)
    detained = serializers.SerializerMethodField()
    unidentified = serializers.SerializerMethodField()

    class Meta:
        model = GroupDetention
        fields = ["id", "date", "facility", "detained", "unidentified"]
        read_only_fields = fields

    def get_detained(self, group) -> int:
        return group.count()

    def get_unidentified(self, group) -> int:
        return group.unidentified()


class CaseSerializer(RecordSerializer):
    # The pattern is checked here too, so that the schema declares it (the service checks
    # the year as well).
    reference = serializers.RegexField(
        r"^([A-Z]{3}-[0-9]{4}-[0-9]{4})?$",
        error_messages={"invalid": _("Use the form TJK-2023-0007.")},
        required=False,
        allow_blank=True,
        max_length=20,
        help_text=_(
            "The case's reference, e.g. TJK-2023-0007. Leave it out (or empty) when creating a "
            "case: the next free reference of the current year is given. A reference given "
            "must have this form and a year from 1900 to the current year."
        ),
    )
    team = TeamField()
    events = RecordField(BriefEventSerializer, visible_events, many=True, required=False)
    places = RecordField(BriefPlaceSerializer, visible_places, many=True, required=False)
    tags = VocabularyField(Vocabulary.TAG, many=True, required=False)
    persons = CasePersonSerializer(
        many=True,
        required=False,
        source="case_persons",
        help_text=_(
            "Who is involved, and how. On a write, items with an id are updated, items "
            "without one added; items left out are kept."
        ),
    )
    allegations = CaseAllegationSerializer(many=True, read_only=True)
    detentions = CaseDetentionSerializer(many=True, read_only=True)
    group_detentions = CaseGroupSerializer(
        many=True,
        read_only=True,
        help_text=_("People detained together, counted rather than named."),
    )
    provenance = ClaimProvenanceSerializer()

    # The parts recorded with the case (cases/api/recording.py): write-only.
    new_allegations = NewAllegationSerializer(
        many=True,
        required=False,
        write_only=True,
        help_text=_("Allegations to add with the case, recorded as on the case page."),
    )
    new_detentions = NewDetentionSerializer(
        many=True,
        required=False,
        write_only=True,
        help_text=_("Detentions to add with the case, each with its arrest."),
    )
    new_source = NewSourceSerializer(
        required=False,
        allow_null=True,
        write_only=True,
        help_text=_("A source described on the spot; citations with a null source cite it."),
    )

    children = ("persons", "citations", *PARTS)

    citations = NestedCitationsField()

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "title",
            "summary",
            "language",
            "case_type",
            "events",
            "places",
            "tags",
            "persons",
            "allegations",
            "detentions",
            "group_detentions",
            "provenance",
            "confidentiality",
            "team",
            "review_state",
            *AUDIT_FIELDS[1:],
            "citations",
            *PARTS,
            "change_reason",
        ]
        read_only_fields = (*AUDIT_FIELDS, "review_state")


# -- allegations -------------------------------------------------------------------------------


class PerpetratorSerializer(ChildSerializer):
    parent_field = "allegation"
    person = RecordField(BriefPersonSerializer, visible_persons, allow_null=True, required=False)
    organization = RecordField(
        BriefOrganizationSerializer, visible_organizations, allow_null=True, required=False
    )

    class Meta:
        model = AllegationPerpetrator
        fields = ["id", "person", "organization", "role", *CHILD_AUDIT]
        read_only_fields = CHILD_AUDIT


class AllegationSerializer(RecordSerializer):
    case = RecordField(BriefCaseSerializer, visible_cases)
    victim = RecordField(BriefPersonSerializer, visible_persons, allow_null=True, required=False)
    violation_type = VocabularyField(Vocabulary.VIOLATION_TYPE)
    place = RecordField(BriefPlaceSerializer, visible_places, allow_null=True, required=False)
    perpetrators = PerpetratorSerializer(many=True, required=False)
    provenance = ClaimProvenanceSerializer()

    children = ("perpetrators", "citations")

    citations = NestedCitationsField()

    class Meta:
        model = Allegation
        fields = [
            "id",
            "case",
            "victim",
            "victim_description",
            "violation_type",
            "date",
            "place",
            "claim_status",
            "description",
            "language",
            "perpetrators",
            "provenance",
            *AUDIT_FIELDS[1:],
            "citations",
            "change_reason",
        ]
        # The claim status moves by its own action, under the corroboration rules.
        read_only_fields = (*AUDIT_FIELDS, "claim_status")


class ClaimStatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=ClaimStatus.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)


# -- detentions --------------------------------------------------------------------------------


class DetentionStepSerializer(ChildSerializer):
    parent_field = "detention"
    place = RecordField(BriefPlaceSerializer, visible_places, allow_null=True, required=False)
    facility = VocabularyField(Vocabulary.FACILITY, allow_null=True, required=False)
    authority = RecordField(
        BriefOrganizationSerializer, visible_organizations, allow_null=True, required=False
    )
    articles = VocabularyField(Vocabulary.CRIMINAL_ARTICLE, many=True, required=False)
    held_at = RecordField(
        BriefFacilitySerializer, visible_facilities, allow_null=True, required=False
    )
    administrative_articles = VocabularyField(
        Vocabulary.ADMINISTRATIVE_ARTICLE, many=True, required=False
    )
    provenance = ClaimProvenanceSerializer()

    class Meta:
        model = DetentionStep
        fields = [
            "id",
            "kind",
            "date",
            "place",
            "facility",
            "held_at",
            "authority",
            "articles",
            "administrative_articles",
            "sentence_months",
            "life_sentence",
            "fine_amount",
            "fine_currency",
            "arrest_days",
            "community_work_hours",
            "claim_status",
            "note",
            "provenance",
            *CHILD_AUDIT,
        ]
        read_only_fields = (*CHILD_AUDIT, "claim_status")
        # Saved as one batch by the steps service, which holds their order rules.


class DetentionSerializer(CustodyHoursMixin, RecordSerializer):
    case = RecordField(BriefCaseSerializer, visible_cases)
    group = RecordField(
        BriefGroupSerializer,
        visible_groups,
        allow_null=True,
        required=False,
        help_text=_("The group detention (of the same case) this person was counted in."),
    )
    # Null when read by someone who may see the case but not the person; required to write
    # (the model refuses a detention of nobody).
    person = RecordField(BriefPersonSerializer, visible_persons, allow_null=True)
    current_status = serializers.ChoiceField(
        choices=StepKind.choices,
        read_only=True,
        allow_null=True,
        help_text=_("The kind of the latest step."),
    )
    steps = DetentionStepSerializer(
        many=True,
        required=False,
        help_text=_(
            "Dated steps, arrest to release. On a write, items with an id are updated, items "
            "without one added; steps left out are kept."
        ),
    )
    provenance = ClaimProvenanceSerializer()

    children = ("steps", "citations")

    citations = NestedCitationsField()

    class Meta:
        model = Detention
        fields = [
            "id",
            "case",
            "person",
            "group",
            "hours_held",
            "over_legal_limit",
            "description",
            "current_status",
            "steps",
            "provenance",
            *AUDIT_FIELDS[1:],
            "citations",
            "change_reason",
        ]
        read_only_fields = AUDIT_FIELDS


# -- follow-ups --------------------------------------------------------------------------------


class FollowUpResponseSerializer(ChildSerializer):
    parent_field = "followup"
    document = RecordField(BriefSourceSerializer, visible_sources, allow_null=True, required=False)

    class Meta:
        model = FollowUpResponse
        fields = ["id", "received", "kind", "summary", "document", *CHILD_AUDIT]
        read_only_fields = CHILD_AUDIT


class FollowUpSerializer(RecordSerializer):
    case = RecordField(BriefCaseSerializer, visible_cases)
    communication_type = VocabularyField(
        Vocabulary.UN_COMMUNICATION_TYPE,
        allow_null=True,
        required=False,
    )
    mandates = VocabularyField(Vocabulary.UN_MANDATE, many=True, required=False)
    addressee = RecordField(
        BriefOrganizationSerializer, visible_organizations, allow_null=True, required=False
    )
    other_addressees = RecordField(
        BriefOrganizationSerializer, visible_organizations, many=True, required=False
    )
    persons = RecordField(BriefPersonSerializer, visible_persons, many=True, required=False)
    court = RecordField(
        BriefOrganizationSerializer, visible_organizations, allow_null=True, required=False
    )
    owner = UserField()
    status = serializers.SerializerMethodField(
        help_text=_("Derived from closure, the responses and the due date.")
    )
    responses = FollowUpResponseSerializer(
        many=True,
        required=False,
        help_text=_(
            "Answers received. On a write, items with an id are updated, items without one "
            "recorded as new responses; responses left out are kept."
        ),
    )
    provenance = ClaimProvenanceSerializer()

    children = ("responses", "citations")

    citations = NestedCitationsField()

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "case",
            "kind",
            "title",
            "description",
            "communication_type",
            "reference",
            "mandates",
            "addressee",
            "other_addressees",
            "persons",
            "sent",
            "occurs",
            "court",
            "due_on",
            "made_public_on",
            "public_url",
            "owner",
            "status",
            "closed_at",
            "responses",
            "provenance",
            *AUDIT_FIELDS[1:],
            "citations",
            "change_reason",
        ]
        read_only_fields = (*AUDIT_FIELDS, "closed_at")

    def get_fields(self):
        fields = super().get_fields()
        if isinstance(self.instance, FollowUp):
            fields["case"].read_only = True  # a follow-up stays with its case
        return fields

    @extend_schema_field(serializers.ChoiceField(choices=FollowUpStatus.choices))
    def get_status(self, followup) -> str:
        annotated = followup.__dict__.get("current_status")
        return annotated if annotated is not None else str(followup.status())
