"""Runs are stored in a real DuckDB file on disk, with what is needed to reproduce them."""

from __future__ import annotations

import json

import duckdb
import numpy as np

from peninsula._version import __version__
from peninsula.experiments.runs import run_scenario
from peninsula.scenario.loading import load_scenario
from peninsula.store.runs import write_run


def test_a_run_round_trips_through_duckdb(tmp_path):
    loaded = load_scenario("korea-2024")
    run = run_scenario(loaded, futures=300, seed=5, months=12, record_events=True)
    path = tmp_path / "out" / "results.duckdb"
    run_id = write_run(path, run.metadata.as_dict(), run.model, run.result)
    con = duckdb.connect(str(path), read_only=True)
    seed, sha, version, meta = con.execute(
        "SELECT seed, scenario_sha256, version, metadata FROM runs WHERE run_id = ?", [run_id]
    ).fetchone()
    assert seed == 5 and sha == loaded.sha256 and version == __version__
    assert json.loads(meta)["futures_per_block"] == 100
    out = run.model.outcomes
    war = out.binary.index(out.ids.index("limited_clash"))
    stored = con.execute(
        "SELECT count(*) FROM outcomes WHERE outcome = 'limited_clash' AND first_month IS NOT NULL"
    ).fetchone()[0]
    assert stored == int((run.result.first_month[:, war] >= 0).sum())
    n_events = con.execute("SELECT count(*) FROM events_coded").fetchone()[0]
    assert n_events == len(run.result.events)
    # the view carries the catalogue's codes: CAMEO strings with their leading zeros
    cameo = dict(con.execute("SELECT DISTINCT action, cameo FROM events_coded").fetchall())
    assert cameo["consult"] == "040"
    arms = con.execute("SELECT arms FROM final_actors ORDER BY future, actor").fetchall()
    np.testing.assert_allclose(np.array(arms).ravel(), run.result.final_arms.ravel())
    con.close()


def test_two_runs_share_a_file_and_a_failed_write_leaves_it_intact(tmp_path, monkeypatch):
    loaded = load_scenario("south-asia-2019")
    path = tmp_path / "results.duckdb"
    first = run_scenario(loaded, futures=100, seed=1)
    write_run(path, first.metadata.as_dict(), first.model, first.result)
    second = run_scenario(loaded, futures=100, seed=2)
    broken = dict(second.metadata.as_dict())
    del broken["seed"]  # a write that fails half way must leave nothing behind
    try:
        write_run(path, broken, second.model, second.result)
    except KeyError:
        pass
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    assert con.execute("SELECT count(DISTINCT run_id) FROM outcomes").fetchone()[0] == 1
    con.close()
    write_run(path, second.metadata.as_dict(), second.model, second.result)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
    con.close()
