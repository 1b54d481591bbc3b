"""Tables: a list page's columns and its CSV export, declared once.

Each app's ``tables.py`` declares a :class:`Table` per list: its :class:`Field` s, in CSV
order. A field with a ``label`` is also a column of the page (in the same order); a field
without one is in the CSV only (the CSV holds more than a screen can). A page column is
therefore always exported, with the value the page shows, and the two cannot drift:
``tests/pages/test_tables.py`` checks every list page against its table.

Cells are read from rows the list page prepared (``ListPage.prepare_rows``) through
``visible_to(user)``: a protected person or source reads as its pseudonym (``str()``),
identifying details as "withheld" — the table never reaches past what the page may show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.text import slugify

from monitor.exports import CsvColumn
from monitor.pages.listing import Column, format_date


@dataclass(frozen=True)
class Field:
    """One column of a table: its CSV header and cell, and maybe its place on the page.

    ``label`` puts it on the page (its header there); ``key`` names the page column (for
    ``?sort=``; the slug of ``header`` by default); ``sort`` is the ordering expression when
    the page may be sorted by it. ``prepare`` is called once with every row before any cell is
    read (one lookup for the whole list, see :class:`monitor.exports.CsvColumn`).
    """

    header: str
    value: Callable[[Any], Any]
    label: str = ""
    key: str = ""
    sort: str | None = None
    numeric: bool = False
    prepare: Callable[[list], None] | None = None

    @property
    def column_key(self) -> str:
        return self.key or slugify(self.header).replace("-", "_")


class Table:
    """The fields of one list, for one request (links and lookups need it)."""

    def __init__(self, request):
        self.request = request
        self.user = request.user

    def fields(self) -> list[Field]:
        raise NotImplementedError

    def page_columns(self) -> tuple[Column, ...]:
        return tuple(
            Column(field.column_key, field.label, sort=field.sort, numeric=field.numeric)
            for field in self.fields()
            if field.label
        )

    def page_cells(self, row) -> list:
        """The page's cells of one row, for lists drawn by ``monitor/table_list.html``."""
        return [field.value(row) for field in self.fields() if field.label]

    def csv_columns(self) -> list[CsvColumn]:
        return [CsvColumn(field.header, field.value, field.prepare) for field in self.fields()]

    # -- fields most tables have ----------------------------------------------------------------

    def link(self, url_name: str) -> Field:
        """The record's page, as an absolute address (CSV only)."""
        return Field(
            "link",
            lambda row: self.request.build_absolute_uri(reverse(url_name, kwargs={"pk": row.pk})),
        )

    @staticmethod
    def archived() -> Field:
        return Field("archived", lambda row: format_date(row.archived_at))

    @staticmethod
    def review_state(**page) -> Field:
        return Field("review state", lambda row: row.get_review_state_display(), **page)

    @staticmethod
    def confidentiality(**page) -> Field:
        return Field("confidentiality", lambda row: row.get_confidentiality_display(), **page)
