"""The base every admin page of Monitor stands on.

The admin is one more client of the rules, not a back door around them:

* every queryset — changelist, change page, history, autocomplete, related-field choices,
  filter choices — goes through ``Model.objects.visible_to(request.user)``, which fails
  closed; a hidden or unknown id answers 404 (before any permission check, so a user
  without a role cannot tell a hidden record from a missing one either);
* every write goes through the services: the change form and each inline row are saved by
  :func:`monitor.services.record_save` with the version the form was opened at and an
  optional "reason for change"; a stale version, a refusal or an invalid save comes back as
  an error on the form with the user's input kept, never as a silent overwrite or a 500;
* nothing is hard-deleted: no delete permission, no "delete selected" action; coordinators
  archive and restore through actions that call the services item by item;
* archived records leave the lists. Coordinators (``monitor.archive_record``) list them with
  the "archived" filter and open them read-only; everyone else never meets them in the
  admin (lists, change pages, history, autocomplete answer as for a missing record). A link
  that already points at an archived record keeps showing it, so editing the record holding
  the link does not fail on a choice that vanished;
* a protected person or source shows its pseudonym to users who may not identify it
  (``str()`` does that through :mod:`monitor.access`); its change page is read-only for
  them and leaves out the identifying fields, and so does its history;
* lists never count the whole table (``show_full_result_count = False``).

Approximate dates are edited as text ("May 2022", "c. 2021") and listed through ``str()``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import NotRelationField, get_fields_from_path, unquote
from django.core.exceptions import (
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from monitor import redaction
from monitor.access import identity_q
from monitor.admin.forms import FORM_ONLY_FIELDS, AuditedInlineForm, AuditedModelForm
from monitor.admin_history import history_entries
from monitor.approxdate import ApproximateDateField
from monitor.models import Reviewable
from monitor.pages.editing import OwnRowsFormSetMixin
from monitor.services import WORKFLOW_FIELDS as SERVICE_ONLY_FIELDS
from monitor.services import (
    ActionRefused,
    NotVisible,
    edit_refusal,
    record_archive,
    record_restore,
    record_save,
    review_submit,
)

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
#: Changed only by their own services (review state, claim status…), never by a save:
#: shown read-only beside the record's own fields, so no edit to them is silently dropped.
WORKFLOW_FIELDS = tuple(sorted(SERVICE_ONLY_FIELDS - set(AUDIT_FIELDS)))

APPROXIMATE_DATE_OVERRIDES = {
    ApproximateDateField: {
        "widget": forms.TextInput(
            attrs={"placeholder": _("e.g. 2022-05-18, May 2022, c. 2021"), "size": 18}
        )
    }
}


# -- who may see what, asked once per request ------------------------------------------------


def may_archive(request) -> bool:
    return request.user.has_perm("monitor.archive_record")


def reader(request) -> redaction.Reader:
    """The request's :class:`monitor.redaction.Reader` (the user's teams read once)."""
    if not hasattr(request, "_monitor_reader"):
        request._monitor_reader = redaction.Reader(request.user)
    return request._monitor_reader


def hides_identity(request, record) -> bool:
    """Whether ``request.user`` may not know who ``record`` is — a protected person or
    source, or a part of one (an evidence file, a custody event): the model's policy says.

    On the page of an old version, the record as it is now decides too: a person protected
    since then is protected in their past as well.
    """
    current = getattr(request, "_monitor_current_record", None)
    return any(
        candidate is not None and not reader(request).reveals(candidate)
        for candidate in (record, current)
    )


def identifying_fields(model) -> tuple[str, ...]:
    """The fields that say who a protected record is (the model's redaction policy)."""
    return tuple(sorted(redaction.identifying_fields(model) - {"id"}))


class RedactedListMixin:
    """List columns that name an identifying field read "—" on the rows whose subject the
    user may not identify (an evidence file's name, a custody event's hash); text search
    never matches a row by what the user may not see."""

    def get_list_display(self, request):
        hidden = set(identifying_fields(self.model))
        return [
            _redacted_column(self.model, name) if name in hidden else name
            for name in super().get_list_display(request)
        ]

    def get_search_results(self, request, queryset, search_term):
        if search_term.strip() and redaction.policy(self.model) is not None:
            rule = redaction.revealed_q(request.user, self.model)
            queryset = queryset.none() if rule is None else queryset.filter(rule)
        return super().get_search_results(request, queryset, search_term)


def _redacted_column(model, name):
    """A list column of ``name`` that reads "—" where the viewer may not identify the row
    (the request's user, through :class:`monitor.access.ViewerMiddleware`)."""
    model_field = model._meta.get_field(name)

    def column(obj):
        if redaction.identity_hidden(obj):
            return redaction.WITHHELD
        value = getattr(obj, name)
        return redaction.WITHHELD if value in (None, "") else value

    column.short_description = capfirst(model_field.verbose_name)
    column.admin_order_field = name
    column.__name__ = f"redacted_{name}"
    return column


class RedactedInlineMixin:
    """An inline's identifying fields are left out when its parent's identity is hidden
    from the user (the files on a protected source's page)."""

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and hides_identity(request, obj):
            hidden = set(identifying_fields(self.model))
            fields = [name for name in fields if name not in hidden]
        return fields


def is_autocomplete(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "autocomplete"


def _error_messages(exc: Exception) -> list[str]:
    if isinstance(exc, ActionRefused):
        return [exc.message]
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    return [str(exc)]


def _without(fields, names) -> list:
    """A fieldset's field list without ``names`` (lines of several fields included)."""
    kept = []
    for entry in fields:
        if isinstance(entry, list | tuple):
            line = [name for name in entry if name not in names]
            if line:
                kept.append(tuple(line))
        elif entry not in names:
            kept.append(entry)
    return kept


# -- list filters ------------------------------------------------------------------------------


class ArchivedFilter(admin.SimpleListFilter):
    """Archived records leave the list; a coordinator asks for them here."""

    title = _("archived")
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("only", _("show archived")), ("all", _("archived and not archived"))]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("not archived"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "only":
            return queryset.archived()
        if self.value() == "all":
            return queryset
        return queryset.active()


class VisibleRelatedFieldListFilter(admin.RelatedOnlyFieldListFilter):
    """Choices: the related records the listed rows point at, and only those the user sees.

    Django's related filter lists every row of the related table: a hidden case's reference
    would appear in the choices of the allegation list.
    """

    def field_choices(self, field, request, model_admin):
        related = field.remote_field.model
        used = model_admin.get_queryset(request).values(f"{self.field_path}__pk")
        related_admin = model_admin.admin_site._registry.get(related)
        if isinstance(related_admin, AuditedAdmin):
            queryset = related_admin.get_choices_queryset(request)
        else:
            queryset = related._default_manager.all()
        return [(obj.pk, str(obj)) for obj in queryset.filter(pk__in=used)]


# -- admin classes -----------------------------------------------------------------------------


class VisibleChoicesMixin:
    """Related-field choices (selects and autocomplete) come from the related model's admin.

    Django's default takes every row of the related table; here a choice list holds only the
    records its user may see, with the same annotations the related admin adds for display.
    """

    def get_field_queryset(self, db, db_field, request):
        related_admin = self.admin_site._registry.get(db_field.remote_field.model)
        if related_admin is None:
            return super().get_field_queryset(db, db_field, request)
        if isinstance(related_admin, AuditedAdmin):
            queryset = related_admin.get_choices_queryset(request)
        else:
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


class PermissionFirstHistoryMixin:
    """History pages ask whether the user may read such rows at all before finding the id.

    Django's history page (and simple_history's, and its page of one past version) looks the
    id up first: a missing id answers a redirect or a 404, an existing one a 403 — so a user
    without the permission could tell which ids exist (an account, a team, an access-log
    row). Asked first, every id answers the same 403. For the admins of rows outside
    ``visible_to`` (accounts, teams, groups, the access log); :class:`AuditedAdmin` answers a
    404 for anything its user may not see instead.
    """

    def _may_read_history(self, request) -> bool:
        check = getattr(self, "has_view_history_or_change_history_permission", None)
        return check(request) if check else self.has_view_or_change_permission(request)

    def history_view(self, request, object_id, extra_context=None):
        if not self._may_read_history(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self._may_read_history(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class IdentitySearchMixin:
    """Text search never matches a protected record's identifying text (a source's title,
    say) for a user who may not identify it: a hit would confirm who it is.

    ``identity_path`` leads from the listed model to the protected record ("" for itself).
    """

    identity_path = ""

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return super().get_search_results(request, queryset, search_term)
        rule = identity_q(request.user, self.identity_path)
        searchable = queryset.none() if rule is None else queryset.filter(rule)
        return super().get_search_results(request, searchable, search_term)


class AuditedAdmin(RedactedListMixin, VisibleChoicesMixin, ArchiveOnlyMixin, SimpleHistoryAdmin):
    """Base of every admin for an audited domain model (see the module docstring).

    Subclasses that need annotations or prefetches override :meth:`get_visible_queryset`
    (calling ``super()``), so visibility always comes first and the lists, the change pages
    and the choice lists of other admins all get them.
    """

    form = AuditedModelForm
    formfield_overrides = APPROXIMATE_DATE_OVERRIDES
    actions = ("submit_for_review", "archive_selected", "restore_selected")
    object_history_template = "admin/audited_object_history.html"
    history_per_page = 50

    # -- querysets ---------------------------------------------------------------------------

    def get_visible_queryset(self, request):
        """Every record the user may see, archived or not, ready for display."""
        return self.model.objects.visible_to(request.user)

    def get_queryset(self, request):
        queryset = self.get_visible_queryset(request)
        # Archived records: for coordinators only (the list shows them through its filter),
        # and never offered as a new link.
        if not may_archive(request) or is_autocomplete(request):
            queryset = queryset.active()
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return queryset

    def get_choices_queryset(self, request):
        """What a form of another admin may point at: visible, archived included, so that an
        existing link to an archived record stays valid."""
        return self.get_visible_queryset(request)

    def get_list_filter(self, request):
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and self._is_relation_path(item):
                item = (item, VisibleRelatedFieldListFilter)
            filters.append(item)
        if may_archive(request):
            filters.append(ArchivedFilter)
        return filters

    def _is_relation_path(self, path: str) -> bool:
        try:
            return bool(get_fields_from_path(self.model, path)[-1].is_relation)
        except (FieldDoesNotExist, NotRelationField):
            return False

    # -- permissions -------------------------------------------------------------------------

    def has_change_permission(self, request, obj=None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return True
        if getattr(request, "_monitor_current_record", None) is not None:
            return False  # an old version is read, never edited (no "revert" either)
        # Archived: read-only until restored. Protected and not for this user: read-only,
        # without the identifying fields.
        return obj.archived_at is None and not hides_identity(request, obj)

    def has_archive_permission(self, request) -> bool:
        return may_archive(request)

    # -- the change form ---------------------------------------------------------------------

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
        if getattr(request, "_monitor_current_record", None) is not None:
            # A past version: every field is shown, none is an input.
            opts = self.model._meta
            editable = [f.name for f in [*opts.fields, *opts.many_to_many] if f.editable]
            workflow = [f for f in WORKFLOW_FIELDS if self._model_has_field(f)]
            return [*editable, *workflow, *self.audit_fields(obj)]
        readonly = list(super().get_readonly_fields(request, obj))
        extra = [f for f in WORKFLOW_FIELDS if self._model_has_field(f)]
        extra += self.audit_fields(obj)
        return readonly + [name for name in extra if name not in readonly]

    def get_fieldsets(self, request, obj=None):
        """The record's own fields, the audit fields in a folded "Record" box, then the
        reason for the change (and the hidden version) when the user may change it."""
        audit = self.audit_fields(obj)
        hidden = set(audit) | set(FORM_ONLY_FIELDS)
        if obj is not None and hides_identity(request, obj):
            hidden |= set(identifying_fields(self.model))
        fieldsets = [
            (name, {**options, "fields": _without(options["fields"], hidden)})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if audit:
            fieldsets.append((_("Record"), {"fields": audit, "classes": ["collapse"]}))
        if obj is None and self.has_add_permission(request):
            fieldsets.append((_("Reason for change"), {"fields": ["change_reason"]}))
        elif obj is not None and self.has_change_permission(request, obj):
            fieldsets.append(
                (_("Reason for change"), {"fields": ["change_reason", "expected_version"]})
            )
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # The form asks the services' rules in its clean(): it needs the acting user. The
        # class is made for this request by modelform_factory, so nothing else shares it.
        form.admin_request = request
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            if obj is None:
                # Before Django's permission check: a user without any role gets the same
                # 404 for a hidden record as for one that does not exist.
                raise Http404
            if request.method == "GET":
                self._explain_read_only(request, obj)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except NotVisible as exc:
            raise Http404 from exc
        except (ActionRefused, ValidationError) as exc:
            # The service refused what the form's checks let through (a race, or a rule only
            # the save can see). The transaction is rolled back by now; show the form again,
            # with the input and the reason, and save nothing.
            if request.method != "POST" or hasattr(request, "_monitor_refusals"):
                raise
            request._monitor_refusals = _error_messages(exc)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def _explain_read_only(self, request, obj) -> None:
        if obj.archived_at is not None:
            note = _("This record is archived: it is read-only until a coordinator restores it.")
        elif hides_identity(request, obj):
            note = _(
                "This identity is protected: you see a pseudonym and no identifying details, "
                "and cannot change the record."
            )
        elif self.has_change_permission(request, obj):
            note = edit_refusal(record=obj, actor=request.user)
        else:
            note = None
        if note:
            self.message_user(request, note, messages.WARNING)

    # -- saving through the services ---------------------------------------------------------

    @staticmethod
    def _m2m_values(form) -> dict:
        """The many-to-many values of ``form``, for record_save to set under its history."""
        return {
            field.name: form.cleaned_data[field.name]
            for field in form.instance._meta.many_to_many
            if field.name in form.cleaned_data
        }

    def save_model(self, request, obj, form, change):
        record_save(
            record=obj,
            actor=request.user,
            reason=form.cleaned_data.get("change_reason", ""),
            expected_version=form.cleaned_data.get("expected_version") if change else None,
            m2m=self._m2m_values(form),
        )

    def save_related(self, request, form, formsets, change):
        # The form's many-to-many values were set by record_save in save_model.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def inline_for(self, request, form, formset):
        """The inline that shows ``formset`` on this page."""
        for inline in self.get_inline_instances(request, form.instance):
            if inline.model is formset.model:
                return inline
        return None

    def save_formset(self, request, form, formset, change):
        # save(commit=False) attaches each row to its parent and lists the rows that changed
        # (``saved_forms``); each is then saved through the service, in this request's
        # transaction, with its own version and the parent form's reason. An inline whose
        # rows have a workflow of their own (a detention's steps) saves them through it.
        formset.save(commit=False)
        reason = form.cleaned_data.get("change_reason", "")
        inline = self.inline_for(request, form, formset)
        if inline is not None and hasattr(inline, "save_rows"):
            inline.save_rows(request, parent=form.instance, rows=formset.saved_forms, reason=reason)
            return
        for row in formset.saved_forms:
            instance = row.instance
            record_save(
                record=instance,
                actor=request.user,
                reason=reason,
                expected_version=(
                    None if instance._state.adding else row.cleaned_data.get("expected_version")
                ),
                m2m=self._m2m_values(row),
            )

    # -- actions: the services, item by item -------------------------------------------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not issubclass(self.model, Reviewable):
            actions.pop("submit_for_review", None)
        return actions

    def run_per_item(self, request, queryset, service, *, done: str, refused: str) -> None:
        """Call ``service`` on each record; report what was done and, per item, what was
        refused and why. Each call is its own transaction: one refusal undoes no other."""
        succeeded = []
        for record in queryset:
            label = str(record)
            try:
                service(record=record, actor=request.user)
            except NotVisible:
                reason = _("it is no longer visible to you.")
            except (ActionRefused, ValidationError) as exc:
                reason = " ".join(_error_messages(exc))
            else:
                succeeded.append(label)
                continue
            self.message_user(
                request,
                _("%(refused)s “%(record)s”: %(reason)s")
                % {"refused": refused, "record": label, "reason": reason},
                messages.ERROR,
            )
        if succeeded:
            self.message_user(
                request,
                _("%(done)s (%(count)d): %(records)s.")
                % {"done": done, "count": len(succeeded), "records": "; ".join(succeeded)},
                messages.SUCCESS,
            )

    @admin.action(description=_("Submit selected for review"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        self.run_per_item(
            request, queryset, review_submit, done=_("Submitted"), refused=_("Not submitted:")
        )

    @admin.action(description=_("Archive selected"), permissions=["archive"])
    def archive_selected(self, request, queryset):
        self.run_per_item(
            request, queryset, record_archive, done=_("Archived"), refused=_("Not archived:")
        )

    @admin.action(description=_("Restore selected"), permissions=["archive"])
    def restore_selected(self, request, queryset):
        self.run_per_item(
            request, queryset, record_restore, done=_("Restored"), refused=_("Not restored:")
        )

    # -- history -----------------------------------------------------------------------------

    def _require_visible(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        return obj

    def history_view(self, request, object_id, extra_context=None):
        """Who changed what, when and why, field by field, as this user may see it.

        simple_history's own view would fall back to the history table for an id it cannot
        find through get_queryset, showing a hidden record's past: refuse first.
        """
        obj = self._require_visible(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        hidden = set(identifying_fields(self.model)) if hides_identity(request, obj) else set()
        rows = obj.history.select_related("history_user").order_by("-history_date", "-pk")
        page = Paginator(rows, self.history_per_page).get_page(request.GET.get("p"))
        # One row more than the page: the oldest entry on it is compared with its predecessor.
        start = max(page.start_index() - 1, 0)
        window = list(rows[start : page.end_index() + 1])
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %s") % obj,
            "subtitle": None,
            "object": obj,
            "opts": opts,
            "app_label": opts.app_label,
            "module_name": capfirst(opts.verbose_name_plural),
            "entries": history_entries(self.model, window, user=request.user, hidden_fields=hidden)[
                : len(page.object_list)
            ],
            "page_obj": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "pagination_required": page.paginator.num_pages > 1,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One past version, read-only: with revert disabled, nothing is posted here."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        request._monitor_current_record = self._require_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class AuditedInlineMixin(RedactedInlineMixin, VisibleChoicesMixin):
    """Shared by every inline of an audited record: visible, unarchived rows only, each saved
    through the services with its own version, nothing deleted."""

    form = AuditedInlineForm
    can_delete = False
    extra = 0
    formfield_overrides = APPROXIMATE_DATE_OVERRIDES

    def get_queryset(self, request):
        queryset = self.model.objects.visible_to(request.user).active()
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        if not self.has_view_or_change_permission(request):
            queryset = queryset.none()
        return queryset

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # A row's id names one of this record's visible rows, or it is refused like a made-up
        # id (Django would take any row of the table, and save it as a new row here).
        return type(formset.__name__, (OwnRowsFormSetMixin, formset), {})

    def _parent_is_read_only(self, request, obj) -> bool:
        return obj is not None and (
            getattr(obj, "archived_at", None) is not None or hides_identity(request, obj)
        )

    def has_change_permission(self, request, obj=None) -> bool:
        if self._parent_is_read_only(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        if self._parent_is_read_only(request, obj):
            return False
        return super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        names = {field.name for field in self.model._meta.get_fields()}
        return readonly + [f for f in WORKFLOW_FIELDS if f in names and f not in readonly]

    def get_fields(self, request, obj=None):
        fields = [name for name in super().get_fields(request, obj) if name != "expected_version"]
        if self.has_change_permission(request, obj):
            fields.append("expected_version")  # hidden: the version each row was opened at
        return fields


class AuditedInline(AuditedInlineMixin, admin.TabularInline):
    """A tabular inline for an audited child record."""


class AuditedStackedInline(AuditedInlineMixin, admin.StackedInline):
    """A stacked inline for an audited child record with long text fields."""


class ReadOnlyOwnRowsAdmin(ArchiveOnlyMixin, admin.ModelAdmin):
    """Rows the system writes for one user: coordinators read them all, others their own."""

    list_select_related = ("user",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser or request.user.has_perm("monitor.archive_record"):
            return queryset
        return queryset.filter(user=request.user)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff
