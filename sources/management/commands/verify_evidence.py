"""Re-hash every evidence file, and look for files that have no record.

Run it on a schedule (cron, a systemd timer): it exits non-zero when any file fails, so the
scheduler's own alerting notices. Every check is logged in the file's chain of custody.

It also walks the evidence folder the other way, files → records: a file no record names
(an upload interrupted before its record committed, or something put there by hand) is
reported, and ``--quarantine`` moves it aside into ``.quarantine/``. A record whose upload
was interrupted between its commit and the move into place is completed (the file is moved
from ``.incoming/``).

The output names files by record id and stored (random) path only, never by their original
name: the name of a protected source's file can say who the source is.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sources.models import EvidenceFile, evidence_storage
from sources.services import INCOMING_DIR, QUARANTINE_DIR, evidence_verify, recover_interrupted

SCHEDULED_NOTE = "Scheduled integrity check."
#: A file under .incoming/ younger than this may be an upload in progress: left alone.
INCOMING_GRACE_SECONDS = 3600


def stored_files(root: Path) -> list[str]:
    """Every file under the evidence root, as storage names ("ab/abcdef…"), quarantine aside."""
    if not root.is_dir():
        return []
    names = []
    for folder, subfolders, files in os.walk(root):
        relative = Path(folder).relative_to(root)
        if relative.parts[:1] == (QUARANTINE_DIR,):
            subfolders[:] = []
            continue
        names.extend((relative / name).as_posix() for name in files)
    return sorted(names)


class Command(BaseCommand):
    help = (
        "Re-hash every evidence file against the SHA-256 recorded at upload; report each "
        "mismatch, each missing file and each file with no record; exit non-zero if there is "
        "any."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--actor",
            metavar="USERNAME",
            help="Who runs the check (recorded in each custody event); omit for a scheduled check.",
        )
        parser.add_argument(
            "--quarantine",
            action="store_true",
            help="Move files that no record names into .quarantine/ under the evidence root.",
        )

    def handle(self, *args, actor: str | None = None, quarantine: bool = False, **options):
        user = None
        if actor:
            user = get_user_model().objects.filter(username=actor, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user named {actor!r}.")
        note = f"Integrity check run by {user.username}." if user is not None else SCHEDULED_NOTE
        checked = altered = missing = 0
        known: set[str] = set()
        # Every file, archived or derived ones included; the base manager hides nothing.
        files = EvidenceFile._base_manager.order_by("created_at", "pk")
        for evidence in files.iterator(chunk_size=200):
            known.add(evidence.file.name)
            if recover_interrupted(evidence):
                self.stdout.write(
                    f"RECOVERED id={evidence.pk}: moved into place from {INCOMING_DIR}/"
                )
            result = evidence_verify(evidence=evidence, actor=user, note=note)
            checked += 1
            if result.ok:
                continue
            if result.missing:
                missing += 1
                self.stderr.write(f"MISSING id={evidence.pk} path={result.path}")
            elif not result.sha256_found:  # the encrypted bytes did not open
                altered += 1
                self.stderr.write(
                    f"UNREADABLE id={evidence.pk} path={result.path}: {result.message}"
                )
            else:
                altered += 1
                self.stderr.write(
                    f"ALTERED id={evidence.pk} path={result.path} recorded={evidence.sha256} "
                    f"found={result.sha256_found}"
                )
        orphans = self._orphans(known)
        moved_to = self._quarantine(orphans) if quarantine and orphans else None
        for name in orphans:
            where = f" -> {moved_to / name}" if moved_to else ""
            self.stderr.write(f"NO RECORD path={name}{where}")
        summary = (
            f"Checked {checked} evidence file{'s' if checked != 1 else ''}: "
            f"{checked - altered - missing} intact, {altered} altered, {missing} missing; "
            f"{len(orphans)} file{'s' if len(orphans) != 1 else ''} with no record"
            + (" (quarantined)." if moved_to else ".")
        )
        if altered or missing or (orphans and not moved_to):
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))

    def _orphans(self, known: set[str]) -> list[str]:
        root = Path(evidence_storage.location)
        now = time.time()
        orphans = []
        for name in stored_files(root):
            if name in known:
                continue
            in_progress = name.startswith(f"{INCOMING_DIR}/") and (
                now - (root / name).stat().st_mtime < INCOMING_GRACE_SECONDS
            )
            if not in_progress:
                orphans.append(name)
        return orphans

    def _quarantine(self, orphans: list[str]) -> Path:
        root = Path(evidence_storage.location)
        folder = Path(QUARANTINE_DIR) / timezone.now().strftime("%Y%m%dT%H%M%SZ")
        for name in orphans:
            target = root / folder / name
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.replace(root / name, target)
        return folder
