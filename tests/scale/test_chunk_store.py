"""The chunk store: atomic commits, exact round trips, identity checks, one writer at a time."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb
import numpy as np
import pytest
from scale_helpers import CHUNK, FUTURES, SEED

from peninsula.experiments.executors import LocalExecutor
from peninsula.experiments.parallel import run_ensemble_parallel
from peninsula.store.chunks import (
    ChunkStore,
    StoreExistsError,
    StoreLockedError,
    StoreMismatchError,
)

IDENT = {"scenario_sha256": "abc", "seed": 1, "futures": 300, "months": 6, "chunk_size": 100,
         "version": "test", "parameters": {"shocks": True}}


def _rows(chunk: int, n: int = 5) -> dict:
    return {"t": {"future": np.arange(chunk * n, (chunk + 1) * n, dtype=np.int32),
                  "x": np.linspace(0, 1, n) + chunk}}


def test_commit_done_and_read_back_in_order(tmp_path):
    path = tmp_path / "s.duckdb"
    with ChunkStore(path, IDENT) as store:
        assert store.done() == set()
        for c in (2, 0, 1):
            store.commit(c, _rows(c))
        assert store.done() == {0, 1, 2}
        data = store.read("t")
        assert data["future"].dtype == np.int32
        assert np.array_equal(data["future"], np.arange(15))
        assert np.array_equal(store.read("t", [1])["x"], _rows(1)["t"]["x"])
    with ChunkStore(path, read_only=True) as store:
        assert store.identity["parameters"] == {"shocks": True}
        assert store.done() == {0, 1, 2}


def test_commit_is_atomic(tmp_path):
    """A commit that fails half-way (second table) leaves neither rows nor the done mark."""
    path = tmp_path / "s.duckdb"
    with ChunkStore(path, IDENT) as store:
        store.commit(0, {**_rows(0), "u": {"v": np.array([1, 2], dtype=np.int64)}})
        with pytest.raises(duckdb.Error):
            store.commit(1, {**_rows(1), "u": {"v": np.array(["not a number"])}})
        assert store.done() == {0}
        assert len(store.read("t")["future"]) == 5
        store.commit(1, {**_rows(1), "u": {"v": np.array([3], dtype=np.int64)}})
        assert store.done() == {0, 1}
        assert np.array_equal(store.read("u")["v"], [1, 2, 3])


def test_a_chunk_is_never_stored_twice(tmp_path):
    with ChunkStore(tmp_path / "s.duckdb", IDENT) as store:
        store.commit(0, _rows(0))
        with pytest.raises(Exception, match="already stored"):
            store.commit(0, _rows(0))
        assert len(store.read("t")["future"]) == 5


def test_identity_must_match_and_resume_must_be_asked(tmp_path):
    path = tmp_path / "s.duckdb"
    with ChunkStore(path, IDENT) as store:
        store.commit(0, _rows(0))
    with pytest.raises(StoreExistsError, match="--resume"):
        ChunkStore(path, IDENT).open()
    other = dict(IDENT, seed=2, parameters={"shocks": False})
    with pytest.raises(StoreMismatchError) as caught:
        ChunkStore(path, other, resume=True).open()
    assert "seed: store has 1, asked for 2" in str(caught.value)
    assert "parameters" in str(caught.value)
    with ChunkStore(path, IDENT, resume=True) as store:  # the failures released the lock
        assert store.done() == {0}


def test_second_writer_in_the_same_process_is_refused(tmp_path):
    path = tmp_path / "s.duckdb"
    with ChunkStore(path, IDENT):
        with pytest.raises(StoreLockedError, match="being written by process"):
            ChunkStore(path, IDENT, resume=True).open()


HOLD = textwrap.dedent("""
    import sys, time
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "store":
        from peninsula.store.chunks import ChunkStore
        ident = {"scenario_sha256": "abc", "seed": 1, "futures": 300, "months": 6,
                 "chunk_size": 100, "version": "test", "parameters": {"shocks": True}}
        handle = ChunkStore(path, ident, resume=True).open()
    else:
        import duckdb
        handle = duckdb.connect(path)
    print("ready", flush=True)
    sys.stdin.read()
""")


@pytest.mark.parametrize("mode", ["store", "duckdb"])
def test_concurrent_writer_process_is_refused(tmp_path, mode):
    """Another process holds the store (through ChunkStore, or DuckDB alone): a clear error."""
    path = tmp_path / "s.duckdb"
    with ChunkStore(path, IDENT) as store:
        store.commit(0, _rows(0))
    holder = subprocess.Popen([sys.executable, "-c", HOLD, mode, str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLockedError) as caught:
            ChunkStore(path, IDENT, resume=True).open()
        message = str(caught.value)
        assert str(holder.pid) in message and "\n" not in message
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    with ChunkStore(path, IDENT, resume=True) as store:  # free again, and intact
        assert store.done() == {0}
        assert len(store.read("t")["future"]) == 5


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    path = tmp_path / "s.duckdb"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    import socket

    (tmp_path / "s.duckdb.lock").write_text(f"{dead.pid} {socket.gethostname()}\n")
    with ChunkStore(path, IDENT) as store:
        store.commit(0, _rows(0))
    assert not (tmp_path / "s.duckdb.lock").exists()


def test_results_round_trip_through_the_store(tmp_path, korea6, reference, identity,
                                              assert_same):
    """Half the chunks stored by one session, the rest by another: the exact same result."""
    path = tmp_path / "run.duckdb"
    with ChunkStore(path, identity) as store, LocalExecutor() as executor:
        def stop_half_way(chunk, done, total):
            if done == total // 2:
                raise KeyboardInterrupt
        from peninsula.experiments.parallel import Interrupted

        with pytest.raises(Interrupted, match="--resume"):
            run_ensemble_parallel(korea6, FUTURES, SEED, executor=executor, chunk_size=CHUNK,
                                  store=store, record_events=True, on_chunk=stop_half_way)
        assert len(store.done()) == FUTURES // CHUNK // 2
    calls = []
    with ChunkStore(path, identity, resume=True) as store, LocalExecutor() as executor:
        result = run_ensemble_parallel(korea6, FUTURES, SEED, executor=executor,
                                       chunk_size=CHUNK, store=store, record_events=True,
                                       on_chunk=lambda c, d, t: calls.append(c))
    assert len(calls) == FUTURES // CHUNK // 2
    assert_same(reference, result)
    with ChunkStore(path, identity, resume=True) as store, LocalExecutor() as executor:
        again = run_ensemble_parallel(korea6, FUTURES, SEED, executor=executor,
                                      chunk_size=CHUNK, store=store, record_events=True)
    assert_same(reference, again)  # read wholly from the store


def test_store_of_another_run_is_refused_by_the_runner(tmp_path, korea6, identity):
    with ChunkStore(tmp_path / "run.duckdb", identity) as store, LocalExecutor() as ex:
        with pytest.raises(ValueError, match="made for another run"):
            run_ensemble_parallel(korea6, FUTURES, SEED + 1, executor=ex, chunk_size=CHUNK,
                                  store=store, record_events=True)
