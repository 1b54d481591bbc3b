"""Controlled vocabularies (violation types, facilities, mandates…) as editable trees."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from monitor.access import has_role
from monitor.choices import Vocabulary
from monitor.models.base import AuditedModel, AuditedQuerySet, TreeQuerySetMixin


class TermQuerySet(TreeQuerySetMixin, AuditedQuerySet):
    def visible_to(self, user):
        """Vocabularies are reference data: anyone with a role reads them."""

        return self.all() if has_role(user) else self.none()

    def of(self, vocabulary: Vocabulary | str):
        return self.filter(vocabulary=vocabulary)


class Term(AuditedModel):
    """One entry of a controlled vocabulary; ``parent`` makes a tree within a vocabulary.

    ``code`` is the stable key that code and imports use ("torture", "AL"); ``label`` is what
    people read and coordinators may reword.
    """

    vocabulary = models.CharField(
        _("vocabulary"), max_length=40, choices=Vocabulary.choices, db_index=True
    )
    code = models.SlugField(_("code"), max_length=80, allow_unicode=False)
    label = models.CharField(_("label"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = TermQuerySet.as_manager()

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["vocabulary", "position", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["vocabulary", "code"],
                name="monitor_term_unique_code",
                violation_error_message=_("This vocabulary already has a term with this code."),
            ),
            models.CheckConstraint(
                condition=models.Q(vocabulary__in=Vocabulary.values),
                name="monitor_term_vocabulary_valid",
                violation_error_message=_("Unknown vocabulary."),
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")),
                name="monitor_term_not_own_parent",
                violation_error_message=_("A term cannot be its own parent."),
            ),
        ]

    def __str__(self) -> str:
        return self.label
