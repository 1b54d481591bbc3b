"""Endpoints for persons (with their names), organisations and affiliations."""

from __future__ import annotations

from monitor.api.viewsets import RecordViewSet, ReviewedViewSet
from monitor.redaction import annotate as annotate_identity
from monitor.selectors import visible_prefetch
from people.api.serializers import (
    AffiliationSerializer,
    OrganizationSerializer,
    PersonSerializer,
    person_prefetch,
    with_primary_name,
)
from people.filtersets import AffiliationFilterSet, OrganizationFilterSet, PersonFilterSet
from people.models import Affiliation, Organization, Person, PersonName
from people.services import person_create, person_names_check


class PersonViewSet(ReviewedViewSet):
    """Victims, witnesses, relatives, lawyers, officials, perpetrators — under every name.

    A protected person shows a pseudonym and no identifying details to users without
    clearance for them; their names are not listed (nor searchable) for those users.
    """

    model = Person
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet

    def get_queryset(self):
        user = self.request.user
        # visible_to first. identity_revealed (the redaction rule) and the primary name are
        # computed in the same query. Names come through PersonName.visible_to, which leaves
        # out the names of protected persons the user may not identify; places, team and
        # audit users are brief links, joined.
        queryset = with_primary_name(annotate_identity(Person.objects.visible_to(user), user))
        return queryset.select_related(
            "birth_place", "residence", "team", "created_by", "archived_by"
        ).prefetch_related(
            visible_prefetch(Person, "names", user, lambda names: names.filter(archived_at=None))
        )

    def save_children(self, parent, list_field, items, reason):
        super().save_children(parent, list_field, items, reason)
        if list_field.field_name == "names":
            person_names_check(person=parent)  # in the write's transaction: all or nothing

    def perform_write(self, serializer, instance=None, expected_version=None):
        if instance is not None:
            return super().perform_write(serializer, instance, expected_version)
        # A new person is recorded with their names by the person service, as on the pages
        # and in the admin.
        plan = serializer.to_record()
        names_field = serializer.fields["names"]
        names = []
        for index in range(len(plan.children.get("names", []))):
            data = dict(plan.children["names"][index])
            data.pop("id", None)
            names.append(names_field.child.item_to_record(data, PersonName()).record)
        return person_create(
            actor=self.request.user, person=plan.record, names=names, reason=plan.reason
        )


class OrganizationViewSet(RecordViewSet):
    """Security forces, courts, ministries, UN mandates, NGOs."""

    model = Organization
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet

    def get_queryset(self):
        user = self.request.user
        # visible_to by confidentiality; the parent organisation is itself confidential, so
        # it is prefetched through visible_to too (a hidden parent reads as null).
        return (
            Organization.objects.visible_to(user)
            .select_related("country", "created_by", "archived_by")
            .prefetch_related(visible_prefetch(Organization, "parent", user))
        )


class AffiliationViewSet(RecordViewSet):
    """A person's role in an organisation, over a period."""

    model = Affiliation
    serializer_class = AffiliationSerializer
    filterset_class = AffiliationFilterSet

    def get_queryset(self):
        user = self.request.user
        # visible_to: both the person and the organisation must be visible; both are shown
        # brief, the person with their name or pseudonym.
        return (
            Affiliation.objects.visible_to(user)
            .select_related("created_by", "archived_by")
            .prefetch_related(
                person_prefetch("person", user),
                visible_prefetch(Affiliation, "organization", user),
            )
        )
