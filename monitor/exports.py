"""CSV exports of list pages: safe to open in a spreadsheet, and recorded.

* A cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return) gets a leading apostrophe, so it is shown as text (CSV
  injection). Names, titles and quotes are typed by people and may come from anywhere.
* The file starts with a UTF-8 byte-order mark so spreadsheets read Cyrillic names right.
* Every export is logged to the ``monitor.access`` logger: who, what, with which filters,
  how many rows.
* A column that needs something looked up for its rows (the sources behind each claim)
  says so with ``prepare``: it is called once with every row before any cell is read, so
  the lookup is one batch for the whole export, not a query per row.
* A CSV export streams (:func:`csv_streaming_response`): rows are read from the database in
  chunks (``QuerySet.iterator(chunk_size=…)``), each chunk prepared in one batch and written
  out, so memory stays flat and the first bytes leave at once, whatever the register's size.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

from monitor.redaction import viewer_scrubber

access_log = logging.getLogger("monitor.access")

#: A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """The cell as text a spreadsheet will not evaluate."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


@dataclass(frozen=True)
class CsvColumn:
    """A header and how to read the cell from a row.

    ``prepare``, when given, is called with the list of every row before the first cell
    is read (once per distinct function, so columns may share one lookup).
    """

    header: str
    value: Callable[[Any], Any]
    prepare: Callable[[list], None] | None = None


def prepared(columns: list[CsvColumn], rows: Iterable[Any]) -> list:
    """``rows`` as a list, after each column's ``prepare`` lookup ran once over all of them."""
    rows = list(rows)
    for prepare in dict.fromkeys(c.prepare for c in columns if c.prepare is not None):
        prepare(rows)
    return rows


