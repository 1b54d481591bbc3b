"""Endpoints for persons (with their names), organisations and affiliations."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from monitor.api.exceptions import Conflict
from monitor.api.serializers import ReasonSerializer
from monitor.api.viewsets import BatchCreateMixin, RecordViewSet, ReviewedViewSet, precondition
from monitor.redaction import annotate as annotate_identity
from monitor.selectors import visible_prefetch
from people.api.serializers import (
    AffiliationSerializer,
    DuplicatePairSerializer,
    DuplicatesJobSerializer,
    LikelyDuplicateSerializer,
    MergeSerializer,
    OrganizationSerializer,
    PersonSerializer,
    person_prefetch,
    with_primary_name,
)
from people.duplicates import duplicate_review, duplicates_start
from people.filtersets import AffiliationFilterSet, OrganizationFilterSet, PersonFilterSet
from people.matching import likely_duplicates, resolve_pairs
from people.models import Affiliation, Organization, Person, PersonName
from people.services import person_create, person_merge, person_names_check, person_unmerge


def _job(progress, request) -> dict:
    """A background search for duplicates, as the API shows it."""
    url = reverse("task-progress-json", kwargs={"pk": progress.pk}, request=request)
    return DuplicatesJobSerializer(
        {"id": progress.pk, "state": progress.state, "progress_url": url}
    ).data


def _flag(value) -> bool:
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


class LikelyDuplicates(Conflict):
    """A person create whose names are like those of persons already recorded (409)."""

    default_detail = _(
        "Already recorded with a similar name: see likely_duplicates. If one of them is this "
        "person, use that record; if not, send the request again with ?confirm_new=true."
    )
    default_code = "likely_duplicates"

    def __init__(self, matches, context):
        super().__init__()
        self.duplicates = LikelyDuplicateSerializer(matches, many=True, context=context).data


CONFIRM_NEW = OpenApiParameter(
    "confirm_new",
    bool,
    description=_(
        "On a create: record the person even though persons with a like name exist (without "
        "it, such a create answers 409 with likely_duplicates)."
    ),
)


@extend_schema_view(create=extend_schema(parameters=[CONFIRM_NEW]))
class PersonViewSet(BatchCreateMixin, ReviewedViewSet):
    """Victims, witnesses, relatives, lawyers, officials, perpetrators — under every name.

    A protected person shows a pseudonym and no identifying details to users without
    clearance for them; their names are not listed (nor searchable) for those users.
    Searching by ``?name=`` ranks the results, best first, each with its ``match``. A
    create whose names are like a visible person's answers 409 with ``likely_duplicates``
    unless ``?confirm_new=true``. A person merged into another answers with a redirect to
    the surviving record.
    """

    model = Person
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    #: The duplicate review is paginated too (``?page=``, ``?page_size=``).
    paginated_actions = (*ReviewedViewSet.paginated_actions, "duplicates")

    def known_query_parameters(self) -> set[str]:
        # ?confirm_new=true is read by a create only (see perform_write).
        known = super().known_query_parameters()
        if getattr(self, "action", None) == "create":
            known.add("confirm_new")
        return known

    @extend_schema(
        summary="Merge a duplicate into this person",
        description=(
            "Coordinators only. Names, citations, case links, allegations (as victim and as "
            "perpetrator), detentions, follow-ups and affiliations of `duplicate` move to this "
            "person; the duplicate is archived as merged into it, and this person goes back "
            "to review. A person you may not see answers 404."
        ),
        request=MergeSerializer,
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, *args, **kwargs):
        data = self.action_input(MergeSerializer)
        with transaction.atomic():
            survivor = self.get_write_object(lock=True)
            precondition(request, survivor)
            duplicate = Person.objects.visible_to(request.user).filter(pk=data["duplicate"]).first()
            if duplicate is None:
                raise exceptions.NotFound()
            person_merge(
                actor=request.user, survivor=survivor, duplicate=duplicate, reason=data["reason"]
            )
        return self.record_response(self.refetch(survivor))

    @extend_schema(
        summary="Undo the merge of this person",
        description=(
            "Coordinators only. What the merge moved comes back to this person, which is "
            "restored; the surviving record's confidentiality and protection are put back."
        ),
        request=ReasonSerializer,
    )
    @action(detail=True, methods=["post"])
    def unmerge(self, request, *args, **kwargs):
        data = self.action_input(ReasonSerializer)
        with transaction.atomic():
            duplicate = self.get_write_object(lock=True)
            precondition(request, duplicate)
            person_unmerge(actor=request.user, duplicate=duplicate, reason=data.get("reason", ""))
        return self.record_response(self.refetch(duplicate))

    @extend_schema(
        summary="Likely duplicates",
        description=(
            "Coordinators only: pairs of persons you may see whose names are a sure match, "
            "best first, with the score and the reasons."
        ),
        responses=DuplicatePairSerializer(many=True),
        filters=False,
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def duplicates(self, request, *args, **kwargs):
        if not request.user.has_perm("monitor.archive_record"):
            raise exceptions.PermissionDenied()
        review = duplicate_review(request.user)
        page = resolve_pairs(self.paginate_queryset(review.rows), request.user)
        context = self.get_serializer_context()
        response = self.get_paginated_response(
            DuplicatePairSerializer(page, many=True, context=context).data
        )
        response.data["computed_at"] = review.computed.finished_at if review.computed else None
        response.data["recompute"] = _job(review.running, request) if review.running else None
        return response

    @extend_schema(
        summary="Look for likely duplicates again",
        description=(
            "Coordinators only: start finding the pairs in the background (on a large "
            "register `duplicates` reads the latest result); answers 202 with the work's "
            "progress (`progress_url`). A search already under way is answered, not doubled."
        ),
        request=None,
        responses={202: DuplicatesJobSerializer},
        filters=False,
    )
    @duplicates.mapping.post
    def duplicates_recompute(self, request, *args, **kwargs):
        if not request.user.has_perm("monitor.archive_record"):
            raise exceptions.PermissionDenied()
        job = _job(duplicates_start(request.user), request)
        return Response(job, status=status.HTTP_202_ACCEPTED)

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, LikelyDuplicates):
            response.data["error"]["likely_duplicates"] = exc.duplicates
        return response

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        if person.merged_into_id is not None:
            # A merged duplicate leads to the surviving record (if the reader may see it).
            survivor = self.get_queryset().filter(pk=person.merged_into_id).first()
            if survivor is not None:
                url = reverse("api:person-detail", args=[survivor.pk], request=request)
                return Response(
                    status=status.HTTP_308_PERMANENT_REDIRECT, headers={"Location": url}
                )
        return self.record_response(person)

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
        # Likely duplicates first, as the person form does: 409 with the list, unless the
        # client says this is someone new (?confirm_new=true).
        if not _flag(self.request.query_params.get("confirm_new")):
            found = likely_duplicates([name.full_name for name in names], user=self.request.user)
            if found:
                raise LikelyDuplicates(found, self.get_serializer_context())
        return person_create(
            actor=self.request.user, person=plan.record, names=names, reason=plan.reason
        )


class OrganizationViewSet(BatchCreateMixin, ReviewedViewSet):
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
