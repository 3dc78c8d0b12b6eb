"""Start states at a backtest origin: built from data before it, and from nothing after it."""

from __future__ import annotations

import itertools
import shutil

import numpy as np
import pandas as pd
import pytest

from peninsula.estimation.backtest_model import model_backtest, model_forecast
from peninsula.estimation.fit import FitError
from peninsula.estimation.history import ACTORS, read_history
from peninsula.estimation.origin import NUCLEAR_PER_TEST, origin_scenario

TINY = {"budget": 16, "replicates": 1, "sets": 4, "futures": 2, "seed": 5, "horizon": 12,
        "parameters": ["effort"]}


def _write_state_data(folder, *, conflict_from: str | None = None) -> None:
    """Nuclear tests, ICEWS dyad-years (2010-2014) and GDELT days (2018-2023), generated.

    Every dyad is mildly cooperative (net share 0.5 in ICEWS, 3 positive days in 4 in GDELT);
    from ``conflict_from`` on, PRK-USA turns to conflict on every day.
    """
    tests = ["2006-10-09", "2009-05-25", "2013-02-12", "2016-01-06", "2016-09-09", "2017-09-03"]
    (folder / "dprk_nuclear_tests.csv").write_text(
        "test_number,date\n" + "".join(f"{i + 1},{d}\n" for i, d in enumerate(tests)))
    rows = ["year,source,target,verbal_cooperation,material_cooperation,verbal_conflict,"
            "material_conflict"]
    for year, (s, t) in itertools.product(range(2010, 2015), itertools.permutations(ACTORS, 2)):
        rows.append(f"{year},{s},{t},60,15,20,5")  # (75 - 25) / 100 = 0.5
    (folder / "icews_dyad_year.csv").write_text("\n".join(rows) + "\n")
    days = pd.date_range("2018-01-01", "2023-12-31", freq="D")
    lines = ["date,actor_a,actor_b,score,day_abs_sum_all_country_pairs"]
    for i, day in enumerate(days):
        for a, b in itertools.combinations(sorted(ACTORS), 2):
            score = 2.0 if i % 4 else -1.0
            if conflict_from and {a, b} == {"PRK", "USA"} and day >= pd.Timestamp(conflict_from):
                score = -3.0
            lines.append(f"{day:%Y-%m-%d},{a},{b},{score},1000.0")
    (folder / "gdelt_composite_daily.csv").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def state_history(tmp_path_factory, example_history):
    folder = shutil.copytree(example_history, tmp_path_factory.mktemp("state") / "h")
    _write_state_data(folder)
    return folder


def _at(korea, folder, month: str, horizon: int = 24):
    last = (pd.Timestamp(month) - pd.DateOffset(months=1)).strftime("%Y-%m")
    return origin_scenario(korea, read_history(folder, until=last), month, horizon=horizon)


def _relation(scenario, source: str, target: str) -> float:
    return next(d.relation for d in scenario.dyads if (d.source, d.target) == (source, target))


def test_state_from_data_before_the_origin(korea, state_history) -> None:
    sc, state = _at(korea, state_history, "2016-01")
    s = sc.scenario
    assert s.start == "2016-01"
    # ICEWS 2014 (the latest year ended before 2016-01): net share 0.5 -> relation 5
    assert _relation(s, "PRK", "USA") == 5.0
    assert set(state.relations["basis"]) == {"ICEWS 2014"}
    # three nuclear tests before 2016-01 (the fourth is 2016-01-06)
    prk = next(a for a in s.actors if a.code == "PRK")
    assert state.nuclear_tests == 3 and prk.capabilities.nuclear == pytest.approx(3 * 0.05)
    assert NUCLEAR_PER_TEST == 0.05
    # dated facts: no "hostile" designation before 2024-01, no Russian theatre before 2022-03
    assert not next(d for d in s.dyads if (d.source, d.target) == ("PRK", "KOR")).hostile
    assert next(a for a in s.actors if a.code == "RUS").theatre is None
    # the 2024-25 calendar lies outside 2016-01 .. 2017-12
    assert not s.events and not s.elections
    assert "trump_presidency" not in [o.id for o in s.outcomes]


def test_gdelt_used_with_a_year_of_days(korea, state_history) -> None:
    sc, state = _at(korea, state_history, "2020-01")
    # 3 days in 4 positive, 1 in 4 negative -> (3 - 1) / 4 = 0.5 -> 5
    assert _relation(sc.scenario, "PRK", "KOR") == 5.0
    assert all(b.startswith("GDELT") for b in state.relations["basis"])
    prk = next(a for a in sc.scenario.actors if a.code == "PRK")
    assert prk.capabilities.nuclear == pytest.approx(0.3)


