"""Delete the API's expired idempotency keys (see monitor.models.api.IdempotencyKey)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from monitor.models import IdempotencyKey
from monitor.tasks import idempotency_keys_expire


class Command(BaseCommand):
    help = (
        "Delete API idempotency keys older than MONITOR_IDEMPOTENCY_KEY_DAYS. --enqueue hands "
        "it to the task worker (what a daily cron job calls)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the clean-up for the task worker instead of running it here.",
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = idempotency_keys_expire.enqueue()
            self.stdout.write(f"Clean-up queued for the task worker (task {result.id}).")
            return
        deleted = IdempotencyKey.expire()
        self.stdout.write(
            f"{deleted} idempotency keys older than {settings.IDEMPOTENCY_KEY_DAYS} days deleted."
        )
