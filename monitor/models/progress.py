"""The progress of one piece of background work (an export, an import…): see monitor.progress."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProgressState(models.TextChoices):
    QUEUED = "queued", _("waiting to start")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


#: States after which nothing changes any more.
FINISHED_STATES = (ProgressState.DONE, ProgressState.FAILED, ProgressState.CANCELLED)
#: How many error messages a row keeps (the count goes on beyond it).
MAX_ERROR_MESSAGES = 50


class TaskProgressQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A person sees the progress of the work they started, and nobody else's: an export
        or an import names what was asked for (filters, a file name)."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(owner=user)


class TaskProgress(models.Model):
    """How far one background job has come: steps done of a total, errors so far, when it
    started, and whether its owner asked to stop it.

    Written by the job through :class:`monitor.progress.Tracker`, read by the progress page
    and its JSON (``monitor.views_progress``). ``result`` holds what the job made (for an
    export: the file's name and size); ``expires_at``, when set, is when that result is
    removed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="task_progress",
    )
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=ProgressState.choices, default=ProgressState.QUEUED
    )
    total = models.PositiveIntegerField(_("steps in all"), null=True, blank=True)
    done = models.PositiveIntegerField(_("steps done"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("error messages"), default=list, blank=True)
    params = models.JSONField(_("what was asked"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    cancel_requested = models.BooleanField(_("stop requested"), default=False)
    expires_at = models.DateTimeField(_("result expires at"), null=True, blank=True)

    objects = TaskProgressQuerySet.as_manager()

    class Meta:
        verbose_name = _("background work")
        verbose_name_plural = _("background work")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="monitor_progress_owner")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total__isnull=True) | models.Q(done__lte=models.F("total")),
                name="monitor_progress_done_within_total",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_state_display()})"

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_STATES

    @property
    def percent(self) -> int | None:
        """Whole percent done, or None while the total is unknown."""
        if not self.total:
            return 100 if self.state == ProgressState.DONE else None
        return min(100, self.done * 100 // self.total)

    def eta(self, now: datetime.datetime | None = None) -> datetime.datetime | None:
        """When the job should end at the pace so far (None before there is a pace)."""
        if self.is_finished or not self.total or not self.started_at or not self.done:
            return None
        now = now or timezone.now()
        elapsed = (now - self.started_at).total_seconds()
        remaining = (self.total - self.done) * elapsed / self.done
        return now + datetime.timedelta(seconds=remaining)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
