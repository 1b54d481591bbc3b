"""Endpoints for events, cases, allegations, detentions (with steps) and follow-ups."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError

from cases.api.recording import case_parts
from cases.api.serializers import (
    AllegationSerializer,
    CaseSerializer,
    ClaimStatusSerializer,
    DetentionSerializer,
    EventSerializer,
    FacilitySerializer,
    FigureAddSerializer,
    FigureEditSerializer,
    FollowUpSerializer,
    GroupDetentionSerializer,
    GroupFigureAddSerializer,
    GroupFigureEditSerializer,
)
from cases.counts import detained_by_event, with_named
from cases.filtersets import (
    AllegationFilterSet,
    CaseFilterSet,
    DetentionFilterSet,
    EventFilterSet,
    FacilityFilterSet,
    FollowUpFilterSet,
    GroupDetentionFilterSet,
)
from cases.followups import (
    M2M_FIELDS,
    followup_close,
    followup_create,
    followup_record_response,
    followup_reopen,
    followup_update,
)
from cases.models import (
    Allegation,
    AllegationPerpetrator,
    Case,
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
from cases.models.figures import SourcedFigure
from cases.provenance import attach_provenance
from cases.services import (
    AllegationInput,
    DetentionInput,
    StepInput,
    allegation_record,
    case_record,
    claim_set_status,
    detention_record,
    detention_steps_record,
    figure_add,
    figure_edit,
)
from monitor.api.exceptions import django_validation_detail, part_errors_detail
from monitor.api.serializers import ReasonSerializer
from monitor.api.viewsets import BatchCreateMixin, RecordViewSet, ReviewedViewSet
from monitor.redaction import annotate as annotate_identity
from monitor.selectors import visible_prefetch
from monitor.services import PartError, PartErrors, record_archive, record_save
from people.api.serializers import person_prefetch
from people.selectors import attach_persons
from sources.services import citation_add


def active(rows):
    return rows.filter(archived_at__isnull=True)


def with_identity(user):
    """For a prefetch of sources: each knows whether ``user`` may identify it (one rule)."""
    return lambda sources: annotate_identity(sources, user)


class ProvenanceMixin:
    """Shows each record with its provenance, worked out for a whole page at once.

    The citations of every record on a page, and of the claims nested in them
    (:meth:`claims_of`), come in one batch: a query per kind of record for its visibility,
    one for the citations (through ``visible_to``: a source the user may not see is left
    out), one per level of derivation between the sources — whatever the number of rows
    (:func:`cases.provenance.attach_provenance`).
    """

    def claims_of(self, record) -> list:
        """The record and the claims shown inside it (from its prefetches, no query)."""
        return [record]

    def attach_links(self, records) -> None:
        """Links and counts read for the whole page at once (none by default)."""

    def attach_provenance(self, records) -> None:
        self.attach_links(records)
        claims = [claim for record in records for claim in self.claims_of(record)]
        attach_provenance(claims, self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":  # not the history's entries
            self.attach_provenance(page)
        return page

    def record_response(self, record, status_code=200):
        self.attach_provenance([record])
        return super().record_response(record, status_code)

    def save_children(self, parent, list_field, items, reason):
        """Citations given with the record (``citations``) are added through the citation
        service, in the record's transaction; errors keep their positions."""
        if list_field.field_name != "citations":
            return super().save_children(parent, list_field, items, reason)
        errors = {}
        for index, item in enumerate(items):
            try:
                citation_add(record=parent, actor=self.request.user, **item)
            except DjangoValidationError as exc:
                errors[str(index)] = django_validation_detail(exc)
        if errors:
            raise ValidationError({list_field.field_name: errors})
        return None


FIGURE_PARAMETER = OpenApiParameter(
    "figure", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The figure's id."
)


