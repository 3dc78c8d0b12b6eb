"""A killed exploration resumes to the same numbers; a busy or different file is refused."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import time

import duckdb
from typer.testing import CliRunner

from peninsula.cli import app

runner = CliRunner()
ARGS = ["explore", "korea-2024", "--samples", "60", "--futures", "20", "--months", "3",
        "--seed", "5", "--sampler", "mc", "--executor", "local"]


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


def test_killed_explorations_resume_to_the_uninterrupted_result(tmp_path):
    whole = tmp_path / "whole"
    done = runner.invoke(app, [*ARGS, "--out", str(whole)])
    assert done.exit_code == 0, done.output
    expected = _content(whole)
    assert len(expected[0]["experiments"]) == 60 * 12
    exe = shutil.which("peninsula")
    assert exe, "the peninsula console script is not installed"
    rng = random.Random(7)
    partial = 0
    for attempt in range(3):
        folder = tmp_path / f"killed{attempt}"
        proc = subprocess.Popen([exe, *ARGS, "--out", str(folder)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not (folder / "exploration.duckdb").exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # the file appears once start-up is over, before the first batch
        time.sleep(rng.uniform(0.8, 2.0))  # the three batches take about a second each
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        if (folder / "exploration.duckdb").exists():
            con = duckdb.connect(str(folder / "exploration.duckdb"), read_only=True)
            stored = con.execute("SELECT count(DISTINCT sample) FROM experiments").fetchone()[0]
            con.close()
            partial += 0 < stored < 60
        resumed = runner.invoke(app, [*ARGS, "--out", str(folder), "--resume"])
        if not (folder / "exploration.duckdb").exists():
            continue  # killed before the file was created: the resume ran it whole
        assert resumed.exit_code == 0 or "already complete" in resumed.output, resumed.output
        assert _content(folder) == expected
    assert partial >= 1, "no kill landed mid-run; the test proved nothing"


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
    holder = subprocess.Popen(
        ["python", "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); time.sleep(30)", str(folder / "exploration.duckdb")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        busy = runner.invoke(app, [*ARGS, "--out", str(folder), "--resume"])
        assert busy.exit_code == 2 and "another process" in busy.output, busy.output
    finally:
        holder.kill()
        holder.wait()
