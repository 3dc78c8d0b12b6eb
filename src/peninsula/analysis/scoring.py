"""Scoring probability forecasts of binary questions.

Brier score, logarithmic score, Murphy's decomposition of the Brier score with
Stephenson et al.'s two within-bin terms, a calibration table, and the two
baselines a forecaster must beat (always 0.5; the question set's base rate).
Forecasts are probabilities in [0, 1]; outcomes are 0/1 (or booleans).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = [
    "LOG_SCORE_EPS",
    "BaselineScores",
    "CalibrationBin",
    "MurphyDecomposition",
    "baseline_scores",
    "brier_score",
    "brier_skill_score",
    "calibration_table",
    "log_score",
    "murphy_decomposition",
]

#: Default clipping for :func:`log_score`: probabilities are clipped to
#: ``[eps, 1 - eps]``, so one confident miss costs at most ``-ln(1e-6)``
#: ≈ 13.8 nats instead of infinity.
LOG_SCORE_EPS = 1e-6

Bins = int | Sequence[float] | np.ndarray | Literal["unique"]

#: Forecasts this close below a bin edge are counted in the bin above it.
_EDGE_TOL = 1e-9


def _check(
    forecasts: np.ndarray | Sequence[float], outcomes: np.ndarray | Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    f = np.asarray(forecasts, dtype=float).reshape(-1)
    o_raw = np.asarray(outcomes)
    o = o_raw.astype(float).reshape(-1)
    if f.shape != o.shape:
        raise ValueError(
            f"forecasts and outcomes must have the same length, got {f.size} and {o.size}"
        )
    if f.size == 0:
        raise ValueError("at least one forecast is required")
    if not np.all(np.isfinite(f)) or np.any((f < 0.0) | (f > 1.0)):
        raise ValueError("forecasts must be probabilities in [0, 1] (no NaN)")
    if not np.all((o == 0.0) | (o == 1.0)):
        raise ValueError("outcomes must be 0/1 or booleans")
    return f, o


def brier_score(
    forecasts: np.ndarray | Sequence[float], outcomes: np.ndarray | Sequence[float]
) -> float:
    """Mean squared error of probability forecasts (lower is better).

    Parameters
    ----------
    forecasts : array_like
        Forecast probabilities of the event, in [0, 1].
    outcomes : array_like
        1 if the event happened, else 0 (booleans accepted).

    Returns
    -------
    float
        ``mean((f - o) ** 2)``, in [0, 1]; 0.25 for always forecasting 0.5.

    Notes
    -----
    This is the one-component (binary) form; Brier's original sums over both
    categories and is twice this value.

    References
    ----------
    .. [1] Brier, G. W. (1950). Verification of forecasts expressed in terms of
       probability. Monthly Weather Review, 78(1), 1-3.

    """
    f, o = _check(forecasts, outcomes)
    return float(np.mean((f - o) ** 2))


def log_score(
    forecasts: np.ndarray | Sequence[float],
    outcomes: np.ndarray | Sequence[float],
    *,
    eps: float = LOG_SCORE_EPS,
) -> float:
    """Mean negative log-likelihood of the outcomes (lower is better), in nats.

    Parameters
    ----------
    forecasts : array_like
        Forecast probabilities of the event, in [0, 1].
    outcomes : array_like
        1 if the event happened, else 0.
    eps : float, optional
        Probabilities are clipped to ``[eps, 1 - eps]`` before taking logs
        (default :data:`LOG_SCORE_EPS` = 1e-6). Must be in (0, 0.5).

    Returns
    -------
    float
        ``-mean(o * ln f + (1 - o) * ln(1 - f))``; ``ln 2`` ≈ 0.693 for always
        forecasting 0.5.

    Notes
    -----
    The log score is unbounded: without clipping a single forecast of 0 for
    an event that happens scores infinity. Clipping makes the score finite
    but the cap (``-ln eps``) then dominates the mean for any forecaster who
    states certainty; report ``eps`` with the score. Divide by ``ln 2`` for
    bits.

    References
    ----------
    .. [1] Good, I. J. (1952). Rational decisions. Journal of the Royal
       Statistical Society, Series B, 14(1), 107-114.
    .. [2] Gneiting, T., & Raftery, A. E. (2007). Strictly proper scoring
       rules, prediction, and estimation. Journal of the American Statistical
       Association, 102(477), 359-378.

    """
    if not 0.0 < eps < 0.5:
        raise ValueError(f"eps must be in (0, 0.5), got {eps}")
    f, o = _check(forecasts, outcomes)
    p = np.clip(f, eps, 1.0 - eps)
    return float(-np.mean(o * np.log(p) + (1.0 - o) * np.log1p(-p)))


def _bin_index(f: np.ndarray, bins: Bins) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Assign forecasts to bins; return (index per forecast, lower edges, upper edges)."""
    if isinstance(bins, str):
        if bins != "unique":
            raise ValueError(f"bins must be an int, a sequence of edges or 'unique', got {bins!r}")
        values, idx = np.unique(f, return_inverse=True)
        return idx.reshape(-1), values, values.copy()
    if isinstance(bins, int | np.integer):
        if bins < 1:
            raise ValueError(f"number of bins must be >= 1, got {bins}")
        edges = np.linspace(0.0, 1.0, int(bins) + 1)
    else:
        edges = np.asarray(bins, dtype=float).reshape(-1)
        if edges.size < 2 or np.any(np.diff(edges) <= 0):
            raise ValueError("bin edges must be strictly increasing, at least two of them")
        if edges[0] > 0.0 or edges[-1] < 1.0:
            raise ValueError(f"bin edges must cover [0, 1], got [{edges[0]}, {edges[-1]}]")
    # Bins are [e_i, e_{i+1}); the last one is closed so that 1.0 is counted. A
    # forecast within _EDGE_TOL below an edge counts in the upper bin: with
    # floating-point edges (np.linspace(0, 1, 11)[3] is 0.30000000000000004)
    # grid forecasts such as 0.3 would otherwise fall into the bin below.
    idx = np.searchsorted(edges, f + _EDGE_TOL, side="right") - 1
    idx = np.clip(idx, 0, edges.size - 2)
    return idx, edges[:-1].copy(), edges[1:].copy()