class FigureActions:
    """Figures kept beside a record (an event, a group detention), side by side: add one,
    correct one, archive one — each through its service, each changing the record's ETag.

    A viewset sets ``figure_model`` and ``figure_link`` (the figure's link to the record) and,
    where what is counted differs from an event's, its own ``add_serializer`` and
    ``edit_serializer`` (with ``extend_schema_view`` for the schema).
    """

    figure_model: type[SourcedFigure]
    figure_link: str
    add_serializer: type[serializers.Serializer] = FigureAddSerializer
    edit_serializer: type[serializers.Serializer] = FigureEditSerializer

    #: Figures are kept beside the record: adding, correcting or archiving one changes its ETag.
    etag_children = ("figures",)
    idempotent_actions = ("figures",)

    def claims_of(self, record):
        return [record, *record.figures.all()]

    def figures_prefetch(self, user):
        """The record's figures not archived, each with its source through its visible_to
        (brief, identified as ``user`` may identify it)."""

        def figures(rows):
            return rows.filter(archived_at__isnull=True).prefetch_related(
                visible_prefetch(self.figure_model, "source", user, with_identity(user))
            )

        return visible_prefetch(self.model, "figures", user, figures)

    def figure_of(self, record, figure_id, actor) -> SourcedFigure:
        """The record's figure ``figure_id``, through its own visible_to (else 404)."""
        try:
            figures = self.figure_model.objects.visible_to(actor)
            figure = figures.filter(**{self.figure_link: record}, pk=figure_id).first()
        except (TypeError, ValueError, DjangoValidationError):
            figure = None
        if figure is None:
            raise NotFound()
        return figure

    @extend_schema(
        summary="Add a figure",
        description='One party\'s figure ("more than 40 killed, say UN experts"; "25 detained, '
        'say monitors"), kept beside the others, never replacing them; its source is cited '
        "on the figure's value.",
        request=FigureAddSerializer,
    )
    @action(detail=True, methods=["post"])
    def figures(self, request, *args, **kwargs):
        data = self.action_input(self.add_serializer)
        return self.idempotent_transition(
            request, self._add_figure, creates=self.figure_model, **data
        )

    @staticmethod
    def _add_figure(*, record, actor, **data):
        return figure_add(parent=record, actor=actor, **data)

    @extend_schema(
        summary="Correct a figure",
        description="Change a figure's value, range, qualifier, who gives it, as of when or "
        "its note; the change is kept in its history. Its source cannot change: add another "
        "figure instead. Answers with the record; If-Match takes the record's ETag.",
        request=FigureEditSerializer,
        parameters=[FIGURE_PARAMETER],
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"figures/(?P<figure>[^/.]+)",
        url_name="figure",
    )
    def figure_edit(self, request, *args, figure=None, **kwargs):
        data = dict(self.action_input(self.edit_serializer))
        reason = data.pop("change_reason", "")

        def edit(*, record, actor):
            found = self.figure_of(record, figure, actor)
            return figure_edit(figure=found, actor=actor, changes=data, reason=reason)

        return self.transition(request, edit)

    @extend_schema(
        summary="Archive a figure",
        description="Take a figure (a duplicate, a mistake) out of the record; it stays in the "
        "history and can be restored by a coordinator. Coordinators only, as for any "
        "archive. Answers with the record; If-Match takes the record's ETag.",
        request=ReasonSerializer,
        parameters=[FIGURE_PARAMETER],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"figures/(?P<figure>[^/.]+)/archive",
        url_name="figure-archive",
    )
    def figure_archive(self, request, *args, figure=None, **kwargs):
        data = self.action_input(ReasonSerializer)

        def archive(*, record, actor):
            found = self.figure_of(record, figure, actor)
            return record_archive(record=found, actor=actor, reason=data.get("reason", ""))

        return self.transition(request, archive)


class EventViewSet(BatchCreateMixin, FigureActions, ProvenanceMixin, ReviewedViewSet):
    """Protests, security operations, trials, mass arrests; events nest."""

    figure_model = EventFigure
    figure_link = "event"

    model = Event
    serializer_class = EventSerializer
    filterset_class = EventFilterSet

    def get_queryset(self):
        user = self.request.user

        # visible_to by confidentiality and team. The parent event is confidential too, so
        # it is prefetched through visible_to (a hidden parent reads as null). Figures follow
        # their event and their source (EventFigure.visible_to), each source brief.
        return (
            Event.objects.visible_to(user)
            .select_related("kind", "team", "created_by", "archived_by")
            .prefetch_related(
                visible_prefetch(Event, "parent", user),
                visible_prefetch(Event, "places", user),
                visible_prefetch(Event, "tags", user),
                person_prefetch("organiser_persons", user),
                visible_prefetch(Event, "organiser_organizations", user),
                self.figures_prefetch(user),
            )
        )

    def attach_links(self, records) -> None:
        # People detained at each event, from its group detentions (cases.counts), one query.
        counts = detained_by_event(self.request.user, [record.pk for record in records])
        for record in records:
            record.detained_count = counts.get(record.pk, 0)


