"""Admin pages for events, cases and what they hold."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.choices import StepKind
from cases.counts import with_named
from cases.models import (
    Allegation,
    AllegationPerpetrator,
    CalendarFeed,
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
    ReminderLog,
)
from cases.services import (
    AllegationInput,
    DetentionInput,
    StepInput,
    allegation_record,
    case_record,
    case_reference_check,
    case_reference_normalize,
    detention_record,
    detention_steps_record,
)
from monitor.admin.base import AuditedAdmin, AuditedInline, ReadOnlyOwnRowsAdmin
from monitor.admin.forms import AuditedModelForm
from monitor.selectors import visible_prefetch
from monitor.services import PartErrors
from people.admin import PersonNameSearchMixin, primary_names
from sources.admin import CitationInline


def row_version(row) -> int | None:
    """The version an inline row was opened at (None for a new row)."""
    return None if row.instance._state.adding else row.cleaned_data.get("expected_version")


def _m2m(form) -> dict:
    return AuditedAdmin._m2m_values(form)


def save_steps(request, *, detention, rows, reason: str) -> None:
    """Save step rows through the steps service (order rules from both sides); a refusal
    names the step it concerns."""
    try:
        detention_steps_record(
            actor=request.user,
            detention=detention,
            steps=[
                StepInput(
                    step=row.instance,
                    articles=_m2m(row).get("articles"),
                    administrative_articles=_m2m(row).get("administrative_articles"),
                    expected_version=row_version(row),
                )
                for row in rows
            ],
            reason=reason,
        )
    except PartErrors as refused:
        raise ValidationError(
            [
                ValidationError(
                    "%(step)s: %(messages)s",
                    params={
                        "step": rows[part.index].instance,
                        "messages": " ".join(part.error.messages),
                    },
                )
                for part in refused.parts
            ]
        ) from refused


# -- events -------------------------------------------------------------------------------


class EventFigureInline(AuditedInline):
    model = EventFigure
    fields = ("kind", "qualifier", "value", "value_max", "claimed_by", "source", "as_of")
    autocomplete_fields = ("source",)


@admin.register(Event)
class EventAdmin(AuditedAdmin):
    list_display = ("title", "parent", "kind", "start", "end", "review_state", "confidentiality")
    list_filter = ("review_state", "confidentiality", "kind", "parent")
    search_fields = ("title",)
    list_select_related = ("parent", "kind")
    autocomplete_fields = (
        "parent",
        "kind",
        "places",
        "organiser_persons",
        "organiser_organizations",
        "tags",
    )
    inlines = (EventFigureInline, CitationInline)


@admin.register(EventFigure)
class EventFigureAdmin(AuditedAdmin):
    list_display = ("event", "kind", "display_value", "claimed_by", "source", "as_of")
    list_filter = ("kind",)
    search_fields = ("event__title", "claimed_by")
    list_select_related = ("event", "source")
    autocomplete_fields = ("event", "source")

    @admin.display(description=_("figure"), ordering="value")
    def display_value(self, obj: EventFigure) -> str:
        return obj.display_value


# -- cases --------------------------------------------------------------------------------


class CasePersonInline(AuditedInline):
    model = CasePerson
    fields = ("person", "role", "note")
    autocomplete_fields = ("person",)


class AllegationInline(AuditedInline):
    model = Allegation
    fields = ("victim", "victim_description", "violation_type", "date", "place", "claim_status")
    autocomplete_fields = ("victim", "violation_type", "place")
    show_change_link = True  # perpetrators and citations are edited on the allegation's page

    def save_rows(self, request, *, parent, rows, reason: str) -> None:
        # The allegation service links each victim to the case, as the pages and API do.
        for row in rows:
            allegation_record(
                actor=request.user,
                item=AllegationInput(allegation=row.instance, expected_version=row_version(row)),
                reason=reason,
            )


class CaseAdminForm(AuditedModelForm):
    """A new case may be left without a reference: the case service gives the next one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "reference" in self.fields and self.instance._state.adding:
            field = self.fields["reference"]
            field.required = False
            field.help_text = _(
                "Leave empty for the next free reference of the year, e.g. %(example)s."
            ) % {"example": "TJK-2023-0007"}

    def clean_reference(self) -> str:
        reference = case_reference_normalize(self.cleaned_data.get("reference"))
        if reference and self.instance._state.adding:
            try:
                case_reference_check(reference)
            except ValidationError as error:
                raise ValidationError(error.message_dict["reference"]) from error
        return reference


