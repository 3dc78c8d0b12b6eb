"""Variance-based (Sobol) sensitivity analysis, on plain arrays and on a stored exploration.

Two steps, kept apart as in SALib's ``sample`` / ``analyze`` trees:

1. :func:`peninsula.experiments.sampling.sobol_design` builds the Saltelli cross-sampled
   design (Sobol' low-discrepancy base sequence) in the unit cube and scales it to the
   parameter bounds. The caller runs the model once per row.
2. :func:`sobol_indices` takes the outputs, aligned row by row with the design, and returns
   first-order and total indices with bootstrap confidence intervals.

On a stored exploration, :func:`sensitivity` gives the Sobol indices of one outcome (when it
was run with the ``sobol`` sampler) and :func:`screening` the rank correlations of each
uncertainty with it (any sampler).

SALib is an optional dependency (``pip install 'peninsula[analysis]'``); it is imported only
when the indices are computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata

from peninsula.experiments.sampling import SALIB_HINT, check_problem
from peninsula.store.explorations import ExplorationResults

__all__ = [
    "ParameterSensitivity",
    "Sensitivity",
    "SobolResult",
    "screening",
    "sensitivity",
    "sobol_indices",
]


def _import_salib_analyzer() -> Any:
    """Import SALib's Sobol analyser, or fail with an install hint."""
    try:
        from SALib.analyze import sobol as salib_analyze
    except ImportError as exc:
        raise ImportError(SALIB_HINT) from exc
    return salib_analyze


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


def _salib_seed(seed: int | None) -> int:
    """Map a user seed to a non-zero integer for SALib's bootstrap.

    SALib 1.4-1.6 test ``if seed:`` in ``SALib.analyze.sobol.analyze`` and fall
    back to the global NumPy state when the seed is ``0``; deriving a
    strictly positive seed through :class:`numpy.random.SeedSequence` keeps
    seed 0 reproducible.
    """
    state = np.random.SeedSequence(seed).generate_state(1, dtype=np.uint32)[0]
    return int(state) + 1


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
        :func:`~peninsula.experiments.sampling.sobol_design`).
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
    names_t, _ = check_problem(names, bounds)
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

    salib_analyze = _import_salib_analyzer()
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


# --------------------------------------------------------------------------- explorations


@dataclass(frozen=True)
class Sensitivity:
    """Sobol indices of one outcome, or why they could not be computed."""

    outcome: str
    label: str
    names: tuple[str, ...]
    S1: np.ndarray | None
    S1_conf: np.ndarray | None
    ST: np.ndarray | None
    ST_conf: np.ndarray | None
    noise_share: float | None
    message: str | None = None


def _outcome_per_sample(res: ExplorationResults, index: int, policy: int | None) -> np.ndarray:
    if policy is None:
        return res.value[:, :, index].mean(axis=0)
    return res.value[policy, :, index]


def sensitivity(res: ExplorationResults, outcome: str, *,
                policy: str | None = None, seed: int = 0) -> Sensitivity:
    """First-order and total Sobol indices of ``outcome`` (averaged over policies by default).

    Needs an exploration run with ``--sampler sobol``; otherwise the result carries a message
    and no indices. ``noise_share`` estimates the part of the output variance that is Monte
    Carlo noise of the finite ensemble (``mean p(1-p)/futures`` over the variance), which
    inflates total indices by about that much.
    """
    index = res.outcome_index(outcome)
    meta = res.outcomes[index]
    names = tuple(res.names)

    def empty(message: str) -> Sensitivity:
        return Sensitivity(meta["id"], meta["label"], names, None, None, None, None, None,
                           message)

    sampler = res.metadata.get("sampler")
    if sampler != "sobol":
        return empty(f"Sobol indices need an exploration run with --sampler sobol (this one "
                     f"used {sampler}); the chart shows rank correlations instead")
    p_index = res.policy_index(policy)
    y = _outcome_per_sample(res, index, p_index)
    if np.ptp(y) == 0.0:
        return empty(f"{meta['id']} is the same in every sample ({y[0]:.3g}); its indices "
                     "are undefined")
    try:
        result = sobol_indices(names, [(0.0, 1.0)] * len(names), y,
                               calc_second_order=bool(res.metadata.get("calc_second_order")),
                               seed=seed)
    except ValueError as exc:
        return empty(str(exc))
    noise = None
    if meta["kind"] == "binary":
        per_policy = res.value[:, :, index] if p_index is None else res.value[[p_index], :, index]
        mc_var = float(np.mean(per_policy * (1 - per_policy)) / res.futures
                       / per_policy.shape[0])
        total = float(np.var(y, ddof=1))
        noise = min(1.0, mc_var / total) if total > 0 else None
    return Sensitivity(
        meta["id"], meta["label"], names,
        np.array([p.S1 for p in result.parameters]),
        np.array([p.S1_conf for p in result.parameters]),
        np.array([p.ST for p in result.parameters]),
        np.array([p.ST_conf for p in result.parameters]),
        noise,
    )


def screening(res: ExplorationResults, outcome: str, *, policy: str | None = None) -> np.ndarray:
    """Spearman rank correlation of each uncertainty with ``outcome`` (any sampler).

    A screening measure for designs that do not allow Sobol indices: it sees monotone effects
    only, and no interactions.
    """
    index = res.outcome_index(outcome)
    y = _outcome_per_sample(res, index, res.policy_index(policy))
    if np.ptp(y) == 0.0 or res.samples.shape[0] < 3:
        return np.zeros(res.samples.shape[1])
    ry = rankdata(y)
    rho = []
    for j in range(res.samples.shape[1]):
        rx = rankdata(res.samples[:, j])
        if np.ptp(rx) == 0:
            rho.append(0.0)
            continue
        rho.append(float(np.corrcoef(rx, ry)[0, 1]))
    return np.array(rho)
