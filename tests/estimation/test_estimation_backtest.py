"""Baselines, threshold questions and scores; no data after the origin reaches a forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from peninsula.analysis.scoring import brier_score
from peninsula.estimation.backtest import (
    BASELINES,
    KMAX,
    baseline_forecasts,
    before,
    count_series,
    crps_baselines,
    crps_pmf,
    crps_sample,
    resolve,
    score_questions,
    threshold_questions,
)
from peninsula.estimation.history import read_history
from peninsula.estimation.series import month_range, observed_series

MONTHS = month_range(pd.Timestamp("2000-01-01"), pd.Timestamp("2009-12-01"))


@pytest.fixture()
def counts() -> dict[str, pd.Series]:
    rng = np.random.default_rng(5)
    return {"launches": pd.Series(rng.poisson(1.2, len(MONTHS)), index=MONTHS),
            "icbm_launches": pd.Series(rng.poisson(0.05, len(MONTHS)), index=MONTHS),
            "nuclear_tests": pd.Series(rng.poisson(0.02, len(MONTHS)), index=MONTHS),
            "fatal_incidents": pd.Series(rng.poisson(0.1, 60), index=MONTHS[:60])}


def test_perturbing_data_after_the_origin_leaves_every_forecast_unchanged(counts):
    origin = pd.Timestamp("2006-01-01")
    qs = threshold_questions(counts, origin, horizon=24)
    base = baseline_forecasts(counts, origin, qs)
    rng = np.random.default_rng(9)
    changed = {}
    for name, s in counts.items():
        s = s.copy()
        after = s.index >= origin
        s[after] = rng.poisson(7.0, after.sum())  # a wholly different future
        changed[name] = s
    again = baseline_forecasts(changed, origin, qs)
    assert np.array_equal(base["probability"], again["probability"])
    assert not np.array_equal(base["outcome"].fillna(-1), again["outcome"].fillna(-1))
    assert crps_baselines(counts["fatal_incidents"], origin).empty  # no data after 2004
    for name in ("launches", "icbm_launches", "nuclear_tests"):
        a = crps_baselines(counts[name], origin)
        b = crps_baselines(changed[name], origin)
        assert not np.allclose(a["crps"], b["crps"])  # the truth changed, so the score does
    # … and changing one month *before* the origin does change a forecast
    moved = dict(counts)
    moved["launches"] = counts["launches"].copy()
    moved["launches"].iloc[MONTHS.get_loc(origin) - 1] += 30
    third = baseline_forecasts(moved, origin, qs)
    assert not np.array_equal(base["probability"], third["probability"])


def test_before_is_strictly_before_the_origin(counts):
    past = before(counts["launches"], "2005-03")
    assert past.index[-1] == pd.Timestamp("2005-02-01") and len(past) == 62


def test_baselines_pmfs(counts):
    y = counts["launches"]
    past = before(y, "2006-01")
    rate = past.iloc[-24:].mean()
    p = BASELINES["poisson24"](past, 3, KMAX)
    assert p.sum() == pytest.approx(1) and p[:10] == pytest.approx(
        stats.poisson.pmf(np.arange(10), 3 * rate))
    nb = BASELINES["negbin24"](past, 1, KMAX)
    k = np.arange(KMAX + 1)
    mean = np.sum(k * nb)
    assert mean == pytest.approx(rate, rel=1e-6)
    var = past.iloc[-24:].var(ddof=1)
    assert np.sum((k - mean) ** 2 * nb) == pytest.approx(max(var, rate), rel=1e-4)
    per = BASELINES["persistence"](past, 3, KMAX)
    assert per[int(past.iloc[-3:].sum())] == 1.0
    clim = BASELINES["climatology"](past, 12, KMAX)
    totals = past.rolling(12).sum().dropna().astype(int)
    assert clim[: KMAX + 1] == pytest.approx(np.bincount(totals, minlength=KMAX + 1) / len(totals))


def test_question_family_and_resolution(counts):
    qs = threshold_questions(counts, "2004-01", horizon=24, quarter_thresholds=(1, 3))
    ids = [q.id for q in qs]
    assert ids[0] == "nuclear_tests>=1@2004-01+12m"
    assert sum(q.series == "launches" for q in qs) == 8 * 2
    assert sum(q.series == "icbm_launches" for q in qs) == 2
    fatal = [q for q in qs if q.series == "fatal_incidents"]
    assert [resolve(q, counts) is None for q in fatal] == [False, True]  # data end 2004-12
    q = next(q for q in qs if q.id == "launches>=3@2004-04+3m")
    assert resolve(q, counts) == int(counts["launches"]["2004-04":"2004-06"].sum() >= 3)


def test_scores_use_the_shared_brier_and_murphy(counts):
    f = pd.concat([baseline_forecasts(counts, o, threshold_questions(counts, o, 24))
                   for o in ("2004-01", "2006-01")])
    table = score_questions(f).set_index("baseline")
    g = f[f["baseline"] == "poisson24"].dropna(subset=["outcome"])
    assert table.loc["poisson24", "brier"] == pytest.approx(
        brier_score(g["probability"], g["outcome"]))
    row = table.loc["climatology"]
    # with one bin per distinct forecast Murphy's identity is exact
    assert row["brier"] == pytest.approx(row["reliability"] - row["resolution"]
                                         + row["uncertainty"])


def test_crps_from_pmf_and_sample_agree_and_point_forecast_is_absolute_error():
    pmf = stats.poisson.pmf(np.arange(60), 3.0)
    sample = np.random.default_rng(0).poisson(3.0, 40_000)
    for y in (0, 3, 9):
        assert crps_pmf(pmf, y)[0] == pytest.approx(crps_sample(sample, y)[0], abs=0.03)
    point = np.zeros(20)
    point[4] = 1.0
    assert crps_pmf(point, 9)[0] == 5.0 and crps_sample(np.full(5, 4.0), 9)[0] == 5.0


def test_count_series_from_the_synthetic_history(history_dir):
    c = count_series(observed_series(read_history(history_dir)))
    assert set(c) == {"launches", "icbm_launches", "nuclear_tests", "fatal_incidents"}
    assert c["launches"].sum() == 5 and c["launches"].index[-1] == pd.Timestamp("2024-01-01")
    assert c["icbm_launches"].sum() == 1 and c["fatal_incidents"].sum() == 2


def test_backtest_over_origins_pools_what_it_scores_per_origin(counts):
    from peninsula.estimation.backtest import backtest_baselines

    b = backtest_baselines(counts, ["2004-01", "2006-01"], horizon=24)
    per = b.questions.groupby("baseline")["n"].sum()
    pooled = b.pooled.set_index("baseline")
    assert (per == pooled["n"]).all() and set(pooled.index) == set(BASELINES)
    assert set(b.crps["m"]) == {1, 3} and (b.crps["crps"] >= 0).all()
    assert "fatal_incidents" in set(b.crps["series"])  # covered by the 2004 origin only
    assert not (b.crps["origin"].eq(pd.Timestamp("2006-01-01"))
                & b.crps["series"].eq("fatal_incidents")).any()
