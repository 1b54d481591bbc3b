"""Endpoints for sources, evidence files (metadata and a logged download) and citations."""

from __future__ import annotations

from django.apps import apps
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, parsers
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer

from monitor.api.exceptions import Conflict
from monitor.api.parsers import JSONParser
from monitor.api.redaction import identity_policy
from monitor.api.viewsets import BatchCreateMixin, RecordViewSet, ReviewedViewSet
from monitor.redaction import annotate as annotate_identity
from monitor.selectors import visible_prefetch
from monitor.services import ActionRefused
from sources.api.serializers import (
    CitationSerializer,
    EvidenceFileSerializer,
    EvidenceUploadSerializer,
    SourceSerializer,
)
from sources.filtersets import CitationFilterSet, EvidenceFileFilterSet, SourceFilterSet
from sources.models import Citation, EvidenceFile, Source
from sources.services import citation_add, evidence_open_for_download, evidence_upload


def with_identity(user):
    """For a prefetch of sources: each knows whether ``user`` may identify it (one rule)."""
    return lambda sources: annotate_identity(sources, user)


class SourceViewSet(BatchCreateMixin, ReviewedViewSet):
    """Where information comes from. Protected sources show a pseudonym to users without
    clearance for them, and no identifying details."""

    model = Source
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet

    def get_queryset(self):
        user = self.request.user
        # visible_to first; identity_revealed is the redaction rule per row, computed in the
        # same query (monitor.redaction). Kind, team and audit users are brief: joined.
        # derived_from are other sources: prefetched through visible_to (hidden ones omitted).
        queryset = Source.objects.visible_to(user)
        return (
            annotate_identity(queryset, user)
            .select_related("kind", "team", "obtained_by", "created_by", "archived_by")
            .prefetch_related(visible_prefetch(Source, "derived_from", user, with_identity(user)))
        )


class OctetStreamRenderer(BaseRenderer):
    """Lets a client ask for the file's bytes (``Accept: application/octet-stream``)."""

    media_type = "application/octet-stream"
    format = "bin"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data, "application/json", renderer_context)


@extend_schema_view(
    create=extend_schema(
        summary="Upload an evidence file",
        description="Multipart upload. The type is read from the content (an allow-list); "
        "the SHA-256 and size are taken from the bytes stored, and the upload is logged in "
        "the chain of custody.",
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceFileSerializer},
    ),
)
class EvidenceFileViewSet(RecordViewSet):
    """Evidence files: metadata here, the bytes through ``download``."""

    model = EvidenceFile
    serializer_class = EvidenceFileSerializer
    filterset_class = EvidenceFileFilterSet
    parser_classes = [JSONParser, parsers.MultiPartParser]

    def get_queryset(self):
        user = self.request.user
        # A file is visible with its source (visible_to); the source is shown brief and
        # decides the redaction of the file's name, so it is joined with its identity flag.
        return (
            EvidenceFile.objects.visible_to(user)
            .select_related("created_by", "archived_by")
            .prefetch_related(visible_prefetch(EvidenceFile, "source", user, with_identity(user)))
        )

    def get_serializer_class(self):
        if self.action == "create":
            return EvidenceUploadSerializer
        return EvidenceFileSerializer

    def perform_write(self, serializer, instance=None, expected_version=None):
        if instance is not None:
            return super().perform_write(serializer, instance, expected_version)
        data = serializer.validated_data
        return evidence_upload(
            source=data["source"],
            uploaded_file=data["file"],
            actor=self.request.user,
            description=data.get("description", ""),
            is_web_capture=data.get("is_web_capture", False),
            client_address=self.request.META.get("REMOTE_ADDR"),
        )

    def get_serializer(self, *args, **kwargs):
        # An answer always shows the file's metadata, whatever the request's body was.
        if args and isinstance(args[0], EvidenceFile):
            kwargs.setdefault("context", self.get_serializer_context())
            return EvidenceFileSerializer(*args, **kwargs)
        return super().get_serializer(*args, **kwargs)

    @extend_schema(
        summary="Download the file",
        description="The stored bytes, as an attachment, after their SHA-256 is checked "
        "against the one recorded at upload (`X-Content-SHA256`). Every download is logged "
        "in the chain of custody. A file whose bytes no longer match is not served (409, "
        "code `integrity`); the file of a protected source is served only to those who may "
        "identify the source.",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file."
            ),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, OctetStreamRenderer])
    def download(self, request, *args, **kwargs):
        evidence = self.get_object()
        if not identity_policy({"request": request}).reveals(evidence.source):
            raise exceptions.PermissionDenied(
                _("This file belongs to a protected source you may not identify."),
                code="identity_protected",
            )
        try:
            download = evidence_open_for_download(
                evidence=evidence,
                actor=request.user,
                client_address=request.META.get("REMOTE_ADDR"),
            )
        except ActionRefused as refusal:
            if refusal.code == "integrity":
                raise Conflict(refusal.message, code="integrity") from refusal
            raise
        response = FileResponse(
            download.file,
            as_attachment=True,
            filename=download.filename,
            content_type="application/octet-stream",
        )
        response["Content-Length"] = str(download.size)
        response["X-Content-SHA256"] = download.sha256
        response["Repr-Digest"] = f"sha-256=:{download.sha256_base64}:"
        response["Cache-Control"] = "no-store, private"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


class CitationViewSet(BatchCreateMixin, RecordViewSet):
    """Provenance links: this source supports (or contests) that record."""

    model = Citation
    serializer_class = CitationSerializer
    filterset_class = CitationFilterSet

    def get_queryset(self):
        user = self.request.user
        # visible_to: both the source and the cited record must be visible. The source is
        # shown brief, with its identity flag for redaction; the record as type and id only.
        return (
            Citation.objects.visible_to(user)
            .select_related("created_by", "archived_by")
            .prefetch_related(visible_prefetch(Citation, "source", user, with_identity(user)))
        )

    def perform_write(self, serializer, instance=None, expected_version=None):
        if instance is not None:
            return super().perform_write(serializer, instance, expected_version)
        data = dict(serializer.validated_data)
        model = apps.get_model(data.pop("record_type"))
        record = model.objects.visible_to(self.request.user).filter(pk=data["object_id"]).first()
        if record is None:
            raise exceptions.ValidationError(
                {"record_id": [_("No record of this kind with this id that you may see.")]}
            )
        data.pop("object_id")
        data.pop("change_reason", None)
        return citation_add(record=record, actor=self.request.user, **data)
