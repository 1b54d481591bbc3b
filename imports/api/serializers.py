"""The imports API's shapes: they translate, the services decide."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from imports.choices import ImportKind, OnError
from imports.models import ImportJob, MappingTemplate
from monitor.api.strict import StrictFields, StrictSerializer
from monitor.choices import Confidentiality


class ImportJobSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.get_username", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    seconds_left = serializers.IntegerField(read_only=True, allow_null=True)
    source = serializers.UUIDField(source="source_id", read_only=True)
    evidence = serializers.UUIDField(source="evidence_id", read_only=True)
    team = serializers.UUIDField(source="team_id", read_only=True, allow_null=True)

    class Meta:
        model = ImportJob
        fields = [
            "id", "file_name", "file_format", "encoding", "delimiter", "headers", "kind",
            "mapping", "value_map", "on_error", "status", "cancel_requested", "rows_total",
            "rows_done", "rows_failed", "percent", "seconds_left", "started_at", "finished_at",
            "message", "proposals", "created_by", "created_at", "source", "evidence", "team",
            "confidentiality",
        ]  # fmt: skip
        read_only_fields = fields


class UploadSerializer(StrictSerializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=ImportKind.choices, default=ImportKind.DETENTIONS)
    team = serializers.UUIDField(required=False, allow_null=True)
    confidentiality = serializers.ChoiceField(
        choices=Confidentiality.choices, default=Confidentiality.CONFIDENTIAL
    )
    encoding = serializers.ChoiceField(
        choices=["", "utf-8", "utf-8-sig", "cp1251"], default="", allow_blank=True
    )
    delimiter = serializers.ChoiceField(
        choices=["", ",", ";", "\t", "|"], default="", allow_blank=True
    )

    def validate_team(self, value):
        if value is None:
            return None
        team = self.context["request"].user.teams.filter(pk=value).first()
        if team is None:
            raise serializers.ValidationError(_("Choose one of your teams."))
        return team


class MappingSerializer(StrictSerializer):
    mapping = serializers.DictField(child=serializers.CharField(allow_blank=True))
    kind = serializers.ChoiceField(choices=ImportKind.choices, required=False)
    value_map = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(allow_blank=True)),
        required=False,
    )
    on_error = serializers.ChoiceField(choices=OnError.choices, required=False)
    template_name = serializers.CharField(required=False, allow_blank=True, max_length=200)


class BatchCommentSerializer(StrictSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class MappingTemplateSerializer(StrictFields, serializers.ModelSerializer):
    # As a job's mapping: a template without one is refused (400), not a 500.
    mapping = serializers.DictField(child=serializers.CharField(allow_blank=True))
    value_map = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(allow_blank=True)),
        required=False,
    )

    class Meta:
        model = MappingTemplate
        fields = ["id", "name", "kind", "mapping", "value_map", "created_at"]
        read_only_fields = ["id", "created_at"]


def plan_data(plan) -> dict:
    return {
        "row": plan.number,
        "values": plan.values,
        "errors": plan.errors,
        "matches": plan.matches,
        "notes": plan.notes,
        "ok": plan.ok,
    }


def batch_data(record) -> dict:
    return {
        "id": str(record.pk),
        "type": record._meta.model_name,
        "label": str(record),
        "review_state": record.review_state,
    }