class CaseViewSet(BatchCreateMixin, ProvenanceMixin, ReviewedViewSet):
    """Cases: one file of documentation work each, with what it holds in brief."""

    model = Case
    serializer_class = CaseSerializer
    filterset_class = CaseFilterSet

    def get_queryset(self):
        user = self.request.user

        # visible_to by confidentiality and team. Everything a case shows comes in one query
        # per relation, whatever the page size: linked events through Event.visible_to;
        # persons through CasePerson.visible_to (a link to a person the user may not see is
        # left out) with their names or pseudonyms; allegations and detentions (visible with
        # the case) with their victims and detainees through Person.visible_to (a hidden one
        # reads as null) and each detention's current status as an annotation.
        def links(rows):
            return rows.filter(archived_at__isnull=True).prefetch_related(
                person_prefetch("person", user)
            )

        def allegations(rows):
            return (
                rows.filter(archived_at__isnull=True)
                .select_related("violation_type")
                .prefetch_related(person_prefetch("victim", user))
            )

        # The detainees themselves are attached after the page is read (attach_links): a
        # prefetch of a link lists every linked id, and a page's detentions can be thousands.
        def detentions(rows):
            return rows.filter(archived_at__isnull=True).with_status()

        def groups(rows):
            return with_named(rows.filter(archived_at__isnull=True), user).prefetch_related(
                visible_prefetch(GroupDetention, "facility", user),
                visible_prefetch(GroupDetention, "figures", user, active),
            )

        return (
            Case.objects.visible_to(user)
            .select_related("team", "created_by", "archived_by")
            .prefetch_related(
                visible_prefetch(Case, "events", user),
                visible_prefetch(Case, "places", user),
                visible_prefetch(Case, "tags", user),
                visible_prefetch(Case, "case_persons", user, links),
                visible_prefetch(Case, "allegations", user, allegations),
                visible_prefetch(Case, "detentions", user, detentions),
                visible_prefetch(Case, "group_detentions", user, groups),
            )
        )

    def attach_links(self, records) -> None:
        detentions = [d for case in records for d in case.detentions.all()]
        attach_persons(
            detentions,
            self.request.user,
            among=Detention.objects.filter(case__in=[case.pk for case in records]),
        )

    def save_record(self, plan, expected_version=None):
        # The case service numbers a blank reference and checks a given one, and records the
        # parts sent with the case (cases/api/recording.py) as the case page does.
        try:
            return case_record(
                actor=self.request.user,
                case=plan.record,
                m2m=plan.m2m,
                expected_version=expected_version,
                reason=plan.reason,
                **case_parts(plan.children),
            )
        except PartError as refused:
            # The service names its parts as the page does; the request names them new_….
            if refused.part in ("allegations", "detentions", "new_source"):
                refused.part = (
                    refused.part if refused.part == "new_source" else f"new_{refused.part}"
                )
            raise


class AllegationViewSet(BatchCreateMixin, ProvenanceMixin, RecordViewSet):
    """Who did what to whom: victim, perpetrators, violation, when, where."""

    model = Allegation
    serializer_class = AllegationSerializer
    filterset_class = AllegationFilterSet

    def get_queryset(self):
        user = self.request.user

        # Visible with their case (visible_to). The case, victim and perpetrators are brief
        # links; persons and organisations are confidential, so they come through visible_to.
        def perpetrators(rows):
            return rows.filter(archived_at__isnull=True).prefetch_related(
                person_prefetch("person", user),
                visible_prefetch(AllegationPerpetrator, "organization", user),
            )

        return (
            Allegation.objects.visible_to(user)
            .select_related("case", "violation_type", "place", "created_by", "archived_by")
            .prefetch_related(
                person_prefetch("victim", user),
                visible_prefetch(Allegation, "perpetrators", user, perpetrators),
            )
        )

    def save_record(self, plan, expected_version=None):
        # The allegation service links the victim to the case, as every surface does.
        return allegation_record(
            actor=self.request.user,
            item=AllegationInput(allegation=plan.record, expected_version=expected_version),
            reason=plan.reason,
        )

    @extend_schema(
        summary="Set the claim status",
        description="alleged, corroborated (two independent sources), verified (a reviewer, "
        "four eyes), disputed (a source on each side) or refuted (a contesting source).",
        request=ClaimStatusSerializer,
    )
    @action(detail=True, methods=["post"], url_path="claim-status", url_name="claim-status")
    def claim_status(self, request, *args, **kwargs):
        data = self.action_input(ClaimStatusSerializer)
        return self.transition(
            request, self._set_claim, status=data["status"], comment=data.get("comment", "")
        )

    @staticmethod
    def _set_claim(*, record, actor, status, comment):
        return claim_set_status(claim=record, status=status, actor=actor, comment=comment)


