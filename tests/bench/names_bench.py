"""Benchmark of the name matcher: recall and false-match rate on the corpus, and the p50/p95 of
a search on a large generated register in PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/monitor_names_bench \\
        .venv/bin/python tests/bench/names_bench.py
    BENCH_NAMES=1000000 …  persons in the register, two names each (the default: 1,000,000
                           persons, 2,000,000 names)
    BENCH_QUERIES=100 …    time only the first 100 queries (the default, 0: all of them)
    BENCH_SEARCH_ROUNDS=3  how many times each query is timed (p50/p95/max of each query's
                           best round, and of every round)
    BENCH_KEEP=1 …         keep the register's database; BENCH_REUSE=1 … search it again
                           (when it holds BENCH_NAMES persons; it is loaded again otherwise)

1. **Corpus** (``tests/data/names_*.csv``, see ``tests/names_corpus.py``): recall (the right
   person in the first five, as a sure match) and the false-match rate (a different person
   with a close name in the first five as a sure match). Pure Python: the same scorer the
   database's candidates go through.
2. **Register** (PostgreSQL only; skipped on SQLite, which has no trigram index): a throwaway
   database ``<name>_names_bench`` is created next to ``DATABASE_URL``'s, migrated, and
   loaded with ``BENCH_NAMES`` generated persons, each with a primary name and a variant
   spelling (the corpus generator's Tajik given names, surnames and writing systems: the
   variant in the other script two times in three, another romanisation otherwise; a
   patronymic for one in three). The load is BENCHMARK-ONLY: PostgreSQL COPY straight into
   the tables, the name tables' indexes and foreign keys dropped for it and made again after
   it, no history (a load, not a workflow); 1M persons take minutes on two cores. Then every
   spelling of the corpus's same-person pairs (both columns, Latin and Cyrillic) is searched
   through ``people.matching.match_persons`` as a coordinator, and p50/p95/max are printed
   for each script and for all. The database is dropped at the end unless kept.
   Nothing leaves the machine.
"""

from __future__ import annotations

import math
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault(
    "MONITOR_SECRET_KEY", "bench-only-secret-key-not-for-any-deployment-0123456789"
)

#: Persons in the register (each with two names): BENCH_NAMES, as ``make bench`` calls it.
PERSONS = int(os.environ.get("BENCH_NAMES", "1000000"))
#: How many of the corpus's spellings are timed (0: all).
QUERIES = int(os.environ.get("BENCH_QUERIES", "0"))
#: How many times each query is timed (round after round).
ROUNDS = int(os.environ.get("BENCH_SEARCH_ROUNDS", "3"))
#: Search the register a run with BENCH_KEEP left, instead of loading a new one.
REUSE = bool(os.environ.get("BENCH_REUSE"))


def corpus() -> None:
    import django

    django.setup()
    from tests.names_corpus import different_pairs, evaluate, same_pairs

    started = time.perf_counter()
    result = evaluate()
    print(
        f"corpus: {len(same_pairs())} same-person pairs, {len(different_pairs())} "
        f"different-people pairs ({time.perf_counter() - started:.1f} s)"
    )
    print(f"recall (right person in top 5): {result.recall:.1%}  (target >= 95 %)")
    print(f"false-match rate (top 5):       {result.false_match_rate:.1%}  (target <= 5 %)")
    for query, recorded in result.misses[:10]:
        print(f"  missed: {query!r} -> {recorded!r}")
    for query, other in result.false_matches[:10]:
        print(f"  false match: {query!r} -> {other!r}")


def register() -> None:
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        print("register: skipped (set DATABASE_URL to a PostgreSQL server for the p95)")
        return
    base = settings.DATABASES["default"]["NAME"]
    name = f"{base}_names_bench"
    # Through the server's maintenance database: DATABASE_URL's own need not exist.
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    reuse = REUSE and exists and _persons() == PERSONS
    if not reuse:
        connection.close()
        settings.DATABASES["default"]["NAME"] = base
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        settings.DATABASES["default"]["NAME"] = name
    try:
        if reuse:
            print(f"register: the kept database {name} (BENCH_REUSE)")
        else:
            _fill()
        _search()
    finally:
        connection.close()
        settings.DATABASES["default"]["NAME"] = base
        if os.environ.get("BENCH_KEEP") or REUSE:  # to look at the plans afterwards
            print(f"kept the database {name}")
        else:
            with connection._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.close()


