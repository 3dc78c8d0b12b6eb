"""Samplers: reproducible, inside every range, stratified (LHS), sized for Sobol."""

from __future__ import annotations

import numpy as np
import pytest

from peninsula.experiments.sampling import (
    sample,
    sample_seed,
    sobol_base_size,
    to_values,
    unit_design,
)
from peninsula.scenario.exploration import Uncertainty

SPECS = [
    Uncertainty(path="a.b", low=1.0, high=3.0, rationale="r"),
    Uncertainty(path="a.c", low=0.01, high=1.0, distribution="loguniform", rationale="r"),
    Uncertainty(path="a.d", low=0.0, high=1.0, distribution="triangular", mode=0.2,
                rationale="r"),
    Uncertainty(path="a.e", low=-1.0, high=1.0, distribution="normal", mean=0.5, sd=0.3,
                rationale="r"),
    Uncertainty(path="a.f", low=1.0, high=4.0, distribution="integer", rationale="r"),
]


@pytest.mark.parametrize("sampler", ["lhs", "sobol", "mc"])
def test_same_seed_same_design_other_seed_other_design(sampler):
    a = sample(SPECS, 200, sampler, seed=0)
    b = sample(SPECS, 200, sampler, seed=0)
    c = sample(SPECS, 200, sampler, seed=1)
    assert np.array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)


@pytest.mark.parametrize("sampler", ["lhs", "sobol", "mc"])
def test_values_stay_in_range_and_integers_are_whole(sampler):
    design = sample(SPECS, 300, sampler, seed=3)
    for j, u in enumerate(SPECS):
        column = design.values[:, j]
        assert column.min() >= u.low and column.max() <= u.high
    whole = design.values[:, 4]
    assert np.array_equal(whole, np.round(whole))
    assert set(np.unique(whole)) == {1.0, 2.0, 3.0, 4.0}


def test_lhs_puts_one_point_in_every_stratum():
    n = 50
    unit, _ = unit_design("lhs", n, 4, seed=9)
    for j in range(4):
        strata = np.floor(unit[:, j] * n).astype(int)
        assert sorted(strata) == list(range(n))


def test_distributions_have_their_shape():
    unit = (np.arange(20000) + 0.5)[:, None] / 20000 * np.ones((1, len(SPECS)))
    values = to_values(SPECS, unit)
    assert values[:, 0].mean() == pytest.approx(2.0, abs=1e-3)
    assert np.median(values[:, 1]) == pytest.approx(0.1, rel=1e-3)  # geometric middle
    assert values[:, 2].mean() == pytest.approx((0 + 1 + 0.2) / 3, abs=1e-3)
    assert values[:, 3].mean() > 0.3  # truncated normal centred at 0.5


def test_sobol_size_is_n_times_d_plus_2_with_n_a_power_of_two():
    assert sobol_base_size(1000, 11) == 64
    design = sample(SPECS, 1000, "sobol", seed=0)
    assert design.n_base == 128 and design.n_samples == 128 * (len(SPECS) + 2)
    with pytest.raises(ValueError, match="at least 14 samples"):
        sample(SPECS, 10, "sobol", seed=0)


def test_bad_sampler_and_sizes_are_errors():
    with pytest.raises(ValueError, match="unknown sampler"):
        sample(SPECS, 10, "grid", seed=0)
    with pytest.raises(ValueError, match="at least 1"):
        sample(SPECS, 0, "lhs", seed=0)


def test_sample_seeds_depend_on_root_seed_and_sample_only():
    seeds = [sample_seed(7, s) for s in range(100)]
    assert seeds == [sample_seed(7, s) for s in range(100)]
    assert len(set(seeds)) == 100
    assert sample_seed(8, 0) != sample_seed(7, 0)
    assert all(0 <= s < 2**63 for s in seeds)
