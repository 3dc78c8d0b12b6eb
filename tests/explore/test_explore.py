"""Explore: bit-for-bit reproducible, the same samples and draws for every policy, streamed."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pytest

from peninsula.experiments.explore import explore, plan_exploration
from peninsula.experiments.sampling import sample_seed

TABLES = {
    "experiments": "experiment", "outcomes": "experiment, outcome", "paths": "experiment, quarter",
    "dyads": "experiment, source, target", "policies": "policy", "levers": "lever, option",
    "uncertainties": "position", "outcome_defs": "position", "actors": "position",
}


def _dump(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = {t: con.execute(f"SELECT * FROM {t} ORDER BY {order}").fetchall()
                  for t, order in TABLES.items()}
        meta = json.loads(con.execute("SELECT metadata FROM exploration").fetchone()[0])
        status = con.execute("SELECT status FROM exploration").fetchone()[0]
    finally:
        con.close()
    for key in ("created", "workers", "executor"):
        meta.pop(key, None)
    return tables, meta, status


def test_tiny_exploration_stores_every_experiment(tiny_results, korea, korea_spec):
    tables, meta, status = _dump(tiny_results / "exploration.duckdb")
    assert status == "complete"
    n_exp = 8 * 12
    assert len(tables["experiments"]) == n_exp
    assert len(tables["outcomes"]) == n_exp * len(korea.scenario.outcomes)
    assert len(tables["paths"]) == n_exp * 2  # 6 months = 2 quarters
    assert len(tables["dyads"]) == n_exp * 30
    for key in ("scenario_sha256", "seed", "sampler", "version", "exploration_sha256"):
        assert meta[key] is not None
    assert meta["sampler"] == "lhs" and meta["seed"] == 11 and meta["futures"] == 50
    assert [u["path"] for u in meta["spec"]["uncertainties"]] == [
        u.path for u in korea_spec.uncertainties]


def test_experiments_table_has_a_typed_column_per_uncertainty_and_lever(tiny_results,
                                                                        korea_spec):
    con = duckdb.connect(str(tiny_results / "exploration.duckdb"), read_only=True)
    columns = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_name = 'experiments'").fetchall())
    con.close()
    assert any(u.distribution == "integer" for u in korea_spec.uncertainties)
    for u in korea_spec.uncertainties:  # whole-number fields get an integer column
        assert columns[u.name] == ("BIGINT" if u.distribution == "integer" else "DOUBLE")
    assert columns["china_answer"] == "VARCHAR" and columns["us_posture"] == "VARCHAR"
    assert columns["seed"] == "BIGINT" and columns["sample"] == "INTEGER"


def test_every_policy_gets_the_same_samples_and_seeds(tiny_results, korea_spec):
    con = duckdb.connect(str(tiny_results / "exploration.duckdb"), read_only=True)
    names = ", ".join(f'"{n}"' for n in korea_spec.names)
    distinct = con.execute(f"SELECT sample, count(DISTINCT ({names}, seed)), count(*) "
                           "FROM experiments GROUP BY sample ORDER BY sample").fetchall()
    seeds = con.execute("SELECT DISTINCT sample, seed FROM experiments ORDER BY sample"
                        ).fetchall()
    combos = con.execute("SELECT count(DISTINCT (china_answer, us_posture)) FROM experiments"
                         ).fetchone()[0]
    con.close()
    assert distinct == [(s, 1, 12) for s in range(8)]
    assert seeds == [(s, sample_seed(11, s)) for s in range(8)]
    assert combos == 12


def test_rerun_is_bit_for_bit_identical(tiny_results, tmp_path, korea, korea_spec):
    explore(korea, korea_spec, tmp_path, sampler="lhs", samples=8, futures=50, months=6,
            seed=11)
    first = _dump(tiny_results / "exploration.duckdb")
    again = _dump(tmp_path / "exploration.duckdb")
    assert first == again


def test_worker_processes_give_the_same_numbers(tmp_path, korea, small_sobol_spec):
    kwargs = {"samples": 8, "futures": 20, "months": 3, "seed": 4, "sampler": "mc"}
    explore(korea, small_sobol_spec, tmp_path / "one", **kwargs)
    explore(korea, small_sobol_spec, tmp_path / "two", workers=2, **kwargs)
    assert _dump(tmp_path / "one" / "exploration.duckdb") == _dump(
        tmp_path / "two" / "exploration.duckdb")


def test_a_dask_cluster_gives_the_same_numbers(tmp_path, korea, small_sobol_spec):
    """A real distributed.LocalCluster (2 worker processes) stores exactly what one process does."""
    kwargs = {"samples": 8, "futures": 20, "months": 3, "seed": 4, "sampler": "mc"}
    explore(korea, small_sobol_spec, tmp_path / "one", executor="local", **kwargs)
    explore(korea, small_sobol_spec, tmp_path / "dask", executor="dask", workers=2, **kwargs)
    assert _dump(tmp_path / "one" / "exploration.duckdb") == _dump(
        tmp_path / "dask" / "exploration.duckdb")


def test_common_random_numbers_make_identical_policies_identical(tmp_path, korea,
                                                                 small_sobol_spec):
    same = small_sobol_spec.model_copy(update={"levers": [
        small_sobol_spec.levers[0].model_copy(update={"options": [
            small_sobol_spec.levers[0].options[0],
            small_sobol_spec.levers[0].options[0].model_copy(update={"id": "again"})]})]})
    explore(korea, same, tmp_path, samples=4, futures=30, months=6, seed=2, sampler="lhs")
    con = duckdb.connect(str(tmp_path / "exploration.duckdb"), read_only=True)
    values = np.array(con.execute("SELECT value FROM outcomes o JOIN experiments e "
                                  "USING (experiment) ORDER BY e.sample, o.outcome, e.policy"
                                  ).fetchall()).reshape(-1, 2)
    con.close()
    assert np.array_equal(values[:, 0], values[:, 1], equal_nan=True)


def test_bad_numbers_are_errors_before_anything_runs(korea, korea_spec):
    with pytest.raises(ValueError, match="futures must be ≥ 1"):
        plan_exploration(korea, korea_spec, samples=4, futures=0, seed=1)
    with pytest.raises(ValueError, match="unknown sampler"):
        plan_exploration(korea, korea_spec, samples=4, futures=10, seed=1, sampler="grid")


def test_existing_results_are_not_overwritten(tiny_results, korea, korea_spec):
    with pytest.raises(FileExistsError):
        explore(korea, korea_spec, tiny_results, samples=2, futures=10, months=3, seed=1)


def test_explore_command_end_to_end(tmp_path):
    import typer
    from typer.testing import CliRunner

    from peninsula.cli.explore import explore_command

    app = typer.Typer()
    app.command()(explore_command)
    runner = CliRunner()
    args = ["korea-2024", "--samples", "2", "--futures", "10", "--months", "3", "--seed", "1",
            "--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Explored 24 experiments" in result.output
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "already exists" in again.output
    bad = runner.invoke(app, [*args[:-2], "--sampler", "grid", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "unknown sampler" in bad.output
