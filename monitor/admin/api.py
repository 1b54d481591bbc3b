"""API tokens and idempotency keys in the admin: read-only, tokens revocable."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from monitor.admin.base import ReadOnlyOwnRowsAdmin
from monitor.models import ApiToken, IdempotencyKey


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyOwnRowsAdmin):
    """Tokens are stored as digests: the list shows their hint, never a usable secret."""

    list_display = (
        "name",
        "user",
        "hint",
        "read_only",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("read_only",)
    exclude = ("digest",)
    actions = ["revoke_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "digest"]

    @admin.action(description=_("Revoke selected tokens"))
    def revoke_selected(self, request, queryset):
        # The queryset already holds only the user's own tokens, or all for coordinators.
        for token in queryset:
            token.revoke()
        messages.success(request, _("%(count)d token(s) revoked.") % {"count": len(queryset)})

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyOwnRowsAdmin):
    """Which client key produced which record (a repeated create returns that record)."""

    list_display = ("key", "user", "content_type", "object_id", "created_at")
