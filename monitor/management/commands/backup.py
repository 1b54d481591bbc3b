"""Write one encrypted backup archive (database, evidence, manifest); see monitor.backups."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from monitor.backups import BackupError, create_backup, prune_backups


class Command(BaseCommand):
    help = (
        "Back up the database and every evidence file into one archive encrypted with age to "
        "the MONITOR_BACKUP_RECIPIENTS public keys. --enqueue hands it to the task worker."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir",
            type=Path,
            help="Folder for the archive (default: MONITOR_BACKUP_DIR).",
        )
        parser.add_argument(
            "--recipient",
            action="append",
            metavar="AGE_PUBLIC_KEY",
            help="Encrypt to this age public key (age1…); repeatable. "
            "Default: MONITOR_BACKUP_RECIPIENTS.",
        )
        parser.add_argument(
            "--keep",
            type=int,
            metavar="N",
            help="Afterwards remove all but the N newest archives in the folder.",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the scheduled backup (keeping MONITOR_BACKUP_KEEP) for the task worker "
            "instead of running it here: what a daily cron job calls.",
        )

    def handle(self, *args, output_dir=None, recipient=None, keep=None, enqueue=False, **options):
        if enqueue:
            from monitor.tasks import backup_scheduled

            if not settings.BACKUP_RECIPIENTS:
                raise CommandError("MONITOR_BACKUP_RECIPIENTS is not set: nothing was queued.")
            result = backup_scheduled.enqueue()
            self.stdout.write(f"Backup queued for the task worker (task {result.id}).")
            return
        destination = output_dir or Path(settings.BACKUP_DIR)
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1.")
        try:
            archive = create_backup(
                destination=destination, recipients=recipient or settings.BACKUP_RECIPIENTS
            )
        except BackupError as error:
            raise CommandError(f"No backup was written: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Backup written: {archive}"))
        if keep:
            for old in prune_backups(destination, keep=keep):
                self.stdout.write(f"Removed old backup {old.name}")
