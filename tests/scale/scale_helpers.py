"""Constants and helpers of the scale-out tests (a uniquely named module, not conftest)."""

from __future__ import annotations

import textwrap
import time
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


WRITER = textwrap.dedent(f"""
    import os, sys, time
    from pathlib import Path
    from peninsula.experiments.executors import make_executor
    from peninsula.experiments.parallel import Interrupted, run_ensemble_parallel, run_identity
    from peninsula.scenario.compiled import compile_scenario
    from peninsula.scenario.loading import load_scenario
    from peninsula.store.chunks import ChunkStore

    def main():
        store, progress, executor, workers, pause = sys.argv[1:6]
        loaded = load_scenario("korea-2024")
        model = compile_scenario(loaded.scenario, horizon={MONTHS})
        ident = run_identity(scenario_sha256=loaded.sha256, seed={SEED}, futures={FUTURES},
                             months={MONTHS}, chunk_size={CHUNK}, record_events=True)

        def on_chunk(chunk, done, total):
            with open(progress, "a") as f:
                f.write(f"{{chunk.first}} {{done}}\\n")
            time.sleep(float(pause))

        try:
            with ChunkStore(store, ident, resume=True) as st, \\
                    make_executor(executor, int(workers)) as ex:
                run_ensemble_parallel(model, {FUTURES}, {SEED}, executor=ex, chunk_size={CHUNK},
                                      store=st, record_events=True, on_chunk=on_chunk)
        except Interrupted as exc:
            print(exc, file=sys.stderr)
            sys.exit(130)
        with open(progress, "a") as f:
            f.write("finished\\n")

    if __name__ == "__main__":
        main()
""")


def wait_for_lines(path: Path, n: int, proc, timeout: float = 60) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= n:
            return lines
        if proc.poll() is not None:
            raise AssertionError(f"writer exited early ({proc.returncode}): "
                                 f"{proc.stderr.read() if proc.stderr else ''}")
        time.sleep(0.01)
    raise AssertionError("writer made no progress")


def slow_pid(item: int) -> tuple[int, int]:
    """A slow task for the worker-death test: returns the square and the worker's pid."""
    import os

    time.sleep(0.4)
    return item * item, os.getpid()
