"""The write batch writes the same audit as one-by-one saves.

An import records its rows in a write batch (``monitor.write_batch``): the creation history
rows are inserted in bulk at the end of each chunk, check constraints read in Python, the
unique constraints of new records compared in memory. This test imports one file twice
from the same starting point — once batched, once row by row as a chunk the batch refuses
is recorded — and compares, row by row and field by field, everything the rows wrote: the
records, every history row (type, user, change reason, version, each field, the links each
row keeps, their order), the citations and the links. Run on SQLite and on PostgreSQL
(``DATABASE_URL``).
"""

# ruff: noqa: F401, F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from cases.models import Allegation, Case, CasePerson, Detention, DetentionStep
from imports import services
from imports.choices import RowOutcome
from imports.tests.conftest import csv_bytes, monitor_on_team, person_name, team, upload
from monitor.choices import Vocabulary
from monitor.history import link_ids, tracked_links
from monitor.models import Place, Term
from people.models import Person, PersonName
from sources.models import Citation, Source
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

HEADERS = [
    "ФИО", "Другие написания", "Год рождения", "Дата задержания", "Город", "СИЗО", "Статья",
    "Нарушение", "Приговор", "Дата приговора", "Освобождён", "Ссылка", "Издание", "Примечание",
]  # fmt: skip
MAPPING = {
    "person_name": "ФИО", "name_variants": "Другие написания", "birth_year": "Год рождения",
    "arrest_date": "Дата задержания", "place": "Город", "facility": "СИЗО",
    "articles": "Статья", "violation": "Нарушение", "sentence": "Приговор",
    "sentence_date": "Дата приговора", "release_date": "Освобождён", "source_url": "Ссылка",
    "source_publisher": "Издание", "notes": "Примечание",
}  # fmt: skip
#: Fields that differ between two runs by nature: ids drawn at random, clocks.
_CLOCKS = {"history_id", "history_date", "created_at", "updated_at"}


def _rows() -> list[list[str]]:
    existing = "Шоиширинов Нажмиддин"
    return [
        # a new person with two other spellings, sentenced and released, a violation, a URL
        [person_name(1), "Ikrom Karimov; Икром Каримов", "1985", "12.05.2023", "Хорог",
         "СИЗО №1", "307", "Пытки", "7 лет", "01.09.2023", "2024", "https://asia.example/1",
         "Азия-Плюс", "строка 1"],
        # the person recorded before, in Latin letters
        ["Shoishirinov Nazhmiddin", "", "1970", "май 2023", "Хорог", "СИЗО №1", "307", "", "",
         "", "", "", "", ""],
        # a date that is no date: the row fails, the chunk goes on
        [person_name(2), "", "1990", "31.02.2023", "Хорог", "", "", "", "", "", "", "", "", ""],
        # the first row's person again (remembered by the run), the same URL (its source)
        [person_name(1), "", "1985", "2022", "Хорог", "", "307", "", "", "", "",
         "https://asia.example/1", "Азия-Плюс", "строка 4"],
        # the first row again: skipped
        [person_name(1), "Ikrom Karimov; Икром Каримов", "1985", "12.05.2023", "Хорог",
         "СИЗО №1", "307", "Пытки", "7 лет", "01.09.2023", "2024", "https://asia.example/1",
         "Азия-Плюс", "строка 1"],
        *[[person_name(n), "", str(1940 + n % 50), "3 июня 2023", "Хорог", "СИЗО №1", "307", "",
           "", "", "", "", "", ""] for n in range(10, 70)],
        [existing, "", "1970", "2023-06-01", "", "", "", "", "", "", "", "", "", ""],
    ]  # fmt: skip


@pytest.fixture
def vocabulary(db):
    Place.objects.create(name="Хорог", kind="settlement")
    Term.objects.create(vocabulary=Vocabulary.FACILITY, code="sizo-1", label="СИЗО №1")
    Term.objects.create(vocabulary=Vocabulary.CRIMINAL_ARTICLE, code="ck-307", label="307")
    Term.objects.create(vocabulary=Vocabulary.VIOLATION_TYPE, code="torture-x", label="Пытки")


class _Labels:
    """Each id a run drew (a record's, a source's) named by where it was first met, so two
    runs compare though their ids differ."""

    def __init__(self):
        self.names: dict = {}

    def __call__(self, value):
        if isinstance(value, uuid.UUID) and value in self.names:
            return self.names[value]
        return value

    def learn(self, value, where: str) -> None:
        self.names.setdefault(value, where)


