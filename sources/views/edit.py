"""Create and edit a source, upload its evidence, submit it for review.

Who may do what (tested in ``tests/forms``): a source the user may not see answers 404; one
they see but may not edit (a viewer, another team's monitor) answers 403 with the reason; a
protected source whose identity the user is not cleared for cannot be edited either (the
form would show who it is).
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from monitor.access import reveals_identity
from monitor.pages.editing import (
    EditPage,
    ReasonForm,
    blame,
    may_edit,
    refused,
    safe_next,
    submit_for_review,
    visible_or_404,
)
from monitor.services import ActionRefused, record_save
from sources.forms import EvidenceUploadForm, SourceForm
from sources.models import EvidenceFile, Source
from sources.services import KeptUpload, evidence_upload, upload_keep

#: Uploads kept across a failed save, in the session: token → KeptUpload (as a dict). Only
#: the session that sent the file can name it again.
KEPT_UPLOADS = "monitor.kept_uploads"


class SourcePage(EditPage):
    template_name = "sources/source_form.html"
    offers_submit = True

    def build(self, data=None, files=None) -> None:
        record = self.record or Source()
        self.forms = {
            "form": SourceForm(data, files, instance=record, user=self.user),
            "upload_form": EvidenceUploadForm(data, files, prefix="evidence"),
            "reason_form": ReasonForm(data, prefix="history"),
        }

    def summary_entries(self):
        return [
            ("", self.forms["form"]),
            (_("Evidence file"), self.forms["upload_form"]),
            ("", self.forms["reason_form"]),
        ]

    def save(self) -> Source:
        form, upload = self.forms["form"], self.forms["upload_form"]
        reason = self.forms["reason_form"].cleaned_data.get("change_reason", "")
        source = form.instance
        if form.content_changed():
            with blame(form):
                source = record_save(
                    record=source,
                    actor=self.user,
                    reason=reason or (_("Source added") if self.record is None else ""),
                    expected_version=form.expected_version,
                    m2m={"derived_from": form.cleaned_data.get("derived_from") or []},
                )
        file = upload.cleaned_data.get("file")
        kept = None if file is not None else self.kept_upload()
        if file is not None or kept is not None:
            # Last, so a refused upload rolls back the source with it and leaves no file.
            with blame(upload):
                evidence_upload(
                    source=source,
                    uploaded_file=file,
                    kept=kept,
                    actor=self.user,
                    description=upload.cleaned_data.get("description") or "",
                    is_web_capture=bool(upload.cleaned_data.get("is_web_capture")),
                    client_address=self.request.META.get("REMOTE_ADDR"),
                )
            if kept is not None:
                self.request.session.get(KEPT_UPLOADS, {}).pop(self.kept_token(), None)
                self.request.session.modified = True
        return source

    # -- a file chosen for a save that failed is kept (issue 19) ----------------------------

    def kept_token(self) -> str:
        return self.request.POST.get("evidence-kept", "")

    def kept_upload(self) -> KeptUpload | None:
        found = self.request.session.get(KEPT_UPLOADS, {}).get(self.kept_token())
        return KeptUpload.from_dict(found) if found else None

    def keep_failed_upload(self) -> dict | None:
        """After a save that failed: the file it carried, kept, to show as "kept: <name>"
        and send again with the next save; None when there is none."""
        if self.request.method != "POST":
            return None
        upload = self.forms["upload_form"]
        file = upload.cleaned_data.get("file") if upload.is_valid() else None
        if file is None:
            kept = self.kept_upload()
            token = self.kept_token() if kept else ""
        else:
            try:
                kept = upload_keep(
                    uploaded_file=file,
                    is_web_capture=bool(upload.cleaned_data.get("is_web_capture")),
                )
            except (ValidationError, ActionRefused):
                return None  # the form says why the file was refused
            token = secrets.token_urlsafe(16)
            self.request.session.setdefault(KEPT_UPLOADS, {})[token] = kept.as_dict()
            self.request.session.modified = True
        return {"token": token, "name": kept.original_name} if kept else None

    def success_url(self, record) -> str:
        return safe_next(self.request, reverse("source-edit", args=[record.pk]))

    def extra_context(self) -> dict:
        files = []
        if self.record is not None:
            files = list(
                EvidenceFile.objects.visible_to(self.user)
                .filter(source=self.record, archived_at__isnull=True)
                .order_by("created_at")
            )
        return {
            "kept_upload": self.keep_failed_upload(),
            "evidence_files": files,
            "next": safe_next(self.request, ""),
            "cancel_url": reverse("source-detail", args=[self.record.pk])
            if self.record
            else reverse("source-list"),
        }


@require_http_methods(["GET", "POST"])
def source_create(request):
    """A new source; ``?next=`` brings the user back where they came from after saving."""
    refusal = may_edit(Source(), request.user)
    if refusal:
        return refused(request, refusal, back=reverse("source-list"))
    return SourcePage(request).handle()


@require_http_methods(["GET", "POST"])
def source_edit(request, pk):
    source = visible_or_404(Source, request.user, pk)
    back = reverse("source-detail", args=[source.pk])
    refusal = may_edit(source, request.user)
    if refusal is None and not reveals_identity(request.user, source):
        refusal = _("This source's identity is protected and you are not cleared for it.")
    if refusal:
        return refused(request, refusal, back=back)
    return SourcePage(request, source).handle()


@require_POST
def source_submit(request, pk):
    return submit_for_review(request, Source, pk, done_url=reverse("source-detail", args=[pk]))
