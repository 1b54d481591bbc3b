"""The benchmark's settings: the product's, with the bench's own URLconf (the hello
baselines beside every product URL). Used only by ``tests/bench/run.py``."""

from config.settings import *  # noqa: F403 — the product's settings, unchanged but the URLconf

ROOT_URLCONF = "tests.bench.urls"
