"""The pages of persons: the list (found under any spelling, with CSV export) and the detail.

A protected person is shown by their pseudonym, without their names or any identifying
field (``Person.redaction``: occupation, ethnicity and affiliations too, which can identify
someone as surely), to every user who may not identify them
(:func:`monitor.access.reveals_identity`): in the list, in search results, in the CSV and on
the detail page. Searching finds persons through the names the searcher may see only.

The detail page lists the person's cases and detentions. Those live in the ``cases`` app,
which depends on this one; the pages sit on top of every app, so this view looks the models
up by name (and imports the provenance helper when it runs): the ``people`` app's models,
services and API still import nothing from ``cases``.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django.views.decorators.http import require_safe

from monitor.access import reveals_identity
from monitor.choices import ReviewState
from monitor.pages.helpers import decisions_for, history_entries, latest_return
from monitor.pages.listing import (
    ListPage,
    display_label_expression,
)
from monitor.registry import DetailSections
from monitor.selectors import visible_prefetch
from people import matching
from people.filtersets import PersonFilterSet
from people.models import Affiliation, Person, PersonName
from people.selectors import visible_persons
from people.tables import WITHHELD, PersonTable

#: What the apps built on this one add to the person page (the cases app: the sources behind
#: the details, in the "identity" slot, shown with the identity; the person's cases,
#: allegations and detentions in the "links" slot).
PERSON_SECTIONS = DetailSections("person", slots=("identity", "links"))


class PersonListPage(ListPage):
    model = Person
    filterset_class = PersonFilterSet
    template_name = "people/person_list.html"
    search_param = "name"
    search_label = _("Find a person")
    search_help = _(
        "Any of their names, in any script or spelling: “Шоиширинов” finds “Shoishirinov”."
    )
    export_url_name = "person-export"
    noun = ("person", "persons")
    count_text = ngettext_lazy("%(count)d person", "%(count)d persons", "count")
    checkbox_filters = ("review_state", "confidentiality")
    filter_labels = {"organization": _("Organisation")}
    table = PersonTable

    def get_queryset(self, request):
        user = request.user
        queryset = visible_persons(user)
        return queryset.select_related("residence", "birth_place", "team").prefetch_related(
            visible_prefetch(
                Person,
                "names",
                user,
                lambda names: names.filter(archived_at__isnull=True).order_by(
                    "-is_primary", "full_name"
                ),
                to_attr="visible_names",
            )
        )

    def apply_sort(self, queryset, request):
        if request.GET.get("sort", "").removeprefix("-") == "name":
            queryset = queryset.annotate(
                sort_name=display_label_expression("primary_name", "Witness W-")
            )
        return super().apply_sort(queryset, request)

    def prepare_rows(self, rows, request):
        for person in rows:
            person.revealed = bool(person.identity_revealed) or not person.is_protected
            person.other_names = [
                name.full_name for name in person.visible_names if not name.is_primary
            ] if person.revealed else []  # fmt: skip
        return rows


person_list = require_safe(PersonListPage().list_view)
person_export = require_safe(PersonListPage().export_view)


# -- detail --------------------------------------------------------------------------------------


@require_safe
def person_detail(request, pk):
    user = request.user
    person = get_object_or_404(
        visible_persons(user).select_related("birth_place", "residence", "team"), pk=pk
    )
    # A merged duplicate leads to the surviving record, if the reader may see it.
    merged_into = person.merged_into_id
    if merged_into is not None and visible_persons(user).filter(pk=merged_into).exists():
        return redirect("person-detail", pk=merged_into)
    revealed = reveals_identity(user, person)
    decisions = decisions_for(person) if revealed else []
    context = {
        "person": person,
        "revealed": revealed,
        "withheld": WITHHELD,
        "names": _names(person, user) if revealed else [],
        "affiliations": _affiliations(person, user) if revealed else [],
        "duplicates": likely_duplicates(person, user) if revealed else [],
        "merged_from": list(visible_persons(user).filter(merged_into=person)) if revealed else [],
        "may_merge": user.has_perm("monitor.archive_record"),
        "sections": PERSON_SECTIONS.render(person, user=user, revealed=revealed),
        "decisions": decisions,
        "returned": latest_return(decisions)
        if person.review_state == ReviewState.RETURNED
        else None,
        # Comments and change reasons may name the person: withheld with the identity.
        "history": history_entries(person.review_history(), user=user) if revealed else [],
    }
    return render(request, "people/person_detail.html", context)


def _names(person, user):
    return list(
        PersonName.objects.visible_to(user)
        .filter(person=person, archived_at__isnull=True)
        .order_by("-is_primary", "full_name")
    )


def _affiliations(person, user):
    return list(
        Affiliation.objects.visible_to(user)
        .filter(person=person, archived_at__isnull=True)
        .select_related("organization")
        .order_by("since", "created_at")
    )


def likely_duplicates(person, user) -> list[dict]:
    """Other persons ``user`` may see who look like ``person``, and why (the matcher,
    :func:`people.matching.likely_duplicates`, on each of the person's visible names).

    Only the names the user may see are compared: a protected person they may not identify
    is never suggested, so the warning cannot confirm who a pseudonym is.
    """
    own = [name.full_name for name in _names(person, user)]
    found = matching.likely_duplicates(own, user=user, exclude=person)
    return [{"person": match.person, "reasons": match.reasons} for match in found]