@admin.register(Case)
class CaseAdmin(AuditedAdmin):
    form = CaseAdminForm
    list_display = (
        "reference",
        "title",
        "case_type",
        "team",
        "confidentiality",
        "review_state",
        "updated_at",
    )
    list_filter = ("review_state", "confidentiality", "case_type", "language", "team")
    search_fields = ("reference", "title")
    list_select_related = ("team",)
    autocomplete_fields = ("events", "places", "tags")
    inlines = (CasePersonInline, AllegationInline, CitationInline)

    def save_model(self, request, obj, form, change):
        # The case service numbers a blank reference and checks a given one.
        case_record(
            actor=request.user,
            case=obj,
            m2m=self._m2m_values(form),
            expected_version=form.cleaned_data.get("expected_version") if change else None,
            reason=form.cleaned_data.get("change_reason", ""),
        )


@admin.register(CasePerson)
class CasePersonAdmin(PersonNameSearchMixin, AuditedAdmin):
    list_display = ("person", "role", "case", "note")
    list_filter = ("role",)
    search_fields = ("case__reference", "case__title")
    list_select_related = ("case", "person")
    autocomplete_fields = ("case", "person")

    def get_visible_queryset(self, request):
        return (
            super()
            .get_visible_queryset(request)
            .prefetch_related(primary_names(self, request, "person"))
        )


# -- allegations --------------------------------------------------------------------------


class AllegationPerpetratorInline(AuditedInline):
    model = AllegationPerpetrator
    fields = ("person", "organization", "role")
    autocomplete_fields = ("person", "organization")


@admin.register(Allegation)
class AllegationAdmin(PersonNameSearchMixin, AuditedAdmin):
    list_display = ("violation_type", "victim_display", "case", "date", "place", "claim_status")
    list_filter = ("claim_status", "violation_type", "language", "case")
    search_fields = ("case__reference", "victim_description", "description")
    list_select_related = ("case", "victim", "violation_type", "place")
    autocomplete_fields = ("case", "victim", "violation_type", "place")
    inlines = (AllegationPerpetratorInline, CitationInline)
    person_search_path = "victim"

    def get_visible_queryset(self, request):
        return (
            super()
            .get_visible_queryset(request)
            .prefetch_related(primary_names(self, request, "victim"))
        )

    def save_model(self, request, obj, form, change):
        allegation_record(
            actor=request.user,
            item=AllegationInput(
                allegation=obj,
                expected_version=form.cleaned_data.get("expected_version") if change else None,
            ),
            reason=form.cleaned_data.get("change_reason", ""),
        )

    @admin.display(description=_("victim"))
    def victim_display(self, obj: Allegation) -> str:
        return str(obj.victim) if obj.victim_id else obj.victim_description


@admin.register(AllegationPerpetrator)
class AllegationPerpetratorAdmin(PersonNameSearchMixin, AuditedAdmin):
    list_display = ("perpetrator", "role", "allegation", "case_reference")
    list_filter = ("role",)
    search_fields = ("allegation__case__reference", "organization__name", "organization__acronym")
    list_select_related = (
        "allegation__case",
        "allegation__victim",
        "allegation__violation_type",
        "person",
        "organization",
    )
    autocomplete_fields = ("allegation", "person", "organization")

    def get_visible_queryset(self, request):
        return (
            super()
            .get_visible_queryset(request)
            .prefetch_related(
                primary_names(self, request, "person"),
                primary_names(self, request, "allegation__victim"),
            )
        )

    @admin.display(description=_("alleged perpetrator"))
    def perpetrator(self, obj: AllegationPerpetrator) -> str:
        return str(obj.person or obj.organization)

    @admin.display(description=_("case"), ordering="allegation__case__reference")
    def case_reference(self, obj: AllegationPerpetrator) -> str:
        return obj.allegation.case.reference


