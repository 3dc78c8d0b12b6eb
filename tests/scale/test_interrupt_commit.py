"""Ctrl-C in the middle of a commit: the chunk is rolled back and KeyboardInterrupt is raised."""

from __future__ import annotations

import os
import signal
import sys

import numpy as np
import pytest
from scale_helpers import hang_guard

from peninsula.store.chunks import ChunkStore

IDENT = {"scenario_sha256": "abc", "seed": 1, "futures": 300, "months": 6, "chunk_size": 100,
         "version": "test"}


def test_sigint_during_a_commit_rolls_it_back(tmp_path, monkeypatch):
    """A real SIGINT lands after the first table of a chunk is written, before the chunk is
    marked done (deterministically: sent from inside the commit, not by a timer)."""

    class InterruptAfterFirstInsert:
        def __init__(self, con):
            self.con = con

        def execute(self, query, *args):
            frame = sys._getframe(1).f_locals.get("frame")  # noqa: F841 - scanned by DuckDB
            result = self.con.execute(query, *args)
            if query.startswith('INSERT INTO "t"'):
                os.kill(os.getpid(), signal.SIGINT)
            return result

        def __getattr__(self, name):
            return getattr(self.con, name)

    # the suite may run as a background job, where SIGINT starts out ignored
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _commit_interrupted(tmp_path, monkeypatch, InterruptAfterFirstInsert)
    finally:
        signal.signal(signal.SIGINT, previous)


def _commit_interrupted(tmp_path, monkeypatch, InterruptAfterFirstInsert):  # noqa: N803
    with ChunkStore(tmp_path / "s.duckdb", IDENT) as store:
        store.commit(0, {"t": {"x": np.arange(3, dtype=np.int64), "y": np.zeros(3)},
                         "u": {"z": np.ones(3)}})
        real = store._connection()
        monkeypatch.setattr(store, "_connection", lambda: InterruptAfterFirstInsert(real))
        with hang_guard(120), pytest.raises(KeyboardInterrupt):  # a hang guard, not a timer
            store.commit(1, {"t": {"x": np.arange(1000, dtype=np.int64), "y": np.zeros(1000)},
                             "u": {"z": np.ones(1000)}})
        monkeypatch.undo()
        assert store.done() == {0}  # the half-written chunk 1 is gone
        assert len(store.read("t")["x"]) == 3
        assert len(store.read("u")["z"]) == 3
