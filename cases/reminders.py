"""Reminder digests: one email a day to each owner of follow-ups, with what is due and overdue.

``manage.py send_reminders`` calls :func:`send_reminders`; it is safe to run from cron every
hour:

* **Who**: every active user who owns a follow-up still waiting for an answer. Each gets the
  follow-ups *they own* that *they may see* (``visible_to(owner)``): responses overdue,
  responses due and hearings or other follow-up dates in the next N days
  (``settings.REMINDER_DAYS``, 14 unless set). A follow-up owned by someone on a case they can
  no longer see is not in their email. Expected releases have no owner: they are on the
  dashboard and in the calendar feed, not in emails.
* **At most once a day**: a :class:`~cases.models.ReminderLog` row (unique per user and day)
  is inserted *before* the email goes; a later run that day, or one running at the same time,
  cannot insert it and sends nothing. If sending fails the row is removed so the next hourly
  run tries again; if the process dies between the two, that day's digest is lost rather than
  sent twice.
* **What it says**: emails leave Monitor, so a digest names no person and gives a follow-up's
  title only when its case is public — dates, kinds, UN references, case references and
  links; the rest is behind the sign-in.
* Django's email settings (``EMAIL_BACKEND``: the console in demo mode; ``DEFAULT_FROM_EMAIL``).
  A link is absolute only when ``settings.SITE_URL`` is set.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.deadlines import Deadline, default_days, overdue_deadlines, upcoming_deadlines
from cases.models import FollowUp, ReminderLog
from monitor.access import has_role
from monitor.redaction import text_scrubber

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Digest:
    """What one owner is told on one day."""

    user: object
    today: datetime.date
    days: int
    overdue: list[Deadline]
    upcoming: list[Deadline]

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.upcoming)

    def subject(self) -> str:
        parts = []
        if self.overdue:
            parts.append(
                ngettext("%(n)d overdue", "%(n)d overdue", len(self.overdue))
                % {"n": len(self.overdue)}
            )
        if self.upcoming:
            parts.append(
                ngettext(
                    "%(n)d due in the next %(days)d days",
                    "%(n)d due in the next %(days)d days",
                    len(self.upcoming),
                )
                % {"n": len(self.upcoming), "days": self.days}
            )
        return _("Monitor deadlines: %(summary)s") % {"summary": ", ".join(parts)}

    def body(self) -> str:
        name = getattr(self.user, "first_name", "") or self.user.get_username()
        lines = [_("Hello %(name)s,") % {"name": name}, ""]
        if self.overdue:
            lines.append(_("Overdue:"))
            for item in self.overdue:
                late = item.days_late(self.today)
                lines.append(
                    f"- {item.when} · {item.external_title} · "
                    + ngettext("%(n)d day late", "%(n)d days late", late) % {"n": late}
                    + _link(item)
                )
            lines.append("")
        if self.upcoming:
            lines.append(
                _("Due in the next %(days)d days (until %(until)s):")
                % {"days": self.days, "until": self.today + datetime.timedelta(days=self.days)}
            )
            lines.extend(
                f"- {item.when} · {item.external_title}{_link(item)}" for item in self.upcoming
            )
            lines.append("")
        lines += [
            _("These are the follow-ups you own. Sign in to Monitor for the details: this email "
              "names no one and leaves out what is not public."),
            _("You get this digest at most once a day, when something is due or overdue."),
        ]  # fmt: skip
        return "\n".join(lines) + "\n"


def _link(item: Deadline) -> str:
    base = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    url = item.url
    return f" · {base}{url}" if base and url else ""


def reminder_digest(user, *, today: datetime.date, days: int | None = None) -> Digest:
    """The digest ``user`` would get on ``today``: only follow-ups they own and may see."""
    days = default_days() if days is None else days
    return Digest(
        user=user,
        today=today,
        days=days,
        overdue=overdue_deadlines(user, today=today, owned_by=user),
        upcoming=upcoming_deadlines(user, days=days, today=today, owned_by=user),
    )


def reminder_recipients(today: datetime.date):
    """Active users who own at least one follow-up still waiting for an answer."""
    waiting = FollowUp.objects.in_use().still_open(today).values("owner")
    return get_user_model().objects.filter(is_active=True, pk__in=waiting).order_by("username")


@dataclass
class ReminderReport:
    """What a run did, for the command's output."""

    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    nothing_due: list[str] = field(default_factory=list)
    no_email: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def send_reminders(
    *, today: datetime.date, days: int | None = None, dry_run: bool = False
) -> ReminderReport:
    """Send each owner their digest for ``today``, unless they already had it."""
    report = ReminderReport()
    for user in reminder_recipients(today):
        name = user.get_username()
        if not has_role(user):
            report.nothing_due.append(name)
            continue
        if ReminderLog.objects.filter(user=user, date=today).exists():
            report.already_sent.append(name)
            continue
        digest = reminder_digest(user, today=today, days=days)
        if digest.is_empty:
            report.nothing_due.append(name)
            continue
        if not user.email:
            report.no_email.append(name)
            continue
        if dry_run:
            report.sent.append(name)
            continue
        try:
            # The claim commits before the email goes: a concurrent run waits on it, then
            # fails to insert its own and sends nothing.
            with transaction.atomic():
                log = ReminderLog.objects.create(
                    user=user,
                    date=today,
                    overdue=len(digest.overdue),
                    upcoming=len(digest.upcoming),
                )
        except IntegrityError:
            report.already_sent.append(name)
            continue
        # In the language the owner chose for the interface (issue 16); what the owner may
        # not know (a protected witness named in a follow-up's title) is withheld as on their
        # pages.
        scrub = text_scrubber(user)
        with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
            message = EmailMessage(
                subject=scrub(digest.subject()),
                body=scrub(digest.body()),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[user.email],
            )
        try:
            message.send()
        except Exception:
            # Let the next hourly run try again rather than lose the day's digest.
            logger.exception("Reminder to %s could not be sent", name)
            ReminderLog.objects.filter(pk=log.pk).delete()
            report.failed.append(name)
            continue
        report.sent.append(name)
    return report
