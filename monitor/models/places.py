"""Places: a tree from country to settlement, with optional coordinates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from monitor.access import has_role
from monitor.models.base import (
    AuditedQuerySet,
    ReferenceData,
    TreeQuerySetMixin,
    queue_indexes,
    review_state_constraint,
)


class PlaceKind(models.TextChoices):
    COUNTRY = "country", _("country")
    REGION = "region", _("region")
    DISTRICT = "district", _("district")
    SETTLEMENT = "settlement", _("settlement")
    SITE = "site", _("site")


class PlaceQuerySet(TreeQuerySetMixin, AuditedQuerySet):
    def visible_to(self, user):
        """Places are reference data: anyone with a role reads them."""

        return self.all() if has_role(user) else self.none()


class Place(ReferenceData):
    """A country, region, district, settlement or site (a prison, a road)."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=PlaceKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    code = models.CharField(
        _("code"), max_length=12, blank=True, help_text=_("ISO 3166 code where there is one.")
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name"]
        constraints = [
            review_state_constraint(),
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="monitor_place_unique_name_in_parent",
                violation_error_message=_("This place already has a part with this name."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=PlaceKind.values),
                name="monitor_place_kind_valid",
                violation_error_message=_("Unknown kind of place."),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(latitude__isnull=True, longitude__isnull=True)
                    | models.Q(
                        # Not NULL, or half a pair would pass: a CHECK passes on NULL.
                        latitude__isnull=False,
                        longitude__isnull=False,
                        latitude__gte=-90,
                        latitude__lte=90,
                        longitude__gte=-180,
                        longitude__lte=180,
                    )
                ),
                name="monitor_place_coordinates_valid",
                violation_error_message=_(
                    "Give both latitude (−90 to 90) and longitude (−180 to 180), or neither."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")),
                name="monitor_place_not_own_parent",
                violation_error_message=_("A place cannot be part of itself."),
            ),
        ]
        indexes = queue_indexes(team=False)

    def __str__(self) -> str:
        return self.name

    def path(self) -> list[Place]:
        """This place and its ancestors, country first."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))
