"""A case with its parts in one request: what the case page records, through the API.

``POST /api/v1/cases/`` (and ``PATCH``) take, beside the case's own fields, the parts to add
with it — the same ones the case page's form has, and the same service records them
(:func:`cases.services.case_record`, in one transaction):

* ``new_allegations``: who did what to whom; the victim a visible person or a new person
  typed by name (``new_victim``), an organisation as perpetrator, a citation;
* ``new_detentions``: who was detained, when (``arrested_on``, recorded as the arrest) and
  where (``held_at``), the person visible or typed by name (``new_person``), a citation;
* ``new_source``: a source described on the spot, which citations with ``"source": null``
  cite.

A refusal names the part and its position (``new_allegations.0.citation``) and nothing is
recorded; an ``Idempotency-Key`` makes a retried create safe, as for every create.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.choices import PerpetratorRole
from cases.models import Allegation, Detention
from cases.services import AllegationInput, DetentionInput
from monitor.api.fields import ApproximateDateField, RecordField
from monitor.api.serializers import BriefPlaceSerializer, VocabularyField, visible_places
from monitor.choices import Vocabulary
from people.api.serializers import (
    BriefOrganizationSerializer,
    BriefPersonSerializer,
    visible_organizations,
    visible_persons,
)
from sources.api.serializers import BriefSourceSerializer, visible_sources
from sources.choices import Credibility, Reliability
from sources.services import CitationInput, NewSource

#: The write-only fields of a case that carry its parts (``RecordSerializer.children``).
PARTS = ("new_allegations", "new_detentions", "new_source")


class CitationInputSerializer(serializers.Serializer):
    source = RecordField(
        BriefSourceSerializer,
        visible_sources,
        allow_null=True,
        required=False,
        help_text=_("The source cited; null (or left out) cites the request's new_source."),
    )
    page = serializers.CharField(required=False, allow_blank=True, max_length=100)
    timestamp = serializers.CharField(required=False, allow_blank=True, max_length=40)
    quote = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    credibility = serializers.ChoiceField(choices=Credibility.choices, required=False)

    def to_input(self, data: dict) -> CitationInput:
        return CitationInput(
            source=data.get("source"),
            page=data.get("page", ""),
            timestamp=data.get("timestamp", ""),
            quote=data.get("quote", ""),
            credibility=data.get("credibility", Credibility.CANNOT_JUDGE),
        )


class NewSourceSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=500)
    kind = VocabularyField(Vocabulary.SOURCE_KIND)
    publisher = serializers.CharField(required=False, allow_blank=True, max_length=300)
    url = serializers.URLField(required=False, allow_blank=True, max_length=1000)
    published = ApproximateDateField(required=False, allow_null=True)
    reliability = serializers.ChoiceField(choices=Reliability.choices, required=False)

    def to_input(self, data: dict) -> NewSource:
        return NewSource(
            title=data["title"],
            kind=data["kind"],
            publisher=data.get("publisher", ""),
            url=data.get("url", ""),
            published=data.get("published"),
            reliability=data.get("reliability", Reliability.F),
        )


class NewAllegationSerializer(serializers.Serializer):
    victim = RecordField(BriefPersonSerializer, visible_persons, allow_null=True, required=False)
    new_victim = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text=_("A new person's name, instead of victim: the person is created once."),
    )
    violation_type = VocabularyField(Vocabulary.VIOLATION_TYPE)
    date = ApproximateDateField(required=False, allow_null=True)
    place = RecordField(BriefPlaceSerializer, visible_places, allow_null=True, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    perpetrator = RecordField(
        BriefOrganizationSerializer, visible_organizations, allow_null=True, required=False
    )
    perpetrator_role = serializers.ChoiceField(choices=PerpetratorRole.choices, required=False)
    citation = CitationInputSerializer(required=False, allow_null=True)

    def to_input(self, data: dict) -> AllegationInput:
        citation = data.get("citation")
        return AllegationInput(
            allegation=Allegation(
                victim=data.get("victim"),
                violation_type=data["violation_type"],
                date=data.get("date"),
                place=data.get("place"),
                description=data.get("description", ""),
            ),
            new_victim=data.get("new_victim", ""),
            perpetrator=data.get("perpetrator"),
            perpetrator_role=data.get("perpetrator_role", PerpetratorRole.DIRECT),
            citation=None if citation is None else CitationInputSerializer().to_input(citation),
        )


class NewDetentionSerializer(serializers.Serializer):
    person = RecordField(BriefPersonSerializer, visible_persons, allow_null=True, required=False)
    new_person = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text=_("A new person's name, instead of person: the person is created once."),
    )
    arrested_on = ApproximateDateField(
        required=False, allow_null=True, help_text=_("Recorded as the detention's arrest step.")
    )
    held_at = VocabularyField(Vocabulary.FACILITY, allow_null=True, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    citation = CitationInputSerializer(required=False, allow_null=True)

    def to_input(self, data: dict) -> DetentionInput:
        citation = data.get("citation")
        return DetentionInput(
            detention=Detention(person=data.get("person"), description=data.get("description", "")),
            new_person=data.get("new_person", ""),
            arrested_on=data.get("arrested_on"),
            held_at=data.get("held_at"),
            citation=None if citation is None else CitationInputSerializer().to_input(citation),
        )


def case_parts(children: dict) -> dict:
    """``case_record``'s keyword arguments for the parts in a write plan's ``children``."""
    source = children.pop("new_source", None)
    return {
        "allegations": [
            NewAllegationSerializer().to_input(item)
            for item in children.pop("new_allegations", None) or ()
        ],
        "detentions": [
            NewDetentionSerializer().to_input(item)
            for item in children.pop("new_detentions", None) or ()
        ],
        "new_source": None if source is None else NewSourceSerializer().to_input(source),
    }
