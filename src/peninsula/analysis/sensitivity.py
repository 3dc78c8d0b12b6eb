"""Variance-based (Sobol) sensitivity analysis on plain arrays, via SALib.

Two steps, kept apart as in SALib's ``sample`` / ``analyze`` trees:

1. :func:`sobol_design` builds the Saltelli cross-sampled design (Sobol'
   low-discrepancy base sequence) in the unit cube and scales it to the
   parameter bounds. The caller runs the model once per row.
2. :func:`sobol_indices` takes the outputs, aligned row by row with the design,
   and returns first-order and total indices with bootstrap confidence
   intervals.

SALib is an optional dependency (``pip install 'peninsula[analysis]'``); it is
imported only when one of these functions is called.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "ParameterSensitivity",
    "SobolDesign",
    "SobolResult",
    "sobol_design",
    "sobol_indices",
]

_EXTRA_HINT = (
    "Sobol sensitivity analysis needs SALib, which is an optional dependency of "
    "Peninsula. Install it with: pip install 'peninsula[analysis]'"
)


def _import_salib() -> tuple[Any, Any]:
    """Import SALib's Sobol sampler and analyser, or fail with an install hint."""
    try:
        from SALib.analyze import sobol as salib_analyze
        from SALib.sample import sobol as salib_sample
    except ImportError as exc:
        raise ImportError(_EXTRA_HINT) from exc
    return salib_sample, salib_analyze


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


@dataclass(frozen=True)
class ParameterSensitivity:
    """First-order and total Sobol indices of one parameter.

    Attributes
    ----------
    name : str
        Parameter name.
    S1, S1_conf : float
        First-order index and the half-width of its bootstrap confidence
        interval (at the result's ``conf_level``).
    ST, ST_conf : float
        Total-order index and the half-width of its confidence interval.

    """

    name: str
    S1: float
    S1_conf: float
    ST: float
    ST_conf: float


