"""The detainee register page, its CSV and XLSX exports (rows and columns: :mod:`cases.register`).

The list machinery is :class:`monitor.pages.listing.ListPage`: rows from ``visible_to``, the
detentions' FilterSet (shared with the API), an invalid filter shown next to its field with
nothing listed, every export recorded in the access log. Counts by status, article and year of
arrest, and the chart, are computed over every filtered row, not one page.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django.views.decorators.http import require_safe

from cases import register
from cases.choices import StepKind
from cases.counts import detained_overview
from cases.filtersets import DetentionFilterSet
from cases.models import Detention
from monitor.charts import bar_chart
from monitor.exports import CsvColumn
from monitor.pages.listing import Column, ListPage


def since_of(request) -> datetime.date | None:
    return register.parse_since(request.GET.get("changed_since"))


class RegisterPage(ListPage):
    model = Detention
    filterset_class = DetentionFilterSet
    template_name = "cases/register.html"
    search_param = "q"  # no free-text search: the register is narrowed by its filters
    export_url_name = "register-export"
    xlsx_export_url_name = "register-export-xlsx"
    noun = ("detention", "detentions")
    count_text = ngettext_lazy("%(count)d detention", "%(count)d detentions", "count")
    checkbox_filters = ("status",)
    filter_labels = {
        "arrest_year": _("Year of arrest"),
        "verified": _("Verified cases only"),
        "changed_since": _("Changes since"),
        "sentence_min_months": _("Sentenced to at least (months)"),
        "date_from": _("A step on or after"),
        "date_to": _("A step on or before"),
    }

    def page_columns(self, request):
        # The register declares its columns once (cases.register): the page's, the CSV's and
        # the XLSX's come from the same list.
        return tuple(
            Column(c.key, c.label, sort=c.sort, numeric=c.numeric)
            for c in register.columns(since=since_of(request))
        )

    def get_queryset(self, request):
        return register.register_queryset(request.user)

    def prepare_rows(self, rows, request):
        since = since_of(request)
        shown = register.columns(since=since)
        rows = register.build_rows(rows, request.user, since=since)
        for row in rows:
            row.cells = [(column, column.cell_text(row)) for column in shown]
        return rows

    def csv_columns(self, request):
        return [
            CsvColumn(str(column.label), column.cell_text)
            for column in register.columns(since=since_of(request))
        ]

    def xlsx_columns(self, request):
        def cell(column):
            if column.kind == "integer":
                return column.value
            return column.cell_text

        return [
            CsvColumn(str(column.label), cell(column))
            for column in register.columns(since=since_of(request))
        ]

    def summary_context(self, request, queryset):
        counts = register.register_counts(queryset)
        chart = bar_chart(
            title=str(_("Detentions by year of arrest")),
            description=str(
                _("How many of the detentions listed began with an arrest in each year.")
            ),
            categories=[tally.label for tally in counts.by_year],
            series=[
                (
                    "detentions",
                    str(_("detentions")),
                    [tally.count for tally in counts.by_year],
                )
            ],
        )
        return {
            "counts": counts,
            "chart": chart,
            "since": since_of(request),
            # Group detentions too (cases.counts): people counted rather than named.
            "overview": detained_overview(request.user),
        }

    def extra_context(self, request):
        return {
            "page_title": str(_("Detainee register")),
            "change_column": bool(since_of(request)),
            "step_kinds": StepKind,
        }


_page = RegisterPage()
register_list = require_safe(_page.list_view)
register_export = require_safe(_page.export_view)
register_export_xlsx = require_safe(_page.xlsx_export_view)
