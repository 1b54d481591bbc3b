"""The API's error shape for errors that arise outside its views.

DRF's exception handler (:mod:`monitor.api.exceptions`) shapes what a view raises. Some
answers are made before or after any view runs: a body over Django's size limit, a path
the URL patterns cannot match, an exception no handler caught (a 500), a middleware's own
refusal. :class:`ApiErrorMiddleware`, at the top of ``MIDDLEWARE``, sees every answer under
``/api/`` and rewrites any error that is not already JSON into the one error shape, so a
client never has to parse an HTML page.
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework import status

#: Where the API lives; answers elsewhere (pages, admin) are left alone.
API_PREFIX = "/api/"


def error_code(status_code: int) -> str:
    """The ``code`` of an error answer made without a more precise one."""
    return {
        400: "invalid",
        401: "not_authenticated",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        412: "stale",
        413: "too_large",
        415: "unsupported_media_type",
        429: "throttled",
        503: "unavailable",
    }.get(status_code, "server_error" if status_code >= 500 else "error")


def error_message(status_code: int) -> str:
    messages = {
        400: _("The request could not be read."),
        401: _("No valid credentials: sign in, or send Authorization: Bearer <token>."),
        403: _("Not allowed."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The request body is too large."),
        415: _("Send the body as application/json."),
        429: _("Too many requests: wait a little, then try again."),
        503: _("The service is unavailable for a moment: try again later."),
    }
    if status_code >= 500 and status_code != 503:
        return _("Something went wrong on our side; nothing was changed. It has been logged.")
    return str(messages.get(status_code, _("The request failed.")))


def error_response(status_code: int, message: str | None = None, code: str | None = None):
    body = {"error": {"code": code or error_code(status_code), "message": message}}
    body["error"]["message"] = message or error_message(status_code)
    return JsonResponse(body, status=status_code)


def body_limit_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return _(
        "The request body is larger than the limit of %(size)s MB (%(bytes)d bytes). "
        "Send less at once: split a long list into several requests."
    ) % {"size": f"{limit / 1024 / 1024:.1f}", "bytes": limit}


def body_too_large(request) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or request.content_type == "multipart/form-data":
        return False  # uploads are limited by their own rules (evidence files)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > limit


def is_json(response) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip() in {
        "application/json",
        "application/problem+json",
    }


class ApiErrorMiddleware:
    """Every error under ``/api/`` answers JSON in the one error shape (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        if body_too_large(request):
            return error_response(
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, body_limit_message(), "too_large"
            )
        response = self.get_response(request)
        if response.status_code < 400 or is_json(response):
            return response
        shaped = error_response(response.status_code)
        for header in ("WWW-Authenticate", "Allow", "Retry-After"):
            if header in response:
                shaped[header] = response[header]
        return shaped
