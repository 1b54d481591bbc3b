"""Protest detentions as they are documented: places of detention, and people counted rather
than named ("25 people detained, taken to the Central district police station").

* :class:`Facility` — a police station, temporary holding facility, pre-trial centre or
  colony, as a place of its own: its kind, address, other names (found through the same
  transliteration-folded key as person names), coordinates with their source, and who runs it.
* :class:`GroupDetention` — people detained together within a case (at a rally, say) and
  where they were taken; how many is a matter of sources, so the numbers are
  :class:`GroupDetentionFigure` rows kept side by side like an event's contested figures.
  Named detainees are attached later as ordinary detentions (``Detention.group``), and the
  count of those still unidentified adjusts (:meth:`GroupDetention.unidentified`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import CountKind, FacilityKind
from cases.models.figures import SourcedFigure, kind_constraint, kind_field
from monitor.access import has_role
from monitor.approxdate import ApproximateDateField, approximate_date_constraints
from monitor.models.base import (
    AuditedModel,
    AuditedQuerySet,
    ChildQuerySet,
    ReferenceData,
    queue_indexes,
    review_state_constraint,
)
from people.folding import fold_name, fold_terms

#: Longest a person may be held in administrative detention before a decision, in hours
#: (Code of Administrative Offences of Tajikistan; three hours as in most post-Soviet codes).
ADMINISTRATIVE_CUSTODY_LIMIT_HOURS = 3


class FacilityQuerySet(AuditedQuerySet):
    def visible_to(self, user):
        """Places of detention are shared knowledge, like places: anyone with a role."""
        return self.all() if has_role(user) else self.none()

    def matching(self, text: str):
        """Facilities whose name or another name holds every folded word of ``text``
        ("Тверкое" finds "Tverskoe"'s other spelling, as person names are found)."""
        queryset = self
        for term in fold_terms(text):
            queryset = queryset.filter(folded__contains=term)
        return queryset


class Facility(ReferenceData):
    """A place where people are held: a police station, a temporary holding facility (IVS),
    a pre-trial detention centre (SIZO), a prison colony."""

    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices)
    other_names = models.TextField(
        _("other names"),
        blank=True,
        help_text=_("One per line: other spellings, former names, names in other languages."),
    )
    # Derived from the names, like a person name's key: never typed, never shown.
    folded = models.TextField(_("search key"), blank=True, editable=False)
    address = models.TextField(_("address"), blank=True)
    place = models.ForeignKey(
        "monitor.Place",
        verbose_name=_("settlement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    coordinates_source = models.ForeignKey(
        "sources.Source",
        verbose_name=_("source of the coordinates"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="facility_coordinates",
    )
    authority = models.ForeignKey(
        "people.Organization",
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="facilities",
        help_text=_("The ministry or service that runs it."),
    )
    note = models.TextField(_("note"), blank=True)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("place of detention")
        verbose_name_plural = _("places of detention")
        ordering = ["name"]
        constraints = [
            review_state_constraint(),
            models.CheckConstraint(
                condition=models.Q(kind__in=FacilityKind.values),
                name="cases_facility_kind_valid",
                violation_error_message=_("Unknown kind of place of detention."),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(latitude__isnull=True, longitude__isnull=True)
                    | models.Q(
                        latitude__isnull=False,
                        longitude__isnull=False,
                        latitude__gte=-90,
                        latitude__lte=90,
                        longitude__gte=-180,
                        longitude__lte=180,
                    )
                ),
                name="cases_facility_coordinates_valid",
                violation_error_message=_(
                    "Give both latitude (−90 to 90) and longitude (−180 to 180), or neither."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=False) | models.Q(coordinates_source=None),
                name="cases_facility_source_with_coordinates",
                violation_error_message=_("A source of coordinates needs the coordinates."),
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "name"], name="cases_facility_kind"),
            *queue_indexes(team=False),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def names(self) -> list[str]:
        """The name, then the other names."""
        others = [line.strip() for line in self.other_names.splitlines() if line.strip()]
        return [self.name, *others]

    def save(self, *args, **kwargs):
        # The key is derived data, like a slug: it must never disagree with the names.
        self.folded = "\n".join(fold_name(name) for name in self.names)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "folded"}
        super().save(*args, **kwargs)


