"""Kill a real run with SIGKILL at random points, resume it, and get the uninterrupted result."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
from scale_helpers import CHUNK, FUTURES, MONTHS, SEED
from typer.testing import CliRunner

from peninsula.experiments.executors import LocalExecutor
from peninsula.experiments.parallel import run_ensemble_parallel
from peninsula.experiments.scale_cli import app
from peninsula.store.chunks import ChunkStore

N_CHUNKS = FUTURES // CHUNK


def sigint_by_default() -> None:
    """Give the child the default SIGINT disposition: a shell's background job (as CI may run
    the suite) starts with SIGINT ignored, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _check_complete(path, identity, korea6, reference, assert_same) -> int:
    """Resume to the end; the result and the stored rows equal an uninterrupted run."""
    computed = []
    with ChunkStore(path, identity, resume=True) as store, LocalExecutor() as executor:
        result = run_ensemble_parallel(korea6, FUTURES, SEED, executor=executor,
                                       chunk_size=CHUNK, store=store, record_events=True,
                                       on_chunk=lambda c, d, t: computed.append(c))
        assert store.done() == set(range(N_CHUNKS))
        futures = store.read("futures")["future"]
        assert np.array_equal(futures, np.arange(FUTURES))  # no duplicate, no missing future
        assert len(store.read("events")["future"]) == len(reference.events)
        assert len(store.read("shocks")["inflame"]) == N_CHUNKS
    assert_same(reference, result)
    return len(computed)


def test_sigkill_at_random_points_then_resume(tmp_path, writer_script, wait_lines, korea6,
                                              reference, identity, assert_same):
    rng = random.Random(os.getpid())
    store = tmp_path / "run.duckdb"
    kills = 0
    for attempt in range(3):
        progress = tmp_path / f"progress-{attempt}.txt"
        proc = subprocess.Popen([*writer_script, str(store), str(progress), "local", "1", "0.02"],
                                stderr=subprocess.PIPE, text=True)
        lines = wait_lines(progress, 1, proc)  # at least one chunk committed in this session
        if "finished" in lines:
            proc.wait(timeout=30)
            break
        time.sleep(rng.uniform(0.0, 0.25))  # a random point: computing, committing or pausing
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        if proc.returncode == -signal.SIGKILL:
            kills += 1
        assert (tmp_path / "run.duckdb.lock").exists() or proc.returncode == 0
    assert kills >= 2
    with ChunkStore(store, identity, resume=True) as opened:
        stored = len(opened.done())
    assert 1 <= stored
    computed = _check_complete(store, identity, korea6, reference, assert_same)
    assert computed == N_CHUNKS - stored


def test_ctrl_c_stops_quickly_keeps_chunks_and_says_how_to_resume(
        tmp_path, writer_script, wait_lines, korea6, reference, identity, assert_same):
    for attempt in range(3):  # a run that finished before the signal proves nothing: again
        store = tmp_path / f"run{attempt}.duckdb"
        progress = tmp_path / f"progress{attempt}.txt"
        proc = subprocess.Popen([*writer_script, str(store), str(progress), "processes", "2",
                                 "0.3"], stderr=subprocess.PIPE, text=True,
                                preexec_fn=sigint_by_default)
        wait_lines(progress, 1, proc)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        stopped = time.monotonic() - sent
        if proc.returncode != 0:
            break
    assert proc.returncode == 130, stderr
    assert stopped < 5.0  # "a couple of seconds", with slack for a loaded 2-core machine
    assert "--resume" in stderr and "finished chunks" in stderr
    _check_complete(store, identity, korea6, reference, assert_same)


def test_run_chunked_command_resumes_to_the_same_results(tmp_path, korea_loaded, korea6):
    from peninsula.experiments.runs import run_scenario

    out = tmp_path / "out"
    args = ["korea-2024", "-n", str(FUTURES), "-m", str(MONTHS), "-s", str(SEED),
            "--chunk-size", str(CHUNK), "--out", str(out)]
    runner = CliRunner()
    first = runner.invoke(app, [*args, "--executor", "processes", "--workers", "2"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "--resume" in again.output
    resumed = runner.invoke(app, [*args, "--resume"])
    assert resumed.exit_code == 0 and "10 resumed" in resumed.output
    other = runner.invoke(app, [*args[:-2], "--out", str(out), "--resume", "--no-shocks"])
    assert other.exit_code == 2 and "holds a different run" in other.output

    import duckdb

    expected = run_scenario(korea_loaded, futures=FUTURES, seed=SEED, months=MONTHS,
                            chunk_size=CHUNK, record_events=True).result
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM events").fetchone()[0] == len(expected.events)
        out_ = korea6.outcomes
        for c, row in enumerate(out_.binary):
            stored = con.execute("SELECT count FROM outcomes WHERE outcome = ? ORDER BY future",
                                 [out_.ids[row]]).fetchnumpy()["count"]
            assert np.array_equal(stored, expected.count[:, c]), out_.ids[row]
    finally:
        con.close()


def test_run_chunked_without_dask_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    result = CliRunner().invoke(app, ["korea-2024", "-n", "200", "-m", "3", "--executor", "dask",
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "pip install 'peninsula[dask]'" in result.output


def test_ctrl_c_of_the_command(tmp_path):
    """SIGINT to `python -m peninsula.experiments.scale_cli`: exit 130 fast, resumable."""
    out = tmp_path / "out"
    args = ["korea-2024", "-n", "8000", "-m", "24", "-s", str(SEED), "--chunk-size", "200",
            "--out", str(out)]
    proc = subprocess.Popen([sys.executable, "-m", "peninsula.experiments.scale_cli", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=sigint_by_default)
    lock = out / "chunks.duckdb.lock"
    deadline = time.monotonic() + 60
    while not lock.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    time.sleep(0.8)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 5.0  # with slack for a loaded 2-core machine
    assert proc.returncode == 130, stderr
    assert "--resume" in stderr
    assert not lock.exists()
    with ChunkStore(out / "chunks.duckdb", read_only=True) as store:
        assert 0 < len(store.done()) < 40
