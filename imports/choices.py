"""Fixed sets of the imports app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FileFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("XLSX")


class ImportKind(models.TextChoices):
    """What one row of the spreadsheet is."""

    DETENTIONS = "detentions", _("one detained person per row")
    EVENTS = "events", _("one mass detention (an event) per row")


class OnError(models.TextChoices):
    STOP = "stop", _("stop at the first error (nothing is kept)")
    SKIP = "skip", _("import the good rows and report the rest")


class JobStatus(models.TextChoices):
    UPLOADED = "uploaded", _("uploaded, to be mapped")
    QUEUED = "queued", _("waiting to run")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("stopped at an error")
    CANCELLED = "cancelled", _("cancelled")


class RowOutcome(models.TextChoices):
    CREATED = "created", _("created")
    UPDATED = "updated", _("updated")
    SKIPPED = "skipped", _("already imported")
    FAILED = "failed", _("failed")
    CONFLICT = "conflict", _("changed by hand since: not overwritten")
