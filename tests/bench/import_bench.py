"""Benchmark of an import: 10,000 rows of a Russian spreadsheet, rows per second and memory.

    .venv/bin/python tests/bench/import_bench.py                 # SQLite (a throwaway file)
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python tests/bench/import_bench.py             # and PostgreSQL
    BENCH_ROWS=2000 .venv/bin/python tests/bench/import_bench.py
    BENCH_OUTCOMES=/tmp/rows .venv/bin/python tests/bench/import_bench.py  # /tmp/rows.SQLite …

``BENCH_QUERY_KINDS=1`` prints the queries a row by kind and the time a row waits on them,
``BENCH_TRACE=<kind>`` where those of one kind come from, ``BENCH_PROFILE=<file>`` writes a
cProfile of the run (wall time; of CPU time with ``BENCH_PROFILE_CPU=1``), ``BENCH_OUTCOMES``
each row's outcome per database (``<prefix>.SQLite``, ``<prefix>.PostgreSQL``: ``diff`` them),
``BENCH_NAMES_READ_AT_ONCE=0`` has PostgreSQL search each chunk's names through its trigram
index, as above ``MONITOR_NAMES_READ_AT_ONCE`` visible names (a large register).

For each database it migrates a fresh one (SQLite in a temporary folder; on PostgreSQL a
new database ``monitor_import_bench_<pid>`` created beside the one named, dropped at the
end), makes a monitor in a team with the terms and places the rows name, writes a CSV of
``BENCH_ROWS`` rows (Cyrillic names, one in ten an existing person spelt in Latin letters,
dates in mixed forms),
uploads it, and runs the import in-process exactly as the worker does — history,
citations and person matching on. It prints rows per second, database queries per row and
the resident memory sampled during the run (first tenth, middle, end): streamed, it stays
flat.
Nothing leaves the machine.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROWS = int(os.environ.get("BENCH_ROWS", "10000"))
TARGET = 100  # rows per second (issue 21)


def environment(data_dir: Path, database_url: str = "") -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MONITOR_", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        MONITOR_SECRET_KEY="bench-only-secret-key-not-for-any-deployment-0123456789",
        MONITOR_DATA_DIR=str(data_dir),
        MONITOR_LOG_LEVEL="WARNING",
        # A throwaway key: the uploaded file is encrypted at rest like any evidence.
        MONITOR_EVIDENCE_KEY=base64.b64encode(os.urandom(32)).decode(),
        PYTHONPATH=str(ROOT),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    if os.environ.get("BENCH_NAMES_READ_AT_ONCE"):  # 0: PostgreSQL's trigram search a chunk
        env["MONITOR_NAMES_READ_AT_ONCE"] = os.environ["BENCH_NAMES_READ_AT_ONCE"]
    return env


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def query_kind(sql: str) -> str:
    """A query's verb and first table (``SELECT cases_case``): what the per-row cost is made of."""
    import re

    verb = sql.split(None, 1)[0].upper() if sql.strip() else "?"
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql, re.IGNORECASE)
    return f"{verb} {table[1] if table else ''}"


def spreadsheet(path: Path, rows: int) -> None:
    import csv

    from imports.tests.conftest import person_name

    dates = ["12.05.2023", "май 2023", "2022", "2023-06-01", "3 июня 2023"]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["ФИО", "Год рождения", "Дата задержания", "Город", "СИЗО", "Статья"])
        for n in range(rows):
            # One row in ten names the person recorded before, spelt in Latin letters.
            name = "Shoishirinov Nazhmiddin" if n % 10 == 0 else person_name(n)
            writer.writerow([name, 1970 + n % 40, dates[n % 5], "Хорог", "СИЗО №1", "307"])


