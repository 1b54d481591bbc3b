"""The pages of sources: the list (with CSV export) and the detail page.

(``sources/views.py`` holds the evidence download; the pages are here.)

A protected source is shown by its pseudonym ("Source S-3F9A"), without its identifying
fields (``Source.redaction``), to every user who may not identify it — in the list,
in search results (the FilterSet searches titles and publishers of identifiable sources
only), in the CSV and on the detail page, where its evidence files are listed by hash only,
with no name, no download link and no chain of custody (its entries name the files and
the people who handled them). Whoever may identify the source sees each file's chain of
custody: every upload, derived copy, download and integrity check, oldest first.
"""

from __future__ import annotations

from collections import defaultdict

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django.views.decorators.http import require_safe

from monitor import redaction
from monitor.access import reveals_identity
from monitor.choices import ReviewState
from monitor.pages.helpers import decisions_for, describe_records, history_entries, latest_return
from monitor.pages.listing import (
    ListPage,
    display_label_expression,
)
from monitor.registry import DetailSections
from sources.filtersets import SourceFilterSet
from sources.models import Citation, CustodyEvent, EvidenceFile, Source
from sources.tables import WITHHELD, SourceTable
from sources.views.evidence import PREVIEWABLE


class SourceListPage(ListPage):
    model = Source
    filterset_class = SourceFilterSet
    template_name = "sources/source_list.html"
    search_label = _("Search sources")
    search_help = _("Words in the title, author or publisher.")
    export_url_name = "source-export"
    noun = ("source", "sources")
    count_text = ngettext_lazy("%(count)d source", "%(count)d sources", "count")
    checkbox_filters = ("reliability", "review_state", "confidentiality")
    table = SourceTable

    def get_queryset(self, request):
        user = request.user
        return redaction.annotate(Source.objects.visible_to(user), user).select_related(
            "kind", "team", "obtained_by"
        )

    def apply_sort(self, queryset, request):
        if request.GET.get("sort", "").removeprefix("-") == "title":
            queryset = queryset.annotate(sort_title=display_label_expression("title", "Source S-"))
        return super().apply_sort(queryset, request)

    def prepare_rows(self, rows, request):
        for source in rows:
            source.revealed = bool(source.identity_revealed) or not source.is_protected
        return rows


source_list = require_safe(SourceListPage().list_view)
source_export = require_safe(SourceListPage().export_view)


#: What the apps built on this one add to the source page (the cases app: the figures it
#: gives, in the "links" slot).
SOURCE_SECTIONS = DetailSections("source", slots=("links",))


@require_safe
def source_detail(request, pk):
    user = request.user
    source = get_object_or_404(
        Source.objects.visible_to(user).select_related("kind", "team", "obtained_by"), pk=pk
    )
    revealed = reveals_identity(user, source)
    visible_sources = Source.objects.visible_to(user)
    citations = list(
        Citation.objects.visible_to(user)
        .active()
        .filter(source=source)
        .select_related("content_type")
        .order_by("content_type_id", "created_at", "pk")
    )
    wanted: dict = defaultdict(set)
    for citation in citations:
        wanted[citation.content_type.model_class()].add(citation.object_id)
    records = describe_records(wanted, user)
    supports = []
    by_record: dict = {}
    for citation in citations:
        record = records.get(citation.object_id)
        if record is not None:
            supports.append({"citation": citation, "record": record})
            # The citations of one record together (issue 19): 88 rows in citation order
            # could not be told apart.
            by_record.setdefault(record.pk, {"record": record, "citations": []})
            by_record[record.pk]["citations"].append(citation)
    supported = sorted(
        by_record.values(), key=lambda group: (group["record"].label, group["record"].pk)
    )
    files = list(
        EvidenceFile.objects.visible_to(user)
        .filter(source=source, archived_at__isnull=True)
        .select_related("derived_from", "source")
        .order_by("created_at", "pk")
    )
    if revealed:
        _attach_custody(files, user)
    derived_from = list(source.derived_from.all() & visible_sources)
    derivatives = list(source.derivatives.all() & visible_sources)
    decisions = decisions_for(source) if revealed else []
    context = {
        "source": source,
        "revealed": revealed,
        "previewable": PREVIEWABLE,
        "withheld": WITHHELD,
        "supports": supports,
        "supported": supported,
        "files": files,
        "derived_from": derived_from,
        "derivatives": derivatives,
        "sections": SOURCE_SECTIONS.render(source, user=user, revealed=revealed),
        "decisions": decisions,
        "returned": latest_return(decisions)
        if source.review_state == ReviewState.RETURNED
        else None,
        # Change reasons may name the source: withheld with its identity.
        "history": history_entries(
            [source.history.all(), EvidenceFile.history.filter(source_id=source.pk)], user=user
        )
        if revealed
        else [],
    }
    return render(request, "sources/source_detail.html", context)


def _attach_custody(files: list[EvidenceFile], user) -> None:
    """Set ``file.custody`` (its custody events, oldest first) on each file: one query."""
    events: dict = defaultdict(list)
    for event in (
        CustodyEvent.objects.visible_to(user)
        .filter(evidence__in=[file.pk for file in files])
        .select_related("actor")
        .order_by("at", "pk")
    ):
        events[event.evidence_id].append(event)
    for file in files:
        file.custody = events.get(file.pk, [])
