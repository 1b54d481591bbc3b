"""Events — what happened to many — and their contested figures."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import AssemblyStatus, FigureKind
from cases.models.figures import SourcedFigure, kind_constraint, kind_field
from monitor.access import NOT_SHOWN, record_hidden
from monitor.approxdate import ApproximateDateField, approximate_date_constraints
from monitor.choices import Vocabulary
from monitor.models.base import (
    ChildQuerySet,
    ConfidentialQuerySet,
    ReviewedModel,
    TreeQuerySetMixin,
    confidentiality_constraint,
    queue_indexes,
    review_state_constraint,
)


class EventQuerySet(TreeQuerySetMixin, ConfidentialQuerySet):
    def suggest(self, text: str, *, user):
        """The type-ahead of an event filter (``monitor.suggest``): words of its title."""
        return self.filter(title__icontains=text)


class Event(ReviewedModel):
    """A protest, a security operation, a trial, a mass arrest. Events nest (``parent``)."""

    title = models.CharField(_("title"), max_length=300)
    kind = models.ForeignKey(
        "monitor.Term",
        verbose_name=_("kind"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"vocabulary": Vocabulary.EVENT_TYPE},
        related_name="+",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    start = ApproximateDateField(_("start"), null=True, blank=True)
    end = ApproximateDateField(_("end"), null=True, blank=True)
    places = models.ManyToManyField("monitor.Place", verbose_name=_("places"), blank=True)
    description = models.TextField(_("description"), blank=True)
    # An assembly (a rally, a picket): whether it had the authorities' leave, who organised it.
    assembly_status = models.CharField(
        _("authorisation"),
        max_length=20,
        choices=AssemblyStatus.choices,
        blank=True,
        help_text=_("For an assembly: authorised, not authorised, or notified."),
    )
    organiser_persons = models.ManyToManyField(
        "people.Person",
        verbose_name=_("organisers (persons)"),
        blank=True,
        related_name="organised_events",
    )
    organiser_organizations = models.ManyToManyField(
        "people.Organization",
        verbose_name=_("organisers (organisations)"),
        blank=True,
        related_name="organised_events",
    )
    tags = models.ManyToManyField(
        "monitor.Term",
        verbose_name=_("tags"),
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.TAG},
    )

    # Many-to-many links are kept in the history too (simple-history m2m tracking).
    _history_m2m_fields = [
        "places",
        "organiser_persons",
        "organiser_organizations",
        "tags",
    ]

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["start", "start_precision", "title"]
        constraints = [
            confidentiality_constraint(),
            review_state_constraint(),
            *approximate_date_constraints("start"),
            *approximate_date_constraints("end"),
            models.CheckConstraint(
                condition=(
                    models.Q(start__isnull=True)
                    | models.Q(end__isnull=True)
                    | models.Q(end_end__gte=models.F("start"))
                ),
                name="cases_event_ends_after_start",
                violation_error_message=_("An event cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(assembly_status="")
                | models.Q(assembly_status__in=AssemblyStatus.values),
                name="cases_event_assembly_status_valid",
                violation_error_message=_("Unknown authorisation of an assembly."),
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")),
                name="cases_event_not_own_parent",
                violation_error_message=_("An event cannot be part of itself."),
            ),
        ]
        indexes = [
            models.Index(fields=["start", "end"], name="cases_event_dates"),
            *queue_indexes(team=True),
        ]

    def __str__(self) -> str:
        if record_hidden(self):
            return NOT_SHOWN
        return self.title


class EventFigure(SourcedFigure):
    """One party's figure for an event: "10 killed" say the authorities, "more than 40" a UN
    expert. Figures are kept side by side, each with its source; none overwrites another."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="figures"
    )
    kind = kind_field(FigureKind, max_length=20)

    objects = ChildQuerySet.following(
        ("event", "cases.Event"), ("source", "sources.Source")
    ).as_manager()

    class Meta(SourcedFigure.Meta):
        verbose_name = _("contested figure")
        verbose_name_plural = _("contested figures")
        ordering = ["event", "kind", "value"]
        constraints = [*SourcedFigure.Meta.constraints, kind_constraint(FigureKind)]

    #: Part of that record: in its review (see ``AuditedModel.review_parent``).
    review_parent = "event"