#: The tables the register is loaded into (benchmark-only COPY, below).
TABLES = ("people_person", "people_personname")
#: Latin romanisations of the corpus generator; ``tj`` and ``ru`` are Cyrillic.
CYRILLIC_SYSTEMS = ("tj", "ru")


def _register_names(rng: random.Random):
    """``(primary, variant)`` of one generated person, each ``(full name, script,
    language)``: a Tajik given name and surname (a woman's surname in the feminine), a
    patronymic for one person in three, written in one of the corpus generator's systems
    (Tajik or Russian Cyrillic, six romanisations); the variant is the same name in
    another system — in the other script two times in three."""
    from tests.data.make_names_corpus import MEN, SURNAMES, SYSTEMS, WOMEN, _feminine, spell

    latin = [system for system in SYSTEMS if system not in CYRILLIC_SYSTEMS]
    woman = rng.random() < 0.25
    given = rng.choice(WOMEN if woman else MEN)
    surname = rng.choice(SURNAMES)
    if woman:
        surname = _feminine(surname)
    father = rng.choice(MEN) if rng.random() < 1 / 3 else None
    primary = rng.choice(["tj", "tj", "ru", *latin])
    if primary in CYRILLIC_SYSTEMS:
        others = latin
    elif rng.random() < 2 / 3:
        others = list(CYRILLIC_SYSTEMS)
    else:
        others = [system for system in latin if system != primary]

    def written(system: str) -> tuple[str, str, str]:
        name = spell(given, surname, system)
        if father:
            ending = "овна" if woman else "ович"
            name = f"{name} {spell(father + ending, ('', None), system).strip()}"
        script = "cyrillic" if system in CYRILLIC_SYSTEMS else "latin"
        return name, script, {"tj": "tg", "ru": "ru"}.get(system, "")

    first = written(primary)
    # A variant spelt differently (two systems may write a name alike: a person's names
    # are distinct); any other system when none of the preferred ones does.
    rng.shuffle(others)
    rest = [system for system in [*CYRILLIC_SYSTEMS, *latin] if system not in others]
    for system in [*others, *rest]:
        variant = written(system)
        if variant[0] != first[0]:
            return first, variant
    raise AssertionError(f"every system writes {first[0]!r} alike")


def _row_template(model, **values) -> tuple[list[str], list]:
    """The columns of ``model`` and the values of one row as the ORM would write them
    (defaults, ``auto_now``), with ``values`` set: what each COPY row starts from."""
    from django.db import connection

    instance = model(**values)
    fields = model._meta.concrete_fields
    row = [
        field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields
    ]
    return [field.column for field in fields], row


