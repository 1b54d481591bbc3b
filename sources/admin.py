"""Admin pages for sources, their evidence files, the chain of custody and citations."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from monitor.access import identity_hidden
from monitor.admin.base import (
    ArchiveOnlyMixin,
    AuditedAdmin,
    AuditedInlineMixin,
    IdentitySearchMixin,
    RedactedInlineMixin,
    RedactedListMixin,
    hides_identity,
    identifying_fields,
)
from monitor.services import record_save
from sources.models import Citation, CustodyEvent, EvidenceFile, Source
from sources.services import citation_add, evidence_upload

#: Apps whose records a citation may point at.
CITABLE_APPS = ("cases", "people", "sources", "monitor")


class CitationInline(AuditedInlineMixin, GenericTabularInline):
    """The sources behind a record, on the record's own page."""

    model = Citation
    fields = ("source", "field_name", "page", "paragraph", "timestamp", "quote", "credibility")
    autocomplete_fields = ("source",)
    show_change_link = True

    def save_rows(self, request, *, parent, rows, reason: str) -> None:
        # A new citation through the citing service (the source must be visible, the field
        # one a source can support), as on the pages and in the API.
        for row in rows:
            citation = row.instance
            if not citation._state.adding:
                record_save(
                    record=citation,
                    actor=request.user,
                    reason=reason,
                    expected_version=row.cleaned_data.get("expected_version"),
                )
                continue
            citation_add(
                record=parent,
                source=citation.source,
                actor=request.user,
                **{name: getattr(citation, name) for name in self.fields if name != "source"},
            )


class EvidenceFileInline(AuditedInlineMixin, admin.TabularInline):
    model = EvidenceFile
    fk_name = "source"
    fields = ("original_name", "content_type", "size", "sha256", "is_web_capture", "created_at")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # files are uploaded on their own page, where they are hashed


@admin.register(Source)
class SourceAdmin(IdentitySearchMixin, AuditedAdmin):
    list_display = (
        "display_title",
        "kind",
        "display_publisher",
        "reliability",
        "published",
        "review_state",
        "confidentiality",
    )
    list_filter = ("kind", "reliability", "review_state", "confidentiality", "is_protected")
    # Protected sources the user may not identify are left out of the search (see the mixin).
    search_fields = ("title", "publisher", "author", "url")
    list_select_related = ("kind",)
    autocomplete_fields = ("kind", "derived_from")
    inlines = (EvidenceFileInline,)

    @admin.display(description=_("title"), ordering="title")
    def display_title(self, obj: Source) -> str:
        return str(obj)  # the pseudonym, for whoever may not identify a protected source

    @admin.display(description=_("publisher"))
    def display_publisher(self, obj: Source) -> str:
        return "" if identity_hidden(obj) else obj.publisher


class CustodyEventInline(RedactedInlineMixin, admin.TabularInline):
    """The chain of custody, read-only, on the evidence file's page."""

    model = CustodyEvent
    fields = ("at", "action", "actor", "sha256_seen", "client_address", "note")
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        # Shown only on a visible evidence file's page, so the parent's visibility holds.
        return super().get_queryset(request).select_related("actor")