def test_the_vantage_point_keeps_the_dated_facts_and_calendar(korea, state_history) -> None:
    sc, state = _at(korea, state_history, "2024-02")
    s = sc.scenario
    assert next(d for d in s.dyads if (d.source, d.target) == ("PRK", "KOR")).hostile
    assert next(a for a in s.actors if a.code == "RUS").theatre is not None
    assert [e.id for e in s.events] == [e.id for e in korea.scenario.events]
    assert not state.facts and not state.dropped


def test_nothing_after_the_origin_reaches_its_state(korea, example_history, tmp_path) -> None:
    calm = shutil.copytree(example_history, tmp_path / "calm")
    _write_state_data(calm)
    angry = shutil.copytree(example_history, tmp_path / "angry")
    _write_state_data(angry, conflict_from="2021-06-01")
    before = _at(korea, calm, "2021-06")[0]
    assert _at(korea, angry, "2021-06")[0].sha256 == before.sha256
    # the same change a month earlier does reach it: the test can fail
    later = _at(korea, angry, "2021-07")[0]
    assert _relation(later.scenario, "PRK", "USA") < _relation(
        _at(korea, calm, "2021-07")[0].scenario, "PRK", "USA")


def test_backtest_reports_its_start_states(korea, state_history) -> None:
    args = {k: v for k, v in TINY.items() if k != "parameters"}
    result = model_backtest(korea, state_history, ["2022-01"], **args)
    assert result.start == "origin"
    at_origin = result.states[result.states["month"] == pd.Timestamp("2022-01-01")]
    assert "dyads.PRK>USA.relation" in set(at_origin["field"])
    window = result.states[result.states["month"] == pd.Timestamp("2020-01-01")]
    assert len(window)  # the fit window's own start state, 24 months before the origin
    with pytest.raises(FitError, match="--start"):
        model_forecast(korea, state_history, "2022-01", start="flagship", **TINY)


def test_start_states_change_the_forecast(korea, state_history) -> None:
    built = model_forecast(korea, state_history, "2016-01", **TINY)
    own = model_forecast(korea, state_history, "2016-01", start="scenario", **TINY)
    assert any(not np.array_equal(built[n], own[n]) for n in built)


def test_fit_on_worker_processes_gives_the_same_posterior(korea, example_history) -> None:
    """Parameter sets on two worker processes: the posterior is the one computed here."""
    from peninsula.estimation.fit import fit_scenario
    from peninsula.experiments.executors import ProcessExecutor

    args = {"until": "2023-12", "budget": 16, "replicates": 2, "seed": 3,
            "parameters": ["effort", "tone_cap", "launches_per_test"]}
    here = fit_scenario(korea, example_history, **args)
    with ProcessExecutor(2) as pool:
        there = fit_scenario(korea, example_history, executor=pool, **args)
    assert np.array_equal(here.posterior.samples, there.posterior.samples)
    assert np.array_equal(here.posterior.weights, there.posterior.weights)
    assert here.meta["cost"]["futures"] == there.meta["cost"]["futures"] > 0


def test_origin_reads_nothing_on_or_after_its_month_even_from_a_later_cut(
        korea, example_history, tmp_path) -> None:
    """The history given may run past the origin: origin.py's own date tests must hold."""
    angry = shutil.copytree(example_history, tmp_path / "angry")
    _write_state_data(angry, conflict_from="2021-06-01")
    calm = shutil.copytree(example_history, tmp_path / "calm")
    _write_state_data(calm)
    uncut_angry = read_history(angry)  # everything to the vantage point
    uncut_calm = read_history(calm)
    a = origin_scenario(korea, uncut_angry, "2021-06", horizon=24)[0]
    assert a.sha256 == origin_scenario(korea, uncut_calm, "2021-06", horizon=24)[0].sha256
    assert a.sha256 == _at(korea, angry, "2021-06")[0].sha256


def test_the_fit_cannot_undo_what_the_data_fixed(korea, state_history, monkeypatch) -> None:
    """No SLBM and no Russian war before the window: those two parameters are not fitted."""
    import peninsula.estimation.backtest_model as bm

    seen = {}
    real = bm.fit_scenario

    def spy(loaded, history, **kwargs):
        seen["parameters"] = kwargs["parameters"]
        seen["scenario"] = loaded.scenario
        return real(loaded, history, **kwargs)

    monkeypatch.setattr(bm, "fit_scenario", spy)
    args = {k: v for k, v in TINY.items() if k != "parameters"}
    model_forecast(korea, state_history, "2016-01", **args)
    assert "prk_second_strike" not in seen["parameters"]
    assert "rus_committed_elsewhere" not in seen["parameters"]
    assert "effort" in seen["parameters"] and "launches_per_test" in seen["parameters"]
    prk = next(a for a in seen["scenario"].actors if a.code == "PRK")
    assert prk.capabilities.second_strike == 0.0
    model_forecast(korea, state_history, "2016-01", start="scenario", **args)
    assert seen["parameters"] is None  # the scenario's own state: every uncertainty is fitted