class DetentionViewSet(BatchCreateMixin, ProvenanceMixin, RecordViewSet):
    """A person's deprivation of liberty, with its dated steps from arrest to release."""

    model = Detention
    serializer_class = DetentionSerializer
    filterset_class = DetentionFilterSet

    def get_queryset(self):
        user = self.request.user

        # Visible with their case (visible_to); current status annotated from the latest
        # step. Steps follow their detention; their places, facilities, articles are
        # reference data (joined/prefetched), their authorities confidential (visible_to).
        def steps(rows):
            return (
                rows.filter(archived_at__isnull=True)
                .select_related("place", "facility", "held_at")
                .prefetch_related(
                    visible_prefetch(DetentionStep, "articles", user),
                    visible_prefetch(DetentionStep, "administrative_articles", user),
                    visible_prefetch(DetentionStep, "authority", user),
                )
                .order_by("date", "date_precision", "created_at", "pk")
            )

        return (
            Detention.objects.visible_to(user)
            .with_status()
            .select_related("case", "created_by", "archived_by")
            .prefetch_related(
                person_prefetch("person", user),
                visible_prefetch(Detention, "group", user),
                visible_prefetch(Detention, "steps", user, steps),
            )
        )

    def claims_of(self, record):
        return [record, *record.steps.all()]

    @extend_schema(
        summary="Set a step's claim status",
        description="Each step of a detention (an arrest, a sentence…) is a claim of its own: "
        "alleged, corroborated (two independent sources), verified (a reviewer, four eyes), "
        "disputed (a source on each side) or refuted (a contesting source). Answers with the "
        "detention; If-Match takes the detention's ETag.",
        request=ClaimStatusSerializer,
        parameters=[
            OpenApiParameter(
                "step", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The step's id."
            )
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"steps/(?P<step>[^/.]+)/claim-status",
        url_name="step-claim-status",
    )
    def step_claim_status(self, request, *args, step=None, **kwargs):
        data = self.action_input(ClaimStatusSerializer)

        def set_claim(*, record, actor):
            # The step through its own visible_to, and only a step of this detention.
            try:
                claim = DetentionStep.objects.visible_to(actor).filter(detention=record, pk=step)
                claim = claim.first()
            except (TypeError, ValueError, DjangoValidationError):
                claim = None
            if claim is None:
                raise NotFound()
            return claim_set_status(
                claim=claim, status=data["status"], actor=actor, comment=data.get("comment", "")
            )

        return self.transition(request, set_claim)

    def save_record(self, plan, expected_version=None):
        # The detention service links the detained person to the case.
        return detention_record(
            actor=self.request.user,
            item=DetentionInput(detention=plan.record, expected_version=expected_version),
            reason=plan.reason,
        )

    def save_children(self, parent, list_field, items, reason):
        if list_field.field_name != "steps":
            return super().save_children(parent, list_field, items, reason)
        # Steps go through their service as one batch: the order rules (no step before the
        # arrest, from both sides) are checked on the detention as it will be.
        plans, errors = self.child_plans(parent, list_field, items)
        if errors:
            raise ValidationError({list_field.field_name: errors})
        steps = [
            StepInput(
                step=plan.record,
                articles=plan.m2m.get("articles"),
                administrative_articles=plan.m2m.get("administrative_articles"),
            )
            for _, plan in plans
        ]
        try:
            detention_steps_record(
                actor=self.request.user, detention=parent, steps=steps, reason=reason
            )
        except PartErrors as refused:
            for part in refused.parts:  # positions in the batch → positions in the request
                part.index = plans[part.index][0]
            raise ValidationError(part_errors_detail(refused)) from refused


class FacilityViewSet(ReviewedViewSet):
    """Places of detention: police stations, holding facilities, pre-trial centres, colonies."""

    model = Facility
    serializer_class = FacilitySerializer
    filterset_class = FacilityFilterSet

    def get_queryset(self):
        user = self.request.user
        # Reference data (visible_to: any role). The coordinates' source and the authority
        # are confidential records: through their own visible_to (hidden ones read as null).
        return (
            Facility.objects.visible_to(user)
            .select_related("place", "created_by", "archived_by")
            .prefetch_related(
                visible_prefetch(Facility, "coordinates_source", user, with_identity(user)),
                visible_prefetch(Facility, "authority", user),
            )
        )


@extend_schema_view(
    figures=extend_schema(request=GroupFigureAddSerializer),
    figure_edit=extend_schema(request=GroupFigureEditSerializer),
)
class GroupDetentionViewSet(FigureActions, ProvenanceMixin, RecordViewSet):
    """People detained together, counted rather than named, and where they were taken."""

    figure_model = GroupDetentionFigure
    figure_link = "group"
    add_serializer = GroupFigureAddSerializer
    edit_serializer = GroupFigureEditSerializer

    model = GroupDetention
    serializer_class = GroupDetentionSerializer
    filterset_class = GroupDetentionFilterSet

    def get_queryset(self):
        user = self.request.user

        # Visible with their case (visible_to); the detainees named so far are counted in a
        # subquery. The event is confidential (visible_to: a hidden one reads as null);
        # figures follow their group and their source, each source brief.
        return with_named(
            GroupDetention.objects.visible_to(user).select_related(
                "case", "place", "facility", "created_by", "archived_by"
            ),
            user,
        ).prefetch_related(
            visible_prefetch(GroupDetention, "event", user),
            self.figures_prefetch(user),
        )


class FollowUpViewSet(BatchCreateMixin, ProvenanceMixin, RecordViewSet):
    """UN communications, letters, hearings, appeals, visits — and the answers."""

    model = FollowUp
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilterSet

    def get_queryset(self):
        user = self.request.user

        # Visible with their case (visible_to); status annotated by the same rule as
        # FollowUp.status(). Organisations and persons are confidential: through visible_to.
        def responses(rows):
            return rows.filter(archived_at__isnull=True).prefetch_related(
                visible_prefetch(FollowUpResponse, "document", user, with_identity(user))
            )

        return (
            FollowUp.objects.visible_to(user)
            .with_status()
            .select_related("case", "communication_type", "owner", "created_by", "archived_by")
            .prefetch_related(
                visible_prefetch(FollowUp, "mandates", user),
                visible_prefetch(FollowUp, "addressee", user),
                visible_prefetch(FollowUp, "court", user),
                visible_prefetch(FollowUp, "other_addressees", user),
                person_prefetch("persons", user),
                visible_prefetch(FollowUp, "responses", user, responses),
            )
        )

    def perform_write(self, serializer, instance=None, expected_version=None):
        # Follow-ups have their own services (the UN due date, the addressee checks).
        data = dict(serializer.validated_data)
        reason = data.pop("change_reason", "") or ""
        responses = data.pop("responses", None)
        citations = data.pop("citations", None)
        m2m = {name: data.pop(name) for name in M2M_FIELDS if name in data}
        actor = self.request.user
        with transaction.atomic():
            if instance is None:
                followup = followup_create(actor=actor, reason=reason, **m2m, **data)
            else:
                followup = followup_update(
                    actor=actor,
                    followup=instance,
                    expected_version=expected_version,
                    reason=reason,
                    **m2m,
                    **data,
                )
            if responses is not None:
                self.save_children(followup, serializer.fields["responses"], responses, reason)
            if citations is not None:
                self.save_children(followup, serializer.fields["citations"], citations, reason)
        return followup

    def save_child(self, record, plan, reason):
        if record._state.adding:  # a new response: recorded by its service
            values = {name: getattr(record, name) for name in ("received", "kind", "summary")}
            return followup_record_response(
                actor=self.request.user,
                followup=record.followup,
                document=record.document,
                reason=reason,
                **values,
            )
        return record_save(record=record, actor=self.request.user, reason=reason, m2m=plan.m2m)

    @extend_schema(
        summary="Close", description="Nothing more is expected.", request=ReasonSerializer
    )
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        data = self.action_input(ReasonSerializer)
        return self.transition(request, self._close, reason=data.get("reason", ""))

    @extend_schema(summary="Reopen", request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, *args, **kwargs):
        data = self.action_input(ReasonSerializer)
        return self.transition(request, self._reopen, reason=data.get("reason", ""))

    @staticmethod
    def _close(*, record, actor, reason):
        return followup_close(actor=actor, followup=record, reason=reason)

    @staticmethod
    def _reopen(*, record, actor, reason):
        return followup_reopen(actor=actor, followup=record, reason=reason)