@admin.register(EvidenceFile)
class EvidenceFileAdmin(IdentitySearchMixin, AuditedAdmin):
    list_display = ("original_name", "source", "size", "short_sha256", "created_at")
    list_filter = ("is_web_capture",)
    search_fields = ("original_name", "sha256", "source__title")
    identity_path = "source__"
    list_select_related = ("source",)
    autocomplete_fields = ("source", "derived_from")
    inlines = (CustodyEventInline,)

    #: Taken from the upload itself, never typed.
    computed_fields = ("original_name", "content_type", "size", "sha256")

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()  # no custody before the upload

    @admin.display(description=_("SHA-256"), ordering="sha256")
    def short_sha256(self, obj: EvidenceFile) -> str:
        return f"{obj.sha256[:12]}…"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("source", "file", "derived_from", "derivation", "is_web_capture", "description")
        # The stored file has no public URL; it is served by the permission-checked view.
        return (
            "source",
            *self.computed_fields,
            "derived_from",
            "derivation",
            "is_web_capture",
            "description",
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # What was received stays what was received.
            readonly += [*self.computed_fields, "source", "derived_from"]
        return readonly

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # An upload is the evidence service's: the type read from the content, the size
        # limit, the hash of the bytes stored, the custody event. A refusal comes back on
        # the form (AuditedAdmin.changeform_view) and leaves no row and no file.
        data = form.cleaned_data
        evidence = evidence_upload(
            source=data["source"],
            uploaded_file=data["file"],
            actor=request.user,
            description=data.get("description", ""),
            is_web_capture=data.get("is_web_capture", False),
            client_address=request.META.get("REMOTE_ADDR") or None,
        )
        if data.get("derived_from"):
            evidence.derived_from = data["derived_from"]
            evidence.derivation = data.get("derivation", "")
            record_save(record=evidence, actor=request.user, reason=data.get("change_reason", ""))
        # The admin goes on (log entry, redirect) with the record the service saved.
        obj.__dict__.update(evidence.__dict__)


@admin.register(CustodyEvent)
class CustodyEventAdmin(RedactedListMixin, ArchiveOnlyMixin, admin.ModelAdmin):
    """The append-only custody log: read, never written, from the admin."""

    list_display = ("at", "action", "evidence", "actor", "sha256_seen", "client_address")
    list_filter = ("action",)
    search_fields = ("evidence__original_name", "evidence__sha256", "sha256_seen")
    list_select_related = ("evidence__source", "actor")
    date_hierarchy = "at"

    def get_queryset(self, request):
        # CustodyEvent has no visible_to of its own: an event is visible with its file.
        visible_files = EvidenceFile.objects.visible_to(request.user)
        queryset = CustodyEvent.objects.filter(evidence__in=visible_files)
        return queryset.order_by(*(self.get_ordering(request) or CustodyEvent._meta.ordering))

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in CustodyEvent._meta.fields]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and hides_identity(request, obj):
            hidden = set(identifying_fields(CustodyEvent))
            fields = [name for name in fields if name not in hidden]
        return fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class CitationChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        self.result_list = list(self.result_list)
        self.model_admin.attach_visible_records(request, self.result_list)


@admin.register(Citation)
class CitationAdmin(IdentitySearchMixin, AuditedAdmin):
    list_display = ("source", "content_type", "record_display", "field_name", "credibility")
    list_filter = ("credibility", "content_type")
    search_fields = ("source__title", "field_name", "quote", "note")
    identity_path = "source__"
    list_select_related = ("source", "content_type")
    autocomplete_fields = ("source",)

    def get_changelist(self, request, **kwargs):
        return CitationChangeList

    def attach_visible_records(self, request, citations) -> None:
        """Set ``visible_record`` on each citation: its record, if the user may see it.

        One query per kind of record on the page, each through that model's admin queryset
        (hence ``visible_to``): a citation never shows a record its reader cannot open.
        """
        wanted: dict[int, set] = defaultdict(set)
        for citation in citations:
            wanted[citation.content_type_id].add(citation.object_id)
        found = {}
        for content_type_id, ids in wanted.items():
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            model_admin = self.admin_site._registry.get(model)
            if model_admin is None:
                continue  # not an admin-managed record: show nothing rather than guess
            queryset = model_admin.get_queryset(request)
            related = model_admin.list_select_related
            if related is True:
                queryset = queryset.select_related()
            elif related:
                queryset = queryset.select_related(*related)
            for record in queryset.filter(pk__in=ids):
                found[(content_type_id, record.pk)] = record
        for citation in citations:
            citation.visible_record = found.get((citation.content_type_id, citation.object_id))

    @admin.display(description=_("record"))
    def record_display(self, obj: Citation):
        record = getattr(obj, "visible_record", None)
        if record is None:
            return None
        opts = record._meta
        try:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
        except NoReverseMatch:
            return str(record)
        return format_html('<a href="{}">{}</a>', url, record)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            self.attach_visible_records(request, [obj])
        return obj

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += ["content_type", "object_id", "record_display"]
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "content_type":
            kwargs["queryset"] = ContentType.objects.filter(app_label__in=CITABLE_APPS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
