"""Shared fixtures of the scale-out tests: a small flagship run and an exact comparison."""

from __future__ import annotations

import sys

import pytest
from scale_helpers import CHUNK, FUTURES, MONTHS, SEED, STOP_AT, same_result

from peninsula.engine.compiled import compile_scenario
from peninsula.experiments.ensemble import run_ensemble
from peninsula.experiments.parallel import run_identity
from peninsula.scenario.loading import load_scenario


@pytest.fixture(scope="session")
def korea_loaded():
    return load_scenario("korea-2024")


@pytest.fixture(scope="session")
def korea6(korea_loaded):
    return compile_scenario(korea_loaded.scenario, horizon=MONTHS)


@pytest.fixture(scope="session")
def reference(korea6):
    """The uninterrupted single-process run every other run must equal."""
    return run_ensemble(korea6, FUTURES, SEED, chunk_size=CHUNK, record_events=True)


@pytest.fixture(scope="session")
def identity(korea_loaded):
    return run_identity(scenario_sha256=korea_loaded.sha256, seed=SEED, futures=FUTURES,
                        months=MONTHS, chunk_size=CHUNK, record_events=True)


@pytest.fixture
def assert_same():
    return same_result


@pytest.fixture
def stop_at() -> list[str]:
    """Command of a subprocess running a chunked run that stops itself with a signal at a chosen
    point: append ``SIGNAL POINT N COMMAND ARGS...`` (see ``stop_at.py``)."""
    return [sys.executable, str(STOP_AT)]