class GroupDetentionQuerySet(ChildQuerySet):
    parents = (("case", "cases.Case"),)


class GroupDetention(AuditedModel):
    """People detained together — "25 people, unidentified" — and where they were taken.

    How many is what the sources say (:class:`GroupDetentionFigure`, side by side); the
    detained named so far are detentions attached to the group (``Detention.group``).
    """

    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="group_detentions",
    )
    event = models.ForeignKey(
        "cases.Event",
        verbose_name=_("event"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group_detentions",
    )
    date = ApproximateDateField(_("date"), null=True, blank=True)
    place = models.ForeignKey(
        "monitor.Place",
        verbose_name=_("place of arrest"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("taken to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group_detentions",
    )
    hours_held = models.PositiveIntegerField(
        _("hours in custody"),
        null=True,
        blank=True,
        help_text=_("Where that is what is known: how long they were held, in hours."),
    )
    description = models.TextField(_("description"), blank=True)

    objects = GroupDetentionQuerySet.as_manager()

    class Meta:
        verbose_name = _("group detention")
        verbose_name_plural = _("group detentions")
        ordering = ["case", "date", "date_precision", "created_at"]
        constraints = [*approximate_date_constraints("date")]
        indexes = [models.Index(fields=["event", "facility"], name="cases_groupdet_event")]

    def __str__(self) -> str:
        # No count here: it would cost queries wherever a group is named (lists, history).
        return _("Group detention, %(date)s") % {"date": self.date or _("undated")}

    #: Part of that record: in its review (see ``AuditedModel.review_parent``).
    review_parent = "case"

    def active_figures(self) -> list[GroupDetentionFigure]:
        """Figures not archived (from the prefetch when there is one)."""
        return [figure for figure in self.figures.all() if figure.archived_at is None]

    def count(self, kind: str = CountKind.DETAINED) -> int:
        """The number counted: the highest figure any source gives (its lower value); for the
        detained, never fewer than the detainees named so far."""
        if "counted" in self.__dict__ and self.__dict__.get("counted_kind") == kind:
            return self.__dict__["counted"]  # annotated by cases.counts.counted_groups
        values = [f.value for f in self.active_figures() if f.kind == kind]
        best = max(values, default=0)
        if kind == CountKind.DETAINED:
            return max(best, self.named())
        return best

    def named(self) -> int:
        """Detainees named so far: detentions attached to the group."""
        annotated = self.__dict__.get("named_count")
        if annotated is not None:
            return annotated
        return self.detainees.filter(archived_at__isnull=True).count()

    def unidentified(self) -> int:
        return max(self.count() - self.named(), 0)

    @property
    def over_legal_limit(self) -> bool:
        return self.hours_held is not None and self.hours_held > ADMINISTRATIVE_CUSTODY_LIMIT_HOURS


class GroupDetentionFigure(SourcedFigure):
    """One party's figure for a group detention: "25 detained" say monitors, "12" the
    police; "10 fined", "3 arrested for 10 days". Kept side by side, each with its source."""

    group = models.ForeignKey(
        GroupDetention,
        verbose_name=_("group detention"),
        on_delete=models.PROTECT,
        related_name="figures",
    )
    kind = kind_field(CountKind, max_length=24, default=CountKind.DETAINED)

    objects = ChildQuerySet.following(
        ("group__case", "cases.Case"), ("source", "sources.Source")
    ).as_manager()

    class Meta(SourcedFigure.Meta):
        verbose_name = _("group detention figure")
        verbose_name_plural = _("group detention figures")
        ordering = ["group", "kind", "value"]
        constraints = [*SourcedFigure.Meta.constraints, kind_constraint(CountKind)]

    #: Part of that record: in its review (see ``AuditedModel.review_parent``).
    review_parent = "group"
