"""``make run``'s one command, ``manage.py run_demo``: an empty data folder to a served page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parent.parent


def test_refused_outside_demo_mode(settings):
    settings.DEMO = False

    with pytest.raises(CommandError, match="demo mode only"):
        call_command("run_demo", stdout=StringIO())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
            return response.status
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def test_a_fresh_data_folder_is_migrated_loaded_and_served(tmp_path):
    port = _free_port()
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MONITOR_") and key != "DATABASE_URL"
    }
    environ.update(
        MONITOR_DEMO="1",
        MONITOR_DATA_DIR=str(tmp_path),
        MONITOR_DEMO_PASSWORD="demo-passphrase-for-tests-7319",
    )
    server = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", "run_demo", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status = None
        deadline = time.monotonic() + 300  # a loaded 2-core machine; idle, it takes seconds
        while status is None and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
            status = _answers(f"http://127.0.0.1:{port}/accounts/login/")
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)

    assert status == 200, output
    assert "Demo data loaded as Demo coordinator: created" in output
    assert "Demo accounts created: coordinator, monitor, reviewer, viewer." in output
    assert (tmp_path / "monitor.sqlite3").exists()
