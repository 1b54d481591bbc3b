"""Benchmark of the REST API under gunicorn, on loopback, with a throwaway SQLite database.

    make bench                       # or: .venv/bin/python tests/bench/api_bench.py
    BENCH_CASES=200 BENCH_SECONDS=8 BENCH_WORKERS=2 make bench

It migrates a fresh database in a temporary folder, loads ``BENCH_CASES`` cases (each with a
victim and a protected witness, an allegation, a detention with two steps, an event and a
place), issues an API token, counts the SQL queries each endpoint runs (in-process, through
Django's test client), then starts gunicorn on 127.0.0.1 and measures requests per second
for:

* the case list, 50 per page, with nested allegations, detentions and persons;
* one case's detail;
* ``/api/v1/me/``, a minimal DRF endpoint: the ratios to it show what the case endpoints
  cost beyond the framework itself.

Every loop is bounded (a number of requests and a number of seconds); gunicorn is stopped
and the folder removed at the end, whatever happens. Nothing leaves the machine.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
CASES = int(os.environ.get("BENCH_CASES", "200"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "5000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", str(WORKERS)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def environment(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MONITOR_", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        MONITOR_SECRET_KEY="bench-only-secret-key-not-for-any-deployment-0123456789",
        MONITOR_DATA_DIR=str(data_dir),
        MONITOR_ALLOWED_HOSTS=HOST,
        MONITOR_LOG_LEVEL="WARNING",
        # Plain HTTP on loopback: no redirect to HTTPS (production's default).
        MONITOR_SSL_REDIRECT="0",
        MONITOR_HSTS_SECONDS="0",
        PYTHONPATH=str(ROOT),
    )
    return env


# -- run inside the throwaway environment (``--load``) -------------------------------------


def load() -> None:
    """Load the data, issue a token, count queries; print a JSON line for the parent."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cases.choices import CasePersonRole, StepKind
    from monitor.choices import Role, Vocabulary
    from monitor.models import ApiToken
    from tests.factories import (
        AllegationFactory,
        CaseFactory,
        CasePersonFactory,
        DetentionFactory,
        DetentionStepFactory,
        EventFactory,
        PersonFactory,
        PlaceFactory,
        TeamFactory,
        TermFactory,
        UserFactory,
    )

    team = TeamFactory(name="Bench team")
    user = UserFactory(username="bench", role=Role.MONITOR, clearance=30, teams=[team])
    violation = TermFactory(vocabulary=Vocabulary.VIOLATION_TYPE, label="Arbitrary detention")
    place = PlaceFactory(name="Khorog")
    event = EventFactory(title="GBAO 2022", team=team)
    started = time.monotonic()
    first = None
    for index in range(CASES):
        case = CaseFactory(reference=f"TJK-2022-{index:04d}", team=team)
        case.events.add(event)
        case.places.add(place)
        victim = PersonFactory(team=team)
        witness = PersonFactory(team=team, is_protected=True)
        CasePersonFactory(case=case, person=victim, role=CasePersonRole.VICTIM)
        CasePersonFactory(case=case, person=witness, role=CasePersonRole.WITNESS)
        AllegationFactory(case=case, victim=victim, violation_type=violation, date="2022-05")
        detention = DetentionFactory(case=case, person=victim)
        DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED, date="2022-05-18")
        DetentionStepFactory(detention=detention, sentenced=True, date="2022-12")
        first = first or case
    loaded = time.monotonic() - started
    _, secret = ApiToken.issue(user=user, name="bench", days=1)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST=HOST)
    paths = {
        "case_list": "/api/v1/cases/?page_size=50",
        "case_detail": f"/api/v1/cases/{first.pk}/",
        "me": "/api/v1/me/",
    }
    queries = {}
    for name, path in paths.items():
        client.get(path)  # warm: the token's last use, caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        queries[name] = len(captured.captured_queries)
    print(json.dumps({"token": secret, "paths": paths, "queries": queries, "load_seconds": loaded}))


# -- the parent: gunicorn and the measurement ------------------------------------------------


def measure(port: int, path: str, token: str) -> tuple[float, int, float]:
    """Requests per second over ``CLIENTS`` keep-alive connections, bounded in time and count.

    Returns (requests per second, requests made, mean response bytes).
    """
    deadline = time.monotonic() + SECONDS
    lock = threading.Lock()
    counts = {"requests": 0, "bytes": 0}
    errors: list[str] = []

    def worker() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        headers = {"Authorization": f"Bearer {token}", "Host": HOST}
        try:
            while time.monotonic() < deadline:
                with lock:
                    if counts["requests"] >= MAX_REQUESTS:
                        return
                    counts["requests"] += 1
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                if response.status != 200:
                    errors.append(f"{response.status} {body[:200]!r}")
                    return
                with lock:
                    counts["bytes"] += len(body)
        finally:
            connection.close()

    for _ in range(3):  # warm each worker
        warm = http.client.HTTPConnection(HOST, port, timeout=30)
        warm.request("GET", path, headers={"Authorization": f"Bearer {token}", "Host": HOST})
        warm.getresponse().read()
        warm.close()
    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if errors:
        raise RuntimeError(f"{path}: {errors[0]}")
    made = counts["requests"]
    return made / elapsed, made, counts["bytes"] / max(made, 1)


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited before serving")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/accounts/login/", headers={"Host": HOST})
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def main() -> int:
    python = sys.executable
    data_dir = Path(tempfile.mkdtemp(prefix="monitor-bench-"))
    env = environment(data_dir)
    process = None
    try:
        # Our own interpreter and gunicorn, with fixed arguments: nothing untrusted runs.
        subprocess.run(  # noqa: S603
            [python, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        loaded = subprocess.run(  # noqa: S603
            [python, __file__, "--load"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if loaded.returncode:
            sys.stderr.write(loaded.stderr)
            raise SystemExit("Loading the benchmark data failed (above).")
        setup = json.loads(loaded.stdout.strip().splitlines()[-1])
        port = free_port()
        gunicorn = Path(python).with_name("gunicorn")
        process = subprocess.Popen(  # noqa: S603
            [
                str(gunicorn),
                "config.wsgi:application",
                "--bind",
                f"{HOST}:{port}",
                "--workers",
                str(WORKERS),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_until_up(port, process)
        results = {}
        for name, path in setup["paths"].items():
            results[name] = measure(port, path, setup["token"])
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(data_dir, ignore_errors=True)

    baseline = results["me"][0]
    print(
        f"Monitor API benchmark: {CASES} cases loaded in {setup['load_seconds']:.0f} s; "
        f"gunicorn, {WORKERS} workers, {CLIENTS} keep-alive clients, {SECONDS:.0f} s per endpoint"
    )
    print(f"{'endpoint':<34}{'req/s':>9}{'× /me/':>9}{'queries':>9}{'requests':>10}{'KiB':>8}")
    labels = {
        "case_list": "case list (50, nested)",
        "case_detail": "case detail",
        "me": "/api/v1/me/ (minimal DRF)",
    }
    for name, (rate, made, size) in results.items():
        print(
            f"{labels[name]:<34}{rate:>9.1f}{rate / baseline:>9.2f}"
            f"{setup['queries'][name]:>9}{made:>10}{size / 1024:>8.1f}"
        )
    return 0


if __name__ == "__main__":
    if "--load" in sys.argv:
        sys.path.insert(0, str(ROOT))
        load()
    else:
        sys.exit(main())
