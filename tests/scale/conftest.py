"""Shared fixtures of the scale-out tests: a small flagship run and an exact comparison."""

from __future__ import annotations

import sys

import pytest
from scale_helpers import CHUNK, FUTURES, MONTHS, SEED, WRITER, same_result, wait_for_lines

from peninsula.experiments.ensemble import run_ensemble
from peninsula.experiments.parallel import run_identity
from peninsula.scenario.compiled import compile_scenario
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
def writer_script(tmp_path) -> list[str]:
    """Command of a subprocess that runs the small flagship into a chunk store.

    Arguments: store path, progress file, executor, workers, pause after each chunk (s).
    """
    path = tmp_path / "writer.py"
    path.write_text(WRITER)
    return [sys.executable, str(path)]


@pytest.fixture
def wait_lines():
    return wait_for_lines
