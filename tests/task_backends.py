"""Running background tasks in tests on both django-tasks backends, with real workers.

``task_backend`` is parametrised: ``database`` (django-tasks-db, the embedded default, its
``db_worker`` in batch mode) and ``rq`` (django-tasks-rq on the Redis at
``MONITOR_TEST_REDIS_URL``, redis://127.0.0.1:6379 unless set; an RQ worker in burst
mode). Each pytest-xdist worker has its own Redis database (gw0 database 10, gw1 11, … up
to 15): the fixture empties its database before and after each test, and a shared one would
let one worker flush the jobs of a test running in the other, or run them.
Each backend gives ``run_worker()``: run every queued task to the end, as a worker process
would, here in the test's process. Nothing is mocked: the tasks are enqueued through the
django-tasks API and picked up by the backend's own worker.

Tests that use it are ``django_db(transaction=True, serialized_rollback=True)``: the
database worker manages its own connection and transactions, as it does in production (and
the role groups of the data migrations are restored after each test).

Import it into a test module: ``from tests.task_backends import task_backend  # noqa: F401``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.management import call_command

REDIS_URL = os.environ.get("MONITOR_TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
FIRST_DATABASE = 10
LAST_DATABASE = 15  # Redis has 16 databases unless configured otherwise


def redis_url_of_this_worker() -> str:
    """The Redis database of this pytest-xdist worker (``gwN``), or of a run without xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    database = FIRST_DATABASE + int(worker.removeprefix("gw"))
    if database > LAST_DATABASE:
        pytest.fail(
            f"The RQ tests give each xdist worker its own Redis database ({FIRST_DATABASE}"
            f"–{LAST_DATABASE}); worker {worker} has none. Run with at most "
            f"{LAST_DATABASE - FIRST_DATABASE + 1} workers."
        )
    return f"{REDIS_URL}/{database}"


@dataclass
class Backend:
    name: str
    run_worker: Callable[[], None]


def _run_db_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.fixture(params=["database", "rq"])
def task_backend(request, settings):
    if request.param == "database":
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        yield Backend("database", _run_db_worker)
        return

    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    settings.RQ_QUEUES = {"default": {"URL": redis_url_of_this_worker()}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default", job_class=Job)
    # A real Redis is part of the test: an unreachable one fails it (never skipped).
    queue.connection.ping()
    queue.connection.flushdb()

    class BurstWorker(SimpleWorker):
        """RQ's own worker, without its command channel (a pub/sub thread for "stop" and
        "kill" sent by ``rq`` commands, which a burst run in a test never gets): stopping
        that thread waited up to its 60-second poll, a minute lost per test session."""

        def subscribe(self) -> None:
            pass

    def run_worker() -> None:
        worker = BurstWorker([queue], connection=queue.connection, job_class=Job)
        worker.work(burst=True)

    yield Backend("rq", run_worker)
    queue.connection.flushdb()
