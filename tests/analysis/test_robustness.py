"""Robustness statistics on hand-built matrices with known answers, plus regret properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from peninsula.analysis.robustness import regret_matrix, robustness, weighted_objective

# Three levers x four futures, higher is better.
#            s0  s1  s2  s3
V = np.array(
    [
        [10.0, 10.0, 10.0, 10.0],  # "hedge": never best, never bad
        [20.0, 0.0, 20.0, 0.0],  # "gamble": great or terrible
        [12.0, 8.0, 14.0, 9.0],  # "steady"
    ]
)
NAMES = ("hedge", "gamble", "steady")
# best per future: 20, 10, 20, 10
# regret hedge : 10, 0, 10, 0 -> max 10, mean 5
# regret gamble:  0,10,  0,10 -> max 10, mean 5
# regret steady:  8, 2,  6, 1 -> max 8,  mean 4.25


def test_hand_built_higher_is_better() -> None:
    t = robustness(V, lever_names=NAMES)
    assert t.n_samples == 4 and t.higher_is_better
    h, g, s = t["hedge"], t["gamble"], t["steady"]
    assert (h.expected, h.worst, h.max_regret, h.mean_regret) == (10.0, 10.0, 10.0, 5.0)
    assert (g.expected, g.worst, g.max_regret, g.mean_regret) == (10.0, 0.0, 10.0, 5.0)
    assert (s.expected, s.worst, s.max_regret, s.mean_regret) == (10.75, 8.0, 8.0, 4.25)
    assert (h.share_near_best, g.share_near_best, s.share_near_best) == (0.5, 0.5, 0.0)
    assert t.best("expected") == "steady"
    assert t.best("worst") == "hedge"  # maximin
    assert t.best("max_regret") == "steady"  # Savage minimax regret
    assert t.best("mean_regret") == "steady"
    assert t.best("share_near_best") == "hedge"  # tie with gamble -> first listed


def test_tolerance_counts_near_best() -> None:
    t = robustness(V, lever_names=NAMES, tolerance=2.0)
    # steady's regrets 8, 2, 6, 1 -> two within 2
    assert t["steady"].share_near_best == 0.5
    t = robustness(V, lever_names=NAMES, tolerance=10.0)
    assert all(rec.share_near_best == 1.0 for rec in t.levers)


def test_lower_is_better_war_probability() -> None:
    p_war = np.array(
        [
            [0.10, 0.30, 0.20],  # deter
            [0.05, 0.50, 0.10],  # appease
        ]
    )
    t = robustness(p_war, lever_names=("deter", "appease"), higher_is_better=False)
    np.testing.assert_allclose(
        regret_matrix(p_war, higher_is_better=False), [[0.05, 0.0, 0.10], [0.0, 0.20, 0.0]]
    )
    assert t["deter"].worst == pytest.approx(0.30)
    assert t["appease"].worst == pytest.approx(0.50)
    assert t["deter"].expected == pytest.approx(0.20)
    assert t["appease"].expected == pytest.approx(0.65 / 3)
    assert t["deter"].max_regret == pytest.approx(0.10)
    assert t["appease"].max_regret == pytest.approx(0.20)
    assert t.best("expected") == "deter"
    assert t.best("worst") == "deter"
    assert t.best("max_regret") == "deter"
    assert t.best("share_near_best") == "appease"  # best in 2 of 3 futures


def test_default_names_and_errors() -> None:
    t = robustness([[1.0, 2.0]])
    assert t.levers[0].lever == "lever_0" and t.levers[0].max_regret == 0.0
    with pytest.raises(ValueError, match="2-D"):
        robustness([1.0, 2.0])
    with pytest.raises(ValueError, match="non-finite"):
        robustness([[1.0, np.nan]])
    with pytest.raises(ValueError, match="lever names"):
        robustness(V, lever_names=("a", "b"))
    with pytest.raises(ValueError, match="tolerance"):
        robustness(V, tolerance=-1.0)
    with pytest.raises(ValueError, match="criterion"):
        robustness(V).best("bogus")  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        robustness(V)["nope"]


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
matrices = st.tuples(st.integers(1, 6), st.integers(1, 12)).flatmap(
    lambda shape: arrays(np.float64, shape, elements=finite)
)


@settings(max_examples=200, deadline=None)
@given(values=matrices, higher=st.booleans())
def test_regret_properties(values: np.ndarray, higher: bool) -> None:
    r = regret_matrix(values, higher_is_better=higher)
    assert r.shape == values.shape
    assert np.all(r >= 0.0)
    # the best lever of every sample has exactly zero regret
    best = values.argmax(axis=0) if higher else values.argmin(axis=0)
    assert np.all(r[best, np.arange(values.shape[1])] == 0.0)
    assert np.all(r.min(axis=0) == 0.0)
    t = robustness(values, higher_is_better=higher)
    # every sample has at least one exactly-best lever, so shares sum to >= 1
    assert sum(rec.share_near_best for rec in t.levers) >= 1.0 - 1e-12
    for i, rec in enumerate(t.levers):
        assert 0.0 <= rec.mean_regret <= rec.max_regret
        assert rec.max_regret == r[i].max()
        if higher:
            assert rec.worst <= rec.expected + 1e-9 * (1 + abs(rec.expected))
        else:
            assert rec.worst >= rec.expected - 1e-9 * (1 + abs(rec.expected))


@settings(max_examples=100, deadline=None)
@given(values=matrices, shift=finite)
def test_regret_invariant_to_per_sample_shift(values: np.ndarray, shift: float) -> None:
    # adding the same amount to every lever in a future changes no regret
    shifted = values + shift
    np.testing.assert_allclose(
        regret_matrix(shifted), regret_matrix(values), atol=1e-6 * (1 + abs(shift))
    )


def test_weighted_objective_minmax_and_orientation() -> None:
    gdp = np.array([[0.0, 10.0], [5.0, 5.0]])  # higher better, range 0..10
    war = np.array([[0.2, 0.6], [0.4, 0.2]])  # lower better, range 0.2..0.6
    obj = weighted_objective(
        {"gdp": gdp, "war": war},
        {"gdp": 1.0, "war": 3.0},
        higher_is_better={"war": False},
    )
    u_gdp = gdp / 10.0
    u_war = 1.0 - (war - 0.2) / 0.4
    np.testing.assert_allclose(obj, 0.25 * u_gdp + 0.75 * u_war)
    assert obj.shape == (2, 2)


def test_weighted_objective_raw_and_constant() -> None:
    a = np.array([[1.0, 2.0]])
    b = np.array([[3.0, 3.0]])
    raw = weighted_objective(
        {"a": a, "b": b}, {"a": 1, "b": 1}, normalize="none", higher_is_better={"b": False}
    )
    np.testing.assert_allclose(raw, 0.5 * a - 0.5 * b)
    mm = weighted_objective({"a": a, "b": b}, {"a": 1, "b": 1})
    np.testing.assert_allclose(mm, [[0.0, 0.5]])  # constant b contributes 0


def test_weighted_objective_errors() -> None:
    a = np.zeros((2, 3))
    with pytest.raises(ValueError, match="same keys"):
        weighted_objective({"a": a}, {"b": 1.0})
    with pytest.raises(ValueError, match=">= 0"):
        weighted_objective({"a": a}, {"a": -1.0})
    with pytest.raises(ValueError, match="all be zero"):
        weighted_objective({"a": a}, {"a": 0.0})
    with pytest.raises(ValueError, match="shape"):
        weighted_objective({"a": a, "b": np.zeros((3, 2))}, {"a": 1.0, "b": 1.0})
    with pytest.raises(ValueError, match="unknown outcomes"):
        weighted_objective({"a": a}, {"a": 1.0}, higher_is_better={"z": False})
