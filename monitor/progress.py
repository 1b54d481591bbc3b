"""Progress of background work, for any long job: an export, an import, a backup.

One :class:`~monitor.models.TaskProgress` row per job. The three sides use it like this:

* **The page that starts the job** calls :func:`progress_start` (who, what kind, a title
  the owner reads, the parameters), enqueues its django-tasks task with the row's id, stores
  the task's id with :func:`progress_attach`, and sends the person to
  :func:`progress_url` (the progress page: a bar, steps done of the total, errors so far,
  the time left, a "Stop" button; ``…/progress/<id>.json`` gives the same as JSON for a
  script or a page's own JavaScript). Include ``monitor/_progress.html`` with
  ``progress=<row>`` to show the bar inside another page.
* **The task** opens a :class:`Tracker` (``with Tracker(progress_id) as tracker:``), says
  the total (:meth:`Tracker.begin`), reports steps done and errors
  (:meth:`Tracker.advance`, :meth:`Tracker.error`), checks :meth:`Tracker.should_stop`
  between steps (the owner asked to stop it) and ends with :meth:`Tracker.finish`. An
  exception escaping the ``with`` marks the job failed — with a generic message: a
  traceback may hold data, so it goes to the server's log, not to the page.
* **The owner** sees the progress of their own jobs only (``TaskProgress.objects.
  visible_to``); anyone else's answers 404. :func:`progress_cancel` asks a job to stop.

Writes are throttled (at most one every :data:`SAVE_EVERY` seconds, and at every error), so
a job of 100,000 steps does not write 100,000 rows of progress. Nothing here depends on the
task backend: the database queue and RQ run the same tasks.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from monitor.models import ProgressState, TaskProgress
from monitor.models.progress import MAX_ERROR_MESSAGES

logger = logging.getLogger(__name__)

#: Seconds between two progress writes while a job runs.
SAVE_EVERY = 1.0


class JobCancelled(Exception):
    """Raised by :meth:`Tracker.check_stop` when the owner asked the job to stop."""


def progress_start(*, owner, kind: str, title: str, params: dict | None = None) -> TaskProgress:
    """A new job's progress row, waiting to start."""
    progress = TaskProgress(owner=owner, kind=kind, title=title[:200], params=params or {})
    progress.full_clean()
    progress.save()
    return progress


def progress_attach(progress: TaskProgress, task_result) -> None:
    """Remember which django-tasks result runs this job (``task.enqueue(...)``'s answer)."""
    TaskProgress.objects.filter(pk=progress.pk).update(task_id=str(task_result.id)[:64])
    progress.task_id = str(task_result.id)[:64]


def progress_cancel(*, progress: TaskProgress, actor) -> bool:
    """The owner asks the job to stop. A job waiting to start is cancelled at once; a running
    one stops at its next step. Returns False when the job had already ended."""
    if progress.owner_id != actor.pk:
        raise PermissionError("Only the person who started a job may stop it.")
    with transaction.atomic():
        row = TaskProgress.objects.select_for_update().get(pk=progress.pk)
        if row.is_finished:
            return False
        row.cancel_requested = True
        if row.state == ProgressState.QUEUED:
            row.state = ProgressState.CANCELLED
            row.finished_at = timezone.now()
        row.save(update_fields=["cancel_requested", "state", "finished_at", "updated_at"])
    progress.refresh_from_db()
    return True


def progress_url(progress: TaskProgress) -> str:
    return reverse("task-progress", kwargs={"pk": progress.pk})


