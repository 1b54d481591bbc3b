"""Reading a spreadsheet: CSV (any delimiter; UTF-8, UTF-8 with BOM, cp1251) or XLSX.

Rows are streamed, never read whole: a CSV through the ``csv`` module over a decoding text
stream, an XLSX through openpyxl's read-only mode. Every cell comes out as text (a date cell
of an XLSX as ``2023-05-12``, a whole number as ``12``), so a row reads the same whatever
the format, and a failed row can be written back to a CSV to be fixed and imported again.

What cannot be read is refused before anything is stored, with a message for the user
(:class:`UnreadableFile`): not a spreadsheet, empty, column names but no rows, merged cells,
too many rows, too large, text in another encoding than the one chosen.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import iterparse

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from imports.choices import FileFormat
from sources import evidence as evidence_types

#: The encodings offered (``""``: detect). Excel in a Russian locale writes cp1251.
ENCODINGS = ("utf-8", "utf-8-sig", "cp1251")
#: Delimiters tried when sniffing.
DELIMITERS = ",;\t|"
#: Bytes read to detect the format, the encoding and the delimiter.
HEAD_BYTES = 256 * 1024
#: A cell longer than this is refused (a cell is a value, not a document).
MAX_CELL = 20_000


class UnreadableFile(Exception):
    """The file cannot be imported; ``message`` says why, for the user."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class Table:
    """What was read of a spreadsheet: its format, how its text is encoded, its columns."""

    path: str
    format: str
    encoding: str = ""
    delimiter: str = ""
    headers: list[str] = field(default_factory=list)
    rows_total: int = 0

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """``(row number as the spreadsheet shows it, cells)`` for every data row."""
        if self.format == FileFormat.XLSX:
            yield from _xlsx_rows(self.path, skip_header=True)
        else:
            yield from _csv_rows(
                self.path, self.encoding or "utf-8", self.delimiter or ",", skip_header=True
            )


def max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


def check_size(size: int) -> None:
    """Refuse a file over the limit (before it is even copied), or an empty one."""
    if size > max_bytes():
        raise UnreadableFile(
            _("The file is %(size)s; the limit is %(limit)s. Split it into smaller files.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes())},
            "file_size",
        )
    if size == 0:
        raise UnreadableFile(_("The file is empty."), "empty")


def read_table(path: str, *, size: int, encoding: str = "", delimiter: str = "") -> Table:
    """Open the spreadsheet at ``path`` and check it whole (streamed): format, encoding,
    columns, row count, merged cells.

    Raises:
        UnreadableFile: with the reason, for the user.
    """
    check_size(size)
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    kind = _format_of(path, head)
    if kind == FileFormat.XLSX:
        table = Table(path=path, format=FileFormat.XLSX)
        merged = _merged(path)
        if merged:
            raise UnreadableFile(
                _(
                    "Cells %(cells)s are merged. Unmerge them and fill in every row (each "
                    "row is one record), then upload the file again."
                )
                % {"cells": ", ".join(merged[:5])},
                "merged_cells",
            )
        rows = _xlsx_rows(path, skip_header=False)
    else:
        encoding = encoding or detect_encoding(head)
        delimiter = delimiter or sniff_delimiter(head, encoding)
        table = Table(path=path, format=FileFormat.CSV, encoding=encoding, delimiter=delimiter)
        rows = _csv_rows(path, encoding, delimiter, skip_header=False)
    header = None
    count = 0
    for _number, cells in rows:
        if header is None:
            header = cells
            continue
        count += 1
        if count > max_rows():
            raise UnreadableFile(
                _("The file has more than %(limit)s rows. Split it into smaller files.")
                % {"limit": f"{max_rows():,}"},
                "too_many_rows",
            )
    if header is None:
        raise UnreadableFile(_("The file is empty."), "empty")
    headers = [cell.strip() for cell in header]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise UnreadableFile(_("The first row must name the columns; it is empty."), "no_header")
    if count == 0:
        raise UnreadableFile(
            _("The file has column names but no rows: there is nothing to import."),
            "header_only",
        )
    seen: set[str] = set()
    for index, name in enumerate(headers):
        label = name or _("column %(number)s") % {"number": index + 1}
        while label in seen:
            label += "*"
        headers[index] = label
        seen.add(label)
    table.headers = headers
    table.rows_total = count
    return table


# -- format and encoding ----------------------------------------------------------------------


def _format_of(path: str, head: bytes) -> str:
    kind = evidence_types.sniff(io.BytesIO(head))
    readable = (
        evidence_types.TEXT,
        evidence_types.ZIP,
        evidence_types.XLSX,
        evidence_types.UTF16_TEXT,
    )
    if kind not in readable and kind is not evidence_types.OLE:
        raise UnreadableFile(
            _("The content is %(kind)s, not a spreadsheet. Upload a CSV or an XLSX file.")
            % {"kind": kind.label},
            "not_spreadsheet",
        )
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                if "xl/workbook.xml" in archive.namelist():
                    return FileFormat.XLSX
        except zipfile.BadZipFile:
            pass
        raise UnreadableFile(
            _("This is a ZIP archive, not a spreadsheet. Upload a CSV or an XLSX file."),
            "not_spreadsheet",
        )
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise UnreadableFile(
            _(
                "This is an old-format Excel file (.xls). Save it as .xlsx or as CSV, then "
                "upload it again."
            ),
            "old_excel",
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile(
            _("This text is in UTF-16. Save it as CSV in UTF-8, then upload it again."),
            "encoding",
        )
    binary = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 13))
    if binary:
        raise UnreadableFile(
            _("This is not a spreadsheet (the content is not text). Upload a CSV or an XLSX."),
            "not_spreadsheet",
        )
    return FileFormat.CSV


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without its byte-order mark) if the bytes are UTF-8, else cp1251."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the end of the head is fine
    except UnicodeDecodeError:
        return "cp1251"
    return "utf-8"