def run() -> None:
    """Inside the throwaway environment: set up, import, print one JSON line."""
    import threading
    import time

    import django

    django.setup()
    from django.core.files import File
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import Group

    from imports import services
    from monitor.choices import Confidentiality, Role, Vocabulary
    from monitor.models import Place, Team, Term, User
    from people.services import person_create_named

    team = Team.objects.create(name="Bench team")
    user = User.objects.create(username="bench", clearance=Confidentiality.CONFIDENTIAL)
    user.groups.add(Group.objects.get(name=Role.MONITOR))
    team.members.add(user)
    user = User.objects.get(pk=user.pk)
    Place.objects.create(name="Хорог", kind="settlement")
    Term.objects.create(vocabulary=Vocabulary.FACILITY, code="sizo-1", label="СИЗО №1")
    Term.objects.create(vocabulary=Vocabulary.CRIMINAL_ARTICLE, code="ck-307", label="307")
    person_create_named(
        actor=user, full_name="Шоиширинов Нажмиддин", team=team,
        confidentiality=Confidentiality.CONFIDENTIAL,
    )  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="import-bench-sheet-"))
    try:
        path = folder / "bench.csv"
        spreadsheet(path, ROWS)
        with open(path, "rb") as handle:
            job = services.import_upload(actor=user, uploaded_file=File(handle, name="bench.csv"),
                                         team=team)  # fmt: skip
        services.import_map(job=job, actor=user, mapping={
            "person_name": "ФИО", "birth_year": "Год рождения", "arrest_date": "Дата задержания",
            "place": "Город", "facility": "СИЗО", "articles": "Статья"})  # fmt: skip
        job.status = "queued"
        job.save(update_fields=["status"])
        samples: list[tuple[int, float]] = []
        done = threading.Event()

        def sample():
            from django.db import connection

            from imports.models import ImportJob

            while not done.wait(0.5):
                rows = ImportJob.objects.values_list("rows_done", flat=True).get(pk=job.pk)
                samples.append((rows, rss_mb()))
            connection.close()

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        queries = [0]
        kinds: dict[str, int] = {}
        spent: dict[str, float] = {}  # seconds waited on the database, by kind
        by_kind = bool(os.environ.get("BENCH_QUERY_KINDS"))

        trace = os.environ.get("BENCH_TRACE", "")  # a query kind: where its queries come from
        traced: dict[str, int] = {}

        def count(execute, sql, params, many, context):
            queries[0] += 1
            if by_kind:
                kinds[query_kind(sql)] = kinds.get(query_kind(sql), 0) + 1
                began = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    spent[query_kind(sql)] = (
                        spent.get(query_kind(sql), 0.0) + time.perf_counter() - began
                    )
            if trace and query_kind(sql) == trace:
                import traceback

                frames = [f"{Path(f.filename).name}:{f.lineno} {f.name}"
                          for f in traceback.extract_stack()[:-1]
                          if str(ROOT) in f.filename and ".venv" not in f.filename
                          and "import_bench" not in f.filename][-4:]  # fmt: skip
                where = " < ".join(reversed(frames))
                traced[where] = traced.get(where, 0) + 1
            return execute(sql, params, many, context)

        from django.db import connection

        profile_to = os.environ.get("BENCH_PROFILE")
        profiler = None
        if profile_to:
            import cProfile

            cpu_only = bool(os.environ.get("BENCH_PROFILE_CPU"))
            profiler = cProfile.Profile(time.process_time) if cpu_only else cProfile.Profile()
        # Time in the cyclic garbage collector (CPU), reported beside the total.
        import gc

        collecting = {"since": 0.0, "total": 0.0}

        def collector(phase, info):
            if phase == "start":
                collecting["since"] = time.process_time()
            else:
                collecting["total"] += time.process_time() - collecting["since"]

        gc.callbacks.append(collector)
        started, cpu_started = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(count):
            if profiler:
                profiler.enable()
            services.import_run(job_id=job.pk)
            if profiler:
                profiler.disable()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        gc.callbacks.remove(collector)
        if profiler:
            profiler.dump_stats(profile_to)
        for where, n in sorted(traced.items(), key=lambda item: -item[1]):
            print(f"{n / ROWS:8.2f} {where}", file=sys.stderr)
        if by_kind:
            for kind, n in sorted(kinds.items(), key=lambda item: -spent[item[0]])[:60]:
                milliseconds = 1000 * spent[kind] / ROWS
                print(f"{n / ROWS:8.2f} {milliseconds:8.2f} ms {kind}", file=sys.stderr)
        done.set()
        sampler.join()
        job.refresh_from_db()
        counts = services.outcome_counts(job)
        outcomes_to = os.environ.get("BENCH_OUTCOMES")  # a file: each row's outcome, to compare
        if outcomes_to:
            with open(outcomes_to, "w", encoding="utf-8") as handle:
                for number, outcome, error, cells in job.rows.order_by("number").values_list(
                    "number", "outcome", "error", "cells"
                ):
                    handle.write(f"{number}\t{outcome}\t{cells[0]}\t{error}\n")
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    def at(fraction: float) -> float:
        wanted = [mb for rows, mb in samples if rows >= ROWS * fraction]
        return round(wanted[0] if wanted else rss_mb(), 1)

    print(json.dumps({
        "rows": ROWS, "seconds": round(elapsed, 1), "rows_per_second": round(ROWS / elapsed, 1),
        "rows_per_cpu_second": round(ROWS / cpu, 1),
        "collector_share": round(collecting["total"] / cpu, 3),
        "created": counts["created"], "failed": counts["failed"],
        "skipped": counts["skipped"], "queries_per_row": round(queries[0] / ROWS, 1),
        "rss_mb": {"10%": at(0.1), "50%": at(0.5), "100%": round(rss_mb(), 1)},
    }))  # fmt: skip


