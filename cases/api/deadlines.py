"""Deadlines, response statistics and the calendar address in the API (issue 7).

The same functions feed the dashboard (cases.deadlines), the reminders and the calendar
feed, so the API shows exactly the lists a monitor sees on their dashboard.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.deadlines import DeadlineKind, overdue_deadlines, upcoming_deadlines
from cases.statistics import communication_statistics, statistics_csv
from cases.views.calendar import calendar_feed_path, calendar_feed_rotate
from monitor.api.serializers import ErrorSerializer
from monitor.api.strict import StrictQuery


class DeadlineSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The first possible day.")
    last_date = serializers.DateField(help_text="The last possible day (approximate dates).")
    when = serializers.CharField(help_text='The date as known: "11 July 2023", "June 2024".')
    kind = serializers.ChoiceField(choices=DeadlineKind.choices)
    title = serializers.CharField()
    record_type = serializers.CharField(help_text='"cases.followup" or "cases.detention".')
    record_id = serializers.UUIDField()
    case_id = serializers.UUIDField()
    case_reference = serializers.CharField()
    overdue = serializers.BooleanField()


class DeadlineListSerializer(serializers.Serializer):
    overdue = DeadlineSerializer(many=True)
    upcoming = DeadlineSerializer(many=True)
    days = serializers.IntegerField(help_text="How many days ahead `upcoming` looks.")


class DeadlineQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(required=False, min_value=0, max_value=366)


def _deadline(item) -> dict:
    return {
        "date": item.date,
        "last_date": item.last_date,
        "when": str(item.when),
        "kind": item.kind,
        "title": item.title,
        "record_type": item.model,
        "record_id": item.pk,
        "case_id": item.case_id,
        "case_reference": item.case_reference,
        "overdue": item.overdue,
    }


class DeadlinesView(StrictQuery, APIView):
    """What is overdue and what falls due soon, among the records you may see."""

    query_parameters = ("days",)

    @extend_schema(
        summary="Your deadlines: overdue, and due in the next days",
        parameters=[
            OpenApiParameter(
                "days",
                {"type": "integer", "minimum": 0, "maximum": 366},
                description="Days ahead (0–366; MONITOR_REMINDER_DAYS by default).",
            )
        ],
        # A number of days out of range is a 400 with the field's error.
        responses={200: DeadlineListSerializer, 400: ErrorSerializer},
    )
    def get(self, request):
        query = DeadlineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        days = query.validated_data.get("days", settings.REMINDER_DAYS)
        data = {
            "overdue": [_deadline(i) for i in overdue_deadlines(request.user)],
            "upcoming": [_deadline(i) for i in upcoming_deadlines(request.user, days=days)],
            "days": days,
        }
        return Response(DeadlineListSerializer(data).data)


class StatisticsRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    sent = serializers.IntegerField()
    answered = serializers.IntegerField()
    answered_fully = serializers.IntegerField()
    answered_partially = serializers.IntegerField()
    denials = serializers.IntegerField()
    unanswered = serializers.IntegerField()
    overdue = serializers.IntegerField()
    median_days_to_reply = serializers.FloatField(allow_null=True)


class StatisticsSerializer(serializers.Serializer):
    today = serializers.DateField()
    total = StatisticsRowSerializer()
    by_addressee = StatisticsRowSerializer(many=True)
    by_mandate = StatisticsRowSerializer(many=True)


class CommunicationStatisticsView(StrictQuery, APIView):
    """UN communications you may see: sent, answered, unanswered, overdue, days to reply."""

    @extend_schema(
        summary="Response statistics per addressee and mandate", responses=StatisticsSerializer
    )
    def get(self, request):
        stats = communication_statistics(request.user)
        data = {
            "today": stats.today,
            "total": stats.total.as_dict(),
            "by_addressee": [row.as_dict() for row in stats.by_addressee],
            "by_mandate": [row.as_dict() for row in stats.by_mandate],
        }
        return Response(StatisticsSerializer(data).data)


class CommunicationStatisticsCsvView(StrictQuery, APIView):
    """The same statistics as CSV (formula-like cells neutralised)."""

    @extend_schema(
        summary="Response statistics as CSV",
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV")},
    )
    def get(self, request):
        response = HttpResponse(
            statistics_csv(communication_statistics(request.user)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="communication-statistics.csv"'
        return response


class CalendarAddressSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="The secret address of your calendar, shown once.")


class CalendarAddressView(StrictQuery, APIView):
    """A new secret address for your deadlines calendar; the previous one stops working."""

    @extend_schema(
        summary="Make a new calendar address",
        request=None,
        responses={201: CalendarAddressSerializer},
    )
    def post(self, request):
        path = calendar_feed_path(calendar_feed_rotate(user=request.user))
        url = (
            f"{settings.SITE_URL}{path}" if settings.SITE_URL else request.build_absolute_uri(path)
        )
        return Response(CalendarAddressSerializer({"url": url}).data, status=201)