def sniff_delimiter(head: bytes, encoding: str) -> str:
    """The delimiter that splits the first lines into as many cells as the header has.

    Counted with the CSV reader itself, so a quoted cell holding commas (a name written as
    ``=HYPERLINK("…","…")``) does not mislead it the way ``csv.Sniffer`` can be misled.
    """
    text = head.decode(encoding, errors="ignore")
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if len(lines) > 1 and len(head) >= HEAD_BYTES:
        lines = lines[:-1]  # the last line may be cut
    if not lines:
        return ","

    def score(delimiter: str) -> tuple[int, int]:
        parsed = list(csv.reader(lines, delimiter=delimiter))
        width = len(parsed[0])
        if width < 2:
            return (0, 0)
        return (sum(len(row) == width for row in parsed[1:]) + 1, width)

    best = max(DELIMITERS, key=score)
    return best if score(best)[1] else ","


def _csv_rows(path: str, encoding: str, delimiter: str, *, skip_header: bool):
    """The CSV's non-empty rows, numbered as a spreadsheet numbers them (the header is 1)."""
    csv.field_size_limit(MAX_CELL * 10)
    try:
        with open(path, encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            first = True
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue
                if first:
                    first = False
                    if skip_header:
                        continue
                yield reader.line_num, cells
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            _(
                "The file is not %(encoding)s text (byte %(position)s). Choose the encoding "
                "the file was saved in (Excel in a Russian locale saves cp1251)."
            )
            % {"encoding": encoding, "position": error.start},
            "encoding",
        ) from error
    except csv.Error as error:
        raise UnreadableFile(
            _("The CSV cannot be read: %(error)s.") % {"error": error}, "csv"
        ) from error


# -- XLSX --------------------------------------------------------------------------------------

_CELL_REF = re.compile(r"^[A-Z]+\d+(:[A-Z]+\d+)?$")


def _first_sheet(archive: zipfile.ZipFile) -> str:
    names = sorted(
        name
        for name in archive.namelist()
        if name.startswith("xl/worksheets/sheet") and name.endswith(".xml")
    )
    return names[0] if names else ""


def _merged(path: str) -> list[str]:
    """The merged ranges of the first sheet, read from its markup as it streams (openpyxl's
    read-only mode does not load them)."""
    found: list[str] = []
    with zipfile.ZipFile(path) as archive:
        sheet = _first_sheet(archive)
        if not sheet:
            return found
        with archive.open(sheet) as handle:
            # The sheet's markup: element names and attributes are read, no entity expanded
            # beyond what expat allows; a file over the size limit never gets here.
            for _event, element in iterparse(handle, events=("end",)):  # noqa: S314
                if element.tag.endswith("}mergeCell"):
                    ref = element.get("ref", "")
                    if _CELL_REF.match(ref):
                        found.append(ref)
                element.clear()
    return found


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _xlsx_rows(path: str, *, skip_header: bool):
    from openpyxl import load_workbook

    handle = open(path, "rb")  # noqa: SIM115 - closed below, after the rows are read
    try:
        workbook = load_workbook(handle, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        handle.close()
        raise UnreadableFile(
            _("The XLSX file cannot be opened: %(error)s") % {"error": error}, "xlsx"
        ) from error
    try:
        sheet = workbook.worksheets[0]
        first = True
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(value) for value in row]
            if not any(cell.strip() for cell in cells):
                continue
            if first:
                first = False
                if skip_header:
                    continue
            yield number, cells
    finally:
        workbook.close()
        handle.close()


def rows_to_csv(headers: list[str], rows) -> str:
    """Rows back to CSV text (a failed-rows file to fix and import again)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()
