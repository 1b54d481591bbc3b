"""The versions of the summaries workers keep (``monitor.summaries``): one row per summary,
its token changed by every write that may change it, in the writing transaction."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class SummaryVersion(models.Model):
    """One row per kept summary (``key``), whose ``token`` changes in the transaction of every
    write that may change that summary. A worker keeps a summary under the token it read
    before computing it (``monitor.summaries.Kept``), so a change can never be answered from
    a summary computed before it. A new random token, not a counter: a database restored
    from a backup never reuses one."""

    key = models.CharField(_("kept summary"), max_length=64, primary_key=True)
    token = models.UUIDField(_("token"), default=uuid.uuid4)

    class Meta:
        verbose_name = _("summary version")
        verbose_name_plural = _("summary versions")

    def __str__(self) -> str:
        return f"{self.key}: {self.token}"