@dataclass(frozen=True)
class CalibrationBin:
    """One row of a calibration (reliability) table.

    Attributes
    ----------
    lower, upper : float
        Bin edges ``[lower, upper)`` (the last bin is closed); equal for
        ``bins="unique"``.
    count : int
        Number of forecasts in the bin.
    mean_forecast : float
        Mean forecast probability in the bin (NaN when empty).
    observed_frequency : float
        Share of the bin's events that happened (NaN when empty).

    """

    lower: float
    upper: float
    count: int
    mean_forecast: float
    observed_frequency: float


def calibration_table(
    forecasts: np.ndarray | Sequence[float],
    outcomes: np.ndarray | Sequence[float],
    *,
    bins: Bins = 10,
) -> tuple[CalibrationBin, ...]:
    """Calibration table: mean forecast and observed frequency per forecast bin.

    Parameters
    ----------
    forecasts : array_like
        Forecast probabilities, in [0, 1].
    outcomes : array_like
        1 if the event happened, else 0.
    bins : int, sequence of float or "unique", optional
        Number of equal-width bins on [0, 1] (default 10), explicit edges
        covering [0, 1], or ``"unique"`` for one bin per distinct forecast
        value. Bins are ``[lower, upper)``, the last one closed; a forecast
        within 1e-9 below an edge counts in the upper bin, so that 0.3 lands
        in ``[0.3, 0.4)`` despite floating-point edges.

    Returns
    -------
    tuple of CalibrationBin
        One row per bin, empty bins included (with NaN means) for integer or
        explicit bins.

    Notes
    -----
    A well-calibrated forecaster has ``observed_frequency ≈ mean_forecast`` in
    every bin; with few forecasts per bin the observed frequency is itself
    noisy (binomial standard error ``sqrt(p (1 - p) / count)``).

    References
    ----------
    .. [1] Murphy, A. H., & Winkler, R. L. (1977). Reliability of subjective
       probability forecasts of precipitation and temperature. Journal of the
       Royal Statistical Society, Series C, 26(1), 41-47.

    """
    f, o = _check(forecasts, outcomes)
    idx, lower, upper = _bin_index(f, bins)
    k = lower.size
    count = np.bincount(idx, minlength=k)
    sum_f = np.bincount(idx, weights=f, minlength=k)
    sum_o = np.bincount(idx, weights=o, minlength=k)
    rows = []
    for j in range(k):
        n = int(count[j])
        rows.append(
            CalibrationBin(
                lower=float(lower[j]),
                upper=float(upper[j]),
                count=n,
                mean_forecast=float(sum_f[j] / n) if n else float("nan"),
                observed_frequency=float(sum_o[j] / n) if n else float("nan"),
            )
        )
    return tuple(rows)


