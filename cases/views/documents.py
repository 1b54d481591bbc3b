"""Pages that generate the UN submission pack (per case) and the follow-up letter (per UN
communication): a form (GET), and the file (POST), made by
:func:`cases.documents.services.document_generate`.

A hidden case or follow-up answers 404 on both methods. Bad input (no format, protected
identities without a reason) re-shows the form with the message and generates nothing.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from cases.choices import FollowUpKind
from cases.documents.services import (
    FOLLOWUP_LETTER,
    SUBMISSION,
    document_generate,
    may_include_protected,
)
from cases.models import Case, FollowUp
from monitor.security import client_address
from monitor.services import ActionRefused, NotVisible


class DocumentForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=(("docx", _("DOCX (to edit before sending)")), ("pdf", _("PDF (for the record)"))),
        widget=forms.RadioSelect,
        initial="docx",
    )


class SubmissionForm(DocumentForm):
    include_protected = forms.BooleanField(
        label=_("Include the names of protected persons"),
        required=False,
        help_text=_("Coordinators only. Otherwise protected persons appear by pseudonym."),
    )
    reason = forms.CharField(
        label=_("Reason for including them"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded with the generated document."),
    )

    def __init__(self, *args, coordinator: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not coordinator:
            del self.fields["include_protected"]
            del self.fields["reason"]


def _file(generated) -> HttpResponse:
    response = HttpResponse(generated.data, content_type=generated.content_type)
    response["Content-Disposition"] = f'attachment; filename="{generated.filename}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _generate(request, form, template, context, **target):
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            generated = document_generate(
                actor=request.user,
                fmt=data["format"],
                include_protected=data.get("include_protected", False),
                reason=data.get("reason", ""),
                client_address=client_address(request),
                **target,
            )
        except NotVisible as error:
            raise Http404(str(error)) from error
        except ActionRefused as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            for field, messages in getattr(error, "message_dict", {None: error.messages}).items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return _file(generated)
    status = 400 if request.method == "POST" else 200
    return render(request, template, {**context, "form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def case_submission(request, pk):
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=pk)
    coordinator = may_include_protected(request.user)
    form = SubmissionForm(
        request.POST if request.method == "POST" else None, coordinator=coordinator
    )
    return _generate(
        request,
        form,
        "cases/document_form.html",
        {
            "record": case,
            "case": case,
            "heading": _("UN submission pack"),
            "intro": _(
                "An individual communication to the UN special procedures, laid out as the "
                "Working Group on Arbitrary Detention's model questionnaire asks, in English. "
                "Every fact is footnoted with its source and grading; protected sources are "
                "described, never named. The file is kept with the case's sources and the "
                "generation is recorded."
            ),
        },
        kind=SUBMISSION,
        case=case,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def followup_letter(request, pk):
    followup = get_object_or_404(
        FollowUp.objects.visible_to(request.user).select_related("case"),
        pk=pk,
        kind=FollowUpKind.UN_COMMUNICATION,
    )
    form = DocumentForm(request.POST if request.method == "POST" else None)
    return _generate(
        request,
        form,
        "cases/document_form.html",
        {
            "record": followup,
            "case": followup.case,
            "heading": _("Follow-up letter"),
            "intro": _(
                "A letter chasing this UN communication: what was sent, when, to whom, and "
                "what is still unanswered, in English. The file is kept with the case's "
                "sources and the generation is recorded."
            ),
        },
        kind=FOLLOWUP_LETTER,
        followup=followup,
    )
