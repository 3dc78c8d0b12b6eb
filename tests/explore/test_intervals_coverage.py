"""The 95% intervals are computed, not decorative: they cover the truth about 95% of the time."""

from __future__ import annotations

import numpy as np
import pytest

from peninsula.analysis.intervals import wilson_interval
from peninsula.analysis.policies import pooled_probability


@pytest.mark.parametrize("p", [0.02, 0.1, 0.3])
def test_wilson_interval_covers_a_bernoulli_probability_about_95_percent(p):
    rng = np.random.default_rng(int(p * 1000))
    n, reps = 200, 4000
    hits = rng.binomial(n, p, size=reps)
    covered = sum(e.low <= p <= e.high for e in (wilson_interval(int(k), n) for k in hits))
    assert 0.925 <= covered / reps <= 0.975


def test_pooled_interval_covers_the_probability_averaged_over_assumptions():
    """Two levels: a parameter drawn per sample, Bernoulli futures given the parameter."""
    rng = np.random.default_rng(42)
    samples, futures, reps = 60, 100, 1500
    grid = (np.arange(100_000) + 0.5) / 100_000
    true = float(np.mean(0.02 + 0.2 * grid**3))  # E[p(x)], x ~ U(0, 1)
    covered = 0
    for _ in range(reps):
        x = rng.random(samples)
        p_s = rng.binomial(futures, 0.02 + 0.2 * x**3) / futures
        estimate, n_eff = pooled_probability(p_s, futures)
        assert n_eff <= samples * futures
        covered += estimate.low <= true <= estimate.high
    assert 0.92 <= covered / reps <= 0.975


def test_pooled_interval_of_a_never_seen_outcome_is_the_binomial_one():
    estimate, n_eff = pooled_probability(np.zeros(40), 50)
    assert n_eff == 2000 and estimate.low == 0.0
    assert estimate.high == pytest.approx(wilson_interval(0, 2000).high)
