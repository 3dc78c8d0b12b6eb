"""Reading stored explorations: probabilities, robustness, Sobol, PRIM, compare, the CLI."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from peninsula.analysis.comparison import compare_explorations
from peninsula.analysis.discovery import discover
from peninsula.analysis.policies import policy_probabilities
from peninsula.analysis.robustness import robustness, robustness_of
from peninsula.analysis.sensitivity import sensitivity
from peninsula.cli.explore import analyze_command, compare_command, report_command
from peninsula.experiments.sampling import sample
from peninsula.scenario.exploration import Uncertainty
from peninsula.store.explorations import ExplorationResults, ResultsError, open_results

runner = CliRunner()
app = typer.Typer()
app.command("analyze")(analyze_command)
app.command("compare")(compare_command)
app.command("report")(report_command)


def synthetic(samples: np.ndarray, y: np.ndarray, names: list[str], sampler: str,
              n_base: int | None = None, futures: int = 1000) -> ExplorationResults:
    """Results of a one-policy, one-outcome 'exploration' whose outcome is ``y``."""
    n, d = samples.shape
    return ExplorationResults(
        path=Path("synthetic"), metadata={"sampler": sampler, "futures": futures, "samples": n,
                                          "n_base": n_base, "calc_second_order": False},
        uncertainties=[{"name": name, "path": name, "distribution": "uniform",
                        "low": float(samples[:, j].min()), "high": float(samples[:, j].max()),
                        "rationale": ""} for j, name in enumerate(names)],
        levers=[], policies=[{"label": "as written", "options": {}}], actors=["AAA", "BBB"],
        outcomes=[{"id": "y", "label": "Y", "kind": "continuous"}], samples=samples,
        seeds=np.arange(n), value=np.asarray(y, dtype=float)[None, :, None],
        hits=np.zeros((1, n, 1), dtype=int), rung=np.zeros((1, n, 1)),
        dyads={k: np.zeros((1, 2, 2)) for k in ("relation_start", "commitment_start",
                                                 "relation_end", "commitment_end")})


# --------------------------------------------------------------------------- stored results


def test_open_results_reads_arrays_aligned_policy_sample_outcome(tiny_results):
    res = open_results(tiny_results)
    n_out, n_unc = len(res.outcomes), res.samples.shape[1]
    assert n_out == 18 and n_unc == 29  # the flagship's outcomes and uncertainties
    assert res.value.shape == (12, 8, n_out) and res.rung.shape == (12, 8, 2)
    assert res.samples.shape == (8, n_unc) and res.policy_short[0] == "distance / pressure"
    binary = [i for i, o in enumerate(res.outcomes) if o["kind"] == "binary"]
    assert np.allclose(res.value[:, :, binary], res.hits[:, :, binary] / 50)
    assert res.dyads["commitment_start"].shape == (12, 6, 6)
    chn, prk = res.actors.index("CHN"), res.actors.index("PRK")
    guarantee = [i for i, p in enumerate(res.policies)
                 if p["options"]["china_answer"] == "military_guarantee"]
    assert np.allclose(res.dyads["commitment_start"][guarantee, chn, prk], 0.9)


def test_probabilities_per_policy_have_intervals_around_them(tiny_results):
    res = open_results(tiny_results)
    rows = policy_probabilities(res)
    assert len(rows) == 12 * len(res.outcomes)
    for r in rows:
        e = r.estimate
        assert e.low <= e.value <= e.high
        if r.kind == "binary":
            assert 0.0 <= e.low and e.high <= 1.0


def test_robustness_is_computed_from_the_stored_matrix(tiny_results):
    res = open_results(tiny_results)
    table = robustness_of(res, outcome="limited_clash", tolerance=0.02)
    k = res.outcome_index("limited_clash")
    direct = robustness(res.value[:, :, k], lever_names=res.policy_labels,
                        higher_is_better=False, tolerance=0.02)
    assert table == direct
    weighted = robustness_of(res, objective="war_on_peninsula=3,limited_clash=1,"
                                            "+inter_korean_talks=1")
    assert len(weighted.levers) == 12
    with pytest.raises(ResultsError, match="unknown outcome"):
        robustness_of(res, outcome="peace")


def test_sobol_needs_the_sobol_sampler(tiny_results):
    sens = sensitivity(open_results(tiny_results), "limited_clash")
    assert sens.ST is None and "--sampler sobol" in sens.message


def test_sobol_indices_from_a_sobol_exploration(sobol_results):
    res = open_results(sobol_results)
    sens = sensitivity(res, "limited_clash")
    assert sens.ST is not None and sens.ST.shape == (2,)
    assert np.all(np.isfinite(sens.S1)) and sens.noise_share is not None


def test_sobol_indices_of_ishigami_through_the_exploration_path():
    bounds = [Uncertainty(path=f"x.x{j}", id=f"x{j + 1}", low=-math.pi, high=math.pi,
                          rationale="Ishigami") for j in range(3)]
    design = sample(bounds, 2**12 * 5, "sobol", seed=1)
    x = design.values
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    res = synthetic(x, y, ["x1", "x2", "x3"], "sobol", n_base=design.n_base)
    sens = sensitivity(res, "y")
    # analytic values (Sobol' & Levitan 1999): S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244
    assert sens.S1 == pytest.approx([0.3139, 0.4424, 0.0], abs=0.03)
    assert sens.ST == pytest.approx([0.5576, 0.4424, 0.2437], abs=0.03)


def test_prim_finds_a_known_box():
    rng = np.random.default_rng(0)
    x = rng.random((2000, 3))
    inside = (x[:, 0] > 0.7) & (x[:, 1] < 0.4)
    y = np.where(inside, 0.2, 0.01) + rng.normal(0, 0.002, 2000)
    res = synthetic(x, y, ["a", "b", "c"], "lhs")
    found = discover(res, "y", 0.1)
    box = found.boxes[0]
    assert set(box.restricted_names) == {"a", "b"}
    assert box["a"].lower == pytest.approx(0.7, abs=0.03)
    assert box["b"].upper == pytest.approx(0.4, abs=0.03)
    assert box.coverage > 0.9 and box.density > 0.9


def test_prim_on_stored_results_is_consistent_with_the_stored_values(tiny_results):
    res = open_results(tiny_results)
    found = discover(res, "limited_clash", 0.2)
    values = res.value[:, :, res.outcome_index("limited_clash")]
    assert found.n_rows == values.size == 96
    assert found.n_of_interest == int((values > 0.2).sum())
    if found.boxes:  # every box is dense enough and restricts only sampled uncertainties
        for box in found.boxes:
            assert box.density >= found.density - 1e-9
            assert {r.name for r in box.restrictions} <= set(res.names)
    else:  # no box: the message says which of the three reasons holds
        share = found.n_of_interest / found.n_rows
        expected = ("no experiment has" if share == 0 else "every experiment has" if share == 1
                    else "no box reaches a density of")
        assert found.message.startswith(expected), found.message


def test_comparing_an_exploration_with_itself_gives_zero_paired_differences(tiny_results):
    res = open_results(tiny_results)
    rows = compare_explorations(res, res)
    assert all(r.paired and r.difference.value == 0 for r in rows)


def test_incomplete_or_missing_results_are_clear_errors(tmp_path, tiny_results):
    with pytest.raises(ResultsError, match="no exploration results"):
        open_results(tmp_path)
    import shutil

    import duckdb

    shutil.copy(tiny_results / "exploration.duckdb", tmp_path / "exploration.duckdb")
    con = duckdb.connect(str(tmp_path / "exploration.duckdb"))
    con.execute("UPDATE exploration SET status = 'running'")
    con.close()
    with pytest.raises(ResultsError, match="did not finish"):
        open_results(tmp_path)


# --------------------------------------------------------------------------- CLI


def test_analyze_prints_every_part(tiny_results):
    result = runner.invoke(app, ["analyze", str(tiny_results), "--outcome", "limited_clash",
                                 "--threshold", "0.2", "--objective",
                                 "war_on_peninsula=3,limited_clash=1"])
    assert result.exit_code == 0, result.output
    for text in ("Limited clash", "95% interval", "Robustness", "most robust",
                 "weighted objective", "--sampler sobol", "Scenario discovery"):
        assert text in result.output


def test_analyze_sobol_run_prints_indices(sobol_results):
    result = runner.invoke(app, ["analyze", str(sobol_results), "--outcome", "limited_clash"])
    assert result.exit_code == 0, result.output
    assert "Sobol indices" in result.output and "prk_risk" in result.output


def test_cli_errors_are_one_line_exit_2(tmp_path, tiny_results):
    for args in (["analyze", str(tmp_path)], ["analyze", str(tiny_results), "--outcome", "x"],
                 ["compare", str(tiny_results), str(tmp_path)],
                 ["analyze", str(tiny_results), "--objective", "war_on_peninsula"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "error:" in result.output and "Traceback" not in result.output


def test_compare_cli(tiny_results):
    result = runner.invoke(app, ["compare", str(tiny_results), str(tiny_results)])
    assert result.exit_code == 0, result.output
    assert "paired" in result.output and "B - A" in result.output
