"""Create and edit a case with its allegations, detentions (and their steps) and citations;
record follow-ups and their responses; submit a case for review.

One sitting is enough to record a detention case: the case page takes allegations and
detentions as rows, each row can name a new person by typing their name and cite a source
(one already recorded, or a new one described on the same page), and a new detention row
takes its arrest date. Later steps (charges, trial, sentence, transfer) have their own page
per detention. Every write goes through the services, as the signed-in user, in one
transaction per page (see :mod:`monitor.pages.editing`).

Who may do what (tested in ``tests/forms``): a case the user may not see answers 404; one
they see but may not edit (a viewer, another team's monitor) answers 403 with the reason.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases.choices import FollowUpKind
from cases.followups import followup_create, followup_record_response, followup_update
from cases.forms import (
    AllegationRows,
    CaseForm,
    ClaimStatusForm,
    DetentionRows,
    EventForm,
    FigureForm,
    FollowUpForm,
    FollowUpResponseForm,
    StepRows,
)
from cases.models import Allegation, Case, Detention, DetentionStep, Event, FollowUp
from cases.services import case_record, claim_set_status, detention_steps_record, figure_add
from monitor.pages.editing import (
    EditPage,
    FormError,
    FormErrors,
    ReasonForm,
    blame,
    form_key,
    may_edit,
    refused,
    submit_for_review,
    visible_or_404,
)
from monitor.services import PartError, PartErrors, record_save
from people.forms import duplicates_message, likely_duplicates
from people.services import likeness_message, typed_name_likenesses
from sources.forms import (
    CITATION_FIELDS,
    NewSourceForm,
    SourceChoices,
    citations_by_record,
    wants_new_source,
)
from sources.services import source_create_quick

#: What a service names in a refused part of a row → the row form's fields.
ROW_RENAMES = {
    "citation": CITATION_FIELDS,
    "arrest": {"date": "arrested_on", "facility": "held_at"},
    "new_person": {"full_name": "new_person"},
    "perpetrator": {"organization": "perpetrator", "role": "perpetrator_role"},
}

# -- shared by the case and the steps pages -----------------------------------------------------


class RowsPage(EditPage):
    """A page with rows that cite sources, and a "new source" described on the spot."""

    #: The formsets whose rows cite sources.
    row_sets: tuple[str, ...] = ()

    def attach_citations(self) -> None:
        for name in self.row_sets:
            formset = self.forms[name]
            found = citations_by_record([f.instance for f in formset.forms], self.user)
            for form in formset.forms:
                form.citations = found.get(form.instance.pk, [])

    def cross_check(self) -> None:
        newsource = self.forms["newsource_form"]
        if not newsource.is_filled:
            for name in self.row_sets:
                for form in self.forms[name].forms:
                    if wants_new_source(form):
                        form.add_error(
                            "cite_source",
                            _("Describe the new source under “New source” first."),
                        )

    def new_source_input(self):
        return self.forms["newsource_form"].to_input()

    def form_errors(self, error: PartError | PartErrors, rows: dict) -> FormErrors:
        """The services' refusals of parts, each on the form it came from.

        ``rows`` maps a part ("allegations") to the row forms given to the service, in order.
        """
        found = []
        for part in getattr(error, "parts", [error]):
            if part.part == "new_source":
                form = self.forms["newsource_form"]
            else:
                form = rows[part.part][part.index]
            rename = ROW_RENAMES.get(part.where, {})
            found.append(FormError(form_key(form), part.error, rename))
        return FormErrors(found)

    def reason(self) -> str:
        return self.forms["reason_form"].cleaned_data.get("change_reason", "")


# -- the case -------------------------------------------------------------------------------------


class CasePage(RowsPage):
    template_name = "cases/case_form.html"
    offers_submit = True
    row_sets = ("allegations", "detentions")

    def build(self, data=None, files=None) -> None:
        case = self.record or Case()
        sources = SourceChoices(self.user)
        self.forms = {
            "form": CaseForm(data, instance=case, user=self.user),
            "allegations": AllegationRows(
                data, parent=case, user=self.user, sources=sources, prefix="allegations"
            ),
            "detentions": DetentionRows(
                data, parent=case, user=self.user, sources=sources, prefix="detentions"
            ),
            "newsource_form": NewSourceForm(data, user=self.user),
            "reason_form": ReasonForm(data, prefix="history"),
        }
        self.attach_citations()

    def summary_entries(self):
        return [
            ("", self.forms["form"]),
            (_("Allegations"), self.forms["allegations"]),
            (_("Detentions"), self.forms["detentions"]),
            (_("New source"), self.forms["newsource_form"]),
            ("", self.forms["reason_form"]),
        ]

    def cross_check(self) -> None:
        super().cross_check()
        # A new person who may already be recorded: show who, until the user confirms.
        for name in self.row_sets:
            for form in self.forms[name].forms:
                typed = form.cleaned_data.get("new_person") if form.cleaned_data else ""
                if not typed or form.cleaned_data.get("confirm_new_person"):
                    continue
                found = likely_duplicates([typed], user=self.user)
                if found:
                    form.duplicates = found
                    form.add_error("new_person", duplicates_message(found))
        # Two rows naming new people alike but not the same way: two people, or one person
        # typed twice? Only the user knows; nothing is merged (people.services).
        rows = [
            form
            for name in self.row_sets
            for form in self.forms[name].forms
            if form.cleaned_data and form.cleaned_data.get("new_person")
        ]
        likenesses = typed_name_likenesses(form.cleaned_data["new_person"] for form in rows)
        for index, likeness in likenesses.items():
            form = rows[index]
            if form.cleaned_data.get("confirm_new_person") or "new_person" in form.errors:
                continue
            where = rows[likeness.first_index].row_label
            form.add_error("new_person", likeness_message(likeness, where))

    def save(self) -> Case:
        form = self.forms["form"]
        rows = {name: self.forms[name].rows_to_save() for name in self.row_sets}
        with blame(form):
            try:
                return case_record(
                    actor=self.user,
                    case=form.instance,
                    m2m={
                        name: list(form.cleaned_data.get(name) or []) + form.hidden_related(name)
                        for name in ("events", "places", "tags")
                    },
                    expected_version=form.expected_version,
                    changed=form.content_changed(),
                    allegations=[row.to_input() for row in rows["allegations"]],
                    detentions=[row.to_input() for row in rows["detentions"]],
                    new_source=self.new_source_input(),
                    reason=self.reason(),
                )
            except (PartError, PartErrors) as error:
                raise self.form_errors(error, rows) from error

    def success_url(self, record) -> str:
        return reverse("case-edit", args=[record.pk])

    def success_message(self, record) -> str:
        return _("Case %(reference)s was saved.") % {"reference": record.reference}

    def submitted_url(self, record) -> str:
        return reverse("case-detail", args=[record.pk])

    def then_url(self, record, then: str) -> str | None:
        """Save, then record the steps: the steps page of the case's detention, straight
        after the arrest was typed; with several detentions, the form, whose every detention
        row links to its steps."""
        if then != "steps":
            return None
        detentions = list(
            Detention.objects.visible_to(self.user)
            .filter(case=record, archived_at__isnull=True)
            .values_list("pk", flat=True)[:2]
        )
        if len(detentions) == 1:
            return reverse("detention-steps", args=[record.pk, detentions[0]])
        from django.contrib import messages

        messages.info(
            self.request,
            _("Choose the detention whose steps to record: each one has its link below.")
            if detentions
            else _("This case has no detention yet: add one, with its arrest, first."),
        )
        return None

    def extra_context(self) -> dict:
        detentions = self.forms["detentions"]
        for form in detentions.forms:
            if not form.instance._state.adding:
                form.steps_url = reverse(
                    "detention-steps", args=[form.instance.case_id, form.instance.pk]
                )
        followups = []
        if self.record is not None:
            followups = list(
                FollowUp.objects.visible_to(self.user)
                .filter(case=self.record, archived_at__isnull=True)
                .with_status()
            )
        return {
            "followups": followups,
            "more_sources_url": reverse("source-create"),
            "cancel_url": reverse("case-detail", args=[self.record.pk])
            if self.record
            else reverse("case-list"),
        }


def open_page(request, record, page: EditPage, *, back: str):
    """``page`` if the user may edit ``record`` (new or saved), else 403 with why."""
    refusal = may_edit(record, request.user)
    if refusal:
        return refused(request, refusal, back=back)
    return page.handle()


@require_http_methods(["GET", "POST"])
def case_create(request):
    return open_page(request, Case(), CasePage(request), back=reverse("case-list"))


@require_http_methods(["GET", "POST"])
def case_edit(request, pk):
    case = visible_or_404(Case, request.user, pk)
    back = reverse("case-detail", args=[case.pk])
    return open_page(request, case, CasePage(request, case), back=back)


@require_POST
def case_submit(request, pk):
    return submit_for_review(request, Case, pk, done_url=reverse("case-detail", args=[pk]))


# -- the steps of one detention -------------------------------------------------------------------


class StepsPage(RowsPage):
    template_name = "cases/detentionstep_form.html"
    offers_submit = True
    row_sets = ("steps",)

    def __init__(self, request, detention: Detention):
        super().__init__(request, detention)
        self.detention = detention
        self.case = detention.case

    def build(self, data=None, files=None) -> None:
        sources = SourceChoices(self.user)
        self.forms = {
            "steps": StepRows(
                data, parent=self.detention, user=self.user, sources=sources, prefix="steps"
            ),
            "newsource_form": NewSourceForm(data, user=self.user),
            "reason_form": ReasonForm(data, prefix="history"),
        }
        self.attach_citations()

    def summary_entries(self):
        return [
            (_("Steps"), self.forms["steps"]),
            (_("New source"), self.forms["newsource_form"]),
            ("", self.forms["reason_form"]),
        ]

    def save(self) -> Detention:
        rows = self.forms["steps"].rows_to_save()
        new_source = None
        described = self.new_source_input()
        if described is not None:
            with blame(self.forms["newsource_form"]):
                new_source = source_create_quick(
                    actor=self.user,
                    source=described,
                    team=self.case.team,
                    confidentiality=self.case.confidentiality,
                )
        try:
            detention_steps_record(
                actor=self.user,
                detention=self.detention,
                steps=[row.to_input() for row in rows],
                reason=self.reason(),
                new_source=new_source,
            )
        except (PartError, PartErrors) as error:
            raise self.form_errors(error, {"steps": rows}) from error
        return self.detention

    def success_url(self, record) -> str:
        return reverse("detention-steps", args=[self.case.pk, self.detention.pk])

    def reviewed_record(self, record):
        # The steps are reviewed with their case (their review unit).
        return self.case

    def submitted_url(self, record) -> str:
        return reverse("case-detail", args=[self.case.pk])

    def success_message(self, record) -> str:
        return _("Steps saved: %(detention)s.") % {"detention": self.detention}

    def extra_context(self) -> dict:
        return {
            "case": self.case,
            "detention": self.detention,
            "review": None,
            "more_sources_url": reverse("source-create"),
            "cancel_url": reverse("case-edit", args=[self.case.pk]),
        }


@require_http_methods(["GET", "POST"])
def detention_steps(request, case_pk, pk):
    detention = visible_or_404(Detention, request.user, pk)
    if detention.case_id != case_pk:
        raise Http404("Detention not found")
    refusal = may_edit(DetentionStep(detention=detention), request.user)
    if refusal:
        return refused(request, refusal, back=reverse("case-detail", args=[case_pk]))
    return StepsPage(request, detention).handle()


# -- follow-ups ---------------------------------------------------------------------------------


class FollowUpPage(EditPage):
    template_name = "cases/followup_form.html"

    def __init__(self, request, case: Case, followup: FollowUp | None = None):
        super().__init__(request, followup)
        self.case = case

    def build(self, data=None, files=None) -> None:
        followup = self.record or FollowUp(case=self.case)
        self.forms = {
            "form": FollowUpForm(data, instance=followup, user=self.user, case=self.case),
            "reason_form": ReasonForm(data, prefix="history"),
        }

    def save(self) -> FollowUp:
        form = self.forms["form"]
        reason = self.forms["reason_form"].cleaned_data.get("change_reason", "")
        fields = form.service_fields()
        if not form.content_changed():
            return form.instance
        with blame(form):
            if self.record is None:
                if fields.get("due_on") is None:
                    fields.pop("due_on")  # the default, from the date it was sent
                return followup_create(
                    actor=self.user,
                    case=self.case,
                    kind=form.cleaned_data["kind"],
                    title=form.cleaned_data["title"],
                    reason=reason or _("Follow-up recorded"),
                    **form.m2m_values(),
                    **fields,
                )
            return followup_update(
                actor=self.user,
                followup=form.instance,
                expected_version=form.expected_version,
                reason=reason,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                **form.m2m_values(),
                **fields,
            )

    def success_url(self, record) -> str:
        return reverse("followup-detail", args=[record.pk])

    def extra_context(self) -> dict:
        responses = []
        if self.record is not None:
            responses = list(self.record.responses.filter(archived_at__isnull=True))
        return {
            "case": self.case,
            "responses": responses,
            "review": None,
            "un_kind": FollowUpKind.UN_COMMUNICATION,
            "cancel_url": reverse("followup-detail", args=[self.record.pk])
            if self.record
            else reverse("case-detail", args=[self.case.pk]),
        }


@require_http_methods(["GET", "POST"])
def followup_create_view(request):
    """A new follow-up on the case given as ``?case=<id>``."""
    case = visible_or_404(Case, request.user, request.GET.get("case") or "")
    refusal = may_edit(FollowUp(case=case), request.user)
    if refusal:
        return refused(request, refusal, back=reverse("case-detail", args=[case.pk]))
    return FollowUpPage(request, case).handle()


@require_http_methods(["GET", "POST"])
def followup_edit(request, pk):
    followup = visible_or_404(FollowUp, request.user, pk)
    refusal = may_edit(followup, request.user)
    if refusal:
        return refused(request, refusal, back=reverse("followup-detail", args=[followup.pk]))
    return FollowUpPage(request, followup.case, followup).handle()


class ResponsePage(EditPage):
    template_name = "cases/followupresponse_form.html"

    def __init__(self, request, followup: FollowUp):
        super().__init__(request, None)
        self.followup = followup

    def build(self, data=None, files=None) -> None:
        self.forms = {
            "form": FollowUpResponseForm(data, user=self.user),
            "newsource_form": NewSourceForm(data, user=self.user),
        }

    def summary_entries(self):
        return [("", self.forms["form"]), (_("New source"), self.forms["newsource_form"])]

    def cross_check(self) -> None:
        form, newsource = self.forms["form"], self.forms["newsource_form"]
        if newsource.is_filled and form.cleaned_data.get("document"):
            form.add_error(
                "document", _("Choose a document from the list or describe a new one, not both.")
            )

    def save(self):
        form = self.forms["form"]
        data = form.cleaned_data
        case = self.followup.case
        document = data.get("document") or self.forms["newsource_form"].save(
            actor=self.user, team=case.team, confidentiality=case.confidentiality
        )
        with blame(form):
            return followup_record_response(
                actor=self.user,
                followup=self.followup,
                kind=data["kind"],
                received=data.get("received"),
                summary=data.get("summary") or "",
                document=document,
            )

    def success_url(self, record) -> str:
        return reverse("followup-detail", args=[self.followup.pk])

    def success_message(self, record) -> str:
        return _("The response was recorded.")

    def extra_context(self) -> dict:
        return {
            "followup": self.followup,
            "more_sources_url": reverse("source-create"),
            "cancel_url": reverse("followup-detail", args=[self.followup.pk]),
        }


@require_http_methods(["GET", "POST"])
def followup_respond(request, pk):
    followup = visible_or_404(FollowUp, request.user, pk)
    refusal = may_edit(followup, request.user)
    if refusal is None and followup.archived_at is not None:
        refusal = _("This follow-up is archived; a coordinator can restore it.")
    if refusal:
        return refused(request, refusal, back=reverse("followup-detail", args=[followup.pk]))
    return ResponsePage(request, followup).handle()


# -- events -------------------------------------------------------------------------------------


class EventPage(EditPage):
    """A new event, or an edit of one: saved by ``record_save`` with its links, as the API's
    event writes are; a new event is a draft that enters review."""

    template_name = "cases/event_form.html"
    offers_submit = True

    def build(self, data=None, files=None) -> None:
        self.forms = {
            "form": EventForm(data, instance=self.record or Event(), user=self.user),
            "reason_form": ReasonForm(data, prefix="history"),
        }

    def save(self) -> Event:
        form = self.forms["form"]
        with blame(form):
            return record_save(
                record=form.instance,
                actor=self.user,
                reason=self.forms["reason_form"].cleaned_data.get("change_reason") or "",
                expected_version=form.expected_version,
                m2m=form.m2m_values(),
            )

    def success_url(self, record) -> str:
        return reverse("event-detail", args=[record.pk])

    def extra_context(self) -> dict:
        back = reverse("event-detail", args=[self.record.pk]) if self.record else None
        return {"cancel_url": back or reverse("event-list")}


@require_http_methods(["GET", "POST"])
def event_create(request):
    return open_page(request, Event(), EventPage(request), back=reverse("event-list"))


@require_http_methods(["GET", "POST"])
def event_edit(request, pk):
    event = visible_or_404(Event, request.user, pk)
    back = reverse("event-detail", args=[event.pk])
    return open_page(request, event, EventPage(request, event), back=back)


# -- a claim's status ---------------------------------------------------------------------------


def _claim_case(claim) -> Case:
    return claim.case if isinstance(claim, Allegation) else claim.detention.case


class ClaimStatusPage(EditPage):
    """Set a claim's status; the service says why a status is refused (not enough
    independent sources, four eyes, a verified claim)."""

    template_name = "cases/claim_status_form.html"

    def build(self, data=None, files=None) -> None:
        form = ClaimStatusForm(data)
        if data is None:
            form.initial = {"status": self.record.claim_status, "version": self.record.version}
        self.forms = {"form": form}

    def save(self):
        form = self.forms["form"]
        return claim_set_status(
            claim=self.record,
            status=form.cleaned_data["status"],
            actor=self.user,
            comment=form.cleaned_data.get("comment") or "",
            expected_version=form.cleaned_data.get("version") or 0,
        )

    def success_url(self, record) -> str:
        return reverse("case-detail", args=[_claim_case(record).pk])

    def success_message(self, record) -> str:
        return _("The claim is now %(status)s.") % {"status": record.get_claim_status_display()}

    def extra_context(self) -> dict:
        return {"claim": self.record, "cancel_url": self.success_url(self.record)}


def _claim_status(request, model, pk):
    claim = visible_or_404(model, request.user, pk)
    back = reverse("case-detail", args=[_claim_case(claim).pk])
    return open_page(request, claim, ClaimStatusPage(request, claim), back=back)


@require_http_methods(["GET", "POST"])
def allegation_status(request, pk):
    return _claim_status(request, Allegation, pk)


@require_http_methods(["GET", "POST"])
def step_status(request, pk):
    return _claim_status(request, DetentionStep, pk)


# -- an event's contested figures -----------------------------------------------------------------


class FigurePage(EditPage):
    """Add one party's figure for an event, with its source (``figure_add``)."""

    template_name = "cases/figure_form.html"

    def __init__(self, request, event: Event):
        super().__init__(request, None)
        self.event = event

    def build(self, data=None, files=None) -> None:
        self.forms = {"form": FigureForm(data, user=self.user)}

    def save(self):
        form = self.forms["form"]
        data = form.cleaned_data
        with blame(form):
            return figure_add(
                parent=self.event,
                actor=self.user,
                source=data["source"],
                as_of=data.get("as_of"),
                page=data.get("page") or "",
                quote=data.get("quote") or "",
                credibility=data.get("credibility"),
                **{name: data.get(name) for name in form._meta.fields},
            )

    def success_url(self, record) -> str:
        return reverse("event-detail", args=[self.event.pk])

    def success_message(self, record) -> str:
        return _("The figure was added.")

    def extra_context(self) -> dict:
        return {"event": self.event, "cancel_url": self.success_url(None)}


@require_http_methods(["GET", "POST"])
def figure_create(request, pk):
    event = visible_or_404(Event, request.user, pk)
    back = reverse("event-detail", args=[event.pk])
    return open_page(request, event, FigurePage(request, event), back=back)