@dataclass(frozen=True)
class MurphyDecomposition:
    """Murphy decomposition of the Brier score, with the within-bin terms.

    ``brier == reliability - resolution + uncertainty
    + within_bin_variance - within_bin_covariance`` holds exactly (up to
    rounding) for any binning; the two within-bin terms are zero when all
    forecasts in each bin are equal.

    Attributes
    ----------
    brier : float
        Brier score of the forecasts.
    reliability : float
        ``(1/N) sum_k n_k (fbar_k - obar_k)^2``; lower is better.
    resolution : float
        ``(1/N) sum_k n_k (obar_k - obar)^2``; higher is better.
    uncertainty : float
        ``obar (1 - obar)``; a property of the questions, not the forecaster.
    within_bin_variance : float
        ``(1/N) sum_k sum_{i in k} (f_i - fbar_k)^2`` (WBV).
    within_bin_covariance : float
        ``(2/N) sum_k sum_{i in k} (f_i - fbar_k)(o_i - obar_k)`` (WBC).
    n : int
        Number of forecasts.
    n_bins : int
        Number of non-empty bins.

    """

    brier: float
    reliability: float
    resolution: float
    uncertainty: float
    within_bin_variance: float
    within_bin_covariance: float
    n: int
    n_bins: int

    @property
    def residual(self) -> float:
        """``brier - (reliability - resolution + uncertainty)``, i.e. WBV - WBC."""
        return self.brier - (self.reliability - self.resolution + self.uncertainty)


def murphy_decomposition(
    forecasts: np.ndarray | Sequence[float],
    outcomes: np.ndarray | Sequence[float],
    *,
    bins: Bins = 10,
) -> MurphyDecomposition:
    """Decompose the Brier score into reliability, resolution and uncertainty.

    Parameters
    ----------
    forecasts : array_like
        Forecast probabilities, in [0, 1].
    outcomes : array_like
        1 if the event happened, else 0.
    bins : int, sequence of float or "unique", optional
        Binning of the forecasts, as in :func:`calibration_table` (default 10
        equal-width bins). ``"unique"`` makes the three-term identity exact.

    Returns
    -------
    MurphyDecomposition
        The three Murphy terms, the Brier score, and the two within-bin terms.

    Notes
    -----
    Murphy's identity ``BS = REL - RES + UNC`` is exact when every forecast
    equals its bin's mean forecast, i.e. when forecasts take only one value
    per bin (forecasts on a 0.1 grid with bins centred on that grid, or
    ``bins="unique"``). With continuous forecasts binned coarsely it is not:
    Stephenson et al. (2008) show ``BS = REL - RES + UNC + WBV - WBC``, where
    WBV is the within-bin variance of the forecasts and WBC twice their
    within-bin covariance with the outcomes. Both are returned, so the full
    identity can always be checked; ``REL`` computed from bin means is then a
    biased estimate of the forecaster's true reliability, and it also
    depends on the number of bins.

    References
    ----------
    .. [1] Murphy, A. H. (1973). A new vector partition of the probability
       score. Journal of Applied Meteorology, 12(4), 595-600.
    .. [2] Stephenson, D. B., Coelho, C. A. S., & Jolliffe, I. T. (2008). Two
       extra components in the Brier score decomposition. Weather and
       Forecasting, 23(4), 752-757.

    """
    f, o = _check(forecasts, outcomes)
    idx, _, _ = _bin_index(f, bins)
    n = f.size
    k = int(idx.max()) + 1
    count = np.bincount(idx, minlength=k).astype(float)
    nonempty = count > 0
    safe = np.where(nonempty, count, 1.0)
    fbar_k = np.bincount(idx, weights=f, minlength=k) / safe
    obar_k = np.bincount(idx, weights=o, minlength=k) / safe
    obar = float(o.mean())
    rel = float(np.sum(count * (fbar_k - obar_k) ** 2) / n)
    res = float(np.sum(count * (obar_k - obar) ** 2) / n)
    unc = obar * (1.0 - obar)
    df = f - fbar_k[idx]
    wbv = float(np.sum(df**2) / n)
    wbc = float(2.0 * np.sum(df * (o - obar_k[idx])) / n)
    return MurphyDecomposition(
        brier=float(np.mean((f - o) ** 2)),
        reliability=rel,
        resolution=res,
        uncertainty=unc,
        within_bin_variance=wbv,
        within_bin_covariance=wbc,
        n=n,
        n_bins=int(np.count_nonzero(nonempty)),
    )


