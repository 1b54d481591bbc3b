"""Fixtures of the import tests: the personas, and spreadsheets made on the spot."""

# ruff: noqa: F401 — the persona fixtures are imported to be used by name

from __future__ import annotations

import csv
import functools
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from monitor.choices import Vocabulary
from monitor.models import Place, Term
from tests.bench.seed import name_pool
from tests.conftest import (
    coordinator,
    monitor_off_team,
    monitor_on_team,
    no_role_user,
    personas,
    reviewer,
    team,
    viewer,
)

HEADERS = ["ФИО", "Год рождения", "Дата задержания", "Город", "СИЗО", "Статья", "Примечание"]


def csv_bytes(rows, *, headers=HEADERS, encoding="utf-8", delimiter=";") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def upload(content: bytes, name: str = "list.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def xlsx_bytes(rows, *, headers=HEADERS, merge: str = "", formula_cell: str = "") -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    if formula_cell:
        sheet[formula_cell] = "=SUM(1,2)"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def vocabulary(db):
    """A place and the terms the rows name: Khorog, SIZO No. 1, article 307."""
    khorog = Place.objects.create(name="Хорог", kind="settlement")
    facility = Term.objects.create(vocabulary=Vocabulary.FACILITY, code="sizo-1", label="СИЗО №1")
    article = Term.objects.create(
        vocabulary=Vocabulary.CRIMINAL_ARTICLE, code="ck-307", label="307"
    )
    return {"place": khorog, "facility": facility, "article": article}


def person_name(n: int) -> str:
    """The ``n``-th of thousands of different Cyrillic names (no two the same person to
    the name matcher: a number in a name reads as an initial, "3" as "30")."""
    pool = _pool()
    return pool[n * 97 % len(pool)][2]


@functools.cache
def _pool() -> list:
    """The names, made (and folded) once: a 1,000-row sheet asks for a name per row."""
    return name_pool()


def rows(count: int, *, start: int = 0):
    """``count`` good rows, each a different person."""
    return [
        [person_name(n), "1985", "12.05.2023", "Хорог", "СИЗО №1", "307", f"строка {n}"]
        for n in range(start, start + count)
    ]