# -- detentions ---------------------------------------------------------------------------


STEP_FIELDS = (
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
    "note",
)
STEP_AUTOCOMPLETE = (
    "place",
    "facility",
    "held_at",
    "authority",
    "articles",
    "administrative_articles",
)


class DetentionStepInline(AuditedInline):
    model = DetentionStep
    fields = STEP_FIELDS
    autocomplete_fields = STEP_AUTOCOMPLETE

    def save_rows(self, request, *, parent, rows, reason: str) -> None:
        save_steps(request, detention=parent, rows=rows, reason=reason)


class DetentionStatusFilter(admin.SimpleListFilter):
    """Filter on the status derived from the latest step (``with_status``)."""

    title = _("current status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return StepKind.choices

    def queryset(self, request, queryset):
        if self.value() in StepKind.values:
            return queryset.filter(latest_step_kind=self.value())
        return queryset


@admin.register(Detention)
class DetentionAdmin(PersonNameSearchMixin, AuditedAdmin):
    list_display = ("person", "case", "status", "created_at")
    list_filter = (DetentionStatusFilter, "case")
    search_fields = ("case__reference", "case__title")
    list_select_related = ("case", "person")
    autocomplete_fields = ("case", "person", "group")
    inlines = (DetentionStepInline, CitationInline)

    def get_visible_queryset(self, request):
        # The status is the latest step's kind, annotated in the same query.
        return (
            super()
            .get_visible_queryset(request)
            .with_status()
            .prefetch_related(primary_names(self, request, "person"))
        )

    @admin.display(description=_("current status"), ordering="latest_step_kind")
    def status(self, obj: Detention) -> str | None:
        kind = obj.current_status
        return StepKind(kind).label if kind else None

    def save_model(self, request, obj, form, change):
        # The detention service links the detained person to the case.
        detention_record(
            actor=request.user,
            item=DetentionInput(
                detention=obj,
                expected_version=form.cleaned_data.get("expected_version") if change else None,
            ),
            reason=form.cleaned_data.get("change_reason", ""),
        )


@admin.register(DetentionStep)
class DetentionStepAdmin(PersonNameSearchMixin, AuditedAdmin):
    list_display = ("kind", "date", "detention", "place", "facility", "authority", "sentence")
    list_filter = ("kind",)
    search_fields = ("detention__case__reference", "note")
    list_select_related = ("detention__person", "place", "facility", "authority")
    autocomplete_fields = ("detention", *STEP_AUTOCOMPLETE)
    person_search_path = "detention__person"

    def get_visible_queryset(self, request):
        return (
            super()
            .get_visible_queryset(request)
            .prefetch_related(primary_names(self, request, "detention__person"))
        )

    @admin.display(description=_("sentence"))
    def sentence(self, obj: DetentionStep) -> str:
        return obj.outcome_display

    def save_model(self, request, obj, form, change):
        # One step, through the steps service: the order rules hold from both sides.
        try:
            detention_steps_record(
                actor=request.user,
                detention=obj.detention,
                steps=[
                    StepInput(
                        step=obj,
                        articles=self._m2m_values(form).get("articles"),
                        administrative_articles=self._m2m_values(form).get(
                            "administrative_articles"
                        ),
                        expected_version=(
                            form.cleaned_data.get("expected_version") if change else None
                        ),
                    )
                ],
                reason=form.cleaned_data.get("change_reason", ""),
            )
        except PartErrors as refused:
            raise refused.parts[0].error from refused


# -- protest detentions -------------------------------------------------------------------


@admin.register(Facility)
class FacilityAdmin(AuditedAdmin):
    list_display = ("name", "kind", "place", "authority", "review_state")
    list_filter = ("review_state", "kind")
    search_fields = ("name", "other_names", "address")
    list_select_related = ("place", "authority")
    autocomplete_fields = ("place", "authority", "coordinates_source")


class GroupDetentionFigureInline(AuditedInline):
    model = GroupDetentionFigure
    fields = ("kind", "qualifier", "value", "value_max", "claimed_by", "source", "as_of")
    autocomplete_fields = ("source",)


@admin.register(GroupDetention)
class GroupDetentionAdmin(AuditedAdmin):
    list_display = ("__str__", "case", "event", "facility", "detained", "hours_held")
    list_filter = ("facility",)
    search_fields = ("case__reference", "event__title", "description")
    list_select_related = ("case", "event", "facility")
    autocomplete_fields = ("case", "event", "place", "facility")
    inlines = (GroupDetentionFigureInline, CitationInline)

    def get_visible_queryset(self, request):
        # Each group's count reads its figures as the reader may see them; the detainees
        # named from it are counted in the same query (cases.counts).
        return with_named(
            super()
            .get_visible_queryset(request)
            .prefetch_related(visible_prefetch(GroupDetention, "figures", request.user)),
            request.user,
        )

    @admin.display(description=_("detained"))
    def detained(self, obj: GroupDetention) -> int:
        return obj.count()


@admin.register(GroupDetentionFigure)
class GroupDetentionFigureAdmin(AuditedAdmin):
    list_display = ("group", "kind", "display_value", "claimed_by", "source", "as_of")
    list_filter = ("kind",)
    search_fields = ("group__case__reference", "claimed_by")
    list_select_related = ("group__case", "source")
    autocomplete_fields = ("group", "source")

    @admin.display(description=_("figure"), ordering="value")
    def display_value(self, obj: GroupDetentionFigure) -> str:
        return obj.display_value


# -- follow-ups ---------------------------------------------------------------------------


class FollowUpResponseInline(AuditedInline):
    model = FollowUpResponse
    fields = ("received", "kind", "summary", "document")
    autocomplete_fields = ("document",)


@admin.register(FollowUp)
class FollowUpAdmin(AuditedAdmin):
    list_display = ("title", "kind", "reference", "case", "sent", "due_on", "status", "owner")
    list_filter = ("kind", "communication_type", "due_on", "case")
    search_fields = ("title", "reference", "case__reference")
    list_select_related = ("case", "owner")
    autocomplete_fields = (
        "case",
        "communication_type",
        "mandates",
        "addressee",
        "other_addressees",
        "persons",
        "court",
    )
    readonly_fields = ("closed_at",)
    inlines = (FollowUpResponseInline, CitationInline)

    def get_visible_queryset(self, request):
        # status() reads the responses: fetched once for the page, not once per row.
        return super().get_visible_queryset(request).prefetch_related("responses")

    @admin.display(description=_("status"))
    def status(self, obj: FollowUp) -> str:
        return obj.status().label


@admin.register(FollowUpResponse)
class FollowUpResponseAdmin(AuditedAdmin):
    list_display = ("followup", "kind", "received", "document")
    list_filter = ("kind",)
    search_fields = ("followup__title", "followup__reference", "summary")
    list_select_related = ("followup", "document")
    autocomplete_fields = ("followup", "document")


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyOwnRowsAdmin):
    """Which digest went to whom on which day (at most one per user and day)."""

    list_display = ("date", "user", "sent_at", "overdue", "upcoming")
    date_hierarchy = "date"


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyOwnRowsAdmin):
    """Calendar feed addresses: only a hash of each secret is kept, so none is shown."""

    list_display = ("user", "rotated_at", "last_used_at")
    exclude = ("token_hash",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "token_hash"]
