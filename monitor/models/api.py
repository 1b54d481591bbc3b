"""What the REST API keeps for itself: API tokens and idempotency keys.

Neither is a domain record, so neither is audited like one: a token is the credential of
the user it belongs to (its secret is never stored, only a SHA-256 digest of it), and an
idempotency key only remembers which record a client's create produced.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: Every token starts with this, so a leaked one is easy to recognise (and to grep for).
TOKEN_PREFIX = "mon_"  # noqa: S105 - a prefix, not a secret
#: How long a token lives unless its owner asks for less; nothing lives longer than the maximum.
TOKEN_DEFAULT_DAYS = 30
TOKEN_MAX_DAYS = 365
#: ``last_used_at`` is written at most this often, not on every request.
TOKEN_USAGE_RESOLUTION = datetime.timedelta(minutes=5)


def token_digest(secret: str) -> str:
    """The stored form of a token.

    A plain SHA-256 is enough (no salt, no slow hash): the secret is 256 random bits, not a
    password a person chose, so there is nothing to guess. It keeps the look-up one indexed
    query per request.
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self, now: datetime.datetime | None = None):
        """Tokens that authenticate: not revoked, not expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    """A credential for scripts and partner systems, issued to one user.

    The secret is shown once, when the token is issued; only its digest is kept. A token
    expires, can be revoked (the row stays, with ``revoked_at``, so its owner can see what
    was issued and when it stopped working), and can be read-only.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for."))
    digest = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    hint = models.CharField(
        _("first characters"), max_length=12, help_text=_("To tell tokens apart in a list.")
    )
    read_only = models.BooleanField(_("read-only"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def issue(
        cls, *, user, name: str, days: int = TOKEN_DEFAULT_DAYS, read_only: bool = False
    ) -> tuple[ApiToken, str]:
        """Create a token; returns it with its secret, which is never available again."""
        days = max(1, min(int(days), TOKEN_MAX_DAYS))
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = timezone.now()
        token = cls(
            user=user,
            name=name,
            digest=token_digest(secret),
            hint=secret[: len(TOKEN_PREFIX) + 6],
            read_only=read_only,
            expires_at=now + datetime.timedelta(days=days),
        )
        token.save()
        return token, secret

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


def idempotency_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Keys created at or before this moment have expired (``MONITOR_IDEMPOTENCY_KEY_DAYS``)."""
    return (now or timezone.now()) - datetime.timedelta(days=settings.IDEMPOTENCY_KEY_DAYS)


class IdempotencyKeyQuerySet(models.QuerySet):
    def live(self):
        """Keys still within their retention: a retry with one of them is answered."""
        return self.filter(created_at__gt=idempotency_cutoff())

    def expired(self):
        return self.filter(created_at__lte=idempotency_cutoff())


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` and the record its create produced.

    Kept ``MONITOR_IDEMPOTENCY_KEY_DAYS`` (30 by default): long enough for any retry, short
    enough that the table does not grow with every create ever made. Expired keys answer
    nothing (a create with one creates) and are deleted by a background task
    (:func:`monitor.tasks.idempotency_keys_expire`).

    A retried create with the same key (from the same user) answers with that record
    instead of making a second one. ``fingerprint`` is a digest of the first request, so a
    key reused for a different request is refused instead of silently answered.

    The primary key is derived from the user and the key (:meth:`id_for`): two requests
    racing with the same key try to insert the same row, and the database lets one win.
    """

    id = models.UUIDField(primary_key=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request digest"), max_length=64)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of record"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.UUIDField(_("record id"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    objects = IdempotencyKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.key

    @classmethod
    def expire(cls) -> int:
        """Delete the keys past their retention; how many were deleted."""
        deleted, _by_model = cls.objects.expired().delete()
        return deleted

    @staticmethod
    def id_for(user, key: str) -> uuid.UUID:
        """The row's id: one per (user, key), whoever computes it."""
        return uuid.uuid5(_IDEMPOTENCY_NAMESPACE, f"{user.pk}\n{key}")


_IDEMPOTENCY_NAMESPACE = uuid.UUID("8f5b7f52-3c55-4b8e-9a57-1d1f3f1c0a61")
