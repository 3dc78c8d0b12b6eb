"""Every executor and worker count gives the same numbers; a killed Dask worker loses nothing."""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
import time

import pytest
from scale_helpers import CHUNK, FUTURES, SEED, gated_square

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
    with pytest.raises(ValueError, match="workers must be ≥ 1"):
        make_executor("processes", 0)
    with pytest.raises(ValueError, match="a scheduler address needs the Dask executor"):
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


def test_task_of_a_killed_dask_worker_is_rerun_elsewhere(tmp_path):
    """A worker is killed in the middle of a task, and another worker runs that task again.

    Every task records its start, then waits until the test opens a gate: the test kills the
    worker of the first recorded task (so, for sure, while it runs it) and only then opens the
    gate. No timer decides whether the kill lands mid-task.
    """
    items = list(range(6))
    killed: dict[str, int] = {}

    def started() -> list[tuple[int, int]]:  # (item, pid) of every task start recorded
        return [tuple(int(x) for x in p.name.split("-")[1:]) for p in tmp_path.glob("started-*")]

    def kill_a_worker_mid_task() -> None:
        try:
            deadline = time.monotonic() + 120  # a hang guard: a task starts within seconds
            while not started() and time.monotonic() < deadline:
                time.sleep(0.01)
            if started():
                item, pid = started()[0]
                os.kill(pid, signal.SIGKILL)
                killed.update(item=item, pid=pid)
        finally:
            (tmp_path / "open").touch()  # every task may finish now, a rerun included

    with DaskExecutor(2, retries=1, in_flight=4) as executor:
        workers = set(executor.worker_pids().values())
        killer = threading.Thread(target=kill_a_worker_mid_task, daemon=True)
        killer.start()
        seen = dict(executor.map_unordered(functools.partial(gated_square, str(tmp_path)),
                                           items))
        killer.join(timeout=120)
    assert killed, "no task was seen starting"
    assert killed["pid"] in workers
    assert sorted(seen) == items and all(s == i * i for i, (s, _) in seen.items())
    assert killed["pid"] not in {pid for _, pid in seen.values()}  # no result of the dead one
    reruns = {pid for item, pid in started() if item == killed["item"]} - {killed["pid"]}
    assert reruns and seen[killed["item"]][1] in reruns  # its task was run again, elsewhere


def test_process_results_travel_through_files_that_are_removed():
    """Results come back through a private folder; each file goes once read, the folder at the
    end, whether the block ends normally or by an exception (which cancels the work)."""
    with ProcessExecutor(1) as pool:
        folder = pool._results
        assert folder is not None and os.path.isdir(folder)
        got = sorted(r for _item, r in pool.map_unordered(abs, [-3, -1, -2]))
        assert got == [1, 2, 3] and os.listdir(folder) == []
    assert not os.path.exists(folder)
    with pytest.raises(RuntimeError), ProcessExecutor(1) as pool:
        folder = pool._results
        next(pool.map_unordered(abs, [-1, -2, -3]))
        raise RuntimeError("stop")
    assert not os.path.exists(folder)
