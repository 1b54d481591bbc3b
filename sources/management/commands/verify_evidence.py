"""Re-hash every evidence file and report each one that changed or went missing.

Run it on a schedule (cron, a systemd timer): it exits non-zero when any file fails, so the
scheduler's own alerting notices. Every check is logged in the file's chain of custody.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from sources.models import EvidenceFile
from sources.services import evidence_verify

SCHEDULED_NOTE = "Scheduled integrity check."


class Command(BaseCommand):
    help = (
        "Re-hash every evidence file against the SHA-256 recorded at upload; report each "
        "mismatch and each missing file; exit non-zero if there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--actor",
            metavar="USERNAME",
            help="Who runs the check (recorded in each custody event); omit for a scheduled check.",
        )

    def handle(self, *args, actor: str | None = None, **options):
        user = None
        if actor:
            user = get_user_model().objects.filter(username=actor, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user named {actor!r}.")
        note = f"Integrity check run by {user.username}." if user is not None else SCHEDULED_NOTE
        checked = altered = missing = 0
        # Every file, archived or derived ones included; the base manager hides nothing.
        files = EvidenceFile._base_manager.order_by("created_at", "pk")
        for evidence in files.iterator(chunk_size=200):
            result = evidence_verify(evidence=evidence, actor=user, note=note)
            checked += 1
            if result.ok:
                continue
            if result.missing:
                missing += 1
                label = "MISSING"
                detail = ""
            else:
                altered += 1
                label = "ALTERED"
                detail = f" recorded={evidence.sha256} found={result.sha256_found}"
            self.stderr.write(
                f"{label} id={evidence.pk} name={evidence.original_name!r} "
                f"path={result.path}{detail}"
            )
        summary = (
            f"Checked {checked} evidence file{'s' if checked != 1 else ''}: "
            f"{checked - altered - missing} intact, {altered} altered, {missing} missing."
        )
        if altered or missing:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
