"""Review decisions: the kept record of every submit, verify, return, archive and restore."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from monitor.access import has_role
from monitor.models.base import AuditError, Reviewable


class DecisionAction(models.TextChoices):
    SUBMITTED = "submitted", _("submitted for review")
    VERIFIED = "verified", _("verified")
    RETURNED = "returned", _("returned with a comment")
    REOPENED = "reopened", _("edited after verification: back to review")
    ARCHIVED = "archived", _("archived")
    RESTORED = "restored", _("restored")


class ReviewDecisionQuerySet(models.QuerySet):
    """Append-only, and seen only by those who see the record decided on."""

    def update(self, **kwargs):
        raise AuditError("Review decisions are append-only.")

    def delete(self):
        raise AuditError("Review decisions are append-only.")

    def for_record(self, record):
        return self.filter(
            content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
        )

    def visible_to(self, user):
        from django.apps import apps

        if not has_role(user):
            return self.none()
        rule = models.Q(pk__in=[])
        for model in apps.get_models():
            if issubclass(model, Reviewable):
                visible = model._default_manager.all().visible_to(user).values("pk")
                rule |= models.Q(
                    content_type=ContentType.objects.get_for_model(model), object_id__in=visible
                )
        return self.filter(rule)


class ReviewDecision(models.Model):
    """Who decided what about which version of a record, when, and why.

    Append-only: a decision is never changed, so it needs no history of its own.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of record"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.UUIDField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("decision"), max_length=12, choices=DecisionAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="review_decisions",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    comment = models.TextField(_("comment"), blank=True)
    version = models.PositiveIntegerField(_("version decided on"))

    objects = ReviewDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="monitor_decision_record")
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(action=DecisionAction.RETURNED) | ~models.Q(comment=""),
                name="monitor_decision_return_has_comment",
                violation_error_message=_("Returning a record needs a comment."),
            ),
            models.CheckConstraint(
                condition=models.Q(action__in=DecisionAction.values),
                name="monitor_decision_action_valid",
                violation_error_message=_("Unknown decision."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditError("Review decisions are append-only.")
        super().save(*args, **kwargs)

    def delete(self, using=None, keep_parents=False):
        raise AuditError("Review decisions are append-only.")


def fill_queue_columns(apps, app_label: str, model_names: list[str]) -> None:
    """For a migration: each waiting record's ``queued_at`` and ``queued_by``
    (``Reviewable``) from its latest submission or reopening — its last change where it has
    no such decision (records set to waiting by an older import)."""
    content_types = apps.get_model("contenttypes", "ContentType")
    decisions = apps.get_model("monitor", "ReviewDecision")
    for name in model_names:
        model = apps.get_model(app_label, name)
        content_type = content_types.objects.filter(app_label=app_label, model=name.lower()).first()
        waiting = model._base_manager.filter(review_state="submitted").only("pk", "updated_at")
        for record in waiting.iterator():
            latest = (
                decisions.objects.filter(
                    content_type=content_type,
                    object_id=record.pk,
                    action__in=[DecisionAction.SUBMITTED, DecisionAction.REOPENED],
                )
                .order_by("-at")
                .first()
                if content_type is not None
                else None
            )
            model._base_manager.filter(pk=record.pk).update(
                queued_at=latest.at if latest else record.updated_at,
                queued_by_id=latest.actor_id if latest else None,
            )
