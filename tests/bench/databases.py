"""Which databases the benchmark may seed: its own, never a register.

A benchmark database's name starts with ``monitor_bench`` or with one word and ``_bench``
(``hperf_bench_100000``: a second checkout's or a helper's own databases, apart from the
others on the same server). ``tests/bench/run.py`` checks its prefix with this before it
creates anything, and ``tests/bench/seed.py`` checks the database it is connected to before
it writes a row.
"""

from __future__ import annotations

import re

_BENCH_NAME = re.compile(r"(monitor_bench|[a-z][a-z0-9]*_bench)(_[a-z0-9_]*)?")


def is_bench_database(name: str) -> bool:
    """True for a benchmark database's name (or prefix), False for anything else."""
    return _BENCH_NAME.fullmatch(str(name)) is not None
