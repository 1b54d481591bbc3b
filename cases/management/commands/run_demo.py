"""``manage.py run_demo [ADDRPORT]``: the demo, from a fresh clone to a served page, in one process.

``make run`` calls it. It runs what an operator would run by hand — ``compile_translations``,
``migrate``,
``collectstatic``, ``load_demo``, then ``runserver`` without the reloader — but in one Python
process, so Django starts and runs its system checks once instead of four times: on a 2-core
machine that is several seconds of a fresh clone's first ``make run``.

Once the database is migrated it starts the background-task worker (``db_worker``: scheduled
backups, and the long work to come) as a child process, and stops it when the server stops.
"""

import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Demo mode only: migrate the database, collect the static files, load the demo data "
        "and accounts, then serve the app (runserver, no reloader) — in one process."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "addrport", nargs="?", default="127.0.0.1:8000", help="ipaddr:port to serve on"
        )

    def handle(self, *args, addrport: str, **options):
        if not settings.DEMO:
            raise CommandError("run_demo works in demo mode only (MONITOR_DEMO=1).")
        verbosity = options["verbosity"]
        # The system checks ran once, before handle(): the steps below skip them.
        # The Russian and Tajik catalogs (.po in the repository, .mo built here).
        call_command("compile_translations", verbosity=verbosity, stdout=self.stdout)
        call_command("migrate", interactive=False, verbosity=verbosity, stdout=self.stdout)
        call_command("collectstatic", interactive=False, verbosity=0, stdout=self.stdout)
        call_command("load_demo", verbosity=verbosity, stdout=self.stdout)
        manage = Path(settings.BASE_DIR) / "manage.py"
        # The database queue's worker; RQ's when MONITOR_REDIS_URL puts the queue in Redis.
        if settings.REDIS_URL:
            command = ["rqworker", "--job-class", "django_tasks_rq.Job", "default"]
        else:
            command = ["db_worker", "--no-reload"]
        worker = subprocess.Popen([sys.executable, str(manage), *command])  # noqa: S603
        # Stopped with SIGTERM (a service manager, a test), the server ends like on Ctrl-C, so
        # the worker is stopped with it rather than left behind.
        signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
        try:
            call_command(
                "runserver", addrport, use_reloader=False, skip_checks=True, stdout=self.stdout
            )
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
