"""The detainee register in the API: ``GET /api/v1/register/`` (rows) and
``GET /api/v1/register/counts/``.

The rows, their fields and the counts come from :mod:`cases.register`, the same as the page and
its exports; the filters are the detentions' FilterSet (``/api/v1/detentions/`` takes the same
ones). The serializer's fields are derived from the register's column declaration, so a
column added there appears here too.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from cases import register
from cases.counts import detained_overview
from cases.filtersets import DetentionFilterSet
from cases.models import Detention
from monitor.api.serializers import ErrorSerializer
from monitor.api.strict import StrictQuery

_FIELD_TYPES = {
    "string": lambda help_text: serializers.CharField(help_text=help_text),
    "integer": lambda help_text: serializers.IntegerField(allow_null=True, help_text=help_text),
    "boolean": lambda help_text: serializers.BooleanField(help_text=help_text),
    "date": lambda help_text: serializers.CharField(
        help_text=help_text or "A date, YYYY-MM-DD, or empty."
    ),
    "list": lambda help_text: serializers.ListField(
        child=serializers.CharField(), help_text=help_text
    ),
}


def _row_fields() -> dict:
    fields = {
        "id": serializers.UUIDField(help_text="The detention's id (/api/v1/detentions/{id}/)."),
        "case_id": serializers.UUIDField(),
    }
    for column in (*register.COLUMNS, register.CHANGE_COLUMN):
        fields[column.key] = _FIELD_TYPES[column.kind](str(column.help_text))
    fields["status_label"] = serializers.CharField(help_text="The status, in words.")
    fields["person_revealed"] = serializers.BooleanField(
        help_text="False when `person` is a pseudonym."
    )
    return fields


RegisterRowSerializer = type("RegisterRowSerializer", (serializers.Serializer,), _row_fields())


def row_data(row: register.RegisterRow) -> dict:
    data = {"id": row.pk, "case_id": row.case_id}
    for column in (*register.COLUMNS, register.CHANGE_COLUMN):
        data[column.key] = column.value(row)
    data["status"] = row.status or ""
    data["status_label"] = row.status_label
    data["person_revealed"] = row.person_revealed
    return data


class TallySerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class DetainedOverviewSerializer(serializers.Serializer):
    """Everyone detained, named or counted in group detentions (cases.counts)."""

    detained = serializers.IntegerField(source="outcomes.detained")
    administrative = serializers.SerializerMethodField(
        help_text="People per administrative outcome, apart from criminal sentences."
    )
    administrative_total = serializers.IntegerField(source="outcomes.administrative_total")
    charged_in_groups = serializers.IntegerField(source="outcomes.charged_in_groups")
    sentenced = serializers.IntegerField(source="outcomes.sentenced")
    by_facility = serializers.SerializerMethodField(help_text="People per place of detention.")

    @extend_schema_field(TallySerializer(many=True))
    def get_administrative(self, overview) -> list:
        return [
            {"key": kind, "label": str(label), "count": people}
            for kind, label, people in overview.outcomes.administrative
        ]

    @extend_schema_field(TallySerializer(many=True))
    def get_by_facility(self, overview) -> list:
        return [
            {"key": str(facility.pk), "label": facility.name, "count": people}
            for facility, people in overview.by_facility
        ]


class RegisterCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = TallySerializer(many=True)
    by_article = TallySerializer(many=True)
    by_year = TallySerializer(many=True, help_text="By year of arrest.")
    no_arrest_date = serializers.IntegerField()
    everyone_detained = DetainedOverviewSerializer(
        read_only=True,
        help_text="Everyone detained in the records you may see (not under the filters), "
        "named or counted in group detentions.",
    )


class _RegisterBase(StrictQuery, GenericAPIView):
    filterset_class = DetentionFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no request user
            return Detention.objects.none()
        # Detention.visible_to, the status and the arrest date annotated, the person through
        # Person.visible_to, the steps with what they show: see cases.register.
        return register.register_queryset(self.request.user)


class RegisterView(_RegisterBase):
    """One row per detention you may see; persons you may not identify by pseudonym."""

    serializer_class = RegisterRowSerializer

    @extend_schema(summary="The detainee register", responses=RegisterRowSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        since = register.parse_since(request.query_params.get("changed_since"))
        rows = register.build_rows(page, request.user, since=since)
        data = RegisterRowSerializer([row_data(row) for row in rows], many=True).data
        return self.get_paginated_response(data)


class RegisterCountsView(_RegisterBase):
    """How many detentions of the filtered register by status, article and year of arrest."""

    serializer_class = RegisterCountsSerializer
    pagination_class = None

    @extend_schema(
        summary="Counts over the filtered register",
        # A filter it does not understand is a 400 (with errors by field), as on the rows.
        responses={200: RegisterCountsSerializer, 400: ErrorSerializer},
    )
    def get(self, request):
        counts = register.register_counts(self.filter_queryset(self.get_queryset()))
        data = RegisterCountsSerializer(counts).data
        data["everyone_detained"] = DetainedOverviewSerializer(detained_overview(request.user)).data
        return Response(data)
