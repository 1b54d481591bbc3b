"""The access log: who signed in, read, exported or was refused what, when and from where.

It is separate from the edit history (simple_history keeps what changed; this keeps who
looked) and append-only, like the chain of custody. A row names records by type and id,
never by name, and holds no password, token or protected identity: a coordinator reading
the log learns who opened which record, not what is in it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from monitor.models.base import AuditError


class AccessAction(models.TextChoices):
    """What happened."""

    SIGN_IN = "sign_in", _("signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("sign-in failed")
    LOCKED_OUT = "locked_out", _("locked out")
    UNLOCKED = "unlocked", _("unlocked")
    SIGN_OUT = "sign_out", _("signed out")
    SESSION_EXPIRED = "session_expired", _("session expired")
    SESSIONS_ENDED = "sessions_ended", _("all sessions ended")
    PERMISSION_DENIED = "denied", _("permission denied")
    RECORD_READ = "read", _("read a record")
    EXPORT = "export", _("exported")
    EVIDENCE_DOWNLOAD = "evidence_download", _("downloaded evidence")
    TOKEN_ISSUED = "token_issued", _("API token issued")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    TWO_FACTOR_ENROLLED = "2fa_enrolled", _("two-factor sign-in set up")
    RECOVERY_CODE_USED = "recovery_code_used", _("signed in with a recovery code")
    RECOVERY_CODES_ISSUED = "recovery_codes_issued", _("new recovery codes made")
    TWO_FACTOR_RESET = "2fa_reset", _("two-factor sign-in reset")


class AccessOutcome(models.TextChoices):
    SUCCESS = "success", _("success")
    FAILURE = "failure", _("failure")
    DENIED = "denied", _("denied")


class AccessLogQuerySet(models.QuerySet):
    """The access log is append-only: no update, no delete, through any path."""

    def update(self, **kwargs):
        raise AuditError("The access log is append-only.")

    def delete(self):
        raise AuditError("The access log is append-only.")

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def for_user(self, user):
        return self.filter(user=user)


class AccessLog(models.Model):
    """One access to Monitor: a sign-in, a refusal, a read of a confidential record, an export.

    ``username_digest`` is set for failed sign-ins only: a keyed hash of what was typed as
    the username, never the text itself, because people type their password into the
    username field. Equal digests still show many failures aimed at one name.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        # Accounts are deactivated, never deleted; a log row must never lose its author.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=32, choices=AccessAction.choices)
    outcome = models.CharField(
        _("outcome"),
        max_length=16,
        choices=AccessOutcome.choices,
        default=AccessOutcome.SUCCESS,
    )
    object_type = models.CharField(
        _("kind of record"), max_length=100, blank=True, help_text=_("app_label.model")
    )
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    username_digest = models.CharField(_("username digest"), max_length=16, blank=True)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=200, blank=True)
    method = models.CharField(_("method"), max_length=8, blank=True)
    path = models.CharField(
        _("path"), max_length=200, blank=True, help_text=_("Without the query string.")
    )
    detail = models.CharField(
        _("detail"),
        max_length=200,
        blank=True,
        help_text=_("A short, non-identifying note (a reason, a row count)."),
    )

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["user", "at"], name="monitor_accesslog_user_at"),
            models.Index(fields=["action", "at"], name="monitor_accesslog_action_at"),
            models.Index(fields=["object_type", "object_id"], name="monitor_accesslog_object"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=AccessAction.values),
                name="monitor_accesslog_action_valid",
                violation_error_message=_("Unknown access-log action."),
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=AccessOutcome.values),
                name="monitor_accesslog_outcome_valid",
                violation_error_message=_("Unknown access-log outcome."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, using=None, keep_parents=False):
        raise AuditError("The access log is append-only.")
