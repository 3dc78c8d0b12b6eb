"""Constants and helpers of the scale-out tests (a uniquely named module, not conftest)."""

from __future__ import annotations

import faulthandler
import time
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path

import numpy as np

FUTURES, MONTHS, CHUNK, SEED = 2000, 6, 200, 17


def same_result(a, b) -> None:
    """Assert two SimulationResults are identical, bit for bit (values, dtypes, shapes)."""
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "events":
            assert (x is None) == (y is None)
            if x is not None:
                for g in fields(x):
                    u, v = getattr(x, g.name), getattr(y, g.name)
                    assert u.dtype == v.dtype and np.array_equal(u, v), f"events.{g.name}"
        elif isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, f.name
            assert x.shape == y.shape, f.name
            assert np.array_equal(x.view(np.uint8), y.view(np.uint8)), f.name
        else:
            assert x == y, f.name


STOP_AT = Path(__file__).with_name("stop_at.py")
"""The script a test runs to stop a chunked run at a chosen point (see its module text)."""

RESULT_TABLES = ("actors", "actions", "outcome_defs", "outcomes", "paths", "final_dyads",
                 "final_actors", "events")
"""Tables of ``results.duckdb`` that hold a run's numbers (with a ``run_id`` column)."""


def same_result_files(a: Path, b: Path) -> None:
    """Assert two ``results.duckdb`` files hold the same run, row for row (run ids aside)."""
    import duckdb

    with duckdb.connect(str(a), read_only=True) as x, duckdb.connect(str(b), read_only=True) as y:
        for table in RESULT_TABLES:
            query = f"SELECT * EXCLUDE (run_id) FROM {table} ORDER BY ALL"
            u, v = x.execute(query).fetchnumpy(), y.execute(query).fetchnumpy()
            assert list(u) == list(v), table
            for column in u:
                assert np.array_equal(u[column], v[column]), f"{table}.{column}"
        query = "SELECT * EXCLUDE (run_id, metadata, created) FROM runs"
        assert x.execute(query).fetchall() == y.execute(query).fetchall()


@contextmanager
def hang_guard(seconds: float = 120):
    """Fail the test process (tracebacks on stderr) if the block is still running after
    ``seconds``: a guard against a hang, never a measure of speed (pick a generous time)."""
    faulthandler.dump_traceback_later(seconds, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def gated_square(folder: str, item: int) -> tuple[int, int]:
    """A task for the worker-death test: records its start, waits for the test, then returns
    the item's square and its worker's pid.

    The record is an empty file ``started-<item>-<pid>`` in ``folder``; the task then waits
    until the file ``open`` exists there (the test creates it once it has killed a worker), so
    a worker whose task has a record is, for sure, in the middle of it.
    """
    import os

    pid = os.getpid()
    base = Path(folder)
    (base / f"started-{item}-{pid}").touch()
    deadline = time.monotonic() + 120  # a hang guard only: the test opens it in well under
    while not (base / "open").exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing opened {base / 'open'}")
        time.sleep(0.01)
    return item * item, pid
