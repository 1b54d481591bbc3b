"""Admin pages for account security: the access log and the sign-in lockouts.

Both are read-only (nothing is added, changed or deleted by hand) and open to whoever
manages accounts: coordinators and superusers. A lockout is lifted with the "Unlock"
action, which clears django-axes' failure records for that username and address and logs
who lifted it.
"""

from __future__ import annotations

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from monitor.admin.base import PermissionFirstHistoryMixin
from monitor.models import AccessLog, User
from monitor.security.accesslog import record_unlock

#: Who reads the access log and unlocks accounts: whoever manages accounts (the Coordinator
#: role and superusers hold it). A permission of its own would have to be granted by
#: re-syncing the role groups in a migration ordered before ``cases.0002_role_groups``,
#: which fails on a permission whose model does not exist yet.
ACCOUNT_SECURITY_PERMISSION = "monitor.change_user"


def may_manage_account_security(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.has_perm(ACCOUNT_SECURITY_PERMISSION)


class AccountSecurityAdmin(PermissionFirstHistoryMixin, admin.ModelAdmin):
    """Read-only, for account managers only."""

    show_full_result_count = False

    def has_module_permission(self, request) -> bool:
        return may_manage_account_security(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return may_manage_account_security(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(AccountSecurityAdmin):
    list_display = (
        "at",
        "action",
        "outcome",
        "user",
        "object_type",
        "object_id",
        "client_address",
        "detail",
    )
    list_filter = ("action", "outcome", "object_type")
    list_select_related = ("user",)
    search_fields = ("user__username", "object_id", "client_address", "username_digest")
    date_hierarchy = "at"
    fields = (
        "at",
        "action",
        "outcome",
        "user",
        "object_type",
        "object_id",
        "username_digest",
        "client_address",
        "user_agent",
        "method",
        "path",
        "detail",
    )
    readonly_fields = fields


@admin.register(AccessAttempt)
class LockoutAdmin(AccountSecurityAdmin):
    """django-axes' failure records: one per username and address that failed to sign in."""

    list_display = ("account", "ip_address", "failures_since_start", "locked", "attempt_time")
    list_filter = ("attempt_time",)
    search_fields = ("username", "ip_address")
    fields = (
        "account",
        "ip_address",
        "user_agent",
        "path_info",
        "failures_since_start",
        "locked",
        "attempt_time",
    )
    readonly_fields = fields
    actions = ["unlock"]

    def get_queryset(self, request):
        # Whether the typed name is an account, in the same query as the rows.
        is_account = Exists(User.objects.filter(username=OuterRef("username")))
        return super().get_queryset(request).annotate(is_account=is_account)

    @admin.display(description=_("account"), ordering="username")
    def account(self, obj: AccessAttempt) -> str:
        # A typed name that is no account may be a password typed in the wrong field.
        return obj.username if obj.is_account else str(_("(not an account)"))

    @admin.display(description=_("locked"), boolean=True)
    def locked(self, obj: AccessAttempt) -> bool:
        return obj.failures_since_start >= settings.AXES_FAILURE_LIMIT

    def has_unlock_permission(self, request) -> bool:
        return may_manage_account_security(request)

    @admin.action(description=_("Unlock the selected sign-ins"), permissions=["unlock"])
    def unlock(self, request, queryset):
        cleared = 0
        for attempt in queryset:
            cleared += axes_reset(ip=attempt.ip_address, username=attempt.username)
            user = User.objects.filter(username=attempt.username).first()
            record_unlock(request, user=user, username=attempt.username)
        self.message_user(
            request,
            ngettext(
                "%(count)d lockout record cleared: those sign-ins may try again.",
                "%(count)d lockout records cleared: those sign-ins may try again.",
                cleared,
            )
            % {"count": cleared},
            messages.SUCCESS,
        )
