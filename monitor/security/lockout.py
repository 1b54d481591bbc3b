"""The sign-in lockout: django-axes, wired to Monitor's client address and messages.

After ``AXES_FAILURE_LIMIT`` failed sign-ins with one username from one client address,
that pair is refused before any password check, on every path that calls
``authenticate(request, …)``: the sign-in page, the admin sign-in and the API token
endpoint. Coordinators lift a lockout in the admin (:mod:`monitor.admin.accesslog`).
"""

from __future__ import annotations

import datetime

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from monitor.security import username_digest


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in ``AUTHENTICATION_BACKENDS``.

    It refuses every sign-in for a locked-out username and address before any password is
    checked. Without a request there is nobody to lock out: Django's test client
    ``Client.login()`` and management commands authenticate that way, and axes itself
    would raise. Every surface (the sign-in page, the admin, the API token endpoint)
    passes its request; ``tests/security`` proves each one is locked.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_minutes() -> int:
    cool_off = getattr(settings, "AXES_COOLOFF_TIME", None)
    if isinstance(cool_off, datetime.timedelta):
        return max(1, int(cool_off.total_seconds() // 60))
    return 0


def lockout_message() -> str:
    minutes = lockout_minutes()
    if minutes:
        return ngettext(
            "Too many failed sign-ins for this account from your address. It is locked for "
            "%(minutes)d minute: try again then, or ask a coordinator to unlock it.",
            "Too many failed sign-ins for this account from your address. It is locked for "
            "%(minutes)d minutes: try again then, or ask a coordinator to unlock it.",
            minutes,
        ) % {"minutes": minutes}
    return _(
        "Too many failed sign-ins for this account from your address. It stays locked "
        "until a coordinator unlocks it."
    )


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """What a locked-out sign-in gets (``AXES_LOCKOUT_CALLABLE``): 429 and why.

    The API answers in its error shape with ``Retry-After``; the pages and the admin show
    a page that says what happened and what to do.
    """
    status = getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429)
    message = lockout_message()
    minutes = lockout_minutes()
    if request.path_info.startswith("/api/"):
        response = JsonResponse(
            {"error": {"code": "locked_out", "message": message}}, status=status
        )
    else:
        response = render(
            request,
            "security/locked_out.html",
            {"message": message, "minutes": minutes},
            status=status,
        )
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response


def axes_client_str(username, ip_address, user_agent, path_info, request) -> str:
    """How axes names a client in its log lines (``AXES_CLIENT_STR_CALLABLE``).

    Its default prints the typed username, which may be a password typed in the wrong field.
    """
    return f"{{username digest: {username_digest(username)!r}, address: {ip_address!r}}}"
