"""The cases app's background work, run by the task worker (django-tasks: the database queue,
or RQ when ``MONITOR_REDIS_URL`` is set; see ``monitor.progress``)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from cases.reminders import send_reminders


@task()
def reminders_send(today: str | None = None, days: int | None = None) -> dict[str, int]:
    """Each owner's daily digest (:func:`cases.reminders.send_reminders`), on the worker.

    ``today`` is an ISO date (default: the worker's today in ``settings.TIME_ZONE``). Returns
    how many owners were in each outcome (names stay out of the task's stored result). Safe to
    enqueue every hour: each owner gets at most one digest a day.
    """
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    report = send_reminders(today=day, days=days)
    if report.failed:
        # The task fails (and says so in its result), like the command; the next run retries.
        raise RuntimeError(f"{len(report.failed)} digest(s) could not be sent; retried next run.")
    return {
        "sent": len(report.sent),
        "already_sent": len(report.already_sent),
        "nothing_due": len(report.nothing_due),
        "no_email": len(report.no_email),
    }
