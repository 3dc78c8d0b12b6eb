"""Ctrl-C in the middle of a commit: the chunk is rolled back and KeyboardInterrupt is raised."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

from peninsula.store.chunks import ChunkStore

IDENT = {"scenario_sha256": "abc", "seed": 1, "futures": 300, "months": 6, "chunk_size": 100,
         "version": "test"}


def test_sigint_during_a_commit_rolls_it_back(tmp_path):
    big = {"t": {"x": np.arange(30_000_000, dtype=np.int64),
                 "y": np.zeros(30_000_000)}}
    with ChunkStore(tmp_path / "s.duckdb", IDENT) as store:
        store.commit(0, {"t": {"x": np.arange(3, dtype=np.int64), "y": np.zeros(3)}})
        timer = threading.Timer(0.15, os.kill, (os.getpid(), signal.SIGINT))
        started = time.monotonic()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            store.commit(1, big)
        timer.join()
        assert time.monotonic() - started < 3
        assert store.done() == {0}  # the half-written chunk 1 is gone
        assert len(store.read("t")["x"]) == 3