@dataclass(frozen=True)
class BaselineScores:
    """Scores of the two reference forecasters on a question set.

    Attributes
    ----------
    base_rate : float
        Base rate used by the base-rate forecaster.
    half_brier, half_log : float
        Brier and log score of always forecasting 0.5 (0.25 and ln 2).
    base_rate_brier, base_rate_log : float
        Brier and log score of always forecasting ``base_rate``.
    in_sample : bool
        ``True`` when ``base_rate`` was computed from the outcomes being
        scored (a hindsight baseline).

    """

    base_rate: float
    half_brier: float
    half_log: float
    base_rate_brier: float
    base_rate_log: float
    in_sample: bool


def baseline_scores(
    outcomes: np.ndarray | Sequence[float],
    *,
    base_rate: float | None = None,
    eps: float = LOG_SCORE_EPS,
) -> BaselineScores:
    """Scores of the constant-0.5 and base-rate forecasters.

    Parameters
    ----------
    outcomes : array_like
        1 if the event happened, else 0.
    base_rate : float, optional
        Base rate to forecast; by default the share of events in
        ``outcomes`` (in-sample).
    eps : float, optional
        Clipping for the log score (see :func:`log_score`).

    Returns
    -------
    BaselineScores
        The baselines' Brier and log scores.

    Notes
    -----
    The in-sample base rate knows the answer's frequency in advance; its Brier
    score equals the uncertainty term ``obar (1 - obar)`` of Murphy's
    decomposition and is the score of a forecaster with no resolution and
    perfect reliability. Pass an out-of-sample ``base_rate`` (e.g. from past
    questions) for a fair baseline.

    References
    ----------
    .. [1] Murphy, A. H. (1973). A new vector partition of the probability
       score. Journal of Applied Meteorology, 12(4), 595-600.
    .. [2] Tetlock, P. E., & Gardner, D. (2015). Superforecasting: The Art and
       Science of Prediction. Crown. (Base rates as the "outside view".)

    """
    o = np.asarray(outcomes).astype(float).reshape(-1)
    in_sample = base_rate is None
    if o.size == 0:
        raise ValueError("at least one outcome is required")
    br = float(o.mean()) if base_rate is None else float(base_rate)
    half = np.full(o.shape, 0.5)
    const = np.full(o.shape, br)
    return BaselineScores(
        base_rate=br,
        half_brier=brier_score(half, o),
        half_log=log_score(half, o, eps=eps),
        base_rate_brier=brier_score(const, o),
        base_rate_log=log_score(const, o, eps=eps),
        in_sample=in_sample,
    )


def brier_skill_score(
    forecasts: np.ndarray | Sequence[float],
    outcomes: np.ndarray | Sequence[float],
    *,
    reference: float | np.ndarray | Sequence[float] | None = None,
) -> float:
    """Brier skill score ``1 - BS / BS_ref`` (higher is better, 1 is perfect).

    Parameters
    ----------
    forecasts : array_like
        Forecast probabilities, in [0, 1].
    outcomes : array_like
        1 if the event happened, else 0.
    reference : float or array_like, optional
        Reference forecast (a constant or one per question); default the
        in-sample base rate, whose Brier score is the uncertainty term.

    Returns
    -------
    float
        Skill relative to the reference; 0 means no better, negative worse.
        ``nan`` if the reference is perfect (its Brier score is 0).

    References
    ----------
    .. [1] Wilks, D. S. (2011). Statistical Methods in the Atmospheric
       Sciences (3rd ed.), section 8.4.2. Academic Press.

    """
    f, o = _check(forecasts, outcomes)
    if reference is None:
        ref = np.full(o.shape, o.mean())
    else:
        ref = np.broadcast_to(np.asarray(reference, dtype=float), o.shape)
    bs_ref = brier_score(ref, o)
    if bs_ref == 0.0:
        return float("nan")
    return 1.0 - brier_score(f, o) / bs_ref
