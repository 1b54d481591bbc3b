from django.db import models
from django.utils.translation import gettext_lazy as _


class Reliability(models.TextChoices):
    """The Admiralty scale for how far a source has proved reliable."""

    A = "A", _("A — completely reliable")
    B = "B", _("B — usually reliable")
    C = "C", _("C — fairly reliable")
    D = "D", _("D — not usually reliable")
    E = "E", _("E — unreliable")
    F = "F", _("F — reliability cannot be judged")


class Credibility(models.IntegerChoices):
    """The Admiralty scale for how credible one piece of information is."""

    CONFIRMED = 1, _("1 — confirmed by other sources")
    PROBABLY_TRUE = 2, _("2 — probably true")
    POSSIBLY_TRUE = 3, _("3 — possibly true")
    DOUBTFUL = 4, _("4 — doubtful")
    IMPROBABLE = 5, _("5 — improbable")
    CANNOT_JUDGE = 6, _("6 — truth cannot be judged")


class Stance(models.TextChoices):
    """Whether a cited source supports the claim or contests it (a disputed claim has both)."""

    SUPPORTS = "supports", _("supports")
    CONTESTS = "contests", _("contests")


class CustodyAction(models.TextChoices):
    UPLOAD = "upload", _("uploaded")
    DOWNLOAD = "download", _("downloaded")
    DERIVE = "derive", _("derived copy made")
    VERIFY = "verify", _("integrity verified")
    VERIFY_FAILED = "verify_failed", _("integrity check failed")
    TRANSFER = "transfer", _("transferred")
    ARCHIVE = "archive", _("archived")
    RESTORE = "restore", _("restored")
    ENCRYPT = "encrypt", _("encrypted at rest")
    REKEY = "rekey", _("data key re-wrapped")
