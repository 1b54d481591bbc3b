"""Nothing a client sends is silently ignored: an unknown body field or query parameter is a
400 naming it.

A typo (``"descripton"``, ``?nmae=``) used to be dropped: the create answered 201 without the
description, the list answered every record. Here, once:

* :class:`StrictFields` — a serializer refuses a field it does not have. Read-only fields
  (``id``, ``version``, ``review_state``…) are known, and ignored on input, so a record read
  with GET can be sent back as it is.
* :class:`StrictQuery` — a view refuses a query parameter it does not read: its FilterSet's
  filters and the page parameters on a list, and what it declares in ``query_parameters``.

Every API view and every input serializer stands on them (``tests/api/test_strict_input.py``
crawls the routes and the schema's write operations).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

UNKNOWN_FIELD = _("Unknown field: this request takes %(known)s.")
UNKNOWN_PARAMETER = _("Unknown query parameter: this address takes %(known)s.")
NO_PARAMETER = _("Unknown query parameter: this address takes none.")


def _listed(names) -> str:
    return ", ".join(sorted(names))


class StrictFields:
    """Mixin for a serializer: unknown fields in the input are a 400 naming each."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            known = set(self.fields)
            unknown = sorted(set(data) - known)
            if unknown:
                writable = [name for name, f in self.fields.items() if not f.read_only]
                message = str(UNKNOWN_FIELD) % {"known": _listed(writable)}
                raise serializers.ValidationError({name: [message] for name in unknown})
        return super().to_internal_value(data)


class StrictSerializer(StrictFields, serializers.Serializer):
    """A plain serializer of an action's input, strict about its fields."""


def filter_names(filterset_class) -> set[str]:
    return set(filterset_class.base_filters)


class StrictQuery:
    """Mixin for an API view: unknown query parameters are a 400 naming each."""

    #: Query parameters the view reads itself, beyond its filters and pagination.
    query_parameters: tuple[str, ...] = ()
    #: A viewset's actions (besides ``list``) that answer a page of a list.
    paginated_actions: tuple[str, ...] = ()

    def known_query_parameters(self) -> set[str]:
        known = set(self.query_parameters)
        if self.request.method not in ("GET", "HEAD"):
            return known
        action = getattr(self, "action", None)
        is_list = action in (None, "list")  # a plain view's GET, or a viewset's list
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None and is_list and getattr(self, "filter_backends", None):
            known |= filter_names(filterset_class)
        paginator = getattr(self, "paginator", None)
        if paginator is not None and (is_list or action in self.paginated_actions):
            known |= {paginator.page_query_param, paginator.page_size_query_param}
        return known

    def initial(self, request, *args, **kwargs):
        # After authentication and permissions: an anonymous client learns only "401".
        super().initial(request, *args, **kwargs)
        unknown = sorted(set(request.query_params) - self.known_query_parameters())
        if unknown:
            # A record the client may not see answers 404 whatever it sent, as an id that
            # does not exist: never a 400 that would confirm the record is there.
            lookup = getattr(self, "lookup_url_kwarg", None) or getattr(self, "lookup_field", None)
            if lookup and lookup in self.kwargs and hasattr(self, "get_object"):
                self.get_object()
            known = self.known_query_parameters()
            message = (
                str(UNKNOWN_PARAMETER) % {"known": _listed(known)} if known else str(NO_PARAMETER)
            )
            raise exceptions.ValidationError({name: [message] for name in unknown})
