"""A small vectorised toy simulator of monthly missile tests, for tests and benchmarks.

A two-state Markov chain per simulated history: an *active* month has Poisson(``rate``)
launches, a *paused* month none; an active month is followed by a pause with probability
``pause``, a paused month by an active one with probability ``resume``. Its statistics are
those of :func:`peninsula.estimation.series.summary_statistics` on the simulated series, so
the toy also exercises the frame contract the model's simulated series must follow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from peninsula.estimation.inference import Bounds
from peninsula.estimation.series import ObservedSeries, month_range, summary_statistics

__all__ = ["TOY_BOUNDS", "TOY_STATS", "toy_counts", "toy_series", "toy_simulator",
           "write_example_history"]

#: The toy's parameters and the uniform prior's box.
TOY_BOUNDS = Bounds.of({"rate": (0.2, 5.0), "pause": (0.02, 0.6), "resume": (0.05, 0.9)})
#: The statistics the toy fit uses.
TOY_STATS = ("tests_per_month[all]", "share_months_with_test", "longest_pause_months",
             "dispersion_index", "tests_per_quarter_sd")
_FIRST = pd.Timestamp(2000, 1, 1)


def toy_counts(theta: np.ndarray, months: int, seed: int) -> np.ndarray:
    """Launches per month, ``[n, months]``, for parameter sets ``theta`` ``[n, 3]``."""
    rng = np.random.default_rng(seed)
    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    n = len(theta)
    rate, pause, resume = theta[:, 0:1], theta[:, 1:2], theta[:, 2:3]
    u = rng.random((n, months))
    stationary = resume / (pause + resume)
    active = np.empty((n, months), dtype=bool)
    active[:, 0] = u[:, 0] < stationary[:, 0]
    for t in range(1, months):  # one step per month, vectorised over histories
        prev = active[:, t - 1]
        active[:, t] = np.where(prev, u[:, t] >= pause[:, 0], u[:, t] < resume[:, 0])
    return rng.poisson(np.broadcast_to(rate, (n, months))) * active


def toy_series(counts: np.ndarray) -> ObservedSeries:
    """The ``missile_tests`` series of simulated counts, one member per row (class SRBM)."""
    n, months = counts.shape
    member, t = np.nonzero(counts)
    grid = month_range(_FIRST, _FIRST + pd.DateOffset(months=months - 1))
    frame = pd.DataFrame({"member": member, "month": grid[t], "missile_class": "SRBM",
                          "launches": counts[member, t], "missiles": counts[member, t]})
    return ObservedSeries(frames={"missile_tests": frame},
                          coverage={"missile_tests": (grid[0], grid[-1])}, members=n)


def toy_simulator(months: int = 120):
    """``simulate(theta, seed) -> stats [n, len(TOY_STATS)]`` over ``months`` months."""
    def simulate(theta: np.ndarray, seed: int) -> np.ndarray:
        stats = summary_statistics(toy_series(toy_counts(theta, months, seed)))
        return stats[list(TOY_STATS)].to_numpy(dtype=float)
    return simulate


_MISSILE_HEADER = ("date,date_precision,launch_event,missile_seq_in_event,missiles_in_event,"
                   "missile_name,missile_type,outcome,apogee_km,distance_km\n")
_PROVOCATION_HEADER = ("month,missile,conventional,nuclear_test,nuclear_program,hybrid,cyber,"
                       "terror,other,total,max_severity,sum_severity\n")


def write_example_history(folder, first: str = "2015-01", last: str = "2024-01",
                          seed: int = 0):
    """Write a small *synthetic* history folder (missile tests and CSIS provocation counts).

    Launches are Poisson (rate 1.5 a month, a fifth of them ICBM), provocations a
    conventional event every fourth month: data with the columns of ``shared/data/history``
    for examples and tests, not real events. Returns the folder.
    """
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    months = month_range(pd.Timestamp(first + "-01"), pd.Timestamp(last + "-01"))
    lines, prov = [_MISSILE_HEADER], [_PROVOCATION_HEADER]
    for i, m in enumerate(months):
        n = int(rng.poisson(1.5))
        for k in range(n):
            kind = "ICBM" if rng.random() < 0.2 else "SRBM"
            lines.append(f"{m:%Y-%m}-{k + 2:02d},day,{m:%Y%m}{k + 2:02d}-x,1,1,Test,{kind},"
                         "success,,\n")
        conv = int(i % 4 == 0)
        prov.append(f"{m:%Y-%m},{n},{conv},0,0,0,0,0,0,{n + conv},{3 if n + conv else 0},"
                    f"{3 * (n + conv)}\n")
    (folder / "dprk_missile_tests.csv").write_text("".join(lines))
    (folder / "dprk_provocations_monthly.csv").write_text("".join(prov))
    return folder
