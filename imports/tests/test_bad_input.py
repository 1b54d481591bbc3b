"""Bad input gets a clear message and changes nothing: each case of the issue, one test."""

# ruff: noqa: F401, F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import io
import zipfile

import pytest

from cases.models import Case
from imports import services
from imports.models import ImportJob
from imports.reading import UnreadableFile
from imports.tests.conftest import (
    HEADERS,
    csv_bytes,
    monitor_on_team,
    rows,
    team,
    upload,
    vocabulary,
    xlsx_bytes,
)
from sources.models import EvidenceFile, Source

pytestmark = pytest.mark.django_db

MAPPING = {"person_name": "ФИО", "arrest_date": "Дата задержания"}


def counts():
    return (Source.objects.count(), EvidenceFile.objects.count(), ImportJob.objects.count())


def refused(actor, content: bytes, name="list.csv", **options) -> UnreadableFile:
    before = counts()
    with pytest.raises(UnreadableFile) as error:
        services.import_upload(actor=actor, uploaded_file=upload(content, name), **options)
    assert counts() == before  # nothing stored: no source, no file, no job
    return error.value


def test_a_pdf_is_not_a_spreadsheet(monitor_on_team):
    error = refused(monitor_on_team, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "list.csv")
    assert error.code == "not_spreadsheet"
    assert "not a spreadsheet" in error.message


def test_a_zip_archive_is_not_a_spreadsheet(monitor_on_team):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert refused(monitor_on_team, out.getvalue(), "list.xlsx").code == "not_spreadsheet"


def test_an_old_xls_file_is_refused_with_what_to_do(monitor_on_team):
    error = refused(monitor_on_team, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "a.xls")
    assert error.code == "old_excel" and ".xlsx" in error.message


def test_an_empty_file(monitor_on_team):
    assert refused(monitor_on_team, b"").message == "The file is empty."
    assert refused(monitor_on_team, b"\n\n  \n").code == "empty"


def test_a_file_with_column_names_only(monitor_on_team):
    error = refused(monitor_on_team, csv_bytes([]))
    assert error.code == "header_only"
    assert "no rows" in error.message


def test_merged_cells_are_refused_naming_them(monitor_on_team):
    content = xlsx_bytes(rows(3), merge="A2:A3")
    error = refused(monitor_on_team, content, "list.xlsx")
    assert error.code == "merged_cells"
    assert "A2:A3" in error.message


def test_a_formula_cell_is_a_row_error_never_a_value(monitor_on_team, team, vocabulary):
    content = xlsx_bytes(rows(2), formula_cell="A3")
    job = services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(content, "list.xlsx"), team=team
    )
    assert job.file_format == "xlsx"
    services.import_map(job=job, actor=monitor_on_team, mapping=MAPPING)
    plans = services.import_preview(job=job, actor=monitor_on_team).plans
    assert plans[0].ok
    assert "formula" in plans[1].error_text() and "=SUM(1,2)" in plans[1].error_text()


def test_a_name_that_is_a_hyperlink_formula_is_refused(monitor_on_team, team):
    content = csv_bytes([['=HYPERLINK("http://evil.example","Иванов")', "", "2022"] + [""] * 4])
    job = services.import_upload(actor=monitor_on_team, uploaded_file=upload(content), team=team)
    services.import_map(job=job, actor=monitor_on_team, mapping=MAPPING)
    plan = services.import_preview(job=job, actor=monitor_on_team).plans[0]
    assert not plan.ok
    assert "spreadsheet formula" in plan.error_text()


def test_more_rows_than_the_limit(monitor_on_team, settings):
    # The limit is 100,000 rows; a file with one more is refused, read streamed.
    content = ("ФИО\n" + "Иванов\n" * 100_001).encode()
    error = refused(monitor_on_team, content)
    assert error.code == "too_many_rows"
    assert "100,000" in error.message


def test_a_file_over_50_mb_is_refused_before_it_is_read(monitor_on_team):
    content = b"a" * (50 * 1024 * 1024 + 1)
    error = refused(monitor_on_team, content)
    assert error.code == "file_size"
    assert "the limit is 50.0 MB" in error.message.replace("\xa0", " ")


def test_cp1251_is_detected_and_read_as_cyrillic(monitor_on_team, team):
    job = services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(rows(2), encoding="cp1251")),
        team=team,
    )  # fmt: skip
    assert job.encoding == "cp1251"
    assert job.headers == HEADERS


def test_utf8_with_bom_is_detected(monitor_on_team, team):
    job = services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(rows(1), encoding="utf-8-sig")),
        team=team,
    )  # fmt: skip
    assert job.encoding == "utf-8-sig"
    assert job.headers[0] == "ФИО"  # no byte-order mark glued to the first column


def test_the_wrong_encoding_chosen_is_refused_with_what_to_choose(monitor_on_team):
    error = refused(monitor_on_team, csv_bytes(rows(2), encoding="cp1251"), encoding="utf-8")
    assert error.code == "encoding"
    assert "cp1251" in error.message


def test_utf16_text_is_refused_with_what_to_do(monitor_on_team):
    assert refused(monitor_on_team, csv_bytes(rows(1), encoding="utf-16")).code == "encoding"


def test_a_date_column_with_mixed_formats(monitor_on_team, team):
    dates = ["12.05.2023", "2023-05-12", "май 2023", "12 мая 2023", "2022", "05.2023", "c. 2021",
             "13/05/2023", "вчера"]  # fmt: skip
    content = csv_bytes([[f"Person {n}", "", d, "", "", "", ""] for n, d in enumerate(dates)])
    job = services.import_upload(actor=monitor_on_team, uploaded_file=upload(content), team=team)
    services.import_map(job=job, actor=monitor_on_team, mapping=MAPPING)
    plans = services.import_preview(job=job, actor=monitor_on_team).plans
    parsed = [p.parsed["arrest"].as_input() if p.parsed["arrest"] else None for p in plans]
    assert parsed == ["2023-05-12", "2023-05-12", "2023-05", "2023-05-12", "2022", "2023-05",
                      "c. 2021", "2023-05-13", None]  # fmt: skip
    assert "вчера" in plans[-1].error_text()


def test_a_mapping_without_a_required_field_is_refused(monitor_on_team, team):
    job = services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(rows(1))), team=team
    )
    with pytest.raises(services.ActionRefused) as error:
        services.import_map(job=job, actor=monitor_on_team, mapping={"notes": "Примечание"})
    assert "required" in str(error.value)
    with pytest.raises(services.ActionRefused):
        services.import_map(job=job, actor=monitor_on_team, mapping={"person_name": "Nope"})
    assert Case.objects.count() == 0