def progress_data(progress: TaskProgress) -> dict[str, Any]:
    """What the progress page and its JSON show (nothing the owner did not ask for)."""
    eta = progress.eta()
    return {
        "id": str(progress.pk),
        "kind": progress.kind,
        "title": progress.title,
        "state": progress.state,
        "state_label": str(progress.get_state_display()),
        "finished": progress.is_finished,
        "done": progress.done,
        "total": progress.total,
        "percent": progress.percent,
        "errors": progress.error_count,
        "error_messages": list(progress.errors),
        "created_at": progress.created_at.isoformat(),
        "started_at": progress.started_at.isoformat() if progress.started_at else None,
        "finished_at": progress.finished_at.isoformat() if progress.finished_at else None,
        "eta": eta.isoformat() if eta else None,
        "seconds_left": max(0, round((eta - timezone.now()).total_seconds())) if eta else None,
        "cancel_requested": progress.cancel_requested,
        "expires_at": progress.expires_at.isoformat() if progress.expires_at else None,
    }


class Tracker:
    """The job's side: ``with Tracker(progress_id) as tracker: ...`` (see the module doc)."""

    def __init__(self, progress_id):
        self.progress = TaskProgress.objects.get(pk=progress_id)
        self._saved_at = 0.0

    # -- the context ---------------------------------------------------------------------------

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            if not self.progress.is_finished:
                self.finish()
            return False
        if exc_type is JobCancelled:
            self._end(ProgressState.CANCELLED)
            return True  # a stop the owner asked for is not a failure
        logger.error(
            "Background job %s (%s) failed", self.progress.pk, self.progress.kind, exc_info=exc
        )
        self.progress.errors = [*self.progress.errors, _("The job stopped on an error.")][
            -MAX_ERROR_MESSAGES:
        ]
        self.progress.error_count += 1
        self._end(ProgressState.FAILED)
        return False

    # -- reporting -----------------------------------------------------------------------------

    def begin(self, total: int | None) -> None:
        """The job starts, with ``total`` steps (None when not known yet). A job its owner
        stopped before it started ends here (:class:`JobCancelled`)."""
        self.check_stop()
        self.progress.state = ProgressState.RUNNING
        self.progress.total = total
        self.progress.done = 0
        self.progress.started_at = self.progress.started_at or timezone.now()
        self._save(force=True)

    def advance(self, steps: int = 1) -> None:
        self.progress.done += steps
        if self.progress.total is not None:
            self.progress.done = min(self.progress.done, self.progress.total)
        self._save()

    def error(self, message: str) -> None:
        """One step failed: counted, and its message kept (the last few)."""
        self.progress.error_count += 1
        self.progress.errors = [*self.progress.errors, str(message)[:500]][-MAX_ERROR_MESSAGES:]
        self._save(force=True)

    def should_stop(self) -> bool:
        """Whether the owner asked the job to stop (one small query)."""
        asked = (
            TaskProgress.objects.filter(pk=self.progress.pk)
            .values_list("cancel_requested", flat=True)
            .first()
        )
        return bool(asked)

    def check_stop(self) -> None:
        """Raise :class:`JobCancelled` if the owner asked to stop (the ``with`` ends it)."""
        if self.should_stop():
            raise JobCancelled

    def fail(self, message: str) -> None:
        """End the job as failed, with a message its owner may read."""
        self.progress.error_count += 1
        self.progress.errors = [*self.progress.errors, str(message)[:500]][-MAX_ERROR_MESSAGES:]
        self._end(ProgressState.FAILED)

    def finish(self, *, result: dict | None = None, expires_at=None) -> None:
        if result is not None:
            self.progress.result = result
        self.progress.expires_at = expires_at
        if self.progress.total is not None:
            self.progress.done = self.progress.total
        self._end(ProgressState.DONE)

    # -- writing -------------------------------------------------------------------------------

    def _end(self, state: str) -> None:
        self.progress.state = state
        self.progress.finished_at = timezone.now()
        self._save(force=True)

    def _save(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._saved_at < SAVE_EVERY:
            return
        self._saved_at = now
        fields = [
            "state",
            "total",
            "done",
            "error_count",
            "errors",
            "result",
            "started_at",
            "finished_at",
            "expires_at",
            "updated_at",
        ]
        # cancel_requested is the owner's to write: never overwritten from here.
        self.progress.save(update_fields=fields)
