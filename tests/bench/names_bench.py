"""Benchmark of the name matcher: recall and false-match rate on the corpus, and the p95 of a
search on a large generated register in PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/monitor_names_bench \\
        .venv/bin/python tests/bench/names_bench.py
    BENCH_NAMES=1000000 BENCH_QUERIES=200 … (the defaults: 1,000,000 names, 200 queries)
    BENCH_KEEP=1 …   keep the register's database; BENCH_REUSE=1 … search it again

1. **Corpus** (``tests/data/names_*.csv``, see ``tests/names_corpus.py``): recall (the right
   person in the first five, as a sure match) and the false-match rate (a different person
   with a close name in the first five as a sure match). Pure Python: the same scorer the
   database's candidates go through.
2. **Register** (PostgreSQL only; skipped on SQLite, which has no trigram index): a throwaway
   database ``<name>_names_bench`` is created next to ``DATABASE_URL``'s, migrated, and
   filled with ``BENCH_NAMES`` generated names (Tajik given names × surnames × spellings,
   one person each, inserted with COPY-speed bulk inserts, no history: this is a load, not
   a workflow), then the corpus's queries run through ``people.matching.match_persons`` as a
   coordinator; it prints p50/p95/max. The database is dropped at the end, whatever happens.
   Nothing leaves the machine.
"""

from __future__ import annotations

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

NAMES = int(os.environ.get("BENCH_NAMES", "1000000"))
QUERIES = int(os.environ.get("BENCH_QUERIES", "200"))
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
        reuse = REUSE and cursor.fetchone() is not None
        if not reuse:
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


def _fill() -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from monitor.choices import Confidentiality
    from people.folding import fold_name
    from people.models import Person, PersonName
    from tests.data.make_names_corpus import MEN, SURNAMES, SYSTEMS, WOMEN, spell

    call_command("migrate", verbosity=0)
    rng = random.Random(15)  # noqa: S311  (a reproducible register, not a secret)
    systems = ["tj", *SYSTEMS]
    started = time.perf_counter()
    batch = 20000
    made = 0
    while made < NAMES:
        persons, names = [], []
        for _ in range(min(batch, NAMES - made)):
            given = rng.choice(MEN + WOMEN)
            surname = rng.choice(SURNAMES)
            full = f"{spell(given, surname, rng.choice(systems))} {made}"
            person = Person(id=uuid.uuid4(), confidentiality=Confidentiality.INTERNAL)
            persons.append(person)
            names.append(
                PersonName(
                    id=uuid.uuid4(),
                    person=person,
                    full_name=full,
                    folded=fold_name(full),
                    is_primary=True,
                )
            )
            made += 1
        with transaction.atomic():
            # The base managers: the audited ones refuse bulk writes (they skip history).
            Person._base_manager.bulk_create(persons)
            PersonName._base_manager.bulk_create(names)
    with connection.cursor() as cursor:
        # What autovacuum does after a load: the planner's statistics of both tables.
        cursor.execute("ANALYZE people_person")
        cursor.execute("ANALYZE people_personname")
    print(f"register: {NAMES:,} names loaded in {time.perf_counter() - started:.0f} s")


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
    queries = [query for query, _recorded, _person in same_pairs()][:QUERIES]
    timings = []
    for query in queries:
        started = time.perf_counter()
        matching.match_persons(query, user=user)
        timings.append(time.perf_counter() - started)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"search on {names:,} names, {len(timings)} queries: "
        f"p50 {statistics.median(timings) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {timings[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    corpus()
    register()
