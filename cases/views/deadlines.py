"""Pages for what only the API showed: UN reply statistics (with their CSV) and the
"subscribe to my deadlines" page (the calendar address, its rotation and a QR code).

Both call the functions the API calls (:mod:`cases.statistics`, :mod:`cases.views.calendar`), so the
page, the CSV and the API agree.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from cases.models import CalendarFeed
from cases.statistics import communication_statistics, statistics_csv
from cases.views.calendar import calendar_feed_path, calendar_feed_revoke, calendar_feed_rotate
from monitor.access import has_role
from monitor.exports import log_export

# -- reply statistics ------------------------------------------------------------------------


@require_safe
def communication_statistics_page(request):
    stats = communication_statistics(request.user)
    return render(
        request,
        "cases/communication_statistics.html",
        {"stats": stats, "sections": _sections(stats)},
    )


def _sections(stats):
    return [
        ("addressee", _("Per State or addressee"), stats.by_addressee),
        ("mandate", _("Per mandate"), stats.by_mandate),
    ]


@require_safe
def communication_statistics_export(request):
    stats = communication_statistics(request.user)
    response = HttpResponse(
        "\ufeff" + statistics_csv(stats), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="communication-statistics.csv"'
    response["Cache-Control"] = "no-store, private"
    log_export(
        request,
        what="communication statistics",
        filters=[],
        rows=1 + len(stats.by_addressee) + len(stats.by_mandate),
    )
    return response


# -- the calendar address --------------------------------------------------------------------


def _feed_url(request, token: str) -> str:
    path = calendar_feed_path(token)
    return f"{settings.SITE_URL}{path}" if settings.SITE_URL else request.build_absolute_uri(path)


def qr_svg(text: str) -> str:
    """``text`` as a QR code in inline SVG (drawn here: no image service, no script)."""
    import segno

    svg = segno.make(text, error="m").svg_inline(
        scale=4, dark="#111", light="#fff", omitsize=True, title=_("Calendar address QR code")
    )
    # segno writes the markup itself (paths and an escaped title); the address is only in
    # the encoded QR data.
    return mark_safe(svg)  # noqa: S308


@require_http_methods(["GET", "HEAD", "POST"])
def calendar_subscription(request):
    """Make (or replace) the secret address of the user's deadlines calendar, or stop it.

    The address is shown once, in the answer to the POST that makes it (only its hash is
    kept); the answer is never cached. Users without a role have no deadlines: the page
    says so and offers nothing.
    """
    user = request.user
    context = {"no_role": not has_role(user), "url": None, "qr": None, "stopped": False}
    if request.method == "POST" and not context["no_role"]:
        if request.POST.get("action") == "stop":
            context["stopped"] = calendar_feed_revoke(user=user)
        else:
            url = _feed_url(request, calendar_feed_rotate(user=user))
            context.update(url=url, qr=qr_svg(url))
    context["feed"] = CalendarFeed.objects.filter(user=user).first()
    response = render(request, "cases/calendar_subscription.html", context)
    response["Cache-Control"] = "no-store, private"
    return response
