"""/api/v1/imports/: upload, map, preview, run, follow, cancel, resume, the failed rows, and
the review batch — each action one call of :mod:`imports.services`."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from imports import services
from imports.api.serializers import (
    BatchCommentSerializer,
    ImportJobSerializer,
    MappingSerializer,
    MappingTemplateSerializer,
    UploadSerializer,
    batch_data,
    plan_data,
)
from imports.models import ImportJob, MappingTemplate
from imports.reading import UnreadableFile
from monitor.access import has_role
from monitor.api.strict import StrictQuery
from monitor.progress import progress_data


class ImportJobViewSet(
    StrictQuery, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Imports of spreadsheets. POST a file (multipart) to upload it; then ``mapping``,
    ``preview``, ``start``; follow the job (``rows_done``/``rows_total``, ``seconds_left``);
    ``cancel``, ``resume``; ``failed`` (a CSV of the failed rows); the review ``batch``,
    ``submit``, ``verify``, ``return``."""

    serializer_class = ImportJobSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self):
        # The jobs whose source the user may see (ImportJob.objects.visible_to); the user's
        # name is the one link each row shows.
        return ImportJob.objects.visible_to(self.request.user).select_related("created_by")

    def get_object(self) -> ImportJob:
        try:
            return super().get_object()
        except (ValueError, ValidationError) as error:
            raise NotFound() from error

    @extend_schema(request=UploadSerializer, responses={201: ImportJobSerializer})
    def create(self, request):
        if not has_role(request.user):
            raise NotFound()
        serializer = UploadSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            job = services.import_upload(
                actor=request.user,
                uploaded_file=data["file"],
                team=data.get("team"),
                confidentiality=data["confidentiality"],
                encoding=data["encoding"],
                delimiter=data["delimiter"],
                kind=data["kind"],
            )
        except UnreadableFile as error:
            raise ValidationError({"file": [error.message]}, code=error.code) from error
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MappingSerializer, responses=ImportJobSerializer)
    @action(detail=True, methods=["post"])
    def mapping(self, request, pk=None):
        job = self.get_object()
        serializer = MappingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        job = services.import_map(
            job=job, actor=request.user, mapping=data["mapping"], kind=data.get("kind"),
            value_map=data.get("value_map"), on_error=data.get("on_error"),
            template_name=data.get("template_name", ""),
        )  # fmt: skip
        return Response(ImportJobSerializer(job).data)

    @extend_schema(request=None, responses=dict)
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        job = self.get_object()
        preview = services.import_preview(job=job, actor=request.user)
        return Response(
            {
                "headers": preview.headers,
                "rows": [plan_data(plan) for plan in preview.plans],
                "proposals": preview.proposals,
            }
        )

    @extend_schema(request=None, responses={202: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        job = services.import_start(job=self.get_object(), actor=request.user)
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=ImportJobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job = services.import_cancel(job=self.get_object(), actor=request.user)
        return Response(ImportJobSerializer(job).data)

    @extend_schema(request=None, responses={202: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        job = services.import_resume(job=self.get_object(), actor=request.user)
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={(200, "text/csv"): str})
    @action(detail=True, methods=["get"])
    def failed(self, request, pk=None):
        text = services.failed_rows_csv(job=self.get_object(), actor=request.user)
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="failed-rows.csv"'
        return response

    @extend_schema(request=None, responses=dict)
    @action(detail=True, methods=["get"])
    def batch(self, request, pk=None):
        job = self.get_object()
        records = services.batch_records(job=job, actor=request.user)
        sending = services.batch_sending(job=job, actor=request.user)
        deciding = services.batch_deciding(job=job, actor=request.user)
        return Response(
            {
                "sending": progress_data(sending) if sending is not None else None,
                "deciding": progress_data(deciding) if deciding is not None else None,
                "counts": services.batch_counts(records),
                "outcomes": services.outcome_counts(job),
                "records": [batch_data(record) for record in records],
                "sample": [
                    batch_data(r) for r in services.batch_sample(job=job, actor=request.user)
                ],
            }
        )

    def _decide(self, request, action: str):
        """Verify or return the whole batch: at once, all or nothing (``{"count": n}``), or,
        for more than ``MONITOR_IMPORT_SUBMIT_BACKGROUND_RECORDS`` waiting records, in the
        background (202, as ``submit``; its progress is ``…/batch/``'s ``deciding``)."""
        serializer = BatchCommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deciding = services.batch_decide(
            job=self.get_object(), actor=request.user, action=action,
            comment=serializer.validated_data["comment"],
        )  # fmt: skip
        if deciding.progress is None:
            return Response({"count": deciding.count})
        return self._started(request, deciding.progress)

    def _started(self, request, progress) -> Response:
        url = reverse("api:import-batch", kwargs={"pk": progress.params["job"]})
        return Response(
            {
                "count": 0,
                "progress": progress_data(progress),
                "progress_url": request.build_absolute_uri(url),
            },
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(request=BatchCommentSerializer, responses=dict)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send the batch's drafts to review: at once (``{"count": n}``), or, for a batch of
        more than ``MONITOR_IMPORT_SUBMIT_BACKGROUND_RECORDS`` drafts, in the background
        (202, ``{"count": 0, "progress": …, "progress_url": …}``: follow its progress at
        ``…/batch/``, whose ``sending`` is the progress)."""
        serializer = BatchCommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sending = services.batch_send_to_review(
            job=self.get_object(), actor=request.user,
            comment=serializer.validated_data["comment"],
        )  # fmt: skip
        if sending.progress is None:
            return Response({"count": sending.count})
        return self._started(request, sending.progress)

    @extend_schema(request=BatchCommentSerializer, responses=dict)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Verify every waiting record of the batch (not the importer: four eyes)."""
        return self._decide(request, "verify")

    @extend_schema(request=BatchCommentSerializer, responses=dict)
    @action(detail=True, methods=["post"], url_path="return")
    def return_batch(self, request, pk=None):
        """Return every waiting record of the batch to the importer, with a comment."""
        return self._decide(request, "return")


class MappingTemplateViewSet(StrictQuery, mixins.ListModelMixin, mixins.CreateModelMixin,
                             viewsets.GenericViewSet):  # fmt: skip
    """Saved mappings (yours and your teams')."""

    serializer_class = MappingTemplateSerializer

    def get_queryset(self):
        return MappingTemplate.objects.visible_to(self.request.user)

    def perform_create(self, serializer):
        if not services.may_import(self.request.user):
            raise PermissionDenied()
        data = serializer.validated_data
        serializer.instance = services.template_save(
            actor=self.request.user, name=data["name"], kind=data["kind"],
            mapping=data["mapping"], value_map=data.get("value_map"),
        )  # fmt: skip
