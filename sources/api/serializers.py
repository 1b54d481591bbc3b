"""Serializers of sources, evidence files and citations."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from monitor.api.fields import RecordField
from monitor.api.redaction import RedactedSerializerMixin, identity_policy
from monitor.api.serializers import (
    AUDIT_FIELDS,
    RecordSerializer,
    TeamField,
    UserField,
    VocabularyField,
)
from monitor.api.strict import StrictSerializer
from monitor.choices import Vocabulary
from monitor.redaction import annotate as annotate_identity
from sources.choices import Credibility, Reliability, Stance
from sources.filtersets import citable_types
from sources.models import Citation, EvidenceFile, Source


def visible_sources(user):
    """Sources for brief links: visible ones, each knowing whether its identity shows."""
    return annotate_identity(Source.objects.visible_to(user), user)


class BriefSourceSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True, help_text=_("Its pseudonym, if protected."))
    reliability = serializers.CharField(read_only=True)
    is_protected = serializers.BooleanField(read_only=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not identity_policy(self.context).reveals(instance):
            data["title"] = instance.pseudonym
        return data


class SourceSerializer(RedactedSerializerMixin, RecordSerializer):
    kind = VocabularyField(Vocabulary.SOURCE_KIND)
    team = TeamField()
    obtained_by = UserField()
    derived_from = RecordField(
        BriefSourceSerializer,
        visible_sources,
        many=True,
        required=False,
        help_text=_("Sources this one repeats (never independent corroboration)."),
    )

    pseudonym_field = "title"

    class Meta:
        model = Source
        fields = [
            "id",
            "title",
            "kind",
            "publisher",
            "author",
            "url",
            "language",
            "published",
            "obtained",
            "obtained_by",
            "obtained_how",
            "reliability",
            "is_protected",
            "identity_redacted",
            "summary",
            "derived_from",
            "captured_at",
            "confidentiality",
            "team",
            "review_state",
            *AUDIT_FIELDS[1:],
            "change_reason",
        ]
        read_only_fields = (*AUDIT_FIELDS, "review_state")


class EvidenceFileSerializer(RecordSerializer):
    """An evidence file's metadata; the bytes come from its ``download`` endpoint."""

    source = RecordField(BriefSourceSerializer)
    derived_from = serializers.UUIDField(source="derived_from_id", read_only=True, allow_null=True)

    class Meta:
        model = EvidenceFile
        fields = [
            "id",
            "source",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "derived_from",
            "derivation",
            "is_web_capture",
            "description",
            *AUDIT_FIELDS[1:],
            "change_reason",
        ]
        # What was received stays what was received: only the description is edited.
        read_only_fields = (
            *AUDIT_FIELDS,
            "original_name",
            "content_type",
            "size",
            "sha256",
            "derivation",
            "is_web_capture",
        )


class EvidenceUploadSerializer(StrictSerializer):
    """A new evidence file: the bytes, the source they belong to, a description."""

    source = RecordField(BriefSourceSerializer, visible_sources)
    file = serializers.FileField(help_text=_("The file exactly as received."))
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    is_web_capture = serializers.BooleanField(required=False, default=False)


class RecordTypeField(serializers.ChoiceField):
    """The kind of a cited record as ``app_label.model`` (content types are cached)."""

    def get_attribute(self, instance):
        return ".".join(ContentType.objects.get_for_id(instance.content_type_id).natural_key())


class CitationSerializer(RecordSerializer):
    """This source supports (or contests) that record, optionally one of its fields."""

    source = RecordField(BriefSourceSerializer, visible_sources)
    record_type = RecordTypeField(
        choices=citable_types(), help_text=_("The kind of record cited for, e.g. cases.allegation.")
    )
    record_id = serializers.UUIDField(source="object_id")

    class Meta:
        model = Citation
        fields = [
            "id",
            "source",
            "record_type",
            "record_id",
            "field_name",
            "page",
            "paragraph",
            "timestamp",
            "quote",
            "credibility",
            "stance",
            "note",
            *AUDIT_FIELDS[1:],
            "change_reason",
        ]
        read_only_fields = AUDIT_FIELDS

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and isinstance(self.instance, Citation):
            # A citation keeps what it cites; cite anew for another record or source.
            for name in ("source", "record_type", "record_id"):
                fields[name].read_only = True
        return fields


