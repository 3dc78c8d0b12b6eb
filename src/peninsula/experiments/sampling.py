"""How an exploration is sampled: a design in the unit cube, then each parameter's distribution.

Samplers only know the number of dimensions and a seed (``lhs``: Latin hypercube, ``sobol``:
the Saltelli cross-sampled design built on a scrambled Sobol' sequence, so that Sobol indices
can be estimated from the results; ``mc``: plain Monte Carlo). :func:`to_values` then maps
every column through its uncertainty's inverse CDF. The two steps are kept apart as in
EMA Workbench and SALib.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats
from scipy.stats import qmc

from peninsula.scenario.exploration import Uncertainty

Sampler = Literal["lhs", "sobol", "mc"]
SAMPLERS: tuple[str, ...] = ("lhs", "sobol", "mc")


@dataclass(frozen=True)
class Design:
    """Sampled parameter sets, one row per sample, aligned with ``names``.

    Attributes
    ----------
    sampler : str
        ``lhs``, ``sobol`` or ``mc``.
    names : tuple of str
        Column names (uncertainty names).
    unit : numpy.ndarray
        The design in the unit cube, shape ``(n, d)``.
    values : numpy.ndarray
        The design in parameter units, shape ``(n, d)``.
    seed : int
        Seed of the design.
    n_base : int or None
        Base sample size ``N`` of a Sobol design (rows = ``N * (d + 2)``), else ``None``.
    calc_second_order : bool
        Whether a Sobol design has the rows for second-order indices.

    """

    sampler: str
    names: tuple[str, ...]
    unit: np.ndarray
    values: np.ndarray
    seed: int
    n_base: int | None = None
    calc_second_order: bool = False

    @property
    def n_samples(self) -> int:
        """Number of sampled parameter sets."""
        return int(self.unit.shape[0])


def sobol_base_size(n_samples: int, d: int) -> int:
    """Largest power of two ``N`` with ``N * (d + 2) <= n_samples`` (a Sobol design's base size).

    Raises ``ValueError`` when even ``N = 2`` does not fit.
    """
    per_base = d + 2
    if n_samples < 2 * per_base:
        raise ValueError(f"a Sobol design for {d} uncertainties needs at least {2 * per_base} "
                         f"samples (N * (d + 2) with N >= 2), got {n_samples}")
    n_base = 2
    while n_base * 2 * per_base <= n_samples:
        n_base *= 2
    return n_base


def unit_design(sampler: str, n_samples: int, d: int, seed: int) -> tuple[np.ndarray, int | None]:
    """A design of ``n_samples`` rows in ``[0, 1)^d`` and, for ``sobol``, its base size.

    ``sobol`` rounds ``n_samples`` down to ``N * (d + 2)`` with ``N`` a power of two (see
    :func:`sobol_base_size`) and uses :func:`peninsula.analysis.sensitivity.sobol_design`, so
    that :func:`~peninsula.analysis.sensitivity.sobol_indices` can read the results.

    References
    ----------
    .. [1] McKay, M. D., Beckman, R. J., & Conover, W. J. (1979). A comparison of three
       methods for selecting values of input variables in the analysis of output from a
       computer code. Technometrics, 21(2), 239-245.
    .. [2] Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., & Tarantola, S.
       (2010). Variance based sensitivity analysis of model output. Design and estimator for
       the total sensitivity index. Computer Physics Communications, 181(2), 259-270.

    """
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; expected one of {', '.join(SAMPLERS)}")
    if n_samples < 1:
        raise ValueError("the number of samples must be at least 1")
    if d < 1:
        raise ValueError("sampling needs at least one uncertainty")
    if seed < 0:
        raise ValueError(f"the seed must be a non-negative integer, got {seed}")
    if sampler == "lhs":
        engine = qmc.LatinHypercube(d, rng=np.random.default_rng(seed))
        return engine.random(n_samples), None
    if sampler == "mc":
        return np.random.default_rng(seed).random((n_samples, d)), None
    from peninsula.analysis.sensitivity import sobol_design

    n_base = sobol_base_size(n_samples, d)
    names = [f"x{j}" for j in range(d)]
    design = sobol_design(names, [(0.0, 1.0)] * d, n_base, calc_second_order=False, seed=seed)
    # keep values strictly inside (0, 1): an inverse CDF at 1.0 is the upper bound (or inf)
    unit = np.clip(np.array(design.unit, dtype=np.float64), 0.0, np.nextafter(1.0, 0.0))
    return unit, n_base


def to_values(uncertainties: Sequence[Uncertainty], unit: np.ndarray) -> np.ndarray:
    """Map unit-cube columns to parameter values through each distribution's inverse CDF."""
    unit = np.asarray(unit, dtype=np.float64)
    if unit.ndim != 2 or unit.shape[1] != len(uncertainties):
        raise ValueError(f"the design has shape {unit.shape}; expected {len(uncertainties)} "
                         "columns, one per uncertainty")
    values = np.empty_like(unit)
    for j, u in enumerate(uncertainties):
        values[:, j] = _ppf(u, unit[:, j])
    return values


def _ppf(u: Uncertainty, q: np.ndarray) -> np.ndarray:
    lo, hi = u.low, u.high
    if u.distribution == "uniform":
        x = lo + q * (hi - lo)
    elif u.distribution == "loguniform":
        x = np.exp(np.log(lo) + q * (np.log(hi) - np.log(lo)))
    elif u.distribution == "triangular":
        mode = (lo + hi) / 2.0 if u.mode is None else u.mode
        x = stats.triang.ppf(q, (mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    elif u.distribution == "normal":
        mean = (lo + hi) / 2.0 if u.mean is None else u.mean
        sd = (hi - lo) / 4.0 if u.sd is None else u.sd
        x = stats.truncnorm.ppf(q, (lo - mean) / sd, (hi - mean) / sd, loc=mean, scale=sd)
    else:  # integer: every whole number in [low, high] equally likely
        x = np.minimum(np.floor(lo + q * (hi - lo + 1.0)), hi)
    return np.clip(x, lo, hi)


def sample(uncertainties: Sequence[Uncertainty], n_samples: int, sampler: str = "lhs",
           seed: int = 0) -> Design:
    """Sample ``n_samples`` parameter sets (fewer for ``sobol``: see :func:`unit_design`)."""
    unit, n_base = unit_design(sampler, n_samples, len(uncertainties), seed)
    values = to_values(uncertainties, unit)
    unit.setflags(write=False)
    values.setflags(write=False)
    return Design(sampler=sampler, names=tuple(u.name for u in uncertainties), unit=unit,
                  values=values, seed=seed, n_base=n_base, calc_second_order=False)


def sample_seed(root_seed: int, sample: int) -> int:
    """The engine seed of sample ``sample``: from the root seed and the sample index only.

    Every policy (lever combination) of a sample runs on this seed, so policies are compared on
    the same random draws (common random numbers).
    """
    sequence = np.random.SeedSequence(root_seed, spawn_key=(0x5A4D, sample))
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
