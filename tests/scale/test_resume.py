"""Kill or interrupt a real run, resume it, and get the uninterrupted result.

Every stop is sent by the run to itself, from a hook at a known point of its work (see
``stop_at.py``): before any chunk is committed, after some, inside a commit, after the last one.
Never after a sleep, so each test stops the run where it says however loaded the machine is;
the only clock is a generous guard against a hung child.
"""

from __future__ import annotations

import signal
import subprocess
import sys

import numpy as np
import pytest
from scale_helpers import CHUNK, FUTURES, MONTHS, SEED, same_result, same_result_files
from typer.testing import CliRunner

from peninsula.api.runs import CHUNK_STORE
from peninsula.cli import app
from peninsula.engine.results import SimulationResult
from peninsula.experiments.executors import LocalExecutor
from peninsula.experiments.parallel import load_chunks, run_ensemble_parallel
from peninsula.store.chunks import ChunkStore

N_CHUNKS = FUTURES // CHUNK
HANG = 120
"""Seconds a child may run before the test gives up on it: a hang guard, not a speed test."""


def chunked_args(out) -> list[str]:
    """Arguments of ``run-chunked`` for the small flagship (local executor) into ``out``."""
    return ["korea-2024", "-n", str(FUTURES), "-m", str(MONTHS), "-s", str(SEED),
            "--chunk-size", str(CHUNK), "--out", str(out)]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The output folder of the same command run once, without a stop."""
    out = tmp_path_factory.mktemp("uninterrupted") / "out"
    result = CliRunner().invoke(app, ["run-chunked", *chunked_args(out)])
    assert result.exit_code == 0, result.output
    return out


def _stopped(stop_at, signame: str, point: str, nth: int, *command: str):
    """Run a child that sends itself SIG<signame> at ``point``; check that it did."""
    proc = subprocess.run([*stop_at, signame, point, str(nth), *command], capture_output=True,
                          text=True, timeout=HANG)
    assert f"stop_at: SIG{signame} {point} {nth}" in proc.stderr, (  # reached, and sent
        proc.returncode, proc.stderr)
    return proc


def _check_stored(path, chunks: int) -> None:
    """The store holds exactly ``chunks`` finished chunks, and no row of any other chunk."""
    with ChunkStore(path, read_only=True) as store:
        done = store.done()
        assert len(done) == chunks
        for table in store.tables():
            assert set(store.read(table)["chunk"].tolist()) <= done, table
        if chunks:
            assert len(store.read("futures")["future"]) == chunks * CHUNK


def _one_line_message(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if "--resume" in line]
    assert len(lines) == 1, stderr
    return lines[0]


def _resume_command(out, stored: int, uninterrupted, korea6, reference) -> None:
    """``--resume`` computes the missing chunks only, and ends with the uninterrupted numbers:
    in the chunk store (bit for bit) and in ``results.duckdb`` (row for row)."""
    resumed = CliRunner().invoke(app, ["run-chunked", *chunked_args(out), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert f"({N_CHUNKS} chunks, {stored} resumed)" in " ".join(resumed.output.split())
    assert not (out / (CHUNK_STORE + ".lock")).exists()
    with ChunkStore(out / CHUNK_STORE, read_only=True) as store:
        assert store.done() == set(range(N_CHUNKS))
        futures = store.read("futures")["future"]
        assert np.array_equal(futures, np.arange(FUTURES))  # no duplicate, no missing future
        chunks = load_chunks(store, korea6, list(range(N_CHUNKS)), record_events=True)
    same_result(reference, SimulationResult.concatenate([chunks[i] for i in range(N_CHUNKS)]))
    same_result_files(uninterrupted / "results.duckdb", out / "results.duckdb")


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


KILLS = {  # case: (point, which commit, chunks stored when it died)
    "before-any-commit": ("before-commit", 1, 0),
    "after-some-commits": ("after-commit", 4, 4),
    "inside-a-commit": ("in-commit", 3, 2),  # the third chunk's transaction is rolled back
    "after-all-chunks-before-the-results": ("before-results", 0, N_CHUNKS),
}


@pytest.mark.parametrize("case", list(KILLS))
def test_sigkill_then_resume(case, tmp_path, stop_at, uninterrupted, korea6, reference):
    """SIGKILL the command at a chosen point: what was committed is stored whole, nothing else
    is, and ``--resume`` finishes with the numbers of an uninterrupted run."""
    point, nth, stored = KILLS[case]
    out = tmp_path / "out"
    proc = _stopped(stop_at, "KILL", point, nth, "cli", *chunked_args(out))
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    # the dead writer's lock is left behind (resuming takes it over); the store was closed
    # before the results are written
    assert (out / (CHUNK_STORE + ".lock")).exists() == (point != "before-results")
    assert not (out / "results.duckdb").exists()
    _check_stored(out / CHUNK_STORE, stored)
    _resume_command(out, stored, uninterrupted, korea6, reference)


def test_ctrl_c_keeps_chunks_and_says_how_to_resume(tmp_path, stop_at, korea6, reference,
                                                    identity, assert_same):
    """SIGINT to a run on two worker processes while it waits for them, its third chunk
    committed: exit 130 with the message naming --resume, the three chunks kept; resuming
    computes the rest."""
    store = tmp_path / "run.duckdb"
    proc = _stopped(stop_at, "INT", "waiting", 3, "writer", str(store), "processes", "2")
    assert proc.returncode == 130, proc.stderr
    message = _one_line_message(proc.stderr)
    assert f"the 3 finished chunks of {N_CHUNKS} are kept" in message
    assert not (tmp_path / "run.duckdb.lock").exists()
    _check_stored(store, 3)
    computed = _check_complete(store, identity, korea6, reference, assert_same)
    assert computed == N_CHUNKS - 3


def test_run_chunked_command_resumes_to_the_same_results(tmp_path, korea_loaded, korea6):
    from peninsula.experiments.runs import run_scenario

    out = tmp_path / "out"
    args = ["korea-2024", "-n", str(FUTURES), "-m", str(MONTHS), "-s", str(SEED),
            "--chunk-size", str(CHUNK), "--out", str(out)]
    runner = CliRunner()
    first = runner.invoke(app, ["run-chunked", *args, "--executor", "processes", "--workers", "2"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["run-chunked", *args])
    assert again.exit_code == 2 and "--resume" in again.output
    resumed = runner.invoke(app, ["run-chunked", *args, "--resume"])
    assert resumed.exit_code == 0 and "10 resumed" in resumed.output
    other = runner.invoke(app, ["run-chunked", *args[:-2], "--out", str(out), "--resume",
                                "--no-shocks"])
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
    result = CliRunner().invoke(app, ["run-chunked", "korea-2024", "-n", "200", "-m", "3",
                                      "--executor", "dask",
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "pip install 'peninsula[dask]'" in result.output


@pytest.mark.parametrize("point,nth,kept", [("waiting", 2, 2), ("in-commit", 3, 2)])
def test_ctrl_c_of_the_command(point, nth, kept, tmp_path, stop_at, uninterrupted, korea6,
                               reference):
    """SIGINT to what `python -m peninsula.cli.scale` runs, waiting for a chunk or inside a
    commit: exit 130 with a one-line message naming --resume and the chunks kept (an
    interrupted commit rolled back), the lock released; --resume finishes identically."""
    out = tmp_path / "out"
    proc = _stopped(stop_at, "INT", point, nth, "cli", *chunked_args(out))
    assert proc.returncode == 130, proc.stderr
    message = _one_line_message(proc.stderr)
    assert message.startswith(f"interrupted: the {kept} finished chunks of {N_CHUNKS} are kept")
    assert not (out / (CHUNK_STORE + ".lock")).exists()
    assert not (out / "results.duckdb").exists()
    assert 0 < kept < N_CHUNKS
    _check_stored(out / CHUNK_STORE, kept)
    _resume_command(out, kept, uninterrupted, korea6, reference)
