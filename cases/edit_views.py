"""Create and edit a case with its allegations, detentions (and their steps) and citations;
record follow-ups and their responses; submit a case for review.

One sitting is enough to record a detention case: the case page takes allegations and
detentions as rows, each row can name a new person by typing their name and cite a source
(one already recorded, or a new one described on the same page), and a new detention row
takes its arrest date. Later steps (charges, trial, sentence, transfer) have their own page
per detention. Every write goes through the services, as the signed-in user, in one
transaction per page (see :mod:`monitor.editing`).

Who may do what (tested in ``tests/forms``): a case the user may not see answers 404; one
they see but may not edit (a viewer, another team's monitor) answers 403 with the reason.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases.choices import CasePersonRole, FollowUpKind, StepKind
from cases.followups import followup_create, followup_record_response, followup_update
from cases.forms import (
    AllegationRows,
    CaseForm,
    DetentionRows,
    FollowUpForm,
    FollowUpResponseForm,
    StepRows,
)
from cases.models import (
    AllegationPerpetrator,
    Case,
    CasePerson,
    Detention,
    DetentionStep,
    FollowUp,
)
from monitor.editing import (
    EditPage,
    ReasonForm,
    blame,
    may_edit,
    refused,
    submit_for_review,
    visible_or_404,
)
from monitor.services import record_save
from people.folding import fold_name
from people.forms import duplicates_message, likely_duplicates, person_create_named
from people.models import Person
from sources.forms import (
    NewSourceForm,
    SourceChoices,
    citations_by_record,
    cite_from_row,
    wants_new_source,
)

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

    def save_new_source(self, *, team, confidentiality):
        return self.forms["newsource_form"].save(
            actor=self.user, team=team, confidentiality=confidentiality
        )

    def reason(self) -> str:
        return self.forms["reason_form"].cleaned_data.get("change_reason", "")


def _link_person(case: Case, person, *, actor, reason: str) -> None:
    """A victim or a detainee is a person of the case (as a victim), linked once.

    A person the actor may not see (kept unnamed on an existing row) is left as it is.
    """
    if person is None or not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
        return
    linked = CasePerson._base_manager.filter(
        case=case, person=person, role=CasePersonRole.VICTIM, archived_at__isnull=True
    ).exists()
    if not linked:
        record_save(
            record=CasePerson(case=case, person=person, role=CasePersonRole.VICTIM),
            actor=actor,
            reason=reason,
        )


# -- the case -------------------------------------------------------------------------------------


class CasePage(RowsPage):
    template_name = "cases/case_form.html"
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

    def save(self) -> Case:
        form = self.forms["form"]
        reason = self.reason()
        case = form.instance
        if form.content_changed():
            with blame(form):
                case = record_save(
                    record=case,
                    actor=self.user,
                    reason=reason or (_("Case opened") if self.record is None else ""),
                    expected_version=form.expected_version,
                    m2m={
                        name: list(form.cleaned_data.get(name) or []) + form.hidden_related(name)
                        for name in ("events", "places", "tags")
                    },
                )
        new_source = self.save_new_source(team=case.team, confidentiality=case.confidentiality)
        new_persons: dict = {}
        for row in self.forms["allegations"].rows_to_save():
            allegation = row.instance
            allegation.case = case
            self._new_person(row, allegation, case, new_persons)
            with blame(row):
                if row.content_changed():
                    record_save(
                        record=allegation,
                        actor=self.user,
                        reason=reason,
                        expected_version=row.expected_version,
                    )
                organization = row.cleaned_data.get("perpetrator")
                if organization is not None:
                    record_save(
                        record=AllegationPerpetrator(
                            allegation=allegation,
                            organization=organization,
                            role=row.cleaned_data["perpetrator_role"],
                        ),
                        actor=self.user,
                        reason=reason,
                    )
            cite_from_row(row, allegation, actor=self.user, new_source=new_source)
            _link_person(case, allegation.victim, actor=self.user, reason=reason)
        for row in self.forms["detentions"].rows_to_save():
            detention = row.instance
            detention.case = case
            self._new_person(row, detention, case, new_persons)
            adding = detention._state.adding
            with blame(row):
                if row.content_changed():
                    record_save(
                        record=detention,
                        actor=self.user,
                        reason=reason,
                        expected_version=row.expected_version,
                    )
            cite_from_row(row, detention, actor=self.user, new_source=new_source)
            arrested_on = row.cleaned_data.get("arrested_on") if adding else None
            if arrested_on is not None:
                # The arrest is a step of its own, cited to the same source as the detention.
                step = DetentionStep(
                    detention=detention,
                    kind=StepKind.ARRESTED,
                    date=arrested_on,
                    facility=row.cleaned_data.get("held_at"),
                )
                with blame(row, {"date": "arrested_on", "facility": "held_at"}):
                    record_save(record=step, actor=self.user, reason=reason)
                cite_from_row(row, step, actor=self.user, new_source=new_source)
            _link_person(case, detention.person, actor=self.user, reason=reason)
        return case

    def _new_person(self, row, record, case: Case, new_persons: dict) -> None:
        """Give the row's record the new person typed in, created once per name."""
        typed = row.cleaned_data.get("new_person")
        if not typed:
            return  # the person chosen in the list (or a hidden one, kept) is already set
        key = fold_name(typed)
        if key not in new_persons:
            with blame(row, {"full_name": "new_person"}):
                new_persons[key] = person_create_named(
                    typed,
                    actor=self.user,
                    team=case.team,
                    confidentiality=case.confidentiality,
                )
        setattr(record, row.person_field, new_persons[key])

    def success_url(self, record) -> str:
        return reverse("case-edit", args=[record.pk])

    def success_message(self, record) -> str:
        return _("Case %(reference)s was saved.") % {"reference": record.reference}

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


@require_http_methods(["GET", "POST"])
def case_create(request):
    refusal = may_edit(Case(), request.user)
    if refusal:
        return refused(request, refusal, back=reverse("case-list"))
    return CasePage(request).handle()


@require_http_methods(["GET", "POST"])
def case_edit(request, pk):
    case = visible_or_404(Case, request.user, pk)
    refusal = may_edit(case, request.user)
    if refusal:
        return refused(request, refusal, back=reverse("case-detail", args=[case.pk]))
    return CasePage(request, case).handle()


@require_POST
def case_submit(request, pk):
    return submit_for_review(request, Case, pk, done_url=reverse("case-detail", args=[pk]))


# -- the steps of one detention -------------------------------------------------------------------


class StepsPage(RowsPage):
    template_name = "cases/detentionstep_form.html"
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
        reason = self.reason()
        new_source = self.save_new_source(
            team=self.case.team, confidentiality=self.case.confidentiality
        )
        rows = self.forms["steps"].rows_to_save()
        # The arrest first: other steps are checked against its date.
        rows.sort(key=lambda row: row.cleaned_data.get("kind") != StepKind.ARRESTED)
        for row in rows:
            step = row.instance
            step.detention = self.detention
            with blame(row):
                if row.content_changed():
                    record_save(
                        record=step,
                        actor=self.user,
                        reason=reason,
                        expected_version=row.expected_version,
                        m2m={"articles": list(row.cleaned_data.get("articles") or [])},
                    )
            cite_from_row(row, step, actor=self.user, new_source=new_source)
        return self.detention

    def success_url(self, record) -> str:
        return reverse("detention-steps", args=[self.case.pk, self.detention.pk])

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
