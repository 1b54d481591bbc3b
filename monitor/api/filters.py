"""The API's filter backend: the apps' FilterSets, with their errors in the one error shape.

django-filter's own backend formats each message with ``message % params`` a second time,
so a message quoting what the client typed (``date_from=%``) raised a ``TypeError`` (a 500).
Here the form's messages are taken as the form renders them, already formatted.
"""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions


class FilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            errors = filterset.errors.get_json_data()
            raise exceptions.ValidationError(
                {
                    name: [exceptions.ErrorDetail(e["message"], code=e["code"]) for e in items]
                    for name, items in errors.items()
                }
            )
        return filterset.qs
