"""The benchmark seeds only databases whose name says they are a benchmark's
(``tests/bench/databases.py``): its bulk SQL skips history and audit."""

from __future__ import annotations

import pytest

from tests.bench.databases import is_bench_database


@pytest.mark.parametrize(
    "name",
    ["monitor_bench", "monitor_bench_100000", "monitor_bench_names", "hperf_bench",
     "hperf_bench_100000", "mine_bench_1000"],
)  # fmt: skip
def test_bench_databases_are_accepted(name):
    assert is_bench_database(name)


@pytest.mark.parametrize(
    "name",
    ["monitor", "postgres", "register", "hperf", "hperf_100000", "bench", "_bench",
     "monitor_benchmark_of_record", "monitor; DROP", "hperf_bench-1", "Monitor_bench"],
)  # fmt: skip
def test_other_databases_are_refused(name):
    assert not is_bench_database(name)
