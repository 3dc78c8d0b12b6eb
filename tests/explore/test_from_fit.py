"""``explore --from-fit``: a posterior's parameter sets replace the fitted uncertainties."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from typer.testing import CliRunner

from peninsula.api.explorations import explore, plan
from peninsula.estimation.fit import (
    Fit,
    FitError,
    FitParameter,
    design_from_fit,
    folder_sha256,
    load_fit,
)
from peninsula.estimation.inference import Bounds, Posterior


def _tiny_fit(folder, params=(("effort", "dynamics.effort", 0.3, 2.0, 0.5, 1.7),
                              ("tone_cap", "dynamics.tone_cap", 3.0, 10.0, 4.0, 9.0))):
    """A hand-made posterior: two atoms per parameter, the first with almost all weight."""
    fp = [FitParameter(i, p, lo, hi, "uniform", False) for i, p, lo, hi, _, _ in params]
    bounds = Bounds.of({p.id: p.bounds for p in fp})
    samples = np.array([[a for *_, a, _ in params], [b for *_, b in params]])
    post = Posterior(bounds, samples, np.array([0.999, 0.001]), ("s0",), np.zeros(1),
                     np.zeros((2, 1)), "abc", 0, 10)
    Fit(post, fp, {"method": "abc", "scenario_sha256": "x",
                   "parameters": [p.to_dict() for p in fp]}).save(folder, plot=False)
    return folder


def test_plan_draws_fitted_columns(korea, tmp_path) -> None:
    folder = _tiny_fit(tmp_path / "fit")
    base = plan(korea, samples=20, futures=10, seed=7, prior=True)
    planned = plan(korea, samples=20, futures=10, seed=7, from_fit=folder)
    names = list(planned.design.names)
    values = np.asarray(planned.design.values)
    effort = values[:, names.index("effort")]
    assert set(np.round(effort, 6)) <= {0.5, 1.7} and (np.round(effort, 6) == 0.5).sum() >= 18
    assert set(np.round(values[:, names.index("tone_cap")], 6)) <= {4.0, 9.0}
    # the others keep the ranges' sample, unchanged
    other = names.index("hostility_bias")
    assert np.array_equal(values[:, other], np.asarray(base.design.values)[:, other])
    unit = np.asarray(planned.design.unit)[:, names.index("effort")]
    assert np.allclose(unit[np.round(effort, 6) == 0.5], (0.5 - 0.3) / 1.7)
    fit = planned.header["fit"]
    assert fit["folder_sha256"] == folder_sha256(folder) and not fit["same_scenario"]
    again = design_from_fit(load_fit(folder), planned.spec.uncertainties, base.design, 7)
    assert np.array_equal(np.asarray(again.values), values)  # reproducible


def test_explore_records_the_fit(korea, tmp_path) -> None:
    folder = _tiny_fit(tmp_path / "fit")
    ex = explore(korea, out=tmp_path / "ex", samples=2, futures=10, months=2,
                 from_fit=folder, executor="local", progress=False)
    assert ex.metadata["fit"]["folder_sha256"] == folder_sha256(folder)
    assert ex.metadata["fit"]["parameters"] == ["effort", "tone_cap"]


def test_refusals(korea, tmp_path) -> None:
    folder = _tiny_fit(tmp_path / "fit")
    base = plan(korea, samples=4, futures=10)
    sobol = SimpleNamespace(sampler="sobol")
    with pytest.raises(FitError, match="sobol"):
        design_from_fit(load_fit(folder), base.spec.uncertainties, sobol, 0)
    wrong = _tiny_fit(tmp_path / "wrong",
                      params=(("effort", "dynamics.affinity", 0.5, 3.0, 1.0, 2.0),))
    with pytest.raises(FitError, match="not among the scenario's uncertainties"):
        design_from_fit(load_fit(wrong), base.spec.uncertainties, base.design, 0)
    with pytest.raises(FitError, match="not a fit folder"):
        plan(korea, samples=4, futures=10, from_fit=tmp_path / "none")


def test_cli_from_fit(tmp_path) -> None:
    from peninsula.cli import app

    folder = _tiny_fit(tmp_path / "fit")
    result = CliRunner().invoke(app, ["explore", "korea-2024", "--from-fit", str(folder),
                                      "--samples", "2", "--futures", "10", "--months", "2",
                                      "-e", "local", "--out", str(tmp_path / "ex")])
    assert result.exit_code == 0, result.output
    assert "drawn from its abc posterior" in result.output
    bad = CliRunner().invoke(app, ["explore", "korea-2024", "--from-fit", str(tmp_path),
                                   "--samples", "2", "--out", str(tmp_path / "ex2")])
    assert bad.exit_code == 2 and "not a fit folder" in bad.output


def test_a_fit_with_the_measurement_parameter_explores(korea, tmp_path) -> None:
    """The campaign size belongs to the measurement model, not the scenario: --from-fit uses
    the scenario's fitted columns and leaves it out."""
    folder = _tiny_fit(tmp_path / "fit", params=(
        ("effort", "dynamics.effort", 0.3, 2.0, 0.5, 1.7),
        ("launches_per_test", "measurement.launches_per_test", 1.0, 4.0, 2.0, 3.0)))
    planned = plan(korea, samples=6, futures=10, seed=7, from_fit=folder)
    names = list(planned.design.names)
    assert "launches_per_test" not in names
    assert set(np.round(np.asarray(planned.design.values)[:, names.index("effort")], 6)) <= {
        0.5, 1.7}


def _scenario_with_fit(tmp_path, fit_line: str, **changes: str):
    """The flagship copied into ``tmp_path`` with ``fit_line`` (and text replacements)."""
    from peninsula.scenario.loading import resolve_scenario_path

    text = resolve_scenario_path("korea-2024").read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("fit:"))
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "mine.yaml"
    path.write_text(text + f"\n{fit_line}\n", encoding="utf-8")
    return path


