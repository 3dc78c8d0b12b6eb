"""How an exploration is sampled: a design in the unit cube, then each parameter's distribution.

Samplers only know the number of dimensions and a seed (``lhs``: Latin hypercube, ``sobol``:
the Saltelli cross-sampled design built on a scrambled Sobol' sequence, so that Sobol indices
can be estimated from the results; ``mc``: plain Monte Carlo). :func:`to_values` then maps
every column through its uncertainty's inverse CDF. The two steps are kept apart as in
EMA Workbench and SALib. :func:`sobol_design` builds a Saltelli design for any bounds on its
own (SALib, an optional dependency, is imported only then).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

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


_SALIB_EXTRA = "analysis"
SALIB_HINT = (
    "Sobol sampling and sensitivity analysis need SALib, which is an optional dependency of "
    f"Peninsula. Install it with: pip install 'peninsula[{_SALIB_EXTRA}]'"
)


def _import_salib_sampler() -> Any:
    """Import SALib's Sobol sampler, or fail with an install hint."""
    try:
        from SALib.sample import sobol as salib_sample
    except ImportError as exc:
        raise ImportError(SALIB_HINT) from exc
    return salib_sample


@dataclass(frozen=True)
class SobolDesign:
    """A Saltelli/Sobol design, one row per model evaluation.

    Attributes
    ----------
    names : tuple of str
        Parameter names, in column order.
    bounds : tuple of (float, float)
        Lower and upper bound of each parameter.
    unit : numpy.ndarray
        Design in the unit cube, shape ``(n_rows, D)``.
    values : numpy.ndarray
        The same design scaled to ``bounds``, shape ``(n_rows, D)``; run the
        model on these rows.
    n_base : int
        Base sample size ``N`` (a power of two).
    calc_second_order : bool
        Whether the design supports second-order indices; then
        ``n_rows = N * (2D + 2)``, otherwise ``n_rows = N * (D + 2)``.
    seed : int or None
        Seed of the scrambled Sobol' sequence (``None``: fresh OS entropy).

    """

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    unit: np.ndarray
    values: np.ndarray
    n_base: int
    calc_second_order: bool
    seed: int | None

    @property
    def n_rows(self) -> int:
        """Number of model evaluations the design asks for."""
        return int(self.values.shape[0])


def check_problem(
    names: Sequence[str], bounds: Sequence[Sequence[float]]
) -> tuple[tuple[str, ...], tuple[tuple[float, float], ...]]:
    """Names and ``(lower, upper)`` bounds of a Sobol problem, checked; clear errors otherwise."""
    names_t = tuple(str(n) for n in names)
    if not names_t:
        raise ValueError("at least one parameter name is required")
    if len(set(names_t)) != len(names_t):
        raise ValueError(f"parameter names must be unique, got {names_t}")
    if len(bounds) != len(names_t):
        raise ValueError(
            f"got {len(names_t)} parameter names but {len(bounds)} bounds; "
            "give one (lower, upper) pair per parameter"
        )
    bounds_t: list[tuple[float, float]] = []
    for name, b in zip(names_t, bounds, strict=True):
        if len(b) != 2:
            raise ValueError(f"bounds of {name!r} must be a (lower, upper) pair, got {b!r}")
        lo, hi = float(b[0]), float(b[1])
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(
                f"bounds of {name!r} must be finite with lower < upper, got ({lo}, {hi})"
            )
        bounds_t.append((lo, hi))
    return names_t, tuple(bounds_t)


def sobol_design(
    names: Sequence[str],
    bounds: Sequence[Sequence[float]],
    n_base: int,
    *,
    calc_second_order: bool = False,
    seed: int | None = 0,
    scramble: bool = True,
) -> SobolDesign:
    """Build a Saltelli cross-sampled design from a Sobol' sequence.

    The design is drawn in the unit cube with ``SALib.sample.sobol.sample``
    and scaled linearly to ``bounds``; for a non-uniform parameter, map the
    ``unit`` column through that distribution's inverse CDF instead.

    Parameters
    ----------
    names : sequence of str
        Parameter names, one per column.
    bounds : sequence of (float, float)
        Lower and upper bound of each parameter.
    n_base : int
        Base sample size ``N``; must be a power of two (the balance properties
        of Sobol' sequences hold only then).
    calc_second_order : bool, optional
        Also build the rows needed for second-order indices. The design then
        has ``N * (2D + 2)`` rows instead of ``N * (D + 2)``.
    seed : int or None, optional
        Seed of the scrambled sequence; ``0`` is a valid seed. ``None`` draws
        fresh entropy and the design is then not reproducible.
    scramble : bool, optional
        Owen-scramble the Sobol' sequence (default ``True``).

    Returns
    -------
    SobolDesign
        The design in the unit cube and in parameter units.

    Raises
    ------
    ValueError
        If names and bounds disagree, a bound is invalid, or ``n_base`` is not
        a positive power of two.
    ImportError
        If SALib is not installed.

    Notes
    -----
    Pass the same ``calc_second_order`` to the analysis (``sobol_indices``): for
    some ``N`` and ``D`` both row counts are possible and the analyser cannot
    tell the designs apart.

    References
    ----------
    .. [1] Sobol', I. M. (1967). On the distribution of points in a cube and
       the approximate evaluation of integrals. USSR Computational Mathematics
       and Mathematical Physics, 7(4), 86-112.
    .. [2] Saltelli, A. (2002). Making best use of model evaluations to compute
       sensitivity indices. Computer Physics Communications, 145(2), 280-297.
    .. [3] Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., &
       Tarantola, S. (2010). Variance based sensitivity analysis of model
       output. Design and estimator for the total sensitivity index. Computer
       Physics Communications, 181(2), 259-270.
    .. [4] Owen, A. B. (2020). On dropping the first Sobol' point.
       arXiv:2008.08051.

    """
    names_t, bounds_t = check_problem(names, bounds)
    n_base = int(n_base)
    if n_base < 2 or n_base & (n_base - 1) != 0:
        lower = 1 << max(1, n_base.bit_length() - 1)
        raise ValueError(
            f"n_base must be a power of two >= 2 for a balanced Sobol' sequence, got {n_base}; "
            f"try {lower} or {lower * 2}"
        )
    salib_sample = _import_salib_sampler()
    d = len(names_t)
    problem = {"num_vars": d, "names": list(names_t), "bounds": [[0.0, 1.0]] * d}
    unit = np.asarray(
        salib_sample.sample(
            problem, n_base, calc_second_order=calc_second_order, scramble=scramble, seed=seed
        ),
        dtype=float,
    )
    lo = np.array([b[0] for b in bounds_t])
    hi = np.array([b[1] for b in bounds_t])
    values = lo + unit * (hi - lo)
    unit.setflags(write=False)
    values.setflags(write=False)
    return SobolDesign(
        names=names_t,
        bounds=bounds_t,
        unit=unit,
        values=values,
        n_base=n_base,
        calc_second_order=calc_second_order,
        seed=seed,
    )


def unit_design(sampler: str, n_samples: int, d: int, seed: int) -> tuple[np.ndarray, int | None]:
    """A design of ``n_samples`` rows in ``[0, 1)^d`` and, for ``sobol``, its base size.

    ``sobol`` rounds ``n_samples`` down to ``N * (d + 2)`` with ``N`` a power of two (see
    :func:`sobol_base_size`) and uses :func:`sobol_design`, so that Sobol indices can be
    estimated from the results (``sobol_indices``, in the analysis layer).

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
