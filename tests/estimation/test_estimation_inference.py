"""Fit recovery on synthetic data (ABC-SMC and history matching), reproducibility, saving."""

from __future__ import annotations

import json

import numpy as np
import pytest

from peninsula.errors import UserError
from peninsula.estimation.inference import Bounds, Posterior, abc_smc, history_matching
from peninsula.estimation.toy import TOY_BOUNDS, TOY_STATS, toy_simulator

TRUTH = np.array([1.5, 0.15, 0.3])  # rate, pause, resume


@pytest.fixture(scope="module")
def simulate():
    return toy_simulator(months=120)


@pytest.fixture(scope="module")
def observed(simulate):
    return simulate(TRUTH[None, :], 42)[0]


@pytest.fixture(scope="module")
def abc_fit(simulate, observed):
    return abc_smc(simulate, TOY_BOUNDS, observed, stat_names=TOY_STATS, budget=12_000,
                   population=300, seed=7)


def _recovers(post: Posterior) -> None:
    ci = post.interval(0.9)
    for name, value in zip(TOY_BOUNDS.names, TRUTH, strict=True):
        assert ci.loc[name, "lower"] <= value <= ci.loc[name, "upper"], (name, ci)
    # and the data were informative: the rate's interval is well inside its prior range
    width = ci.loc["rate", "upper"] - ci.loc["rate", "lower"]
    assert width < 0.5 * (TOY_BOUNDS.upper[0] - TOY_BOUNDS.lower[0])


def test_abc_smc_recovers_known_parameters(abc_fit, observed):
    _recovers(abc_fit)
    d = abc_fit.diagnostics
    assert d["simulations"] <= 12_000 and 0 < d["acceptance_rate"] <= 1
    assert 50 < abc_fit.ess <= 300
    eps = [g["epsilon"] for g in d["generations"] if g.get("kept", True)]
    assert eps == sorted(eps, reverse=True) and len(eps) >= 3
    ppc = abc_fit.predictive_check()
    assert list(ppc.index) == list(TOY_STATS)
    assert ppc["inside"].all()  # the posterior reproduces every statistic it was fitted to
    assert np.allclose(ppc["observed"], observed)


def test_history_matching_recovers_known_parameters(simulate, observed):
    post = history_matching(simulate, TOY_BOUNDS, observed, stat_names=TOY_STATS,
                            budget=2_400, waves=3, replicates=10, candidates=4_000,
                            population=300, seed=3)
    _recovers(post)
    waves = post.diagnostics["waves"]
    assert len(waves) == 3 and post.diagnostics["simulations"] <= 2_400
    assert waves[-1]["nroy_fraction"] < waves[0]["nroy_fraction"] < 1
    assert post.predictive_check()["inside"].sum() >= len(TOY_STATS) - 1


def test_same_seed_same_posterior_other_seed_other(simulate, observed):
    kw = dict(stat_names=TOY_STATS, budget=3_000, population=200)
    a = abc_smc(simulate, TOY_BOUNDS, observed, seed=11, **kw)
    b = abc_smc(simulate, TOY_BOUNDS, observed, seed=11, **kw)
    c = abc_smc(simulate, TOY_BOUNDS, observed, seed=12, **kw)
    assert np.array_equal(a.samples, b.samples) and np.array_equal(a.predictive, b.predictive)
    assert not np.array_equal(a.samples, c.samples)


def test_save_and_load_round_trip(abc_fit, tmp_path):
    folder = abc_fit.save(tmp_path / "fit")
    meta = json.loads((folder / "posterior.json").read_text())
    assert meta["method"] == "abc" and meta["seed"] == 7 and meta["budget"] == 12_000
    assert [p["name"] for p in meta["parameters"]] == ["rate", "pause", "resume"]
    back = Posterior.load(folder)
    assert np.array_equal(back.samples, abc_fit.samples)
    assert np.array_equal(back.weights, abc_fit.weights)
    assert np.array_equal(back.predictive, abc_fit.predictive)
    assert back.stat_names == abc_fit.stat_names and back.bounds.names == TOY_BOUNDS.names
    assert back.interval().equals(abc_fit.interval())


def test_loading_something_else_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="not a fitted posterior folder"):
        Posterior.load(tmp_path)


def test_bad_inputs(simulate, observed):
    with pytest.raises(ValueError, match="lower < upper"):
        Bounds.of({"a": (1.0, 1.0)})
    with pytest.raises(ValueError, match="statistic names"):
        abc_smc(simulate, TOY_BOUNDS, observed, stat_names=("a",), budget=1000, population=50)

    def wrong(theta, seed):
        return np.zeros((len(theta), 2))

    with pytest.raises(ValueError, match="shape"):
        abc_smc(wrong, TOY_BOUNDS, observed, budget=1000, population=50)
