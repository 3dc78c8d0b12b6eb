"""Scenario discovery with PRIM: which combinations of assumptions lead to a case of interest.

A thin, typed wrapper around EMA Workbench's PRIM (``ema_workbench.analysis.prim``):
it takes a plain experiments matrix with column names and a boolean case of
interest per row, runs peeling and pasting, selects a box on each peeling
trajectory by a density threshold, and returns frozen records. EMA Workbench is
an optional dependency (``pip install 'peninsula[analysis]'``), imported only
when :func:`prim_boxes` is called. :func:`discover` runs it on a stored exploration: the
parameter regions where an outcome exceeds a threshold.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from peninsula.store.explorations import ExplorationResults

__all__ = [
    "Discovery",
    "PeelingStep",
    "PrimBox",
    "PrimResult",
    "Restriction",
    "discover",
    "prim_boxes",
]

_EXTRA_HINT = (
    "PRIM scenario discovery needs EMA Workbench (ema_workbench>=2.5.3), an optional "
    "dependency of Peninsula. Install it with: pip install 'peninsula[analysis]'"
)

Objective = Literal["lenient1", "lenient2", "original"]

_EMA_ACCEPT_ALL = 1e-6


def _import_ema_prim() -> Any:
    """Import ``ema_workbench.analysis.prim`` quietly, or fail with an install hint."""
    try:
        with warnings.catch_warnings():
            # EMA Workbench warns at import about optional extras it does not need here
            # (ipyparallel evaluators, altair inspection).
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim as ema_prim
    except ImportError as exc:
        raise ImportError(_EXTRA_HINT) from exc
    return ema_prim


@dataclass(frozen=True)
class PeelingStep:
    """One box on a peeling (and pasting) trajectory.

    Attributes
    ----------
    step : int
        Position on the trajectory (0 is the unrestricted box).
    coverage : float
        Share of all cases of interest that fall in the box.
    density : float
        Share of the box's rows that are cases of interest.
    mass : float
        Share of all rows that fall in the box.
    n_restricted : int
        Number of restricted dimensions.
    n_rows : int
        Rows in the box.
    n_of_interest : int
        Cases of interest in the box.

    """

    step: int
    coverage: float
    density: float
    mass: float
    n_restricted: int
    n_rows: int
    n_of_interest: int


@dataclass(frozen=True)
class Restriction:
    """Limits of one restricted dimension of a box; the box is ``lower <= x <= upper``.

    Attributes
    ----------
    name : str
        Column name.
    lower, upper : float
        Box limits on this column.
    data_lower, data_upper : float
        Range of the column in the data (the unrestricted box).
    qp_lower, qp_upper : float or None
        Quasi-p-values of the lower and upper limit (Bryant & Lempert 2010):
        a one-sided binomial test of whether removing that limit lowers the
        density; ``None`` where the side is not restricted.

    """

    name: str
    lower: float
    upper: float
    data_lower: float
    data_upper: float
    qp_lower: float | None
    qp_upper: float | None


@dataclass(frozen=True)
class PrimBox:
    """A box found by PRIM, with its whole trajectory and the selected step.

    Attributes
    ----------
    trajectory : tuple of PeelingStep
        Peeling then pasting trajectory of this box.
    selected : int
        Index into ``trajectory`` of the chosen box.
    restrictions : tuple of Restriction
        Restricted dimensions of the chosen box.
    coverage, density, mass : float
        Statistics of the chosen box (coverage and mass are relative to the
        whole data set, density to the rows still uncovered when the box was
        found).

    """

    trajectory: tuple[PeelingStep, ...]
    selected: int
    restrictions: tuple[Restriction, ...]
    coverage: float
    density: float
    mass: float

    @property
    def restricted_names(self) -> tuple[str, ...]:
        """Names of the restricted dimensions."""
        return tuple(r.name for r in self.restrictions)

    def __getitem__(self, name: str) -> Restriction:
        """Return the restriction on column ``name``."""
        for r in self.restrictions:
            if r.name == name:
                return r
        raise KeyError(f"{name!r} is not restricted in this box")

    def contains(self, experiments: np.ndarray, names: Sequence[str]) -> np.ndarray:
        """Boolean mask of the rows of ``experiments`` (columns ``names``) inside the box."""
        x = np.asarray(experiments, dtype=float)
        cols = list(names)
        inside = np.ones(x.shape[0], dtype=bool)
        for r in self.restrictions:
            j = cols.index(r.name)
            inside &= (x[:, j] >= r.lower) & (x[:, j] <= r.upper)
        return inside


@dataclass(frozen=True)
class PrimResult:
    """Outcome of a PRIM run.

    Attributes
    ----------
    names : tuple of str
        Column names of the experiments matrix.
    boxes : tuple of PrimBox
        Boxes found, in order (empty if no box reached the threshold).
    n_rows : int
        Number of experiments.
    n_of_interest : int
        Number of cases of interest.
    threshold : float
        Density threshold used to select boxes.

    """

    names: tuple[str, ...]
    boxes: tuple[PrimBox, ...]
    n_rows: int
    n_of_interest: int
    threshold: float


def _select_step(trajectory: Sequence[PeelingStep], threshold: float) -> int | None:
    """Step with the largest coverage among those whose density meets ``threshold``.

    Ties are broken by higher density, then fewer restricted dimensions, then
    the earlier step.
    """
    best: tuple[float, float, int, int] | None = None
    chosen: int | None = None
    for s in trajectory:
        if s.density + 1e-12 < threshold:
            continue
        key = (s.coverage, s.density, -s.n_restricted, -s.step)
        if best is None or key > best:
            best, chosen = key, s.step
    return chosen


def prim_boxes(
    experiments: np.ndarray,
    names: Sequence[str],
    of_interest: np.ndarray | Sequence[bool],
    *,
    threshold: float = 0.8,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    max_boxes: int = 1,
    objective: Objective = "lenient1",
) -> PrimResult:
    """Find boxes in parameter space where the case of interest is concentrated.

    Parameters
    ----------
    experiments : numpy.ndarray, shape (n_rows, n_columns)
        Sampled parameters, one row per experiment. Columns are treated as
        continuous.
    names : sequence of str
        Column names.
    of_interest : array_like of bool, shape (n_rows,)
        Whether each experiment ended in the case of interest (e.g. war).
    threshold : float, optional
        Density a box must reach to be selected (default 0.8).
    peel_alpha : float, optional
        Share of the remaining rows removed by each peel (default 0.05).
    paste_alpha : float, optional
        Share of rows added back by each paste (default 0.05).
    mass_min : float, optional
        Peeling stops before a box would hold less than this share of all rows
        (default 0.05).
    max_boxes : int, optional
        Look for up to this many boxes (covering: the rows inside a box are
        removed before the next one is sought). Stops early when a box does
        not reach ``threshold``.
    objective : {"lenient1", "lenient2", "original"}, optional
        Peeling objective. ``"original"`` is Friedman & Fisher's (the density
        of the candidate box); ``"lenient1"`` (EMA Workbench's default, and
        ours) is the gain in density per unit of mass removed, which favours
        small, well-aimed peels (Kwakkel & Jaxa-Rozen 2016).

    Returns
    -------
    PrimResult
        For each box, the full trajectory (coverage, density, mass, number of
        restricted dimensions per step), the selected step and its
        restrictions.

    Raises
    ------
    ValueError
        On shape mismatches, non-finite data, or when there are no cases of
        interest or nothing but cases of interest.
    ImportError
        If EMA Workbench is not installed.

    Notes
    -----
    On each trajectory the selected box is the one with the largest coverage
    among those whose density is at least ``threshold`` -- the usual reading
    of the coverage/density trade-off curve; inspect ``trajectory`` to pick
    another. Limits are closed (``lower <= x <= upper``) and lie on observed
    data values, so a limit is known only to within the spacing of the
    samples near it; quasi-p-values above about 0.05 flag restrictions that
    may be noise. Peeling is greedy, so PRIM can miss boxes that no sequence
    of single-dimension peels reaches, and with many columns it may restrict
    dimensions spuriously; a restriction close to the data range
    (``lower ≈ data_lower``) is usually one of these.

    References
    ----------
    .. [1] Friedman, J. H., & Fisher, N. I. (1999). Bump hunting in
       high-dimensional data. Statistics and Computing, 9(2), 123-143.
    .. [2] Bryant, B. P., & Lempert, R. J. (2010). Thinking inside the box: A
       participatory, computer-assisted approach to scenario discovery.
       Technological Forecasting and Social Change, 77(1), 34-49.
    .. [3] Kwakkel, J. H., & Jaxa-Rozen, M. (2016). Improving scenario
       discovery for handling heterogeneous uncertainties and multinomial
       classified outcomes. Environmental Modelling & Software, 79, 311-321.
    .. [4] Kwakkel, J. H. (2017). The Exploratory Modeling Workbench: An open
       source toolkit for exploratory modeling, scenario discovery, and
       (multi-objective) robust decision making. Environmental Modelling &
       Software, 96, 239-250.

    """
    x, cols, y = _check_data(experiments, names, of_interest)
    _check_settings(threshold, peel_alpha, paste_alpha, mass_min, max_boxes)

    ema_prim = _import_ema_prim()
    objectives = {
        "lenient1": ema_prim.PRIMObjectiveFunctions.LENIENT1,
        "lenient2": ema_prim.PRIMObjectiveFunctions.LENIENT2,
        "original": ema_prim.PRIMObjectiveFunctions.ORIGINAL,
    }
    if objective not in objectives:
        raise ValueError(f"objective must be one of {sorted(objectives)}, got {objective!r}")


    frame = pd.DataFrame(x, columns=list(cols))
    data_lo = x.min(axis=0)
    data_hi = x.max(axis=0)

    # EMA Workbench reports progress through logging at INFO level (silent unless
    # the application configures the "EMA" logger); nothing is printed.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.simplefilter("ignore", category=DeprecationWarning)
        engine = ema_prim.Prim(
            frame,
            y.astype(int),
            # EMA uses `threshold` twice: rows with y >= threshold are cases of
            # interest, and a box whose *last* peel falls below it is replaced by
            # the unrestricted box, trajectory and all. Peeling itself does not
            # use it. A tiny value keeps y == 1 as the case of interest and
            # keeps every trajectory, so the density threshold is applied by
            # _select_step over the whole trajectory instead.
            threshold=_EMA_ACCEPT_ALL,
            obj_function=objectives[objective],
            peel_alpha=peel_alpha,
            paste_alpha=paste_alpha,
            mass_min=mass_min,
        )
        boxes = _find_boxes(engine, cols, data_lo, data_hi, threshold, max_boxes)

    return PrimResult(
        names=cols,
        boxes=tuple(boxes),
        n_rows=int(x.shape[0]),
        n_of_interest=int(y.sum()),
        threshold=float(threshold),
    )


def _check_data(
    experiments: np.ndarray, names: Sequence[str], of_interest: np.ndarray | Sequence[bool]
) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    """The experiments matrix, its column names and the boolean case of interest, checked."""
    x = np.asarray(experiments, dtype=float)
    cols = tuple(str(n) for n in names)
    y = np.asarray(of_interest)
    if x.ndim != 2:
        raise ValueError(f"experiments must be a 2-D matrix, got shape {x.shape}")
    if len(cols) != x.shape[1]:
        raise ValueError(f"got {len(cols)} names for {x.shape[1]} columns of experiments")
    if len(set(cols)) != len(cols):
        raise ValueError(f"column names must be unique, got {cols}")
    if y.shape != (x.shape[0],):
        raise ValueError(
            f"of_interest must have one entry per row ({x.shape[0]}), got shape {y.shape}"
        )
    if y.dtype != bool:
        if not np.all(np.isin(y, (0, 1))):
            raise ValueError("of_interest must be booleans (or 0/1)")
        y = y.astype(bool)
    if not np.all(np.isfinite(x)):
        raise ValueError("experiments contain non-finite values")
    n_interest = int(y.sum())
    if n_interest == 0 or n_interest == y.size:
        raise ValueError(
            f"PRIM needs both cases and non-cases of interest; got {n_interest} of {y.size}"
        )
    return x, cols, y


def _check_settings(threshold: float, peel_alpha: float, paste_alpha: float, mass_min: float,
                    max_boxes: int) -> None:
    """Refuse a density threshold, peel/paste share, minimum mass or box count out of range."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    for label, v in (("peel_alpha", peel_alpha), ("paste_alpha", paste_alpha)):
        if not 0.0 < v < 1.0:
            raise ValueError(f"{label} must be in (0, 1), got {v}")
    if not 0.0 <= mass_min < 1.0:
        raise ValueError(f"mass_min must be in [0, 1), got {mass_min}")
    if max_boxes < 1:
        raise ValueError(f"max_boxes must be >= 1, got {max_boxes}")


