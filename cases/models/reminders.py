"""What deadline reminders need to remember: digests sent, and each user's calendar secret.

Neither is a domain record: they hold no facts about a case, so they are plain models, not
audited ones (no history, no review, no ``visible_to``).
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderLog(models.Model):
    """One reminder digest sent to one user on one day.

    The unique (user, date) pair is the guard behind "at most once per day": the reminders
    command inserts this row *before* sending, and a second run — the next hourly cron run,
    or one running at the same moment — cannot insert it again, so it sends nothing.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="reminder_logs",
    )
    date = models.DateField(_("date"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    overdue = models.PositiveIntegerField(_("overdue items"), default=0)
    upcoming = models.PositiveIntegerField(_("upcoming items"), default=0)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-date", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "date"],
                name="cases_reminderlog_once_a_day",
                violation_error_message=_("This user already had their reminder on that day."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.date}"


class CalendarFeed(models.Model):
    """A user's secret calendar address (``/calendar/<token>.ics``).

    The token is the only credential of the feed, so only its SHA-256 is stored: a copy of
    the database does not give anyone a working address. The token is 256 random bits, so a
    fast hash is enough (there is nothing to brute-force). It is shown once, when it is made;
    rotating replaces the hash, and the old address stops working at once.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    rotated_at = models.DateTimeField(_("address made at"), editable=False)
    last_used_at = models.DateTimeField(_("last read at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["user"]

    def __str__(self) -> str:
        return _("Calendar of %(user)s") % {"user": self.user}

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
