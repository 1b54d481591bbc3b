"""The session's clocks, for the warning before a session ends (``monitor/workday.js``).

``GET`` tells how long the session has left without moving its idle clock (asking is not
activity: a page left open must still be signed out after the idle limit); ``POST`` is the
"Stay signed in" button: a request like any other, it moves the idle clock
(:class:`monitor.security.SessionLimitsMiddleware`), and never the absolute limit, which no
request extends.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.http import require_http_methods

from monitor.security import LAST_SEEN, SIGNED_IN_AT


def seconds_left(session, now: float | None = None) -> dict[str, int]:
    """Seconds until the idle limit and until the absolute limit (never below 0)."""
    now = time.time() if now is None else now
    signed_in = session.get(SIGNED_IN_AT, now)
    last_seen = session.get(LAST_SEEN, signed_in)
    idle = settings.SESSION_IDLE_MINUTES * 60 - (now - last_seen)
    absolute = settings.SESSION_MAX_HOURS * 3600 - (now - signed_in)
    return {"idle_left": max(0, int(idle)), "absolute_left": max(0, int(absolute))}


# Signed in only, like every page: a browser whose session ended gets the sign-in redirect,
# which the script reads as "signed out" (it does not follow redirects).
@require_http_methods(["GET", "POST"])
def session_status(request):
    return JsonResponse(
        {
            "signed_in": True,
            **seconds_left(request.session),
            # The warning comes a share of the idle limit before it (monitor/workday.js).
            "idle_limit": settings.SESSION_IDLE_MINUTES * 60,
            # How long a draft kept in the browser may live.
            "max_hours": settings.SESSION_MAX_HOURS,
        }
    )