def _fill() -> None:
    """BENCHMARK-ONLY load of the register: ``PERSONS`` persons and two names each, written
    with PostgreSQL's COPY straight into the tables, outside the audited write path (no
    history, no services: this is a load, not a workflow). The tables' secondary indexes
    (the trigram GIN index on ``folded`` among them) and foreign keys are dropped for the
    load and made again afterwards in one pass each, then the planner's statistics are
    gathered, as after a restore."""
    import psycopg.sql as sql
    from django.core.management import call_command
    from django.db import connection, transaction

    from monitor.choices import Confidentiality
    from people.folding import fold_name
    from people.models import Person, PersonName

    call_command("migrate", verbosity=0)
    rng = random.Random(15)  # noqa: S311  (a reproducible register, not a secret)
    folded: dict[str, str] = {}  # a few hundred thousand distinct spellings
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid =
                (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)""",
            [list(TABLES)],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
            FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)""",
            [list(TABLES)],
        )
        foreign_keys = cursor.fetchall()
        for table, name, _definition in foreign_keys:
            cursor.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                    sql.Identifier(table), sql.Identifier(name)
                )
            )
        for name, _definition in indexes:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        person_columns, person_row = _row_template(
            Person, review_state="verified", confidentiality=Confidentiality.INTERNAL
        )
        name_columns, name_row = _row_template(PersonName, person_id=uuid.uuid4())
        person_id = person_columns.index("id")
        where = {column: name_columns.index(column) for column in name_columns}

        def copy(table: str, columns: list[str]):
            return cursor.copy(
                sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
                )
            )

        persons = [uuid.uuid4() for _ in range(PERSONS)]
        with copy("people_person", person_columns) as out:
            for pk in persons:
                person_row[person_id] = pk
                out.write_row(person_row)
        with copy("people_personname", name_columns) as out:
            for pk in persons:
                for is_primary, (full, script, language) in zip(
                    (True, False), _register_names(rng), strict=True
                ):
                    key = folded.get(full)
                    if key is None:
                        key = folded[full] = fold_name(full)
                    name_row[where["id"]] = uuid.uuid4()
                    name_row[where["person_id"]] = pk
                    name_row[where["full_name"]] = full
                    name_row[where["folded"]] = key
                    name_row[where["is_primary"]] = is_primary
                    name_row[where["script"]] = script
                    name_row[where["language"]] = language
                    out.write_row(name_row)
        copied = time.perf_counter() - started
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)
                )
            )
        indexed = time.perf_counter() - started - copied
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))
    print(
        f"register: {PERSONS:,} persons, {2 * PERSONS:,} names loaded in "
        f"{time.perf_counter() - started:.0f} s (COPY {copied:.0f} s, "
        f"{len(indexes)} indexes and {len(foreign_keys)} foreign keys {indexed:.0f} s, "
        f"vacuum and statistics {time.perf_counter() - started - copied - indexed:.0f} s)"
    )


def _persons() -> int | None:
    """How many persons the current database's register holds (None: not migrated)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('people_person')")
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute("SELECT count(*) FROM people_person")
        return cursor.fetchone()[0]


def _is_cyrillic(text: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in text)


def _search() -> None:
    from monitor.choices import Confidentiality, Role
    from people import matching
    from people.models import PersonName
    from tests.factories import UserFactory
    from tests.names_corpus import same_pairs

    user = UserFactory(
        username=f"bench-{uuid.uuid4().hex[:12]}",  # a kept register has users already
        role=Role.COORDINATOR,
        clearance=Confidentiality.STRICT,
    )
    names = PersonName._base_manager.count()
    # Both spellings of every same-person pair: a person is looked up by either.
    queries = list(
        dict.fromkeys(
            text for query, recorded, _person in same_pairs() for text in (query, recorded)
        )
    )
    if QUERIES:
        queries = queries[:QUERIES]
    matching.match_persons(queries[0], user=user)  # warm: the connection, the first plans
    # Every query ROUNDS times, round after round: a busy moment of a shared machine slows
    # one round, not every round of one query. Per query, its best round (what the search
    # costs) and every round (what a user met while measuring).
    rounds: dict[str, list[float]] = {query: [] for query in queries}
    for _round in range(ROUNDS):
        for query in queries:
            started = time.perf_counter()
            matching.match_persons(query, user=user)
            rounds[query].append(time.perf_counter() - started)
    print(
        f"search on {names:,} names ({PERSONS:,} persons), {len(queries)} queries × "
        f"{ROUNDS} rounds (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs):"
    )
    for script in ("Latin", "Cyrillic", "all"):
        chosen = [
            query
            for query in queries
            if script == "all" or (script == "Cyrillic") == _is_cyrillic(query)
        ]
        if not chosen:
            continue
        best = [min(rounds[query]) for query in chosen]
        every = [elapsed for query in chosen for elapsed in rounds[query]]
        print(
            f"  {script + ' queries':<17}{len(chosen):>4}: best of {ROUNDS}: "
            f"{_percentiles(best)}; every round: {_percentiles(every)}"
        )


def _percentiles(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[max(0, math.ceil(len(values) * 0.95) - 1)]
    return (
        f"p50 {statistics.median(values) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {values[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    corpus()
    register()
