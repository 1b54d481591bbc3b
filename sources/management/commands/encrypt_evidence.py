"""Encrypt at rest every evidence file stored before encryption existed.

Each file is encrypted under a new data key, checked against the SHA-256 recorded at upload,
and logged in its chain of custody (ENCRYPT); its plain copy is removed once the record
commits. A file that no longer matches is left alone and reported. Safe to run again: files
already encrypted are skipped.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from sources.models import EvidenceFile
from sources.services import evidence_encrypt


class Command(BaseCommand):
    help = "Encrypt at rest every evidence file still stored in plain, logging each in custody."

    def add_arguments(self, parser):
        parser.add_argument(
            "--actor", metavar="USERNAME", help="Who runs it (recorded in each custody event)."
        )

    def handle(self, *args, actor: str | None = None, **options):
        user = None
        if actor:
            user = get_user_model().objects.filter(username=actor, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user named {actor!r}.")
        encrypted = failed = 0
        plain = EvidenceFile._base_manager.filter(wrapped_key="").order_by("created_at", "pk")
        for evidence in plain.iterator(chunk_size=200):
            problem = evidence_encrypt(evidence=evidence, actor=user)
            if problem is None:
                encrypted += 1
            else:
                failed += 1
                self.stderr.write(f"NOT ENCRYPTED id={evidence.pk}: {problem.message}")
        summary = f"Encrypted {encrypted} evidence file(s); {failed} left as they were."
        if failed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
