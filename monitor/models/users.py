"""Users, their clearance, and the case teams they work in."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from monitor.choices import Confidentiality, Role
from monitor.history import AuditedHistoricalRecords


class User(AbstractUser):
    """A person who signs in to Monitor.

    ``clearance`` is the highest confidentiality level they may read outside their teams;
    it starts at the lowest level, so a new account sees little until a coordinator decides.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clearance = models.PositiveSmallIntegerField(
        _("clearance"),
        choices=Confidentiality.choices,
        default=Confidentiality.PUBLIC,
        help_text=_("The highest confidentiality level this user may read outside their teams."),
    )

    language = models.CharField(
        _("interface language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: the language the browser asks for."),
    )

    objects = UserManager()
    history = AuditedHistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        # Workflow permissions, granted through the role groups (monitor.roles).
        permissions = [
            ("verify_record", _("Can verify or return submitted records")),
            ("archive_record", _("Can archive and restore records")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(clearance__in=Confidentiality.values),
                name="monitor_user_clearance_valid",
                violation_error_message=_(
                    "Clearance must be public, internal, confidential or strict."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def roles(self) -> set[str]:
        """The role groups this user belongs to (cached for the request)."""
        if not hasattr(self, "_roles_cache"):
            self._roles_cache = set(self.groups.values_list("name", flat=True))
        return self._roles_cache

    def has_role(self, *roles: Role | str) -> bool:
        return bool(self.roles & {str(role) for role in roles})


class Team(models.Model):
    """A case team: its members see the team's cases whatever their confidentiality."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        User, verbose_name=_("members"), related_name="teams", blank=True
    )

    history = AuditedHistoricalRecords(m2m_fields=[members])

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
