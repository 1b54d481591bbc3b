"""Re-wrap every evidence data key with the current evidence master key.

To change the master key: make a new one; set it as ``MONITOR_EVIDENCE_KEY`` and the old one
as ``MONITOR_EVIDENCE_RETIRED_KEYS`` (files stay readable meanwhile); restart; run this
command; then remove the retired key and restart again. Each file's data key is re-wrapped
(the files are not rewritten) and the change is logged in its chain of custody (REKEY).
Safe to run again: keys already wrapped by the current master key are skipped.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from monitor import at_rest
from sources.models import EvidenceFile
from sources.services import evidence_rewrap


class Command(BaseCommand):
    help = "Re-wrap every evidence file's data key with MONITOR_EVIDENCE_KEY (after a rotation)."

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
        try:
            current = at_rest.key_id(at_rest.current_key())
        except at_rest.EvidenceKeyError as error:
            raise CommandError(str(error)) from error
        rewrapped = unchanged = 0
        encrypted = EvidenceFile._base_manager.exclude(wrapped_key="").order_by("created_at", "pk")
        for evidence in encrypted.iterator(chunk_size=200):
            try:
                changed = evidence_rewrap(evidence=evidence, actor=user)
            except (at_rest.EvidenceKeyError, at_rest.DecryptionFailed) as error:
                raise CommandError(
                    f"Stopped at evidence file id={evidence.pk}: {error} "
                    f"({rewrapped} re-wrapped so far; run again once the key is configured)."
                ) from error
            rewrapped += changed
            unchanged += not changed
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-wrapped {rewrapped} data key(s) with evidence key {current}; "
                f"{unchanged} already were."
            )
        )
