"""Admin pages for users, teams and the reference data (vocabularies, places)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from monitor import (
    admin_accesslog,  # noqa: F401  (access log and lockouts, read-only)
    admin_api,  # noqa: F401  (API tokens and idempotency keys, read-only)
    admin_review,  # noqa: F401  (registers the review queue and decision log)
)
from monitor.admin_base import ArchiveOnlyMixin, AuditedAdmin
from monitor.models import Place, Team, Term, User


@admin.register(User)
class UserAdmin(ArchiveOnlyMixin, SimpleHistoryAdmin, DjangoUserAdmin):
    """Accounts: deactivated, never deleted (their name stays on everything they wrote)."""

    list_display = (
        "username",
        "first_name",
        "last_name",
        "email",
        "clearance",
        "team_names",
        "is_active",
        "is_staff",
    )
    list_filter = ("clearance", "groups", "teams", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "first_name", "last_name", "email")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (
            _("Access"),
            {
                "fields": (
                    "clearance",
                    "team_names",
                    "groups",
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2", "clearance"),
            },
        ),
    )
    readonly_fields = ("team_names", "last_login", "date_joined")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("teams")

    @admin.display(description=_("teams"))
    def team_names(self, obj: User) -> str:
        return ", ".join(team.name for team in obj.teams.all())

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # A coordinator manages accounts through the role groups; only a superuser
            # grants superuser status or loose permissions.
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    def has_change_permission(self, request, obj=None) -> bool:
        # Nobody but a superuser edits a superuser (or resets their password).
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)


# The role groups are kept in step with monitor.roles by migrations: never deleted here.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ArchiveOnlyMixin, DjangoGroupAdmin):
    pass


@admin.register(Team)
class TeamAdmin(ArchiveOnlyMixin, SimpleHistoryAdmin):
    list_display = ("name", "member_count", "description")
    search_fields = ("name", "description")
    filter_horizontal = ("members",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj: Team) -> int:
        return obj.member_count


@admin.register(Term)
class TermAdmin(AuditedAdmin):
    list_display = ("vocabulary", "code", "label", "parent", "position")
    list_display_links = ("code", "label")
    list_filter = ("vocabulary",)
    search_fields = ("code", "label")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)


@admin.register(Place)
class PlaceAdmin(AuditedAdmin):
    list_display = ("name", "kind", "parent", "code")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
