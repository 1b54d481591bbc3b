"""Admin pages for persons (under every spelling of their names) and organisations."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Case, F, Prefetch, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from monitor.access import identity_q
from monitor.admin.base import AuditedAdmin, AuditedInline
from monitor.selectors import visible_prefetch
from monitor.services import PartError
from people import matching
from people.folding import fold_terms
from people.models import Affiliation, Organization, Person, PersonName
from people.services import person_create
from sources.admin import CitationInline


def primary_names(admin, request, path: str) -> Prefetch:
    """Prefetch the primary name of the person at ``path`` so ``str(person)`` costs nothing.

    For list columns only: the prefetched ``names`` hold the primary name alone, and only the
    names the user may see (none of a protected person they may not identify).
    """
    return visible_prefetch(
        admin.model,
        f"{path}__names",
        request.user,
        lambda names: names.filter(is_primary=True).order_by(
            F("archived_at").asc(nulls_first=True)
        ),
    )


class PersonNameSearchMixin:
    """Search also finds rows whose person has a name matching the query in any script.

    ``person_search_path`` is the lookup from the listed model to the person.
    """

    person_search_path = "person"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            persons = matching.rank_person_ids(search_term, user=request.user)
            persons = [person_id for person_id, _score, _name in persons]
            results = results | queryset.filter(**{f"{self.person_search_path}__in": persons})
        return results, may_have_duplicates


class PersonNameInline(AuditedInline):
    model = PersonName
    fields = (
        "full_name",
        "is_primary",
        "kind",
        "script",
        "language",
        "given_name",
        "family_name",
        "patronymic",
    )


class AffiliationInline(AuditedInline):
    model = Affiliation
    fk_name = "person"
    fields = ("organization", "role", "since", "until")
    autocomplete_fields = ("organization",)


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    list_display = (
        "display_name",
        "occupation",
        "confidentiality",
        "review_state",
        "is_protected",
        "created_at",
    )
    list_filter = ("review_state", "confidentiality", "is_protected", "gender", "team")
    # Declared for autocomplete; the search itself runs on the folded name key
    # (get_search_results), so "Шоиширинов" finds "Shoishirinov".
    search_fields = ("names__full_name",)
    list_select_related = ("team",)
    autocomplete_fields = ("birth_place", "residence")
    inlines = (PersonNameInline, AffiliationInline, CitationInline)

    def get_visible_queryset(self, request):
        # The primary name as an annotation: one query for the whole list (and autocomplete).
        # The sort key is the name only where the user may know it: sorting by a protected
        # name would place the pseudonym where the name is, and so hint at it.
        rule = identity_q(request.user)
        if rule is None:
            shown = Value("")
        elif not rule:  # an empty Q: the user may identify everyone (a When refuses it)
            shown = F("primary_name")
        else:
            shown = Case(When(rule, then=F("primary_name")))
        return (
            super()
            .get_visible_queryset(request)
            .with_primary_name()
            .annotate(listed_name=Coalesce(shown, Value("")))
        )

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return matching.ranked(queryset, search_term, user=request.user), False

    @admin.display(description=_("name"), ordering="listed_name")
    def display_name(self, obj: Person) -> str:
        return str(obj)  # the pseudonym, for whoever may not identify a protected person

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        # A new person is recorded with their names, in save_related, by the person service.

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)
            return
        # As on the pages and in the API: the person and their names through person_create.
        names = next((f for f in formsets if f.model is PersonName), None)
        rows = []
        if names is not None:
            names.save(commit=False)
            rows = names.saved_forms
        try:
            person_create(
                actor=request.user,
                person=form.instance,
                names=[row.instance for row in rows],
                reason=form.cleaned_data.get("change_reason", ""),
            )
        except PartError as refused:
            if refused.index is None:
                raise refused.error from refused
            raise ValidationError(
                "%(name)s: %(messages)s",
                params={
                    "name": rows[refused.index].instance.full_name,
                    "messages": " ".join(refused.error.messages),
                },
            ) from refused
        for formset in formsets:
            if formset is not names:
                self.save_formset(request, form, formset, change=change)


@admin.register(PersonName)
class PersonNameAdmin(AuditedAdmin):
    list_display = ("full_name", "person", "kind", "script", "language", "is_primary")
    list_filter = ("kind", "script", "is_primary")
    search_fields = ("full_name",)
    list_select_related = ("person",)
    autocomplete_fields = ("person",)
    readonly_fields = ("folded",)

    def get_visible_queryset(self, request):
        return (
            super()
            .get_visible_queryset(request)
            .prefetch_related(primary_names(self, request, "person"))
        )

    def get_search_results(self, request, queryset, search_term):
        # Every folded word must appear in the name's folded key, whatever the script.
        terms = fold_terms(search_term)
        if not terms:
            return queryset, False
        for term in terms:
            queryset = queryset.filter(folded__contains=term)
        return queryset, False


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = (
        "name",
        "acronym",
        "kind",
        "country",
        "parent",
        "confidentiality",
        "review_state",
    )
    list_filter = ("review_state", "kind", "confidentiality")
    search_fields = ("name", "acronym")
    list_select_related = ("country", "parent")
    autocomplete_fields = ("country", "parent")


@admin.register(Affiliation)
class AffiliationAdmin(PersonNameSearchMixin, AuditedAdmin):
    list_display = ("person", "organization", "role", "since", "until")
    search_fields = ("role", "organization__name", "organization__acronym")
    list_select_related = ("person", "organization")
    autocomplete_fields = ("person", "organization")

    def get_visible_queryset(self, request):
        return (
            super()
            .get_visible_queryset(request)
            .prefetch_related(primary_names(self, request, "person"))
        )