def _find_boxes(engine: Any, cols: tuple[str, ...], data_lo: np.ndarray, data_hi: np.ndarray,
                threshold: float, max_boxes: int) -> list[PrimBox]:
    """Up to ``max_boxes`` boxes, covering: the rows of each box leave the data for the next."""
    boxes: list[PrimBox] = []
    for _ in range(max_boxes):
        if engine.yi_remaining.size == 0 or engine.determine_coi(engine.yi_remaining) == 0:
            break
        box = engine.find_box()
        if box is None:
            break
        record = _to_record(box, cols, data_lo, data_hi, threshold)
        if record is None:
            break
        box.select(record.selected)  # the rows of the chosen box leave the data
        boxes.append(record)
    return boxes


def _to_record(
    box: Any,
    cols: tuple[str, ...],
    data_lo: np.ndarray,
    data_hi: np.ndarray,
    threshold: float,
) -> PrimBox | None:
    """Convert an EMA ``PrimBox`` into a :class:`PrimBox`, or ``None`` if none qualifies."""
    pt = box.peeling_trajectory
    trajectory = tuple(
        PeelingStep(
            step=i,
            coverage=float(pt["coverage"].iloc[i]),
            density=float(pt["density"].iloc[i]),
            mass=float(pt["mass"].iloc[i]),
            n_restricted=int(pt["res_dim"].iloc[i]),
            n_rows=int(pt["n"].iloc[i]),
            n_of_interest=int(pt["k"].iloc[i]),
        )
        for i in range(len(pt))
    )
    chosen = _select_step(trajectory, threshold)
    if chosen is None or trajectory[chosen].n_restricted == 0:
        return None
    lims = box.box_lims[chosen]
    init = box.box_lims[0]
    qp = box.qp[chosen]
    restrictions = []
    for j, name in enumerate(cols):
        lo, hi = float(lims[name].iloc[0]), float(lims[name].iloc[1])
        lo0, hi0 = float(init[name].iloc[0]), float(init[name].iloc[1])
        if lo == lo0 and hi == hi0:
            continue
        q = qp.get(name, [-1.0, -1.0])
        restrictions.append(
            Restriction(
                name=name,
                lower=lo,
                upper=hi,
                data_lower=float(data_lo[j]),
                data_upper=float(data_hi[j]),
                qp_lower=None if lo == lo0 or q[0] < 0 else float(q[0]),
                qp_upper=None if hi == hi0 or q[1] < 0 else float(q[1]),
            )
        )
    step = trajectory[chosen]
    return PrimBox(
        trajectory=trajectory,
        selected=chosen,
        restrictions=tuple(restrictions),
        coverage=step.coverage,
        density=step.density,
        mass=step.mass,
    )


