"""Serializers of persons (with their names), organisations and affiliations."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from monitor.api.fields import RecordField
from monitor.api.redaction import RedactedSerializerMixin, identity_policy
from monitor.api.serializers import (
    AUDIT_FIELDS,
    BriefPlaceSerializer,
    ChildSerializer,
    RecordSerializer,
    TeamField,
    visible_places,
)
from monitor.api.strict import StrictSerializer
from people.models import Affiliation, Organization, Person, PersonName
from people.selectors import (  # noqa: F401  (the API's links to persons come from here)
    person_prefetch,
    visible_names,
    visible_organizations,
    visible_persons,
    with_primary_name,
)


def display_name(person, context) -> str:
    if not identity_policy(context).reveals(person):
        return person.pseudonym
    name = person.__dict__.get("primary_name")
    if name is None and "primary_name" not in person.__dict__:
        return str(person)
    return name or person.pseudonym


class BriefPersonSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    display_name = serializers.SerializerMethodField(
        help_text=_("The primary name, or the pseudonym of a protected person.")
    )
    is_protected = serializers.BooleanField(read_only=True)

    def get_display_name(self, person) -> str:
        return display_name(person, self.context)


class MatchSerializer(serializers.Serializer):
    score = serializers.FloatField(help_text=_("1 is the same name; 0.86 and above, surely."))
    name = serializers.CharField(help_text=_("The person's name that matched the query."))


class LikelyDuplicateSerializer(serializers.Serializer):
    """A visible person a new record may duplicate (:class:`people.matching.Match`): the
    API's 409 on a person create, and the duplicate review."""

    id = serializers.UUIDField(source="person.id", read_only=True)
    display_name = serializers.SerializerMethodField()
    score = serializers.FloatField(read_only=True)
    matched_name = serializers.CharField(source="variant", read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)

    def get_display_name(self, match) -> str:
        return display_name(match.person, self.context)


class MergeSerializer(StrictSerializer):
    duplicate = serializers.UUIDField(
        help_text=_("The person recorded twice: merged into this one.")
    )
    reason = serializers.CharField(max_length=500, help_text=_("Why these are one person."))


class DuplicatePairSerializer(serializers.Serializer):
    one = BriefPersonSerializer(read_only=True)
    other = BriefPersonSerializer(read_only=True)
    score = serializers.FloatField(read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)


class DuplicatesJobSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    state = serializers.CharField(read_only=True)
    progress_url = serializers.URLField(
        read_only=True, help_text=_("Where the search stands (JSON), for its owner only.")
    )


class BriefOrganizationSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    acronym = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)


class PersonNameSerializer(ChildSerializer):
    parent_field = "person"

    class Meta:
        model = PersonName
        fields = [
            "id",
            "full_name",
            "given_name",
            "family_name",
            "patronymic",
            "kind",
            "script",
            "language",
            "is_primary",
            "version",
            "archived_at",
        ]
        read_only_fields = ("version", "archived_at")

    def save_order(self, items):
        # The old primary name stops being primary before the new one becomes it.
        return sorted(range(len(items)), key=lambda index: bool(items[index].get("is_primary")))


class PersonSerializer(RedactedSerializerMixin, RecordSerializer):
    display_name = serializers.SerializerMethodField(
        help_text=_("The primary name, or the pseudonym of a protected person.")
    )
    match = serializers.SerializerMethodField(
        help_text=_(
            "On a search by name (``?name=``): how well the person matched (0–1, results "
            "come best first) and which of their names matched. Null otherwise."
        )
    )
    names = PersonNameSerializer(
        many=True,
        required=False,
        help_text=_(
            "Every way the name is written. On a write, items with an id are updated, items "
            "without one added; names left out are kept. Empty for a protected person you "
            "may not identify."
        ),
    )
    birth_place = RecordField(BriefPlaceSerializer, visible_places, allow_null=True, required=False)
    residence = RecordField(BriefPlaceSerializer, visible_places, allow_null=True, required=False)
    team = TeamField()

    children = ("names",)

    class Meta:
        model = Person
        fields = [
            "id",
            "display_name",
            "match",
            "names",
            "gender",
            "birth_date",
            "birth_place",
            "residence",
            "occupation",
            "ethnicity",
            "contact",
            "biography",
            "is_protected",
            "identity_redacted",
            "confidentiality",
            "team",
            "review_state",
            *AUDIT_FIELDS[1:],
            "change_reason",
        ]
        read_only_fields = (*AUDIT_FIELDS, "review_state")

    def get_display_name(self, person) -> str:
        return display_name(person, self.context)

    @extend_schema_field(MatchSerializer(allow_null=True))
    def get_match(self, person) -> dict | None:
        score = person.__dict__.get("match_score")
        if score is None or not identity_policy(self.context).reveals(person):
            return None
        return {"score": round(score, 3), "name": person.__dict__.get("match_variant", "")}


class OrganizationSerializer(RecordSerializer):
    country = RecordField(BriefPlaceSerializer, visible_places, allow_null=True, required=False)
    parent = RecordField(
        BriefOrganizationSerializer, visible_organizations, allow_null=True, required=False
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "acronym",
            "kind",
            "country",
            "parent",
            "description",
            "confidentiality",
            "review_state",
            *AUDIT_FIELDS[1:],
            "change_reason",
        ]
        read_only_fields = (*AUDIT_FIELDS, "review_state")


class AffiliationSerializer(RecordSerializer):
    person = RecordField(BriefPersonSerializer, visible_persons)
    organization = RecordField(BriefOrganizationSerializer, visible_organizations)

    class Meta:
        model = Affiliation
        fields = [
            "id",
            "person",
            "organization",
            "role",
            "since",
            "until",
            *AUDIT_FIELDS[1:],
            "change_reason",
        ]
        read_only_fields = AUDIT_FIELDS
