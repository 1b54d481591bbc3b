"""Admin pages for users, teams and the reference data (vocabularies, places)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Count
from django.forms import CharField
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult
from simple_history.admin import SimpleHistoryAdmin

from monitor import security
from monitor.admin import (
    accesslog,  # noqa: F401  (access log and lockouts, read-only)
    api,  # noqa: F401  (API tokens and idempotency keys, read-only)
    review,  # noqa: F401  (registers the review queue and decision log)
)
from monitor.admin.base import (
    ArchiveOnlyMixin,
    AuditedAdmin,
    PermissionFirstHistoryMixin,
    ReadOnlyOwnRowsAdmin,
)
from monitor.admin.forms import AuditedModelForm
from monitor.models import (
    Place,
    SummaryVersion,
    TaskProgress,
    Team,
    Term,
    User,
    WithheldNamesVersion,
)
from monitor.models.accesslog import AccessAction
from monitor.security import twofactor
from monitor.security.accesslog import record_access


@admin.register(User)
class UserAdmin(PermissionFirstHistoryMixin, ArchiveOnlyMixin, SimpleHistoryAdmin, DjangoUserAdmin):
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
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "language")}),
        (
            _("Access"),
            {
                "fields": (
                    "clearance",
                    "team_names",
                    "two_factor",
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
    readonly_fields = ("team_names", "two_factor", "last_login", "date_joined")
    actions = ["reset_two_factor"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("teams")

    @admin.display(description=_("teams"))
    def team_names(self, obj: User) -> str:
        return ", ".join(team.name for team in obj.teams.all())

    @admin.display(description=_("two-factor sign-in"))
    def two_factor(self, obj: User) -> str:
        if obj.pk is None:
            return "—"
        if not twofactor.is_enrolled(obj):
            return _("not set up") + (
                _(" (required: asked at next sign-in)") if twofactor.required_for(obj) else ""
            )
        return _("authenticator app; %(left)d recovery codes left") % {
            "left": twofactor.recovery_codes_left(obj)
        }

    @admin.action(description=_("Reset two-factor sign-in (lost phone): enrol again"))
    def reset_two_factor(self, request, queryset):
        done = 0
        for user in queryset:
            if not self.has_change_permission(request, user):
                self.message_user(
                    request, _("%(user)s: not yours to change.") % {"user": user}, messages.ERROR
                )
                continue
            twofactor.reset(user)
            # Whoever took the phone may hold a token issued with it: it dies too.
            security.end_access(user, why="two-factor sign-in reset", request=request)
            record_access(
                AccessAction.TWO_FACTOR_RESET,
                request=request,
                object_type=user._meta.label_lower,
                object_id=str(user.pk),
            )
            done += 1
        if done:
            self.message_user(
                request,
                _(
                    "Two-factor sign-in reset for %(count)d account(s): signed out everywhere; "
                    "they set up a new authenticator at their next sign-in."
                )
                % {"count": done},
                messages.SUCCESS,
            )

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


# Authenticator keys and recovery codes are secrets: no admin page shows them to anyone.
# Coordinators reset a user's second factor with the action on the users list.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

# Background task results (django-tasks-db) hold a task's arguments and outcome (a
# backup's path, an error's traceback): operators read them in the worker's log, not here.
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)

# The role groups are kept in step with monitor.roles by migrations: never deleted here.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionFirstHistoryMixin, ArchiveOnlyMixin, DjangoGroupAdmin):
    pass


@admin.register(Team)
class TeamAdmin(PermissionFirstHistoryMixin, ArchiveOnlyMixin, SimpleHistoryAdmin):
    list_display = ("name", "member_count", "description")
    search_fields = ("name", "description")
    filter_horizontal = ("members",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj: Team) -> int:
        return obj.member_count


class TermAdminForm(AuditedModelForm):
    """A term's form: the English label, then one field per other interface language, which
    the form gathers into ``Term.labels``."""

    label_ru = CharField(label=_("label in Russian"), max_length=200, required=False)
    label_tg = CharField(label=_("label in Tajik"), max_length=200, required=False)

    class Meta:
        model = Term
        exclude = ("labels",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code in ("ru", "tg"):
            self.fields[f"label_{code}"].initial = (self.instance.labels or {}).get(code, "")

    def clean(self):
        cleaned = super().clean()
        self.instance.labels = {
            **(self.instance.labels or {}),
            **{code: cleaned.get(f"label_{code}", "") for code in ("ru", "tg")},
        }
        return cleaned


@admin.register(Term)
class TermAdmin(AuditedAdmin):
    form = TermAdminForm
    fields = ("vocabulary", "code", "label", "label_ru", "label_tg", "description", "parent")
    fields += ("position",)
    # The label in the reader's language; the English one (what goes to the UN) is on the form.
    list_display = ("vocabulary", "code", "label_shown", "parent", "position", "review_state")
    list_display_links = ("code", "label_shown")
    list_filter = ("review_state", "vocabulary")
    search_fields = ("code", "label", "labels")
    list_select_related = ("parent",)

    @admin.display(description=_("label"), ordering="label")
    def label_shown(self, obj: Term) -> str:
        return obj.shown_label

    autocomplete_fields = ("parent",)


@admin.register(Place)
class PlaceAdmin(AuditedAdmin):
    list_display = ("name", "kind", "parent", "code", "review_state")
    list_filter = ("review_state", "kind")
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)


@admin.register(WithheldNamesVersion)
class WithheldNamesVersionAdmin(ReadOnlyOwnRowsAdmin):
    """The withheld names' version (``monitor.redaction``): one row the system changes, shown
    read-only to superusers; it names no record."""

    list_display = ("id", "token")
    fields = ("id", "token")
    list_select_related = ()

    def get_queryset(self, request):
        queryset = WithheldNamesVersion.objects.all()
        return queryset if request.user.is_superuser else queryset.none()

    def get_readonly_fields(self, request, obj=None):
        return self.fields


@admin.register(SummaryVersion)
class SummaryVersionAdmin(ReadOnlyOwnRowsAdmin):
    """The kept summaries' versions (``monitor.summaries``): rows the system changes, shown
    read-only to superusers; they name no record."""

    list_display = ("key", "token")
    fields = ("key", "token")
    list_select_related = ()

    def get_queryset(self, request):
        queryset = SummaryVersion.objects.all()
        return queryset if request.user.is_superuser else queryset.none()

    def get_readonly_fields(self, request, obj=None):
        return self.fields


@admin.register(TaskProgress)
class TaskProgressAdmin(ReadOnlyOwnRowsAdmin):
    """Background work (monitor.progress): each person's own jobs only, coordinators included —
    what a job was asked (an export's filters, an import's file name) stays its owner's."""

    list_display = ("title", "kind", "state", "done", "total", "error_count", "created_at")
    list_filter = ("kind", "state")
    list_select_related = ("owner",)
    fields = (
        "title",
        "kind",
        "owner",
        "state",
        "done",
        "total",
        "error_count",
        "created_at",
        "started_at",
        "finished_at",
        "cancel_requested",
        "expires_at",
    )

    def get_queryset(self, request):
        return TaskProgress.objects.visible_to(request.user).select_related("owner")

    def get_readonly_fields(self, request, obj=None):
        return self.fields
