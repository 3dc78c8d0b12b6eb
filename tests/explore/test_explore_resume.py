"""A killed exploration resumes to the same numbers; a busy or different file is refused."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap

import duckdb
import pytest
from typer.testing import CliRunner

from peninsula.cli import app

runner = CliRunner()
ARGS = ["explore", "korea-2024", "--samples", "24", "--futures", "20", "--months", "3",
        "--seed", "5", "--sampler", "mc", "--executor", "local"]
"""24 samples x 12 policies, written in two batches: samples 0-19 (240 experiments), 20-23."""

KILLED_RUN = textwrap.dedent("""
    # Run the explore command, and SIGKILL this process at a chosen point of the writing:
    # 'after-commit' N: once batch N is committed; 'mid-batch' N: inside batch N's transaction,
    # after two of its four tables are written. A deterministic point, not a timer.
    import os, signal, sys
    from peninsula.store import explorations

    mode, batch = sys.argv[1], int(sys.argv[2])
    append, insert = explorations.ExplorationWriter.append, explorations._insert
    calls = 0

    def counted_append(self, *columns):
        global calls
        calls += 1
        append(self, *columns)
        if mode == "after-commit" and calls == batch:
            os.kill(os.getpid(), signal.SIGKILL)

    def interrupted_insert(con, table, columns):
        insert(con, table, columns)
        if mode == "mid-batch" and calls == batch and table == "outcomes":
            os.kill(os.getpid(), signal.SIGKILL)

    explorations.ExplorationWriter.append = counted_append
    explorations._insert = interrupted_insert
    from peninsula.cli import app
    app(sys.argv[3:], prog_name="peninsula")
""")


def _content(folder):
    con = duckdb.connect(str(folder / "exploration.duckdb"), read_only=True)
    try:
        tables = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                  for t in ("experiments", "outcomes", "paths", "dyads")}
        status, meta = con.execute("SELECT status, metadata FROM exploration").fetchone()
    finally:
        con.close()
    meta = json.loads(meta)
    for key in ("created", "workers", "executor"):
        meta.pop(key, None)
    return tables, status, meta


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    whole = tmp_path_factory.mktemp("whole")
    done = runner.invoke(app, [*ARGS, "--out", str(whole)])
    assert done.exit_code == 0, done.output
    expected = _content(whole)
    assert len(expected[0]["experiments"]) == 24 * 12 and expected[1] == "complete"
    return expected


@pytest.mark.parametrize(("mode", "batch", "stored"), [
    ("mid-batch", 1, 0),  # the file exists, the first batch is half written
    ("after-commit", 1, 20),
    ("mid-batch", 2, 20),  # the last batch is half written
    ("after-commit", 2, 24),  # every batch is in; only "complete" is missing
])
def test_killed_explorations_resume_to_the_uninterrupted_result(tmp_path, uninterrupted, mode,
                                                                batch, stored):
    folder = tmp_path / "killed"
    killed = subprocess.run([sys.executable, "-c", KILLED_RUN, mode, str(batch), *ARGS,
                             "--out", str(folder)], capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr  # killed where it was asked to
    con = duckdb.connect(str(folder / "exploration.duckdb"), read_only=True)
    try:
        status = con.execute("SELECT status FROM exploration").fetchone()[0]
        samples = con.execute("SELECT count(DISTINCT sample) FROM experiments").fetchone()[0]
        rows = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("experiments", "outcomes", "paths", "dyads")]
    finally:
        con.close()
    assert status == "running" and samples == stored  # whole batches only, nothing half-way
    full = [len(uninterrupted[0][t]) for t in ("experiments", "outcomes", "paths", "dyads")]
    assert rows == [n * stored // 24 for n in full]
    resumed = runner.invoke(app, [*ARGS, "--out", str(folder), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert _content(folder) == uninterrupted


def test_resume_refuses_a_different_or_finished_exploration(tmp_path):
    folder = tmp_path / "x"
    assert runner.invoke(app, [*ARGS, "--out", str(folder)]).exit_code == 0
    again = runner.invoke(app, [*ARGS, "--out", str(folder)])
    assert again.exit_code == 2 and "--resume" in again.output
    finished = runner.invoke(app, [*ARGS, "--out", str(folder), "--resume"])
    assert finished.exit_code == 2 and "already complete" in finished.output
    other = [*ARGS[:-4], "--seed", "6", "--sampler", "mc", "--executor", "local"]
    different = runner.invoke(app, [*other, "--out", str(folder), "--resume"])
    assert different.exit_code == 2 and "another exploration" in different.output


def test_a_second_writer_is_refused_with_a_clear_error(tmp_path):
    folder = tmp_path / "busy"
    assert runner.invoke(app, [*ARGS, "--out", str(folder)]).exit_code == 0
    # the holder keeps the file open until its stdin closes: no timer to outlast
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); sys.stdin.read()", str(folder / "exploration.duckdb")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        busy = runner.invoke(app, [*ARGS, "--out", str(folder), "--resume"])
        assert busy.exit_code == 2 and "another process" in busy.output, busy.output
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
