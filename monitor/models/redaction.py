"""The version of the withheld names (``monitor.redaction``): changed with every write that
may change them, in the same transaction."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class WithheldNamesVersion(models.Model):
    """One row whose ``token`` changes, in the writing transaction, whenever a record that
    decides which names are withheld is saved or removed (a name, its person: protection,
    team). A worker keeps the names it read under the token it read before them
    (``monitor.redaction.text_scrubber``), so a change can never be answered from names read
    before it: its transaction changed the token too. A new random token, not a counter: a
    database restored from a backup never reuses one with other names."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    token = models.UUIDField(_("token"), default=uuid.uuid4)

    class Meta:
        verbose_name = _("withheld names version")
        verbose_name_plural = _("withheld names versions")

    def __str__(self) -> str:
        return str(self.token)
