"""The import pages: upload, map and preview, run with a progress bar, the report with its
failed rows, and the review of the batch. Every action calls :mod:`imports.services`."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from imports import services
from imports.choices import JobStatus, RowOutcome
from imports.fields import fields_of
from imports.forms import CommentForm, MappingForm, UploadForm
from imports.models import ImportJob
from imports.reading import UnreadableFile
from monitor.access import has_role
from monitor.choices import ReviewState
from monitor.exports import log_export
from monitor.pages.editing import refused
from monitor.services import ActionRefused, NotVisible


@require_safe
def import_index(request):
    if not has_role(request.user):
        raise Http404
    jobs = ImportJob.objects.visible_to(request.user).select_related("created_by")[:100]
    return render(
        request,
        "imports/import_index.html",
        {"jobs": jobs, "may_import": services.may_import(request.user)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def import_new(request):
    if not services.may_import(request.user):
        return refused(
            request, _("Only monitors, reviewers and coordinators import."), back=reverse("imports")
        )
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = services.import_upload(
                actor=request.user,
                uploaded_file=data["file"],
                team=data["team"],
                confidentiality=data["confidentiality"],
                encoding=data["encoding"],
                delimiter=data["delimiter"],
                kind=data["kind"],
            )
        except UnreadableFile as error:
            form.add_error("file", error.message)
        except ActionRefused as error:
            form.add_error(None, str(error))
        else:
            return redirect("import-detail", pk=job.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "imports/import_new.html", {"form": form, **services.settings_limits()},
        status=status,
    )  # fmt: skip


def _job(request, pk) -> ImportJob:
    try:
        return services.visible_job(pk=pk, actor=request.user)
    except NotVisible as error:
        raise Http404 from error


@require_http_methods(["GET", "HEAD", "POST"])
def import_detail(request, pk):
    job = _job(request, pk)
    owner = job.created_by_id == request.user.pk
    mappable = owner and job.status in (
        JobStatus.UPLOADED, JobStatus.FAILED, JobStatus.CANCELLED,
    )  # fmt: skip
    error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            done = _act(request, job, action)
        except ActionRefused as refusal:
            error, status = str(refusal), 400
        else:
            if done:
                messages.success(request, done)
            return redirect("import-detail", pk=job.pk)
    preview = None
    form = None
    if mappable:
        try:
            preview = services.import_preview(job=job, actor=request.user)
        except ActionRefused as refusal:
            error = error or str(refusal)
        form = MappingForm(
            request.POST if request.method == "POST" and request.POST.get("action") in
            ("map", "start") else None,
            job=job, proposals=preview.proposals if preview else None,
        )  # fmt: skip
        if form.is_bound:
            form.is_valid()
    records = []
    counts = {}
    if job.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED):
        records = services.batch_records(job=job, actor=request.user)
        counts = services.batch_counts(records)
    sending = services.batch_sending(job=job, actor=request.user) if owner else None
    may_review = request.user.has_perm("monitor.verify_record") and not owner
    deciding = services.batch_deciding(job=job, actor=request.user) if may_review else None
    # The preview and the report name each field by its label, not by its code.
    labels = {field.code: field.label for field in fields_of(job.kind)}
    context = {
        "job": job,
        "preview_rows": [
            (
                plan,
                [(labels.get(code, code), value) for code, value in plan.values.items() if value],
            )
            for plan in (preview.plans if preview else [])
        ],
        "proposals": [(labels.get(code, code), values) for code, values in job.proposals.items()],
        "owner": owner,
        "form": form,
        "preview": preview,
        "error": error,
        "problems": services.mapping_problems(job.kind, job.headers, job.mapping),
        "outcomes": services.outcome_counts(job),
        "failed_rows": job.rows.filter(
            outcome__in=(RowOutcome.FAILED, RowOutcome.CONFLICT)
        ).order_by("number")[:50],
        "records": records,
        "sample": services.batch_sample(job=job, actor=request.user) if records else [],
        "review_counts": counts,
        "submitted": counts.get(ReviewState.SUBMITTED, 0),
        "drafts": counts.get(ReviewState.DRAFT, 0) + counts.get(ReviewState.RETURNED, 0),
        "may_review": may_review,
        "deciding": deciding,
        "deciding_now": deciding is not None and not deciding.is_finished,
        "comment_form": CommentForm(),
        "stale": job.is_stale(),
        "sending": sending,
        "sending_now": sending is not None and not sending.is_finished,
    }
    return render(request, "imports/import_detail.html", context, status=status)


def _act(request, job: ImportJob, action: str) -> str:
    user = request.user
    comment = request.POST.get("comment", "")
    if action in ("map", "start"):
        form = MappingForm(request.POST, job=job, proposals=_proposals_for_form(job, user))
        if not form.is_valid():
            raise ActionRefused(_("Check the mapping."), "mapping")
        services.import_map(
            job=job, actor=user, mapping=form.mapping(), value_map=form.value_map(),
            on_error=form.cleaned_data["on_error"],
            template_name=form.cleaned_data["template_name"],
        )  # fmt: skip
        if action == "map":
            return _("Mapping saved: the preview shows the first rows with it.")
        services.import_start(job=job, actor=user)
        return _("The import is running.")
    if action == "cancel":
        services.import_cancel(job=job, actor=user)
        return _("Cancelling: the run stops after the rows it is on.")
    if action == "resume":
        services.import_resume(job=job, actor=user)
        return _("The import runs on from where it stopped.")
    if action == "submit":
        sending = services.batch_send_to_review(job=job, actor=user, comment=comment)
        if sending.progress is not None:
            return _("The batch is being sent to review in the background: see its progress.")
        return _("%(n)s records sent to review.") % {"n": sending.count}
    if action in ("verify", "return"):
        deciding = services.batch_decide(job=job, actor=user, action=action, comment=comment)
        if deciding.progress is not None:
            if action == "verify":
                return _("The batch is being verified in the background: see its progress.")
            return _("The batch is being returned in the background: see its progress.")
        if action == "verify":
            return _("%(n)s records verified.") % {"n": deciding.count}
        return _("%(n)s records returned.") % {"n": deciding.count}
    raise ActionRefused(_("Unknown action."), "action")


def _proposals_for_form(job, user):
    try:
        return services.import_preview(job=job, actor=user).proposals
    except ActionRefused:
        return {}


@require_safe
def import_failed_csv(request, pk):
    job = _job(request, pk)
    text = services.failed_rows_csv(job=job, actor=request.user)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    name = job.file_name.rsplit(".", 1)[0] or "import"
    response["Content-Disposition"] = f'attachment; filename="{_ascii(name)}-failed-rows.csv"'
    response["Cache-Control"] = "no-store, private"
    log_export(request, what="import failed rows", filters=[], rows=job.rows_failed)
    return response


def _ascii(name: str) -> str:
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in name)
    return cleaned.strip("-") or "import"