def csv_chunks(columns: list[CsvColumn], batches: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The CSV text, piece by piece: the header, then each batch of rows (its lookups done
    once for the batch). The one row writer of every CSV export, direct or background."""
    out = io.StringIO()
    writer = csv.writer(out)

    def take() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate(0)
        return text

    # Names of protected persons in free text are withheld from the viewer (the requester of
    # a background export, :func:`monitor.access.viewing_as`), as on the pages.
    scrub = viewer_scrubber()
    writer.writerow([neutralise(column.header) for column in columns])
    yield take()
    for batch in batches:
        for row in prepared(columns, batch):
            writer.writerow([scrub(neutralise(column.value(row))) for column in columns])
        yield take()


def csv_text(columns: list[CsvColumn], rows: Iterable[Any]) -> str:
    return "".join(csv_chunks(columns, [rows]))


def csv_response(columns: list[CsvColumn], rows: Iterable[Any], *, filename: str) -> HttpResponse:
    response = HttpResponse(
        "\ufeff" + csv_text(columns, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # An export may hold confidential records: no shared or browser cache keeps a copy.
    response["Cache-Control"] = "no-store, private"
    return response


#: Rows read, prepared and written at a time by a streamed export. A chunk of cases with
#: their people, detentions and sources is the export's memory: 1,000 cases hold about 60 MB
#: (2,000 held 110 MB, measured on the 100k bench database); the queries stay ~36 a chunk.
EXPORT_CHUNK = 1000
#: The first chunk is small: its rows leave within a second or so (a chunk of 1,000 cases,
#: with their people, detentions and sources, takes seconds to prepare on a loaded machine),
#: the next ones are full, so the queries per row stay few.
EXPORT_FIRST_CHUNK = 100


class _Line:
    """A file-like object whose ``write`` returns what was written (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    columns: list[CsvColumn],
    chunks: Iterable[list[Any]],
    *,
    finished: Callable[[int], None] | None = None,
):
    """The CSV file as a stream of strings: the byte-order mark and header first (before any
    query runs), then every chunk of rows, its ``prepare`` lookups done once per chunk.

    ``finished`` is called with the number of rows written once the stream ends, also when
    the client went away early (then with the rows sent so far).
    """
    writer = csv.writer(_Line())
    written = 0
    try:
        yield "\ufeff" + writer.writerow([neutralise(column.header) for column in columns])
        for chunk in chunks:
            for prepare in dict.fromkeys(c.prepare for c in columns if c.prepare is not None):
                prepare(chunk)
            yield "".join(
                writer.writerow([neutralise(column.value(row)) for column in columns])
                for row in chunk
            )
            written += len(chunk)
    finally:
        if finished is not None:
            finished(written)


def chunked(rows: Iterable[Any], size: int = EXPORT_CHUNK, *, first: int | None = None):
    """Lists of at most ``size`` items from ``rows`` (a queryset's ``iterator()``), the
    first of at most ``first`` (by default ``size`` too)."""
    chunk: list[Any] = []
    limit = first or size
    for row in rows:
        chunk.append(row)
        if len(chunk) >= limit:
            yield chunk
            chunk, limit = [], size
    if chunk:
        yield chunk


def csv_streaming_response(
    columns: list[CsvColumn],
    chunks: Iterable[list[Any]],
    *,
    filename: str,
    finished: Callable[[int], None] | None = None,
) -> StreamingHttpResponse:
    """:func:`csv_response` streamed: see :func:`csv_lines`."""
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(columns, chunks, finished=finished)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_value(value: Any, scrub) -> Any:
    """Numbers stay numbers; anything else is neutralised text, names withheld."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return scrub(neutralise(value))
    return value


def write_xlsx(
    columns: list[CsvColumn], batches: Iterable[Iterable[Any]], fileobj, *, title: str
) -> None:
    """The same table as :func:`csv_chunks`, as an XLSX workbook written to ``fileobj``: one
    sheet, header bold and frozen, rows written batch by batch (openpyxl's write-only mode, so
    memory stays flat whatever the number of rows).

    Every text cell is neutralised like a CSV cell and stored as a string, so nothing typed by
    a person is ever evaluated as a formula.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "export")
    sheet.freeze_panes = "A2"

    def text_cell(value, **style):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, whatever it looks like
        for name, setting in style.items():
            setattr(cell, name, setting)
        return cell

    scrub = viewer_scrubber()  # a file is not text the response's scrubbing reads
    bold = Font(bold=True)
    sheet.append([text_cell(neutralise(column.header), font=bold) for column in columns])
    for batch in batches:
        for row in prepared(columns, batch):
            values = []
            for column in columns:
                value = _xlsx_value(column.value(row), scrub)
                values.append(text_cell(value) if isinstance(value, str) else value)
            sheet.append(values)
    workbook.save(fileobj)


def xlsx_bytes(columns: list[CsvColumn], rows: Iterable[Any], *, title: str) -> bytes:
    out = io.BytesIO()
    write_xlsx(columns, [rows], out, title=title)
    return out.getvalue()


def xlsx_response(
    columns: list[CsvColumn], rows: Iterable[Any], *, filename: str, title: str
) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(columns, rows, title=title), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


def log_export(request, *, what: str, filters: list[str], rows: int) -> None:
    """Record an export on the ``monitor.access`` logger (the access log keeps it).

    Only the *names* of the filters are recorded, never their values: a search for a name
    is a name, and logs travel further than the database.
    """
    log_export_by(request.user, what=what, filters=filters, rows=rows, path=request.path)


def log_export_by(user, *, what: str, filters: list[str], rows: int, path: str) -> None:
    """:func:`log_export` for work done away from a request (a background export)."""
    filters = sorted(set(filters))
    access_log.info(
        "export: %s exported %d %s (filters: %s)",
        user.get_username(),
        rows,
        what,
        ", ".join(filters) or "none",
        extra={
            "event": "export",
            "user_id": str(user.pk),
            "username": user.get_username(),
            "what": what,
            "filters": filters,
            "rows": rows,
            "path": path,
        },
    )
