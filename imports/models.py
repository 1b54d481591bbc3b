"""Import jobs (one uploaded spreadsheet and its run), their rows, and saved mappings.

These are the importer's bookkeeping, not domain records: what a row recorded lives in the
cases, persons and events it created through the services, each with its history and its
citation of the import's source. An ``ImportRow`` remembers what each row did, which makes a
run resumable (rows already done are not done again), idempotent (a row imported before, in
this file or another, creates nothing) and updatable (an external id or a case reference
finds the record a row wrote before).
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from imports.choices import FileFormat, ImportKind, JobStatus, OnError, RowOutcome
from monitor.access import has_role
from sources.models import Source


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A job is seen by whoever may see its source ("Import: <file>"): same team, same
        level. Fails closed without a role."""
        if not has_role(user):
            return self.none()
        return self.filter(source__in=Source.objects.visible_to(user))


class ImportJob(models.Model):
    """One uploaded spreadsheet: its columns, the mapping chosen, and the run's progress."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    team = models.ForeignKey(
        "monitor.Team",
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confidentiality = models.PositiveSmallIntegerField(_("confidentiality"))
    source = models.ForeignKey(
        "sources.Source", verbose_name=_("source"), on_delete=models.PROTECT, related_name="+"
    )
    evidence = models.ForeignKey(
        "sources.EvidenceFile",
        verbose_name=_("uploaded file"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=8, choices=FileFormat.choices)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=2, blank=True)
    headers = models.JSONField(_("columns"), default=list)
    kind = models.CharField(
        _("what a row is"),
        max_length=20,
        choices=ImportKind.choices,
        default=ImportKind.DETENTIONS,
    )
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    value_map = models.JSONField(_("values mapped to terms"), default=dict, blank=True)
    on_error = models.CharField(
        _("on error"), max_length=8, choices=OnError.choices, default=OnError.SKIP
    )
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.UPLOADED
    )
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_failed = models.PositiveIntegerField(_("rows failed"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    seconds_running = models.FloatField(_("seconds running"), default=0)
    message = models.TextField(_("message"), blank=True)
    proposals = models.JSONField(_("values proposed as new terms"), default=dict, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=JobStatus.values),
                name="imports_job_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(rows_done__lte=models.F("rows_total")),
                name="imports_job_rows_done_le_total",
            ),
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_active(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0

    @property
    def seconds_left(self) -> int | None:
        """Time left at the pace so far (None before the first rows are done)."""
        if not self.rows_done or not self.seconds_running:
            return None
        pace = self.seconds_running / self.rows_done
        return round(pace * (self.rows_total - self.rows_done))

    def time_left(self) -> str:
        seconds = self.seconds_left
        if seconds is None:
            return ""
        return str(datetime.timedelta(seconds=seconds))

    def is_stale(self, *, after: datetime.timedelta = datetime.timedelta(minutes=2)) -> bool:
        """Running but silent for a while: its worker stopped (a restart), so it may resume."""
        last = self.heartbeat_at or self.started_at
        return self.status == JobStatus.RUNNING and (last is None or timezone.now() - last > after)


class ImportRow(models.Model):
    """What one row of one import did, and what it recorded."""

    id = models.BigAutoField(primary_key=True)
    job = models.ForeignKey(ImportJob, on_delete=models.PROTECT, related_name="rows")
    number = models.PositiveIntegerField(_("row"))
    fingerprint = models.CharField(_("fingerprint"), max_length=64, db_index=True)
    external_key = models.CharField(_("external id"), max_length=300, blank=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=RowOutcome.choices)
    error = models.TextField(_("error"), blank=True)
    cells = models.JSONField(_("cells"), default=list)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    event = models.ForeignKey(
        "cases.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person_is_new = models.BooleanField(default=False)
    #: The version of the record after this row wrote it: a later import updates it only if
    #: nobody changed it by hand since (optimistic concurrency).
    record_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        ordering = ["job", "number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="imports_row_once_per_job"),
            models.CheckConstraint(
                condition=models.Q(outcome__in=RowOutcome.values),
                name="imports_row_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job} row {self.number}"


class MappingTemplateQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Saved mappings (column names and field codes, no record) are shared by everyone
        with a role, like the vocabularies they map to."""
        return self.all() if has_role(user) else self.none()


class MappingTemplate(models.Model):
    """A named mapping of columns to fields, saved to be used for the next file alike."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("what a row is"), max_length=20, choices=ImportKind.choices)
    mapping = models.JSONField(_("mapping"), default=dict)
    value_map = models.JSONField(_("values mapped to terms"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "monitor.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MappingTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("mapping template")
        verbose_name_plural = _("mapping templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
