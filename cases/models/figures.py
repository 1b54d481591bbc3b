"""Sourced figures: one party's number for something counted, kept beside the others.

"10 killed" say the authorities, "more than 40" a UN expert; "25 detained" say monitors,
"12" the police. What such a figure is — a value or a range, a qualifier ("more than",
"dozens"), who gives it, its source, as of when — and the rules the database holds for it are
declared once here, in :class:`SourcedFigure`. Each record that has figures (an event, a group
detention) has its own table of them, with its parent and its list of what is counted
(:func:`kind_field`, :func:`kind_constraint`: the lists differ, so each model names its own).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import FigureQualifier
from monitor.approxdate import ApproximateDateField, approximate_date_constraints
from monitor.models.base import AuditedModel


def kind_field(choices: type[models.TextChoices], *, max_length: int, **kwargs):
    """What a figure counts, among ``choices``."""
    return models.CharField(
        _("what is counted"), max_length=max_length, choices=choices.choices, **kwargs
    )


def kind_constraint(choices: type[models.TextChoices]) -> models.CheckConstraint:
    """The database refuses a kind outside ``choices``."""
    return models.CheckConstraint(
        condition=models.Q(kind__in=choices.values),
        name="%(app_label)s_%(class)s_kind_valid",
        violation_error_message=_("Unknown kind of figure."),
    )


class SourcedFigure(AuditedModel):
    """One party's figure, side by side with the others; none overwrites another.

    Abstract: a concrete figure adds its parent (``review_parent`` names it), ``kind``
    (:func:`kind_field`) and ``Meta.constraints = [*SourcedFigure.Meta.constraints,
    kind_constraint(...)]``.
    """

    qualifier = models.CharField(
        _("qualifier"),
        max_length=20,
        choices=FigureQualifier.choices,
        default=FigureQualifier.EXACT,
    )
    value = models.PositiveIntegerField(_("value"))
    value_max = models.PositiveIntegerField(_("upper value"), null=True, blank=True)
    claimed_by = models.CharField(
        _("according to"), max_length=300, help_text=_("Who gives this figure.")
    )
    source = models.ForeignKey(
        "sources.Source",
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        related_name="%(class)s_set",
    )
    as_of = ApproximateDateField(_("as of"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value_max__isnull=True)
                | models.Q(value_max__gte=models.F("value")),
                name="%(app_label)s_%(class)s_range_ordered",
                violation_error_message=_("The upper value cannot be below the value."),
            ),
            models.CheckConstraint(
                condition=models.Q(qualifier__in=FigureQualifier.values),
                name="%(app_label)s_%(class)s_qualifier_valid",
                violation_error_message=_("Unknown qualifier."),
            ),
            *approximate_date_constraints("as_of"),
        ]

    def __str__(self) -> str:
        return f"{self.display_value} {self.get_kind_display()} ({self.claimed_by})"

    @property
    def display_value(self) -> str:
        if self.value_max is not None:
            return f"{self.value}–{self.value_max}"
        if self.qualifier == FigureQualifier.EXACT:
            return str(self.value)
        if self.qualifier == FigureQualifier.DOZENS:
            return str(_("dozens"))
        return f"{self.get_qualifier_display()} {self.value}"
