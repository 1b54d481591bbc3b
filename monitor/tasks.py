"""Background work, run by the django-tasks worker (``manage.py db_worker``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django_tasks import task

from monitor.backups import create_backup, prune_backups
from monitor.models import IdempotencyKey
from monitor.notifications import send_review_notices


@task()
def backup_scheduled() -> str:
    """The daily backup: one new archive in ``MONITOR_BACKUP_DIR``, then only the newest
    ``MONITOR_BACKUP_KEEP`` kept. Returns the new archive's path (kept in the task result)."""
    destination = Path(settings.BACKUP_DIR)
    archive = create_backup(destination=destination, recipients=settings.BACKUP_RECIPIENTS)
    prune_backups(destination, keep=settings.BACKUP_KEEP)
    return str(archive)


@task()
def idempotency_keys_expire() -> int:
    """Delete the API's idempotency keys older than ``MONITOR_IDEMPOTENCY_KEY_DAYS`` (daily,
    queued by ``manage.py expire_idempotency_keys --enqueue``). Returns how many went."""
    return IdempotencyKey.expire()


@task()
def review_notices_send(decision_ids: list[str]) -> int:
    """E-mail reviewers about the records these submissions sent to review
    (:mod:`monitor.notifications`); queued once per committed transaction. Returns how many
    e-mails went (names stay out of the task's stored result)."""
    return send_review_notices(decision_ids)