class NestedCitationSerializer(StrictSerializer):
    """A citation written with the record it supports, in the record's own create or update
    (``"citations": [{"source": …, "page": "12"}]``): no request per citation."""

    source = RecordField(BriefSourceSerializer, visible_sources)
    field_name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text=_("The field of the record the source supports; empty for the whole record."),
    )
    page = serializers.CharField(required=False, allow_blank=True, max_length=40)
    paragraph = serializers.CharField(required=False, allow_blank=True, max_length=40)
    timestamp = serializers.CharField(required=False, allow_blank=True, max_length=40)
    quote = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    credibility = serializers.ChoiceField(choices=Credibility.choices, required=False)
    stance = serializers.ChoiceField(choices=Stance.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


def NestedCitationsField() -> NestedCitationSerializer:
    return NestedCitationSerializer(
        many=True,
        required=False,
        write_only=True,
        help_text=_(
            "Sources to cite for the record, added with it (on a create or an update; "
            "citations already there are kept). Read them back in `provenance`."
        ),
    )


# -- the provenance of a claim, as one reader may see it -------------------------------------
#
# Read-only shapes. The provenance itself is worked out by ``cases.provenance`` (which sources
# the reader may see, who they may identify, whether the sources are independent); these
# serializers only turn its results into JSON, so they import nothing from the apps above.


class CitedSourceSerializer(serializers.Serializer):
    """A cited source: who it is (or its pseudonym) and how reliable it has proved."""

    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(
        source="label",
        read_only=True,
        help_text=_("Its pseudonym when it is protected and you may not identify it."),
    )
    publisher = serializers.SerializerMethodField(
        help_text=_("Null when the source is protected and you may not identify it.")
    )
    reliability = serializers.ChoiceField(
        choices=Reliability.choices,
        read_only=True,
        help_text=_("Admiralty scale: A completely reliable … E unreliable, F cannot be judged."),
    )
    identity_redacted = serializers.SerializerMethodField(
        help_text=_("True when you may not see who this source is.")
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_publisher(self, ref) -> str | None:
        return ref.publisher if ref.revealed else None

    def get_identity_redacted(self, ref) -> bool:
        return not ref.revealed


class ProvenanceCitationSerializer(serializers.Serializer):
    """One citation of a claim: the source, what it supports, where, and how credible."""

    id = serializers.UUIDField(source="citation_id", read_only=True)
    source = CitedSourceSerializer(read_only=True)
    field = serializers.CharField(
        source="field_name",
        read_only=True,
        help_text=_("The one field of the record this citation supports; empty for all of it."),
    )
    field_label = serializers.CharField(read_only=True)
    stance = serializers.ChoiceField(choices=Stance.choices, read_only=True)
    credibility = serializers.ChoiceField(
        choices=Credibility.choices,
        read_only=True,
        help_text=_("Admiralty scale: 1 confirmed by other sources … 6 cannot be judged."),
    )
    grading = serializers.CharField(
        read_only=True,
        help_text=_("The source's reliability and the information's credibility, e.g. “C3”."),
    )
    locator = serializers.CharField(
        read_only=True, help_text=_("Page, paragraph and timestamp as one short string.")
    )
    page = serializers.CharField(read_only=True)
    paragraph = serializers.CharField(read_only=True)
    timestamp = serializers.CharField(read_only=True)
    quote = serializers.CharField(read_only=True)


class ProvenanceSerializer(serializers.Serializer):
    """Every citation of a claim whose source the reader may see, and what they add up to.

    A citation whose source the reader may not see is left out, and counts for nothing here.
    """

    single_sourced = serializers.BooleanField(
        read_only=True,
        help_text=_("True when fewer than two independent sources you can see support it."),
    )
    independent_sources = serializers.IntegerField(
        source="independence.count",
        read_only=True,
        help_text=_(
            "How many supporting sources are independent of one another (not one publisher, "
            "neither repeating the other)."
        ),
    )
    explanation = serializers.CharField(
        source="independence.explain",
        read_only=True,
        help_text=_("Why the sources do not corroborate the claim; empty when they do."),
    )
    citations = ProvenanceCitationSerializer(many=True, read_only=True)
