"""The base every admin page of Monitor stands on.

The admin is one more client of the rules (STYLE.md §7), not a back door around them:

* every queryset — changelist, change page, history, autocomplete, related-field choices —
  goes through ``Model.objects.visible_to(request.user)``, which fails closed;
* nothing is hard-deleted: no delete permission, no "delete selected" action;
* the audit fields are shown read-only and ``created_by`` / the history user come from the
  request;
* lists never count the whole table (``show_full_result_count = False``).

Approximate dates are edited as text ("May 2022", "c. 2021") and listed through ``str()``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from monitor.approxdate import ApproximateDateField

#: Written by the system, never typed: shown read-only on change pages.
AUDIT_FIELDS = (
    "id",
    "version",
    "created_at",
    "created_by",
    "updated_at",
    "archived_at",
    "archived_by",
)
#: Moves only through the review workflow; shown read-only beside the record's own fields.
WORKFLOW_FIELDS = ("review_state",)

APPROXIMATE_DATE_OVERRIDES = {
    ApproximateDateField: {
        "widget": forms.TextInput(
            attrs={"placeholder": _("e.g. 2022-05-18, May 2022, c. 2021"), "size": 18}
        )
    }
}


class VisibleChoicesMixin:
    """Related-field choices (selects and autocomplete) come from the related model's admin.

    Django's default takes every row of the related table; here a choice list holds only the
    records its user may see, with the same annotations the related admin adds for display.
    """

    def get_field_queryset(self, db, db_field, request):
        related_admin = self.admin_site._registry.get(db_field.remote_field.model)
        if related_admin is None:
            return super().get_field_queryset(db, db_field, request)
        queryset = related_admin.get_queryset(request)
        return queryset.using(db) if db else queryset


class ArchiveOnlyMixin:
    """No hard delete, anywhere in the admin: records are archived and restored instead."""

    show_full_result_count = False  # a COUNT(*) of a large table on every list is not free

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class AuditedAdmin(VisibleChoicesMixin, ArchiveOnlyMixin, SimpleHistoryAdmin):
    """Base of every admin for an audited domain model (see the module docstring).

    Subclasses that need annotations or prefetches extend :meth:`get_queryset` with
    ``super().get_queryset(request)`` so visibility always comes first.
    """

    formfield_overrides = APPROXIMATE_DATE_OVERRIDES

    def get_queryset(self, request):
        queryset = self.model.objects.visible_to(request.user)
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return queryset

    def _model_has_field(self, name: str) -> bool:
        try:
            self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        return True

    def audit_fields(self, obj=None) -> list[str]:
        """The audit fields this model has; none on an add page, where all would be empty."""
        if obj is None:
            return []
        return [name for name in AUDIT_FIELDS if self._model_has_field(name)]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        extra = [] if obj is None else [f for f in WORKFLOW_FIELDS if self._model_has_field(f)]
        extra += self.audit_fields(obj)
        return readonly + [name for name in extra if name not in readonly]

    def get_fieldsets(self, request, obj=None):
        """The record's own fields first, then the audit fields in a folded "Record" box."""
        audit = self.audit_fields(obj)
        fieldsets = super().get_fieldsets(request, obj)
        if not audit:
            return fieldsets
        trimmed = [
            (name, {**options, "fields": [f for f in options["fields"] if f not in audit]})
            for name, options in fieldsets
        ]
        return [*trimmed, (_("Record"), {"fields": audit, "classes": ["collapse"]})]

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # DESIGN.md: a hidden (or unknown) record answers 404. Django would redirect to the
        # index with a warning instead; this private hook has been stable since Django 2.1.
        raise Http404

    def _require_visible(self, request, object_id) -> None:
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        # simple_history would fall back to the history table for an id it cannot find
        # through get_queryset, which would show a hidden record's past; refuse first.
        self._require_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        # SimpleHistoryAdmin records request.user as the history user.
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            instance = inline_form.instance
            if (
                instance._state.adding
                and hasattr(instance, "created_by_id")
                and instance.created_by_id is None
            ):
                instance.created_by = request.user
        super().save_formset(request, form, formset, change)


class AuditedInlineMixin(VisibleChoicesMixin):
    """Shared by every inline of an audited record: visible rows only, nothing deleted."""

    can_delete = False
    extra = 0
    formfield_overrides = APPROXIMATE_DATE_OVERRIDES

    def get_queryset(self, request):
        queryset = self.model.objects.visible_to(request.user)
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        if not self.has_view_or_change_permission(request):
            queryset = queryset.none()
        return queryset

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AuditedInline(AuditedInlineMixin, admin.TabularInline):
    """A tabular inline for an audited child record."""


class AuditedStackedInline(AuditedInlineMixin, admin.StackedInline):
    """A stacked inline for an audited child record with long text fields."""