def test_a_scenario_fit_is_the_default(tmp_path) -> None:
    """``fit:`` in the scenario: its posterior is drawn unless --prior or a Sobol design."""
    _tiny_fit(tmp_path / "myfit")
    path = _scenario_with_fit(tmp_path, "fit: myfit")
    planned = plan(path, samples=20, futures=10, seed=7)
    assert planned.header["fit"]["folder"] == str(tmp_path / "myfit")
    names = list(planned.design.names)
    effort = np.round(np.asarray(planned.design.values)[:, names.index("effort")], 6)
    assert set(effort) <= {0.5, 1.7}
    ranged = plan(path, samples=20, futures=10, seed=7, prior=True)
    assert ranged.header["fit"]["folder"] is None and "--prior" in ranged.header["fit"]["draws"]
    assert len(set(np.round(np.asarray(ranged.design.values)[:, names.index("effort")], 6))) == 20
    sobol = plan(path, samples=62, futures=10, seed=7, sampler="sobol")
    assert sobol.header["fit"]["folder"] is None and "Sobol" in sobol.header["fit"]["draws"]
    with pytest.raises(ValueError, match="exclude each other"):
        plan(path, samples=4, futures=10, from_fit=tmp_path / "myfit", prior=True)
    result = CliRunner().invoke(_app(), ["explore", str(path), "--prior", "--samples", "2",
                                         "--futures", "10", "--months", "2", "-e", "local",
                                         "--out", str(tmp_path / "ex")])
    assert result.exit_code == 0, result.output
    assert "not from the scenario's fit" in result.output


def test_a_missing_scenario_fit_is_a_clear_error(tmp_path) -> None:
    from peninsula.scenario.loading import ScenarioError, load_scenario

    path = _scenario_with_fit(tmp_path, "fit: nowhere")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert "mine.yaml:" in text and "fit: no folder 'nowhere'" in text
    for bad in ("/etc", "../up", "a/../../b", "x" * 300):
        with pytest.raises(ScenarioError, match="fit"):
            load_scenario(_scenario_with_fit(tmp_path, f"fit: '{bad}'"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ScenarioError, match="no folder 'empty'"):  # a folder without fit.json
        load_scenario(_scenario_with_fit(tmp_path, "fit: empty"))
    copied = load_scenario(_scenario_with_fit(tmp_path, "fit: korea-2024-fit"))
    assert copied.fit_folder == load_scenario("korea-2024").fit_folder  # the built-in fit


def test_a_fit_applies_when_only_its_parameters_defaults_changed(tmp_path) -> None:
    """Setting a fitted parameter's default from the fit keeps the fit the scenario's own;
    changing anything else makes it another version's."""
    from peninsula.estimation.fit import unfitted_sha256
    from peninsula.scenario.loading import load_scenario

    fp = [FitParameter("effort", "dynamics.effort", 0.3, 2.0, "uniform", False)]
    bounds = Bounds.of({p.id: p.bounds for p in fp})
    post = Posterior(bounds, np.array([[0.5], [1.7]]), np.array([0.5, 0.5]), ("s0",),
                     np.zeros(1), np.zeros((2, 1)), "abc", 0, 10)
    original = load_scenario("korea-2024")
    Fit(post, fp, {"method": "abc", "scenario_sha256": original.sha256,
                   "scenario_sha256_unfitted": unfitted_sha256(original, fp),
                   "parameters": [p.to_dict() for p in fp]}).save(tmp_path / "f", plot=False)
    effort = f"  effort: {original.scenario.dynamics.effort:.1f}\n"
    same = _scenario_with_fit(tmp_path, "fit: f", **{effort: "  effort: 1.234\n"})
    assert plan(same, samples=4, futures=10).header["fit"]["same_scenario"]
    other = _scenario_with_fit(tmp_path, "fit: f", **{"  rung_decay: 0.5\n":
                                                        "  rung_decay: 0.4\n"})
    assert not plan(other, samples=4, futures=10).header["fit"]["same_scenario"]


def _app():
    from peninsula.cli import app

    return app


def test_resume_refuses_another_design_source(korea, tmp_path) -> None:
    """An exploration begun over the ranges (--prior) cannot be finished from the fit."""
    import duckdb

    from peninsula.store.explorations import ResultsError

    out = tmp_path / "ex"
    explore(korea, out=out, samples=2, futures=10, months=2, prior=True, executor="local",
            progress=False)
    con = duckdb.connect(str(out / "exploration.duckdb"))
    con.execute("UPDATE exploration SET status = 'running'")
    con.close()
    with pytest.raises(ResultsError, match="different fit"):
        explore(korea, out=out, samples=2, futures=10, months=2, resume=True,
                executor="local", progress=False)
    done = explore(korea, out=out, samples=2, futures=10, months=2, prior=True, resume=True,
                   executor="local", progress=False)
    assert done.metadata["fit"]["folder"] is None


def test_a_source_scope_without_a_cooldown_is_refused(tmp_path) -> None:
    """cooldown_scope: source says what a cooldown counts from; alone it would do nothing."""
    from peninsula.scenario.loading import ScenarioError, load_scenario

    path = _scenario_with_fit(tmp_path, "", **{
        "  actions.irbm_test.preconditions.sources: [PRK]\n":
        "  actions.irbm_test.preconditions.sources: [PRK]\n"
        "  actions.missile_test.preconditions.cooldown_scope: source\n"})
    with pytest.raises(ScenarioError, match="cooldown_scope: source needs cooldown_months"):
        load_scenario(path)
