"""The benchmark of record: Monitor at the size of a real register, under gunicorn, on PostgreSQL.

    make bench                                  # 1,000 and 100,000 cases, and 1M persons
    make bench BENCH_SIZES=1000 BENCH_NAMES=0   # a quick run

For each size in ``BENCH_SIZES`` it seeds a database of its own (``monitor_bench_<size>`` on
``BENCH_PG``, default ``postgres://postgres@127.0.0.1:5432``; ``BENCH_DB_PREFIX`` renames them
for a second checkout, ``monitor_bench…`` or ``<word>_bench…`` such as ``hperf_bench``;
seeded once and kept, so later runs skip the seeding —
``BENCH_RESEED=1`` drops and seeds again) with ``tests/bench/seed.py`` (benchmark-only SQL,
outside the audited path). Then, with the bench's own URLconf
(``tests/bench/urls.py``: the "hello" baselines beside every product URL):

1. it counts each endpoint's SQL queries in-process (Django's test client);
2. it starts gunicorn with ``BENCH_WORKERS`` (2) sync workers on 127.0.0.1 and requests every
   endpoint in turn, round after round (``BENCH_ROUNDS``, each endpoint for up to
   ``BENCH_SECONDS`` or ``BENCH_REQUESTS`` requests per round over as many keep-alive
   connections as workers), so that a slow moment of the shared machine hits every endpoint
   alike (``BENCH_ONLY=dashboard,hello_anonymous``: those endpoints only, beside
   ``hello_token``, to iterate on one page);
3. it times the CSV export of every case once, in the last round: the first byte, then rows
   per second for up to ``BENCH_EXPORT_SECONDS`` (60), and the gunicorn workers' peak memory
   (``VmHWM``).

``BENCH_NAMES`` (default 1,000,000) persons with two name variants each (Latin and Cyrillic)
go into a database of their own (``monitor_bench_names``) where person search is measured
through the API and the person list. Then ``tests/bench/names_bench.py`` prints the corpus's
recall and false-match rate, and the p50/p95/max of ``people.matching.match_persons`` for the
corpus's Latin and Cyrillic spellings on a register of ``BENCH_NAMES`` persons / twice as
many names generated from the corpus's names and writing systems (loaded with COPY into
``monitor_bench_names_names_bench``, kept like the other databases: ``BENCH_RESEED=1``
loads it again).

``BENCH_IMPORT_ROWS`` (default 10,000; 0 skips it) rows of a Russian spreadsheet are then
imported on SQLite and on a fresh PostgreSQL database (``tests/bench/import_bench.py``:
history, citations and person matching on), reported as rows per second, queries a row and
memory.

It prints a table per size (requests/s min/median/max, p50 latency, ratio to the token hello,
queries, size) and the comparison between sizes, and writes everything to ``BENCH_OUTPUT``
(default ``var/bench/results.json``). Nothing leaves the machine; gunicorn is stopped
whatever happens.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.bench.databases import is_bench_database  # noqa: E402 — needs ROOT on the path

HOST = "127.0.0.1"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "1000,100000").split(",") if size]
NAMES = int(os.environ.get("BENCH_NAMES", "1000000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
OUTPUT = Path(os.environ.get("BENCH_OUTPUT", ROOT / "var" / "bench" / "results.json"))
RESEED = os.environ.get("BENCH_RESEED") == "1"
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
EXPORT_SECONDS = float(os.environ.get("BENCH_EXPORT_SECONDS", "60"))
# ``BENCH_ONLY=dashboard,hello_anonymous``: time these endpoints only (and ``hello_token``, the
# baseline every ratio is to), to iterate on one page; unset, every endpoint.
ONLY = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}
# Databases are named ``<BENCH_DB_PREFIX>_<size>`` (and ``_names``): a second checkout
# benchmarking at the same time on the same server keeps databases of its own.
PREFIX = os.environ.get("BENCH_DB_PREFIX", "monitor_bench")
if not is_bench_database(PREFIX):
    raise SystemExit(
        "BENCH_DB_PREFIX must be monitor_bench… or <word>_bench… (seed.py refuses others)"
    )
SECRET = "bench-only-secret-key-not-for-any-deployment-0123456789"


def environment(database: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MONITOR_", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.bench.settings",
        DATABASE_URL=f"{PG}/{database}",
        MONITOR_SECRET_KEY=SECRET,
        MONITOR_ALLOWED_HOSTS=f"{HOST},testserver",
        MONITOR_LOG_LEVEL="WARNING",
        # Plain HTTP on loopback: no redirect to HTTPS, cookies without Secure.
        MONITOR_SSL_REDIRECT="0",
        MONITOR_HSTS_SECONDS="0",
        MONITOR_SECURE_COOKIES="0",
        # The export of every case is measured as a stream (its memory is the point); in the
        # product an export this large becomes a background job (monitor/export_jobs.py).
        MONITOR_EXPORT_BACKGROUND_ROWS="100000000",
        PYTHONPATH=str(ROOT),
    )
    return env


# -- inside a database's environment (``--prepare``) -----------------------------------------


def prepare(cases: int, names: int) -> None:
    """Migrate, seed once, issue a token and a session, count queries; print JSON."""
    import django

    django.setup()
    import django_otp
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from monitor.models import ApiToken
    from tests.bench import seed

    call_command("migrate", "--noinput", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # served by whitenoise
    started = time.monotonic()
    base = seed.seed(cases, names)
    seeded_in = time.monotonic() - started
    # A register in service is vacuumed and analysed by autovacuum (PostgreSQL's default);
    # the bench's server may run without it, and a bulk-loaded table never vacuumed has no
    # visibility map, so no index-only scan (the review queue's count) and stale statistics
    # (a column a migration just filled). Each run starts from that steady state: quick when
    # nothing changed since the last one.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    user = get_user_model().objects.get(pk=base["user"])
    _, token = ApiToken.issue(user=user, name="bench", days=1)
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    # A session with a verified second factor, as after typing a code (the admin needs one).
    device = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)[0]
    session = client.session
    session[django_otp.DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    session = client.cookies["sessionid"].value
    endpoints = endpoints_for(cases, names)
    queries = {}
    for name, (path, auth) in endpoints.items():
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if auth == "token" else {}
        caller = client if auth == "session" else Client(HTTP_HOST=HOST)
        if name != "case_export_csv":
            caller.get(path, **headers)  # warm: caches, the token's last use
        with CaptureQueriesContext(connection) as captured:
            response = caller.get(path, **headers)
            if hasattr(response, "streaming_content"):
                # A streamed export: the header, then the first chunk of rows (each chunk
                # runs the same queries again).
                stream = iter(response.streaming_content)
                next(stream), next(stream, None)
                response.close()
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
        queries[name] = len(captured.captured_queries)
    print(
        json.dumps(
            {
                "token": token,
                "session": session,
                "endpoints": endpoints,
                "queries": queries,
                "seeded_seconds": round(seeded_in, 1),
            }
        )
    )


def endpoints_for(cases: int, names: int) -> dict[str, tuple[str, str]]:
    """name → (path, how it authenticates: token, session or anonymous)."""
    import uuid
    from hashlib import md5

    def case_id(n: int) -> uuid.UUID:
        return uuid.UUID(md5(f"c{n}".encode()).hexdigest())  # noqa: S324 — the seed's ids

    big, plain = case_id(1), case_id(2)  # case 1 has 500 linked records (seed.py)
    if names:
        return {
            "hello_token": ("/bench/hello/token/", "token"),
            "person_search_latin": ("/api/v1/persons/?name=Djumaev", "token"),
            "person_search_cyrillic": ("/api/v1/persons/?name=" + quote("Джумаев"), "token"),
            "person_page_search": ("/persons/?name=Djumaev", "session"),
        }
    return {
        "hello_token": ("/bench/hello/token/", "token"),
        "hello_anonymous": ("/bench/hello/anonymous/", "anonymous"),
        "api_me": ("/api/v1/me/", "token"),
        "api_case_list": ("/api/v1/cases/?page_size=50", "token"),
        "api_case_detail": (f"/api/v1/cases/{plain}/", "token"),
        "api_big_case": (f"/api/v1/cases/{big}/", "token"),
        "person_search_latin": ("/api/v1/persons/?name=Djumaev", "token"),
        "person_search_cyrillic": ("/api/v1/persons/?name=" + quote("Джумаев"), "token"),
        "admin_review_queue": ("/admin/monitor/reviewdecision/queue/", "session"),
        "dashboard": ("/", "session"),
        "case_list_page3": ("/cases/?page=3", "session"),
        "case_detail": (f"/cases/{plain}/", "session"),
        "big_case_page": (f"/cases/{big}/", "session"),
        "case_export_csv": ("/cases/export.csv", "session"),
    }


# -- the parent: databases, gunicorn, the measurement ----------------------------------------


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return row.fetchone() is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def headers_for(auth: str, setup: dict) -> dict[str, str]:
    headers = {"Host": HOST}
    if auth == "token":
        headers["Authorization"] = f"Bearer {setup['token']}"
    elif auth == "session":
        headers["Cookie"] = f"sessionid={setup['session']}"
    return headers


def measure(port: int, path: str, headers: dict[str, str]) -> dict:
    """Requests over WORKERS keep-alive connections, bounded by SECONDS and REQUESTS."""
    deadline = time.monotonic() + SECONDS
    lock = threading.Lock()
    latencies: list[float] = []
    sizes: list[int] = []
    errors: list[str] = []
    made = [0]

    def client() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=600)
        try:
            while True:
                with lock:
                    # At least one request per connection, however slow the endpoint.
                    if made[0] >= REQUESTS or (made[0] >= WORKERS and time.monotonic() > deadline):
                        return
                    made[0] += 1
                started = time.monotonic()
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                elapsed = time.monotonic() - started
                if response.status != 200:
                    errors.append(f"{response.status} {body[:200]!r}")
                    return
                with lock:
                    latencies.append(elapsed)
                    sizes.append(len(body))
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    if errors:
        raise RuntimeError(f"{path}: {errors[0]}")
    return {"rate": len(latencies) / wall, "latencies": latencies, "bytes": max(sizes)}


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def peak_rss_mb(pids: list[int]) -> float:
    peak = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return peak / 1024


def measure_export(port: int, path: str, headers: dict[str, str], master: int) -> dict:
    """The first byte, then the stream for at most ``EXPORT_SECONDS`` (a 100k-case export
    takes minutes on a loaded machine): bytes and rows per second, and the workers' peak
    memory. ``complete`` says whether the whole file arrived."""
    connection = http.client.HTTPConnection(HOST, port, timeout=3600)
    started = time.monotonic()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    first = response.read(1)
    first_byte = time.monotonic() - started
    size, lines, complete = len(first), first.count(b"\n"), False
    while time.monotonic() - started < EXPORT_SECONDS:
        chunk = response.read1(1 << 16)
        if not chunk:
            complete = True
            break
        size += len(chunk)
        lines += chunk.count(b"\n")
    total = time.monotonic() - started
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: {response.status}")
    return {
        "first_byte": first_byte,
        "total": total,
        "bytes": size,
        "rows": max(lines - 1, 0),
        "complete": complete,
        "peak_rss_mb": peak_rss_mb(worker_pids(master)),
    }


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited before serving")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/bench/hello/anonymous/", headers={"Host": HOST})
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer in time")


def run_database(database: str, cases: int, names: int) -> dict:
    if RESEED and database_exists(database):
        admin_sql(f'DROP DATABASE "{database}"')
    if not database_exists(database):
        admin_sql(f'CREATE DATABASE "{database}"')
    env = environment(database)
    python = sys.executable
    print(f"[{database}] migrating and seeding ({cases} cases, {names} extra persons)…")
    prepared = subprocess.run(  # noqa: S603 — our interpreter, fixed arguments
        [python, __file__, "--prepare", str(cases), str(names)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if prepared.returncode:
        sys.stderr.write(prepared.stderr[-5000:])
        raise SystemExit(f"Preparing {database} failed (above).")
    setup = json.loads(prepared.stdout.strip().splitlines()[-1])
    if ONLY:
        setup["endpoints"] = {
            name: endpoint
            for name, endpoint in setup["endpoints"].items()
            if name in ONLY or name == "hello_token"
        }
    port = free_port()
    gunicorn = Path(python).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603
        [
            str(gunicorn),
            "config.wsgi:application",
            *("--bind", f"{HOST}:{port}", "--workers", str(WORKERS), "--worker-class", "sync"),
            *("--log-level", "warning", "--timeout", "600"),
        ],
        cwd=ROOT,
        env=env,
    )
    samples: dict[str, list[dict]] = {name: [] for name in setup["endpoints"]}
    try:
        wait_until_up(port, process)
        for name, (path, auth) in setup["endpoints"].items():  # warm every worker
            if name != "case_export_csv":
                measure(port, path, headers_for(auth, setup))
        for round_number in range(ROUNDS):
            print(f"[{database}] round {round_number + 1}/{ROUNDS}")
            for name, (path, auth) in setup["endpoints"].items():
                headers = headers_for(auth, setup)
                if name == "case_export_csv":
                    if round_number == ROUNDS - 1:  # once: it is long, and memory is the point
                        samples[name].append(measure_export(port, path, headers, process.pid))
                else:
                    samples[name].append(measure(port, path, headers))
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    return summarise(setup, samples) | {
        "seeded_seconds": setup["seeded_seconds"],
        # The machine's load while measuring (1-minute average at the end): on a shared
        # machine, the ratios to the hello baselines are what compare between runs.
        "load_average": round(os.getloadavg()[0], 1),
    }


def summarise(setup: dict, samples: dict[str, list[dict]]) -> dict:
    results = {}
    for name, runs in samples.items():
        path = setup["endpoints"][name][0]
        if name == "case_export_csv":
            run = runs[-1]
            results[name] = {
                "path": path,
                "queries_per_chunk": setup["queries"][name],
                "first_byte_s": round(run["first_byte"], 3),
                "seconds": round(run["total"], 1),
                "rows": run["rows"],
                "rows_per_s": round(run["rows"] / max(run["total"], 0.001), 1),
                "complete": run["complete"],
                "bytes": run["bytes"],
                "peak_rss_mb": round(run["peak_rss_mb"]),
            }
            continue
        rates = [run["rate"] for run in runs]
        latencies = sorted(latency for run in runs for latency in run["latencies"])
        results[name] = {
            "path": path,
            "queries": setup["queries"][name],
            "rate_min": round(min(rates), 1),
            "rate_median": round(statistics.median(rates), 1),
            "rate_max": round(max(rates), 1),
            "p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
            "p95_ms": round(
                1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))], 1
            ),
            "requests": len(latencies),
            "bytes": max(run["bytes"] for run in runs),
        }
    hello = results["hello_token"]["rate_median"]
    for result in results.values():
        if "rate_median" in result:
            result["of_hello_token"] = round(result["rate_median"] / hello, 3)
    return results


def print_table(title: str, results: dict) -> None:
    print(f"\n{title}")
    print(
        f"{'endpoint':<26}{'req/s min':>10}{'median':>9}{'max':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'× hello':>9}{'queries':>9}{'KiB':>9}"
    )
    for name, r in results.items():
        if name in ("seeded_seconds", "load_average"):
            continue
        if "rate_median" not in r:
            print(
                f"{name:<26} first byte {r['first_byte_s']:.2f} s; {r['rows']} rows "
                f"({r['bytes'] / 2**20:.1f} MiB) in {r['seconds']:.0f} s = {r['rows_per_s']:.0f} "
                f"rows/s{'' if r['complete'] else ' (stopped: not the whole file)'}; peak "
                f"worker RSS {r['peak_rss_mb']} MB; {r['queries_per_chunk']} queries per chunk"
            )
            continue
        print(
            f"{name:<26}{r['rate_min']:>10.1f}{r['rate_median']:>9.1f}{r['rate_max']:>9.1f}"
            f"{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['of_hello_token']:>9.3f}"
            f"{r['queries']:>9}{r['bytes'] / 1024:>9.1f}"
        )


def print_comparison(small: int, large: int, results: dict) -> None:
    a, b = results[str(small)], results[str(large)]
    print(f"\n{large} vs {small} cases (p50 ratio; queries)")
    for name, r in b.items():
        if name in ("seeded_seconds", "load_average") or name not in a:
            continue
        if "p50_ms" in r:
            ratio = r["p50_ms"] / max(a[name]["p50_ms"], 0.001)
            print(f"{name:<26}{ratio:>8.2f}×   {a[name]['queries']} → {r['queries']}")
        else:
            ratio = r["first_byte_s"] / max(a[name]["first_byte_s"], 0.001)
            print(
                f"{name:<26}{ratio:>8.2f}×   first byte; rows/s {a[name]['rows_per_s']} → "
                f"{r['rows_per_s']}"
            )


def names_recall(database: str) -> str | None:
    """The name matcher's benchmark (corpus recall, then search p50/p95 on a register of
    ``BENCH_NAMES`` persons in ``<database>_names_bench``, kept for the next run)."""
    script = ROOT / "tests" / "bench" / "names_bench.py"
    if not script.exists():
        return None
    env = environment(database) | {
        "BENCH_NAMES": str(NAMES),
        "BENCH_KEEP": "1",
        **({} if RESEED else {"BENCH_REUSE": "1"}),
    }
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return done.stdout + done.stderr


def main() -> int:
    results: dict = {
        "workers": WORKERS,
        "rounds": ROUNDS,
        "cpus": os.cpu_count(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    for size in SIZES:
        results[str(size)] = run_database(f"{PREFIX}_{size}", size, 0)
        print_table(
            f"{size} cases ({WORKERS} gunicorn sync workers; load average "
            f"{results[str(size)]['load_average']} on {os.cpu_count()} CPUs)",
            results[str(size)],
        )
    if NAMES:
        results["names"] = run_database(f"{PREFIX}_names", 1000, NAMES)
        print_table(f"person search: {NAMES} persons, {2 * NAMES} names", results["names"])
        recall = names_recall(f"{PREFIX}_names")
        if recall is not None:
            results["names_recall"] = recall
            print(recall)
    if len(SIZES) > 1:
        print_comparison(SIZES[0], SIZES[-1], results)
    if IMPORT_ROWS:
        sys.path.insert(0, str(ROOT))
        from tests.bench import import_bench

        results["import"] = import_bench.measure(IMPORT_ROWS, f"{PG}/postgres")
        print(f"\nImport of a {IMPORT_ROWS}-row spreadsheet (target {import_bench.TARGET} rows/s):")
        for data in results["import"]:
            print(import_bench.describe(data))
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nJSON: {OUTPUT}")
    return 0


if __name__ == "__main__":
    if "--prepare" in sys.argv:
        sys.path.insert(0, str(ROOT))
        index = sys.argv.index("--prepare")
        prepare(int(sys.argv[index + 1]), int(sys.argv[index + 2]))
    else:
        sys.exit(main())
