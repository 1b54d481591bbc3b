"""A user's deadlines as an iCalendar feed, at a secret address that can be rotated.

* **The address is the credential.** Calendar applications cannot sign in, so the feed is
  reached at ``/calendar/<token>.ics`` with no session. The token is 256 random bits from
  :mod:`secrets`; only its SHA-256 is stored (:class:`~cases.models.CalendarFeed`), so the
  address is shown once, when :func:`calendar_feed_rotate` makes it. Rotating replaces it and
  the old address answers 404 at once, as does any address of an inactive user or a user with
  no role. Responses are ``Cache-Control: no-store``.
* **Only what the user may see**, read through the same :mod:`cases.deadlines` as the
  dashboard: responses due (open follow-ups, overdue ones included), hearings and other
  follow-up dates, expected releases — from 90 days back to a year ahead. Calendar
  applications sync to other companies' servers, so events carry the external labels: no
  person's name, a follow-up's title only when its case is public.
* **Written by hand** (RFC 5545; a few dozen lines do not justify a dependency): all-day
  events (``DTSTART;VALUE=DATE``), a ``UID`` stable per item, text escaped, lines folded at
  75 octets, CRLF line ends.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from cases.deadlines import Deadline, DeadlineKind, deadlines_between
from cases.models import CalendarFeed
from monitor.access import has_role

#: How far back and ahead the feed reaches.
PAST_DAYS = 90
FUTURE_DAYS = 366
PRODID = "-//Monitor//Deadlines//EN"


# -- the secret address ----------------------------------------------------------------------


@transaction.atomic
def calendar_feed_rotate(*, user) -> str:
    """Make ``user``'s calendar address (or a new one): returns the token, shown only now.

    The previous address, if any, stops working.
    """
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    CalendarFeed.objects.update_or_create(
        user=user,
        defaults={"token_hash": CalendarFeed.hash_token(token), "rotated_at": now},
    )
    return token


def calendar_feed_revoke(*, user) -> bool:
    """Remove ``user``'s calendar address; True if there was one."""
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    return bool(deleted)


def calendar_feed_path(token: str) -> str:
    """The path of the feed for ``token`` (prefix the site's address to share it)."""
    return reverse("calendar:feed", kwargs={"token": token})


def calendar_feed_user(token: str):
    """The user whose feed ``token`` opens, or None (unknown, rotated away, or no access)."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=CalendarFeed.hash_token(token))
        .first()
    )
    if feed is None or not has_role(feed.user):
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.user


# -- the feed --------------------------------------------------------------------------------


@require_safe
def calendar_feed(request, token: str) -> HttpResponse:
    """The ``.ics`` of the user the token belongs to; 404 for any other token."""
    user = calendar_feed_user(token)
    if user is None:
        raise Http404("No such calendar")
    today = timezone.localdate()
    items = deadlines_between(
        user,
        today - datetime.timedelta(days=PAST_DAYS),
        today + datetime.timedelta(days=FUTURE_DAYS),
        today=today,
    )
    response = HttpResponse(
        render_ics(items, now=timezone.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="monitor-deadlines.ics"'
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def render_ics(items: Iterable[Deadline], *, now: datetime.datetime) -> str:
    """An RFC 5545 calendar with one all-day event per item."""
    stamp = now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Monitor deadlines",
    ]
    for item in items:
        summary = item.external_title
        if item.overdue:
            summary = f"OVERDUE · {summary}"
        description = [f"{DeadlineKind(item.kind).label.capitalize()}: {item.when}"]
        if item.is_approximate:
            description.append(
                f"The date is approximate ({item.when}): shown on its first possible day, "
                f"{item.date.isoformat()}; it may be as late as {item.last_date.isoformat()}."
            )
        lines += [
            "BEGIN:VEVENT",
            f"UID:{item.uid}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{item.date:%Y%m%d}",
            f"DTEND;VALUE=DATE:{item.date + datetime.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape_text(summary)}",
            f"DESCRIPTION:{escape_text(chr(10).join(description))}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def escape_text(text: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma, newline."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str, limit: int = 75) -> str:
    """Fold a content line at ``limit`` octets (RFC 5545 §3.1), never inside a character.

    Continuation lines start with one space, which counts towards their octets.
    """
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)
