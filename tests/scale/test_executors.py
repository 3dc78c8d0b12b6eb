"""Every executor and worker count gives the same numbers; a killed Dask worker loses nothing."""

from __future__ import annotations

import os
import signal
import sys

import pytest
from scale_helpers import CHUNK, FUTURES, SEED

from peninsula.experiments.ensemble import run_ensemble
from peninsula.experiments.executors import (
    DaskExecutor,
    ExecutorError,
    LocalExecutor,
    ProcessExecutor,
    make_executor,
)
from peninsula.experiments.parallel import run_ensemble_parallel

pytest.importorskip("distributed")


def _square(x: int) -> int:
    return x * x


@pytest.mark.parametrize("kind,workers", [("local", 1), ("processes", 1), ("processes", 2),
                                          ("dask", 1), ("dask", 2)])
def test_executors_give_identical_results(kind, workers, korea6, reference, assert_same):
    with make_executor(kind, workers) as executor:
        if kind == "dask":
            assert len(executor.worker_pids()) == workers
        result = run_ensemble_parallel(korea6, FUTURES, SEED, executor=executor,
                                       chunk_size=CHUNK, record_events=True)
    assert_same(reference, result)


def test_chunking_never_changes_numbers(korea6, reference, assert_same):
    with LocalExecutor() as executor:
        result = run_ensemble_parallel(korea6, FUTURES, SEED, executor=executor,
                                       chunk_size=700, record_events=True)
    assert_same(reference, result)
    assert_same(run_ensemble(korea6, 250, 3), run_ensemble(korea6, 250, 3, chunk_size=100))


def test_map_unordered_yields_every_item_once():
    with ProcessExecutor(2, in_flight=3) as executor:
        pairs = list(executor.map_unordered(_square, range(20)))
    assert sorted(pairs) == [(i, i * i) for i in range(20)]


def test_bad_executor_options_are_one_line_errors():
    with pytest.raises(ValueError, match="unknown executor 'threads'"):
        make_executor("threads", 2)
    with pytest.raises(ValueError, match="--workers"):
        make_executor("processes", 0)
    with pytest.raises(ValueError, match="--scheduler needs --executor dask"):
        make_executor("processes", 2, "tcp://localhost:8786")


def test_missing_dask_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(ExecutorError) as caught:
        make_executor("dask", 2)
    message = str(caught.value)
    assert "pip install 'peninsula[dask]'" in message and "\n" not in message


def test_unreachable_scheduler_is_a_clear_error():
    executor = DaskExecutor(1, scheduler="tcp://127.0.0.1:9", connect_timeout="1s")
    with pytest.raises(ExecutorError, match="could not reach Dask scheduler tcp://127.0.0.1:9"):
        with executor:
            pass


def test_killed_dask_worker_loses_no_chunk(korea6, reference, assert_same):
    """SIGKILL one worker process of a real 2-worker LocalCluster mid-sweep."""
    killed: list[int] = []
    with DaskExecutor(2, retries=2) as executor:
        pids = executor.worker_pids()
        assert len(pids) == 2

        def kill_one(_chunk, done, total):
            if not killed:
                victim = next(iter(pids.values()))
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        result = run_ensemble_parallel(korea6, FUTURES, SEED, executor=executor,
                                       chunk_size=CHUNK, record_events=True, on_chunk=kill_one)
        after = executor.worker_pids()
    assert killed and killed[0] not in after.values()
    assert_same(reference, result)


def test_task_of_a_killed_dask_worker_is_rerun_elsewhere():
    """The worker that sent the first result is killed while it runs its next task."""
    from scale_helpers import slow_pid

    items = list(range(6))
    seen: dict[int, tuple[int, int]] = {}
    victim = None
    with DaskExecutor(2, retries=1, in_flight=4) as executor:
        for item, (square, pid) in executor.map_unordered(slow_pid, items):
            seen[item] = (square, pid)
            if victim is None:
                victim = pid
                os.kill(victim, signal.SIGKILL)
                killed_at = len(seen)
    assert sorted(seen) == items and all(s == i * i for i, (s, _) in seen.items())
    after_kill = [pid for i, (_, pid) in list(seen.items())[killed_at:]]
    assert victim not in after_kill  # its running task was rerun by another worker
    assert len(after_kill) == len(items) - 1