def _history(record, labels) -> list[dict]:
    rows = record.history.order_by("history_date", "history_id")
    fields = [f for f in rows.model._meta.concrete_fields if f.attname not in _CLOCKS]
    links = tracked_links(type(record))
    return [
        {f.attname: labels(getattr(row, f.attname)) for f in fields}
        | {f"links:{f.name}": sorted(map(str, link_ids(row, f))) for f in links}
        for row in rows
    ]


def _plain(record, labels) -> dict:
    fields = [f for f in record._meta.concrete_fields if f.attname not in _CLOCKS]
    values = {f.attname: labels(getattr(record, f.attname)) for f in fields}
    for field in record._meta.many_to_many:
        values[f"m2m:{field.name}"] = sorted(
            str(labels(pk)) for pk in getattr(record, field.name).values_list("pk", flat=True)
        )
    return values


def _records_of(row: services.ImportRow) -> list:
    """What the row wrote: its case and every part, the person and names it created, the
    citations of all of them, and the source its URL named."""
    if row.case_id is None:
        return []
    case = Case._base_manager.get(pk=row.case_id)
    detentions = list(Detention._base_manager.filter(case=case).order_by("created_at"))
    steps = list(
        DetentionStep._base_manager.filter(detention__in=detentions).order_by("kind", "date")
    )
    allegations = list(Allegation._base_manager.filter(case=case))
    links = list(CasePerson._base_manager.filter(case=case).order_by("role"))
    records = [case, *detentions, *steps, *allegations, *links]
    if row.person_is_new:
        person = Person._base_manager.get(pk=row.person_id)
        names = PersonName._base_manager.filter(person=person).order_by("is_primary", "full_name")
        records += [person, *names]
    cited = Citation._base_manager.filter(object_id__in=[r.pk for r in records])
    records += sorted(cited, key=lambda c: (c.content_type_id, c.page, str(c.source.title)))
    url = row.cells[HEADERS.index("Ссылка")] if len(row.cells) > 11 else ""
    if url:
        records += list(Source._base_manager.filter(url=url))
    return records


def _import_and_describe(actor, team, *, batched: bool) -> dict:
    job = services.import_upload(
        actor=actor, team=team, uploaded_file=upload(csv_bytes(_rows(), headers=HEADERS))
    )
    services.import_map(job=job, actor=actor, mapping=MAPPING)
    services.import_start(job=job, actor=actor)
    services.import_run(job_id=job.pk, batched=batched)
    labels = _Labels()
    labels.learn(job.source_id, "the file's source")
    described = {}
    for row in job.rows.order_by("number"):
        records = _records_of(row)
        for index, record in enumerate(records):
            labels.learn(record.pk, f"row {row.number}: {type(record).__name__} {index}")
        described[row.number] = {
            "outcome": (row.outcome, row.error, row.person_is_new, row.record_version),
            "records": [
                (type(record).__name__, _plain(record, labels), _history(record, labels))
                for record in records
            ],
        }
    ContentType.objects.clear_cache()
    return described


class _Undo(Exception):
    pass


def test_a_batched_import_writes_the_same_records_and_history_as_one_by_one(
    monitor_on_team, team, vocabulary
):
    PersonFactory(team=team, name="Шоиширинов Нажмиддин")
    described = {}
    for batched in (True, False):
        try:
            with transaction.atomic():
                described[batched] = _import_and_describe(monitor_on_team, team, batched=batched)
                raise _Undo  # the second run starts from the same register
        except _Undo:
            pass
    batched, one_by_one = described[True], described[False]
    outcomes = [row["outcome"][0] for row in batched.values()]
    failed = [row["outcome"] for row in batched.values() if row["outcome"][0] == "failed"]
    assert len(failed) == 1, failed
    assert outcomes.count(RowOutcome.SKIPPED) == 1
    assert sum(len(row["records"]) for row in batched.values()) > 400
    assert batched.keys() == one_by_one.keys()
    for number in batched:
        assert batched[number]["outcome"] == one_by_one[number]["outcome"], number
        mine, theirs = batched[number]["records"], one_by_one[number]["records"]
        assert [kind for kind, *_ in mine] == [kind for kind, *_ in theirs], number
        for (kind, record, history), (_, record_one, history_one) in zip(mine, theirs, strict=True):
            assert record == record_one, (number, kind)
            assert len(history) == len(history_one), (number, kind)
            for row, row_one in zip(history, history_one, strict=True):
                assert row == row_one, (number, kind)
    first = batched[2]["records"]
    case_history = first[0][2]
    assert case_history[0]["history_change_reason"] == "imported from list.csv row 2"
    assert case_history[0]["history_user_id"] == monitor_on_team.pk
    assert case_history[0]["history_type"] == "+"