def postgres_database(url: str) -> tuple[str, callable]:
    """A fresh database beside the one ``url`` names, and how to drop it."""
    import psycopg

    name = f"{os.environ.get('BENCH_IMPORT_DB_PREFIX', 'monitor_import_bench')}_{os.getpid()}"
    base = url.rsplit("/", 1)[0]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop


def measure(rows: int = ROWS, database_url: str = "") -> list[dict]:
    """Import ``rows`` rows on SQLite and, given a PostgreSQL URL, on a fresh database beside
    it: one result per database (``{"database", "rows_per_second", …}`` or ``"error"``)."""
    targets = [("SQLite", "")]
    if database_url:
        targets.append(("PostgreSQL", database_url))
    results = []
    for label, url in targets:
        data_dir = Path(tempfile.mkdtemp(prefix="import-bench-"))
        drop = None
        try:
            if url:
                url, drop = postgres_database(url)
            result = subprocess.run(  # noqa: S603 - this very script, in a throwaway environment
                [sys.executable, __file__, "--run"],
                env=environment(data_dir, url) | {"BENCH_ROWS": str(rows)} | outcomes(label),
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=6 * 3600,
                check=False,
            )
        finally:
            if drop:
                drop()
            shutil.rmtree(data_dir, ignore_errors=True)
        if result.returncode != 0:
            results.append({"database": label, "error": f"{result.stdout}\n{result.stderr}"})
            continue
        if os.environ.get("BENCH_QUERY_KINDS") or os.environ.get("BENCH_TRACE"):
            print(f"{label}: queries a row, by kind\n{result.stderr}")
        data = json.loads(result.stdout.strip().splitlines()[-1])
        results.append({"database": label, **data})
    return results


def outcomes(label: str) -> dict[str, str]:
    """Where the run of ``label``'s database writes each row's outcome (``BENCH_OUTCOMES``)."""
    prefix = os.environ.get("BENCH_OUTCOMES")
    return {"BENCH_OUTCOMES": f"{prefix}.{label}"} if prefix else {}


def describe(data: dict) -> str:
    if "error" in data:
        return f"{data['database']}: failed\n{data['error']}"
    verdict = "ok" if data["rows_per_second"] >= TARGET else f"below the {TARGET} rows/s target"
    return (
        f"{data['database']}: {data['rows']} rows in {data['seconds']} s = "
        f"{data['rows_per_second']} rows/s ({verdict}; {data['rows_per_cpu_second']} rows a "
        f"CPU second of this process, {round(100 * data.get('collector_share', 0))} % of that CPU "
        f"in the garbage collector), {data['queries_per_row']} queries a row; created "
        f"{data['created']}, skipped {data['skipped']}, failed {data['failed']}; "
        f"memory {data['rss_mb']['10%']} / {data['rss_mb']['50%']} / "
        f"{data['rss_mb']['100%']} MB at 10% / 50% / 100%"
    )


def main() -> int:
    if "--run" in sys.argv:
        run()
        return 0
    results = measure(ROWS, os.environ.get("BENCH_DATABASE_URL", ""))
    for data in results:
        print(describe(data), file=sys.stderr if "error" in data else sys.stdout)
    return 1 if any("error" in data for data in results) else 0


if __name__ == "__main__":
    sys.exit(main())
