"""What every list page shares: filters, search, sorting, pagination, counts and CSV export.

A list page is a :class:`ListPage` subclass in its app's views: the model, the app's
FilterSet (the same one the API uses) and the app's table (``<app>/tables.py``,
:mod:`monitor.tables`), which declares the page's columns and the CSV export's at once. The
rules it follows:

* Rows come from ``visible_to(request.user)`` only, and the FilterSet is given the request,
  so every choice list (events, places, persons…) holds only what the user may see and a
  hidden id is refused like one that does not exist.
* An invalid filter value is shown as a message next to its field, and nothing is listed
  until it is fixed: the page never pretends that nothing matched.
* Sorting is by whitelisted columns only (``?sort=title`` / ``?sort=-title``), with the
  primary key last so pages are stable.
* The count, the page and the CSV export are the same filtered queryset: what a user counts
  is what they can open, and what they export is what they see.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Q, QuerySet, Value, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from monitor import export_jobs
from monitor.access import viewing_as
from monitor.exports import (
    EXPORT_CHUNK,
    EXPORT_FIRST_CHUNK,
    CsvColumn,
    chunked,
    csv_streaming_response,
    log_export,
    xlsx_response,
)
from monitor.progress import progress_url
from monitor.suggest import SuggestInput, make_suggest_widget, register_filterset

PER_PAGE = 25
#: Names of filters shown in the search bar instead of the filter panel.
HIDDEN_FILTERS = ("ordering",)


@dataclass(frozen=True)
class Column:
    """A table column; ``sort`` is the ordering expression when it may be sorted by."""

    key: str
    label: str
    sort: str | None = None
    numeric: bool = False


def display_label_expression(field: str, pseudonym_prefix: str):
    """What a list shows as a protected record's label, in SQL (needs ``identity_revealed``).

    Sorting by it never orders protected records by the real names or titles the viewer may
    not see: ``field`` where the identity is revealed, else the pseudonym — the prefix and the
    first four hex digits of the id, as ``Person.pseudonym`` and ``Source.pseudonym`` make it.
    """
    from django.db.models import CharField, F
    from django.db.models.functions import Cast, Concat, Replace, Substr, Upper

    hex_id = Replace(Cast("id", output_field=CharField()), Value("-"), Value(""))
    pseudonym = Concat(
        Value(pseudonym_prefix), Upper(Substr(hex_id, 1, 4)), output_field=CharField()
    )
    return Case(
        When(Q(is_protected=False) | Q(identity_revealed=True), then=F(field)),
        default=pseudonym,
        output_field=CharField(),
    )


class ListPage:
    """One list page and its CSV export (see the module docstring)."""

    model: type
    filterset_class: type
    template_name: str
    #: The filter that the search box fills ("q" for most lists, "name" for persons).
    search_param = "q"
    search_label = _("Search")
    search_help = ""
    #: The :class:`monitor.tables.Table` of the list: the page's columns and the CSV's.
    table: type | None = None
    export_url_name = ""
    #: The same rows as an XLSX workbook (a page that offers one names its URL here).
    xlsx_export_url_name = ""
    #: What a row is called in counts: ("case", "cases").
    noun: tuple[str, str] = ("record", "records")  # in file names: English, like the columns
    #: The result count as a page says it: singular and plural, with ``%(count)d``.
    count_text = ngettext_lazy("%(count)d record", "%(count)d records", "count")
    #: Labels for filters whose own label is missing or unclear.
    filter_labels: dict[str, str] = {}
    #: The filter fields shown as checkboxes rather than a multiple select.
    checkbox_filters: tuple[str, ...] = ()

    def __init__(self):
        # A large export is made by a background task, which finds the page by its export's
        # URL name (monitor.export_jobs).
        for url_name in (self.export_url_name, self.xlsx_export_url_name):
            if url_name:
                export_jobs.register_page(url_name, self)

    # -- to be provided by each page -----------------------------------------------------------

    def get_queryset(self, request) -> QuerySet:
        """The rows the user may see, with what the rows show joined or prefetched."""
        raise NotImplementedError

    def page_columns(self, request) -> tuple[Column, ...]:
        return self.table(request).page_columns()

    def csv_columns(self, request) -> list[CsvColumn]:
        return self.table(request).csv_columns()

    def prepare_rows(self, rows: list, request) -> list:
        """Anything a page of rows needs in one go (labels of linked records…)."""
        return rows

    def extra_context(self, request) -> dict:
        return {}

    def summary_context(self, request, queryset: QuerySet) -> dict:
        """Anything computed over every filtered row, not one page (counts, a chart)."""
        return {}

    def xlsx_columns(self, request) -> list[CsvColumn]:
        return self.csv_columns(request)

    # -- the machinery -------------------------------------------------------------------------

    def filterset(self, request):
        filterset = self.filterset_class(
            request.GET, queryset=self.get_queryset(request), request=request
        )
        self._adjust_form(filterset.form, request)
        return filterset

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if getattr(cls, "filterset_class", None) is not None:
            register_filterset(cls.filterset_class)

    def _adjust_form(self, form, request) -> None:
        for name, field in form.fields.items():
            if not field.label or "[invalid name]" in str(field.label):
                field.label = self.filter_labels.get(name) or name.replace("_", " ").capitalize()
            elif name in self.filter_labels:
                field.label = self.filter_labels[name]
            if isinstance(field, forms.ModelChoiceField):
                # Records of a register-sized model (persons, cases, events): a type-ahead
                # field, not a <select> listing every one of them (monitor.suggest).
                make_suggest_widget(form, self.filterset_class, name, request)
            if isinstance(field.widget, SuggestInput):
                pass
            elif isinstance(field, forms.ModelChoiceField) and hasattr(
                field.queryset, "with_label"
            ):
                # A person's label is their primary name (or the pseudonym): annotated, not a
                # query per person.
                field.queryset = field.queryset.with_label()
            if name in self.checkbox_filters and isinstance(field, forms.MultipleChoiceField):
                field.widget = forms.CheckboxSelectMultiple(choices=field.choices)
            if name.endswith(("_from", "_to")) and isinstance(field.widget, forms.TextInput):
                field.widget.attrs.setdefault("placeholder", _("2022-05-18, May 2022, 2022"))
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(attrs={"type": "date"})
            field.widget.attrs.pop("style", None)

    def sort_options(self, request) -> dict[str, str]:
        return {column.key: column.sort for column in self.page_columns(request) if column.sort}

    def apply_sort(self, queryset: QuerySet, request) -> tuple[QuerySet, str]:
        """Order by ``?sort=`` when it names a sortable column; the key always last."""
        wanted = request.GET.get("sort", "")
        key = wanted.removeprefix("-")
        options = self.sort_options(request)
        if key not in options:
            return queryset, ""
        expression = options[key]
        descending = wanted.startswith("-")
        if descending:
            order = [
                expression.removeprefix("-") if expression.startswith("-") else f"-{expression}"
            ]
        else:
            order = [expression]
        return queryset.order_by(*order, "-pk" if descending else "pk"), wanted

    def headers(self, sort: str, request) -> list[dict]:
        """Column headers with the ``sort`` value each header's link sets."""
        headers = []
        for column in self.page_columns(request):
            header = {"label": column.label, "numeric": column.numeric, "key": column.key}
            if column.sort:
                current = sort.removeprefix("-") == column.key
                descending = sort.startswith("-")
                header["sort_value"] = (
                    f"-{column.key}" if current and not descending else column.key
                )
                header["aria_sort"] = (
                    ("descending" if descending else "ascending") if current else ""
                )
            headers.append(header)
        return headers

    def filtered(self, request):
        """``(filterset, queryset or None, sort, error message)``."""
        filterset = self.filterset(request)
        if not filterset.is_valid():
            return filterset, None, "", _error_summary(filterset.form)
        try:
            queryset = filterset.qs
        except ValidationError as error:  # a filter method refusing its value
            for field, messages in getattr(
                error, "message_dict", {"__all__": error.messages}
            ).items():
                filterset.form.add_error(
                    field if field in filterset.form.fields else None, messages
                )
            return filterset, None, "", _error_summary(filterset.form)
        queryset, sort = self.apply_sort(queryset, request)
        return filterset, queryset, sort, ""

    def list_view(self, request):
        filterset, queryset, sort, error = self.filtered(request)
        page = None
        rows: list = []
        count = 0
        summary: dict = {}
        if queryset is not None:
            summary = self.summary_context(request, queryset)
            paginator = Paginator(queryset, PER_PAGE)
            page = paginator.get_page(request.GET.get("page"))
            rows = self.prepare_rows(list(page.object_list), request)
            count = paginator.count
        form = filterset.form
        search_field = form[self.search_param] if self.search_param in form.fields else None
        panel = [
            form[name]
            for name in form.fields
            if name != self.search_param and name not in HIDDEN_FILTERS
        ]
        active = [
            bound
            for bound in panel
            if request.GET.get(bound.name) not in (None, "") and bound.name != "archived"
        ] + ([form["archived"]] if request.GET.get("archived") not in (None, "", "exclude") else [])
        context = {
            "page_title": str(self.model._meta.verbose_name_plural).capitalize(),
            "filterset": filterset,
            "form": form,
            "search_field": search_field,
            "search_label": self.search_label,
            "search_help": self.search_help,
            "filter_fields": panel,
            "filters_active": bool(active) or bool(error),
            "error": error,
            "page_obj": page,
            "page_range": list(page.paginator.get_elided_page_range(page.number))
            if page is not None
            else [],
            "rows": rows,
            "count": count,
            "noun": self.noun[0] if count == 1 else self.noun[1],
            # "1 case", "5 дел", "5 парванда": the count with its noun, per language.
            "count_text": self.count_text % {"count": count},
            "headers": self.headers(sort, request),
            "sort": sort,
            "export_url_name": self.export_url_name,
            # Above the threshold the export link leads to a progress page, not a file.
            "export_in_background": export_jobs.in_background(count),
            "xlsx_export_url_name": self.xlsx_export_url_name,
            "query_string": request.GET.urlencode(),
            **summary,
            **self.extra_context(request),
        }
        return render(request, self.template_name, context)

    def export_view(self, request):
        return self._export(request, "csv")

    def _export_chunks(self, queryset, request):
        return _export_chunks_as(self, queryset, request)

    def xlsx_export_view(self, request):
        return self._export(request, "xlsx")

    def _export(self, request, kind: str):
        _filterset, queryset, _sort, _error = self.filtered(request)
        if queryset is None:
            # The same message as on the page: nothing is exported from a filter not understood.
            return self.list_view(request)
        what = str(self.model._meta.verbose_name_plural)
        count = queryset.count()
        if export_jobs.in_background(count):
            # Too many rows to make while the person waits: a background task makes the same
            # file, and the person watches its progress (monitor.export_jobs).
            progress = export_jobs.export_enqueue(
                request=request,
                url_name=self.xlsx_export_url_name if kind == "xlsx" else self.export_url_name,
                kind=kind,
                what=what,
                rows=count,
            )
            return redirect(progress_url(progress))
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        filename = f"{self.noun[1].replace(' ', '-')}-{stamp}.{kind}"
        what = str(self.model._meta.verbose_name_plural)
        filters = [key for key in request.GET if any(request.GET.getlist(key))]
        if kind == "csv":
            # Streamed: rows in chunks, each prepared in one batch (the page's own lookups).
            # Logged now, with the rows the same queryset holds (one COUNT), like every export.
            log_export(request, what=what, filters=filters, rows=count)
            return csv_streaming_response(
                self.csv_columns(request), self._export_chunks(queryset, request), filename=filename
            )
        rows = self.prepare_rows(list(queryset), request)
        title = what.capitalize()
        response = xlsx_response(self.xlsx_columns(request), rows, filename=filename, title=title)
        log_export(request, what=what, filters=filters, rows=len(rows))
        return response


def _export_chunks_as(page, queryset, request):
    # The rows are read and written after the view returned (the response streams): the
    # request's user is the viewer again meanwhile, so str() of a protected person is the
    # pseudonym exactly as on the page (monitor.access.viewing_as).
    with viewing_as(request.user):
        rows = queryset.iterator(chunk_size=EXPORT_CHUNK)
        for chunk in chunked(rows, EXPORT_CHUNK, first=EXPORT_FIRST_CHUNK):
            yield page.prepare_rows(chunk, request)


def _error_summary(form) -> str:
    labels = []
    for name in form.errors:
        if name == "__all__":
            continue
        field = form.fields.get(name)
        labels.append(str(field.label or name) if field is not None else name)
    if not labels:
        return str(_("The filters could not be applied. Check them and try again."))
    return str(
        _(
            "Some filters could not be understood (%(fields)s): correct them below. "
            "Nothing is listed until then."
        )
        % {"fields": ", ".join(labels)}
    )


def format_date(value) -> str:
    """An approximate date, a date or a datetime as people read it ("" for nothing)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