@dataclass(frozen=True)
class SobolResult:
    """Sobol indices for every parameter of a design.

    Attributes
    ----------
    parameters : tuple of ParameterSensitivity
        One record per parameter, in design column order.
    n_base : int
        Base sample size ``N`` inferred from the number of outputs.
    conf_level : float
        Confidence level of the ``*_conf`` half-widths.
    S2, S2_conf : numpy.ndarray or None
        Second-order indices (upper triangle of a ``D x D`` matrix, NaN
        elsewhere) and their confidence half-widths, when requested.

    """

    parameters: tuple[ParameterSensitivity, ...]
    n_base: int
    conf_level: float
    S2: np.ndarray | None = None
    S2_conf: np.ndarray | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names, in design column order."""
        return tuple(p.name for p in self.parameters)

    def __getitem__(self, name: str) -> ParameterSensitivity:
        """Return the record of parameter ``name``."""
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)


def _check_problem(
    names: Sequence[str], bounds: Sequence[Sequence[float]]
) -> tuple[tuple[str, ...], tuple[tuple[float, float], ...]]:
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


def _salib_seed(seed: int | None) -> int:
    """Map a user seed to a non-zero integer for SALib's bootstrap.

    SALib 1.4-1.6 test ``if seed:`` in ``SALib.analyze.sobol.analyze`` and fall
    back to the global NumPy state when the seed is ``0``; deriving a
    strictly positive seed through :class:`numpy.random.SeedSequence` keeps
    seed 0 reproducible.
    """
    state = np.random.SeedSequence(seed).generate_state(1, dtype=np.uint32)[0]
    return int(state) + 1


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
    Pass the same ``calc_second_order`` to :func:`sobol_indices`: for some
    ``N`` and ``D`` both row counts are possible and the analyser cannot tell
    the designs apart.

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
    names_t, bounds_t = _check_problem(names, bounds)
    n_base = int(n_base)
    if n_base < 2 or n_base & (n_base - 1) != 0:
        lower = 1 << max(1, n_base.bit_length() - 1)
        raise ValueError(
            f"n_base must be a power of two >= 2 for a balanced Sobol' sequence, got {n_base}; "
            f"try {lower} or {lower * 2}"
        )
    salib_sample, _ = _import_salib()
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


def _infer_n_base(n_rows: int, d: int, calc_second_order: bool) -> int:
    first, second = d + 2, 2 * d + 2
    per_base = second if calc_second_order else first
    if n_rows > 0 and n_rows % per_base == 0:
        return n_rows // per_base
    hint = ""
    other = first if calc_second_order else second
    if n_rows > 0 and n_rows % other == 0:
        hint = (
            f" It does fit a design built with calc_second_order={not calc_second_order} "
            f"(N={n_rows // other}); pass the same flag used to build the design."
        )
    raise ValueError(
        f"{n_rows} outputs do not match a Sobol design for D={d} parameters with "
        f"calc_second_order={calc_second_order}: expected N*(D+2) = N*{first} rows "
        f"(first/total order) or N*(2D+2) = N*{second} rows (with second order), "
        f"one output per design row.{hint}"
    )


def sobol_indices(
    names: Sequence[str],
    bounds: Sequence[Sequence[float]],
    design_outputs: np.ndarray | Sequence[float],
    *,
    calc_second_order: bool = False,
    seed: int | None = 0,
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> SobolResult:
    """First-order and total Sobol indices from outputs of a Sobol design.

    Parameters
    ----------
    names : sequence of str
        Parameter names, in the column order of the design.
    bounds : sequence of (float, float)
        Bounds used to build the design (checked for consistency only; the
        estimators depend on the outputs alone).
    design_outputs : array_like, shape (n_rows,)
        Model output for each design row, in design order (see
        :func:`sobol_design`).
    calc_second_order : bool, optional
        Whether the design was built with second-order rows; also returns
        second-order indices when ``True``.
    seed : int or None, optional
        Seed of the bootstrap that gives the confidence intervals; ``0`` is a
        valid seed. The point estimates do not depend on it.
    num_resamples : int, optional
        Number of bootstrap resamples (default 100).
    conf_level : float, optional
        Confidence level of the intervals, in (0, 1) (default 0.95).

    Returns
    -------
    SobolResult
        ``S1``, ``S1_conf``, ``ST`` and ``ST_conf`` per parameter.

    Raises
    ------
    ValueError
        If the number of outputs is not ``N*(D+2)`` (or ``N*(2D+2)`` with
        second order), if an output is not finite, or if the outputs are
        constant (the indices are then undefined).
    ImportError
        If SALib is not installed.

    Notes
    -----
    First-order indices use the estimator of Saltelli et al. (2010), table 2
    (b); total indices the Jansen (1999) estimator, as implemented in
    ``SALib.analyze.sobol``. Outputs are standardised before estimation.
    Estimates carry Monte Carlo error of order ``1/sqrt(N)``: indices of
    unimportant parameters can come out slightly negative, and ``S1`` can
    exceed ``ST`` by about the confidence half-width. Confidence intervals are
    normal-approximation bootstrap intervals (``z * sd`` over resamples of the
    ``N`` base rows).

    References
    ----------
    .. [1] Sobol', I. M. (2001). Global sensitivity indices for nonlinear
       mathematical models and their Monte Carlo estimates. Mathematics and
       Computers in Simulation, 55(1-3), 271-280.
    .. [2] Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., &
       Tarantola, S. (2010). Variance based sensitivity analysis of model
       output. Design and estimator for the total sensitivity index. Computer
       Physics Communications, 181(2), 259-270.
    .. [3] Jansen, M. J. W. (1999). Analysis of variance designs for model
       output. Computer Physics Communications, 117(1-2), 35-43.
    .. [4] Herman, J., & Usher, W. (2017). SALib: An open-source Python
       library for sensitivity analysis. Journal of Open Source Software,
       2(9), 97.

    """
    names_t, _ = _check_problem(names, bounds)
    y = np.asarray(design_outputs, dtype=float)
    if y.ndim == 2 and 1 in y.shape:
        y = y.reshape(-1)
    if y.ndim != 1:
        raise ValueError(
            f"design_outputs must be one output per design row (1-D), got shape {y.shape}"
        )
    d = len(names_t)
    n_base = _infer_n_base(y.shape[0], d, calc_second_order)
    if not np.all(np.isfinite(y)):
        bad = int(np.count_nonzero(~np.isfinite(y)))
        raise ValueError(f"design_outputs contain {bad} non-finite values (NaN or inf)")
    if np.ptp(y) == 0.0:
        raise ValueError("design_outputs are constant; Sobol indices are undefined (0/0)")
    if not 0.0 < conf_level < 1.0:
        raise ValueError(f"conf_level must be in (0, 1), got {conf_level}")
    if num_resamples < 2:
        raise ValueError(f"num_resamples must be >= 2, got {num_resamples}")

    _, salib_analyze = _import_salib()
    problem = {"num_vars": d, "names": list(names_t), "bounds": [[0.0, 1.0]] * d}
    si = salib_analyze.analyze(
        problem,
        y,
        calc_second_order=calc_second_order,
        num_resamples=int(num_resamples),
        conf_level=float(conf_level),
        print_to_console=False,
        seed=_salib_seed(seed),
    )
    params = tuple(
        ParameterSensitivity(
            name=name,
            S1=float(si["S1"][j]),
            S1_conf=float(si["S1_conf"][j]),
            ST=float(si["ST"][j]),
            ST_conf=float(si["ST_conf"][j]),
        )
        for j, name in enumerate(names_t)
    )
    s2 = s2_conf = None
    if calc_second_order:
        s2 = np.array(si["S2"], dtype=float)
        s2_conf = np.array(si["S2_conf"], dtype=float)
        s2.setflags(write=False)
        s2_conf.setflags(write=False)
    return SobolResult(
        parameters=params,
        n_base=n_base,
        conf_level=float(conf_level),
        S2=s2,
        S2_conf=s2_conf,
    )
