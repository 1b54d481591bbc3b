"""Restore a backup archive into an empty instance, then verify every evidence file."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from monitor.backups import BackupError, read_identities, restore_backup


class Command(BaseCommand):
    help = (
        "Restore an archive written by `manage.py backup` into this instance (its database "
        "and MONITOR_EVIDENCE_ROOT), which must be empty unless --force; checks the manifest "
        "and ends with verify_evidence."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="The .tar.age archive.")
        parser.add_argument(
            "--identity",
            "-i",
            type=Path,
            required=True,
            help="The age private key file (as age-keygen writes it) the archive was made for.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a target that holds data (SQLite file and evidence folder are set "
            "aside as *.replaced-<time>; PostgreSQL tables are dropped: back them up first).",
        )

    def handle(self, *args, archive: Path, identity: Path, force: bool = False, **options):
        try:
            report = restore_backup(
                archive=archive, identities=read_identities(identity), force=force
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = report.manifest
        rows = sum(manifest.row_counts.values())
        self.stdout.write(
            f"Restored the backup of {manifest.created_at}: {len(manifest.row_counts)} tables, "
            f"{rows} rows, {report.evidence_files} evidence files; the manifest matches."
        )
        for path in report.set_aside:
            self.stdout.write(f"Set aside what was there: {path}")
        if report.migrations_behind:
            self.stdout.write("The backup predates this version: running migrations.")
            call_command("migrate", interactive=False, verbosity=0)
        call_command("verify_evidence", stdout=self.stdout, stderr=self.stderr)