# --------------------------------------------------------------------------- explorations


@dataclass(frozen=True)
class Discovery:
    """PRIM boxes for "``outcome`` above ``threshold``", or why there are none."""

    outcome: str
    label: str
    threshold: float
    n_rows: int
    n_of_interest: int
    boxes: tuple
    message: str | None = None
    density: float = 0.5


def discover(res: ExplorationResults, outcome: str, threshold: float, *,
             policy: str | None = None, density: float | None = None,
             max_boxes: int = 2) -> Discovery:
    """PRIM boxes of the parameter regions where ``outcome`` exceeds ``threshold``.

    Rows are experiments (every policy, or one), columns the uncertainties; a row is a case of
    interest when its outcome value is above ``threshold``. Boxes must reach ``density``; by
    default 50%, or three times the share of cases of interest when those are rarer than one in
    six (a box where a rare case is three times as frequent as overall is already a finding).
    See :func:`peninsula.analysis.discovery.prim_boxes` (Friedman & Fisher 1999).
    """
    index = res.outcome_index(outcome)
    meta = res.outcomes[index]
    p_index = res.policy_index(policy)
    values = res.value[:, :, index] if p_index is None else res.value[[p_index], :, index]
    x = np.tile(res.samples, (values.shape[0], 1))
    y = values.reshape(-1) > threshold
    n, k = int(y.size), int(y.sum())

    base = k / n if n else 0.0
    needed = min(0.5, 3.0 * base) if density is None else density
    needed = max(needed, base)

    def result(boxes: tuple = (), message: str | None = None) -> Discovery:
        return Discovery(meta["id"], meta["label"], threshold, n, k, boxes, message, needed)

    if k == 0:
        return result(message=f"no experiment has {meta['id']} above {threshold:g}")
    if k == n:
        return result(message=f"every experiment has {meta['id']} above {threshold:g}")
    found = prim_boxes(x, res.names, y, threshold=needed, max_boxes=max_boxes)
    if not found.boxes:
        return result(message=f"no box reaches a density of {needed:.0%}")
    return result(tuple(found.boxes))
