"""Forecast scores against hand-computed values; the Murphy identity."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peninsula.analysis.scoring import (
    LOG_SCORE_EPS,
    baseline_scores,
    brier_score,
    brier_skill_score,
    calibration_table,
    log_score,
    murphy_decomposition,
)

F = np.array([0.8, 0.8, 0.2, 0.2, 0.5])
OUT = np.array([1, 0, 0, 0, 1])
# By hand:
#   BS  = (0.04 + 0.64 + 0.04 + 0.04 + 0.25) / 5 = 0.202
#   bins by value: 0.2 -> outcomes (0, 0), 0.5 -> (1), 0.8 -> (1, 0); obar = 0.4
#   REL = (2*0.2^2 + 1*0.5^2 + 2*0.3^2) / 5 = 0.51 / 5 = 0.102
#   RES = (2*0.4^2 + 1*0.6^2 + 2*0.1^2) / 5 = 0.70 / 5 = 0.140
#   UNC = 0.4 * 0.6 = 0.24;  REL - RES + UNC = 0.202


def test_brier_hand_computed() -> None:
    assert brier_score(F, OUT) == pytest.approx(0.202, abs=1e-15)
    assert brier_score([1.0, 0.0], [True, False]) == 0.0
    assert brier_score([0.0], [1]) == 1.0


def test_log_score_hand_computed_and_clipping() -> None:
    expected = -(3 * math.log(0.8) + math.log(0.2) + math.log(0.5)) / 5
    assert log_score(F, OUT) == pytest.approx(expected, rel=1e-12)
    assert log_score([0.5, 0.5], [0, 1]) == pytest.approx(math.log(2))
    # a certain miss costs -ln(eps), not infinity
    assert log_score([0.0], [1]) == pytest.approx(-math.log(LOG_SCORE_EPS))
    assert log_score([1.0], [0], eps=1e-3) == pytest.approx(-math.log(1e-3))
    assert log_score([1.0], [1]) == pytest.approx(-math.log1p(-LOG_SCORE_EPS))
    with pytest.raises(ValueError, match="eps"):
        log_score(F, OUT, eps=0.0)


@pytest.mark.parametrize("bins", ["unique", 10, np.linspace(0, 1, 11)])
def test_murphy_hand_computed(bins) -> None:
    # 0.2, 0.5 and 0.8 sit in different bins for every binning above
    m = murphy_decomposition(F, OUT, bins=bins)
    assert m.brier == pytest.approx(0.202)
    assert m.reliability == pytest.approx(0.102)
    assert m.resolution == pytest.approx(0.140)
    assert m.uncertainty == pytest.approx(0.24)
    assert m.within_bin_variance == 0.0
    assert m.within_bin_covariance == 0.0
    assert m.reliability - m.resolution + m.uncertainty == pytest.approx(m.brier, abs=1e-15)
    assert m.n == 5 and m.n_bins == 3


def test_murphy_exact_for_grid_forecasts_in_ten_bins() -> None:
    # forecasts on the 0.1 grid; 0.0..0.9 each get their own equal-width bin
    rng = np.random.default_rng(0)
    f = rng.integers(0, 10, size=500) / 10
    o = rng.uniform(size=500) < f
    m = murphy_decomposition(f, o, bins=10)
    assert m.within_bin_variance == pytest.approx(0.0, abs=1e-28)
    assert m.reliability - m.resolution + m.uncertainty == pytest.approx(m.brier, abs=1e-14)


def test_murphy_residual_for_continuous_forecasts() -> None:
    rng = np.random.default_rng(1)
    f = rng.uniform(size=1000)
    o = rng.uniform(size=1000) < f
    m = murphy_decomposition(f, o, bins=5)
    assert m.within_bin_variance > 0
    # three-term identity is off, the five-term one (Stephenson et al. 2008) is exact
    assert abs(m.residual) > 1e-6
    full = (
        m.reliability
        - m.resolution
        + m.uncertainty
        + m.within_bin_variance
        - m.within_bin_covariance
    )
    assert full == pytest.approx(m.brier, abs=1e-12)
    assert m.residual == pytest.approx(m.within_bin_variance - m.within_bin_covariance)


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(0, 20), st.booleans()), min_size=1, max_size=60),
    n_bins=st.integers(1, 25),
)
def test_murphy_identity_property(data, n_bins: int) -> None:
    f = np.array([k / 20 for k, _ in data])
    o = np.array([b for _, b in data])
    for bins in ("unique", n_bins):
        m = murphy_decomposition(f, o, bins=bins)
        full = (
            m.reliability
            - m.resolution
            + m.uncertainty
            + m.within_bin_variance
            - m.within_bin_covariance
        )
        assert full == pytest.approx(m.brier, abs=1e-12)
        assert m.reliability >= 0 and m.resolution >= 0
        assert 0 <= m.uncertainty <= 0.25
    m = murphy_decomposition(f, o, bins="unique")
    assert m.reliability - m.resolution + m.uncertainty == pytest.approx(m.brier, abs=1e-12)


def test_calibration_table() -> None:
    rows = calibration_table(F, OUT, bins=10)
    assert len(rows) == 10
    assert [r.count for r in rows] == [0, 0, 2, 0, 0, 1, 0, 0, 2, 0]
    r2, r5, r8 = rows[2], rows[5], rows[8]
    assert (r2.lower, r2.upper) == pytest.approx((0.2, 0.3))
    assert (r2.mean_forecast, r2.observed_frequency) == (0.2, 0.0)
    assert (r5.mean_forecast, r5.observed_frequency) == (0.5, 1.0)
    assert (r8.mean_forecast, r8.observed_frequency) == (0.8, 0.5)
    assert math.isnan(rows[0].mean_forecast) and math.isnan(rows[0].observed_frequency)
    assert sum(r.count for r in rows) == F.size


def test_calibration_edges_and_unique() -> None:
    f = [0.0, 0.3, 0.7, 1.0, 1.0]
    o = [0, 0, 1, 1, 0]
    rows = calibration_table(f, o, bins=10)
    assert [r.count for r in rows] == [1, 0, 0, 1, 0, 0, 0, 1, 0, 2]  # 1.0 in the last bin
    rows = calibration_table(f, o, bins="unique")
    assert [(r.lower, r.count, r.observed_frequency) for r in rows] == [
        (0.0, 1, 0.0),
        (0.3, 1, 0.0),
        (0.7, 1, 1.0),
        (1.0, 2, 0.5),
    ]
    rows = calibration_table(f, o, bins=[0.0, 0.5, 1.0])
    assert [r.count for r in rows] == [2, 3]
    with pytest.raises(ValueError, match="cover"):
        calibration_table(f, o, bins=[0.1, 1.0])
    with pytest.raises(ValueError, match="increasing"):
        calibration_table(f, o, bins=[0.0, 0.6, 0.5, 1.0])
    with pytest.raises(ValueError, match="unique"):
        calibration_table(f, o, bins="quantile")  # type: ignore[arg-type]


def test_baselines() -> None:
    b = baseline_scores(OUT)
    assert b.in_sample and b.base_rate == pytest.approx(0.4)
    assert b.half_brier == 0.25
    assert b.half_log == pytest.approx(math.log(2))
    # in-sample base rate's Brier score is the uncertainty term obar(1 - obar)
    assert b.base_rate_brier == pytest.approx(0.24)
    assert b.base_rate_log == pytest.approx(-(0.4 * math.log(0.4) + 0.6 * math.log(0.6)))
    b = baseline_scores(OUT, base_rate=0.1)
    assert not b.in_sample
    assert b.base_rate_brier == pytest.approx((2 * 0.81 + 3 * 0.01) / 5)


def test_brier_skill_score() -> None:
    assert brier_skill_score(F, OUT) == pytest.approx(1 - 0.202 / 0.24)
    assert brier_skill_score(F, OUT, reference=0.5) == pytest.approx(1 - 0.202 / 0.25)
    assert brier_skill_score(OUT, OUT) == 1.0
    assert math.isnan(brier_skill_score([0.5, 0.5], [1, 1]))


def test_input_validation() -> None:
    with pytest.raises(ValueError, match="same length"):
        brier_score([0.1, 0.2], [1])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        brier_score([1.2], [1])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        brier_score([np.nan], [1])
    with pytest.raises(ValueError, match="0/1"):
        brier_score([0.5], [2])
    with pytest.raises(ValueError, match="at least one"):
        brier_score([], [])
