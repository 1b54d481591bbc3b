"""One error shape for every API failure, and the mapping from the services' exceptions.

Every error answers::

    {"error": {"code": "invalid", "message": "…", "fields": {"date": ["…"]}}}

``fields`` appears for invalid input only (errors in a nested list are keyed by the failing
item's position: ``{"steps": {"1": {"date": ["…"]}}}``). The services raise HTTP-free
exceptions; they become:

* ``NotVisible`` / any ``DoesNotExist`` / ``Http404`` → 404 ``not_found`` (never 403: a hidden
  record's existence is not revealed);
* ``ActionRefused`` → 403 when the refusal is about the actor's rights (``permission``), else
  400 with the refusal's own code (``four_eyes``, ``uncited``, ``state``, ``comment``…);
* ``StaleEdit`` → 412 ``stale``; a Django ``ValidationError`` → 400 ``invalid``;
* ``IntegrityError`` (a race past validation) → 409 ``conflict``;
* ``OperationalError`` (the database refuses connections: "too many clients", a restart)
  → 503 ``unavailable`` with ``Retry-After``, in JSON, also when it happens in a middleware
  before the view (:func:`server_error`, the project's ``handler500``).
"""

from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.fields import get_error_detail
from rest_framework.views import exception_handler as drf_exception_handler

from monitor.models import StaleEdit
from monitor.services import ActionRefused, PartError, PartErrors

logger = logging.getLogger(__name__)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "The record has changed since you read it (its ETag no longer matches If-Match). "
        "Nothing was saved: read it again, then apply your change."
    )
    default_code = "stale"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state of the data.")
    default_code = "conflict"


class Unavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _(
        "The database is not answering (it may be busy or restarting). Nothing was changed: "
        "try again in a moment."
    )
    default_code = "unavailable"


#: Seconds a client is asked to wait before retrying after a 503.
RETRY_AFTER = 5


class Refused(exceptions.APIException):
    """An ``ActionRefused`` from a service, with its code."""

    def __init__(self, refusal: ActionRefused):
        self.status_code = (
            status.HTTP_403_FORBIDDEN
            if refusal.code == "permission"
            else status.HTTP_400_BAD_REQUEST
        )
        super().__init__(detail=refusal.message, code=refusal.code)


def django_validation_detail(exc: DjangoValidationError):
    """A Django ``ValidationError`` as DRF field errors (``__all__`` → ``non_field_errors``)."""
    if hasattr(exc, "error_dict"):
        detail = {}
        for field, errors in exc.error_dict.items():
            key = "non_field_errors" if field == "__all__" else field
            detail[key] = get_error_detail(DjangoValidationError(errors))
        return detail
    return {"non_field_errors": get_error_detail(exc)}


def part_errors_detail(exc: PartError | PartErrors) -> dict:
    """Refusals of parts of a composite input, as DRF puts errors of nested lists:
    ``{"steps": {"1": {"date": ["…"]}}}`` (the failing items only, by position)."""
    detail: dict = {}
    for part in getattr(exc, "parts", [exc]):
        inner = django_validation_detail(part.error)
        if not part.part:
            for key, value in inner.items():
                detail.setdefault(key, []).extend(value)
        elif part.index is None:
            detail.setdefault(part.part, {}).update(inner)
        else:
            detail.setdefault(part.part, {}).setdefault(str(part.index), {}).update(inner)
    return detail


def translate(exc: Exception) -> Exception:
    """Map the services' and Django's exceptions to DRF's."""
    if isinstance(exc, StaleEdit):
        return PreconditionFailed(detail=exc.messages[0] if exc.messages else None)
    if isinstance(exc, PartError | PartErrors):
        return exceptions.ValidationError(part_errors_detail(exc))
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(django_validation_detail(exc))
    if isinstance(exc, ActionRefused):
        return Refused(exc)
    if isinstance(exc, (ObjectDoesNotExist, Http404)):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, IntegrityError):
        # Validation runs before every save, so this is two requests racing for the same
        # unique value; the loser is told so rather than shown a server error.
        logger.warning("API write lost a race: %s", exc)
        return Conflict()
    if isinstance(exc, OperationalError):
        logger.error("API request without a database: %s", exc)
        return Unavailable()
    return exc


def _codes(detail):
    if isinstance(detail, dict):
        return {key: _codes(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_codes(item) for item in detail]
    return getattr(detail, "code", None)


def _first_message(detail) -> str | None:
    if isinstance(detail, dict):
        for value in detail.values():
            found = _first_message(value)
            if found:
                return found
    elif isinstance(detail, list):
        for item in detail:
            found = _first_message(item)
            if found:
                return found
    elif detail:
        return str(detail)
    return None


def error_body(exc: exceptions.APIException) -> dict:
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        non_field = fields.get("non_field_errors") if isinstance(fields, dict) else None
        message = _first_message(non_field) or str(
            _("The request is invalid: see the errors by field.")
        )
        return {"code": "invalid", "message": message, "fields": fields}
    code = getattr(detail, "code", None) or exc.default_code
    return {"code": str(code), "message": _first_message(detail) or str(exc.default_detail)}


def exception_handler(exc, context):
    """DRF's handler, fed with translated exceptions and answering in the one error shape."""
    exc = translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = {"error": error_body(exc)}
    if isinstance(exc, Unavailable):
        response["Retry-After"] = str(RETRY_AFTER)
    return response


def server_error(request):
    """The project's ``handler500``: an API request gets the one error shape in JSON (503
    when the database refused the connection, in a middleware or the view), never the HTML
    error page; pages get Django's own."""
    import sys

    from django.http import JsonResponse
    from django.views.defaults import server_error as page_error

    if not request.path.startswith("/api/"):
        return page_error(request)
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError):
        error = Unavailable()
        response = JsonResponse({"error": error_body(error)}, status=error.status_code)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    body = {"code": "server_error", "message": str(_("Something went wrong on the server."))}
    return JsonResponse({"error": body}, status=500)
