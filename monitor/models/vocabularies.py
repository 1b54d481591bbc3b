"""Controlled vocabularies (violation types, facilities, mandates…) as editable trees."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from monitor.access import has_role
from monitor.choices import Vocabulary
from monitor.models.base import (
    AuditedQuerySet,
    ReferenceData,
    TreeQuerySetMixin,
    queue_indexes,
    review_state_constraint,
)


class TermQuerySet(TreeQuerySetMixin, AuditedQuerySet):
    def visible_to(self, user):
        """Vocabularies are reference data: anyone with a role reads them."""

        return self.all() if has_role(user) else self.none()

    def of(self, vocabulary: Vocabulary | str):
        return self.filter(vocabulary=vocabulary)


class Term(ReferenceData):
    """One entry of a controlled vocabulary; ``parent`` makes a tree within a vocabulary.

    ``code`` is the stable key that code and imports use ("torture", "AL"); ``label`` is what
    people read and coordinators may reword, in English (the language of what goes to the UN);
    ``labels`` holds the same label in the other interface languages (``{"ru": …, "tg": …}``).
    :attr:`shown_label` is the one accessor pages use: the label in the active language, the
    English one where no translation was written. (A JSON field rather than
    django-modeltranslation: one column instead of one per language, no patched managers on
    an audited QuerySet, and the history keeps every translation with the term's row.)
    """

    vocabulary = models.CharField(
        _("vocabulary"), max_length=40, choices=Vocabulary.choices, db_index=True
    )
    code = models.SlugField(_("code"), max_length=80, allow_unicode=False)
    label = models.CharField(_("label"), max_length=200)
    labels = models.JSONField(
        _("translated labels"),
        default=dict,
        blank=True,
        help_text=_("The label in the other interface languages, by language code."),
    )
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
            review_state_constraint(),
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
        indexes = queue_indexes(team=False)

    def __str__(self) -> str:
        return self.shown_label

    @property
    def shown_label(self) -> str:
        """The label in the active interface language, else the English label."""
        return self.label_in(translation.get_language() or "en")

    def label_in(self, language: str) -> str:
        language = (language or "en").split("-")[0]
        return (self.labels or {}).get(language) or self.label

    def clean(self) -> None:
        super().clean()
        self.labels = clean_labels(self.labels)


def clean_labels(labels) -> dict[str, str]:
    """``labels`` as stored: only translated interface languages, trimmed, none empty."""
    languages = {code for code, _name in settings.LANGUAGES} - {"en"}
    if not isinstance(labels, dict):
        raise ValidationError({"labels": _("Give the labels as an object keyed by language.")})
    unknown = sorted(set(labels) - languages)
    if unknown:
        raise ValidationError(
            {"labels": _("Unknown language: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    cleaned = {}
    for code, text in labels.items():
        if not isinstance(text, str):
            raise ValidationError({"labels": _("Each label must be text.")})
        if len(text.strip()) > 200:
            raise ValidationError({"labels": _("A label has at most 200 characters.")})
        if text.strip():
            cleaned[code] = text.strip()
    return cleaned
