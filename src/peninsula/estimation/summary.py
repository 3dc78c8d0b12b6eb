"""What ``peninsula history summary`` shows: files read, series built, statistics, and a PNG."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from peninsula.estimation.history import FILES, History, read_history
from peninsula.estimation.series import (
    LEVELS,
    SERIES,
    ObservedSeries,
    observed_series,
    summary_statistics,
)

__all__ = ["HistorySummary", "plot_history", "summarise_history"]


@dataclass(frozen=True)
class HistorySummary:
    """A history folder's files, its observed series and their summary statistics.

    ``files``: one row per known file (``file``, ``rows`` kept before the cut, ``first``,
    ``last`` date, ``status``); ``series``: one row per series (``rows``, ``from``, ``to``,
    ``status``); ``statistics``: the named vector of :func:`summary_statistics`.
    """

    history: History
    series: ObservedSeries
    files: pd.DataFrame
    series_table: pd.DataFrame
    statistics: pd.Series
    start: pd.Timestamp | None
    end: pd.Timestamp | None

    @property
    def cut(self) -> dt.date:
        """The exclusive cut date."""
        return self.history.cut


def _file_rows(h: History) -> pd.DataFrame:
    rows = []
    for key, spec in FILES.items():
        if key not in h.tables:
            rows.append({"file": spec.filename, "rows": 0, "first": "", "last": "",
                         "status": "missing"})
            continue
        t = h.tables[key]
        how, col = spec.known
        values = t[col]
        if how == "year":
            first, last = (str(values.min()), str(values.max())) if len(t) else ("", "")
        elif how == "month":
            first, last = ((f"{values.min():%Y-%m}", f"{values.max():%Y-%m}") if len(t)
                           else ("", ""))
        else:
            first, last = ((f"{values.min():%Y-%m-%d}", f"{values.max():%Y-%m-%d}") if len(t)
                           else ("", ""))
        rows.append({"file": spec.filename, "rows": len(t), "first": first, "last": last,
                     "status": "read" if len(t) else "empty before the cut"})
    return pd.DataFrame(rows)


def _series_rows(obs: ObservedSeries) -> pd.DataFrame:
    rows = []
    for name in SERIES:
        if name in obs.frames:
            first, last = obs.coverage[name]
            fmt = "%Y" if name == "icews" else "%Y-%m"
            rows.append({"series": name, "rows": len(obs.frames[name]),
                         "from": f"{first:{fmt}}", "to": f"{last:{fmt}}", "status": "available"})
        else:
            rows.append({"series": name, "rows": 0, "from": "", "to": "",
                         "status": f"unavailable: {obs.unavailable.get(name, 'not built')}"})
    return pd.DataFrame(rows)


def summarise_history(folder: Path | str, *, until: str | dt.date | None = None,
                      start: str | None = None, end: str | None = None) -> HistorySummary:
    """Read ``folder`` up to ``until`` and summarise its series over ``[start, end]``."""
    h = read_history(folder, until=until)
    obs = observed_series(h)
    s = pd.Timestamp(start) if start else None
    e = pd.Timestamp(end) if end else None
    stats = summary_statistics(obs, start=s, end=e).iloc[0]
    return HistorySummary(h, obs, _file_rows(h), _series_rows(obs), stats, s, e)


def plot_history(summary: HistorySummary, path: Path | str) -> Path:
    """Write a PNG of the main series.

    Launches by class per quarter, provocations per year, militarized incidents per quarter by
    level, and the monthly GDELT score of four dyads.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frames = summary.series.frames
    fig, axes = plt.subplots(4, 1, figsize=(11, 12), constrained_layout=True)
    panels = (
        ("missile_tests", "missile_class", "launches", "QS",
         "DPRK missile launches per quarter, by class (CNS)"),
        ("provocations", "category", "events", "YS",
         "DPRK provocations per year, by category (CSIS)"),
        ("incidents", "level", "incidents", "QS",
         "Militarized incidents per quarter, by hostility level (MID)"),
    )
    for ax, (name, key, value, freq, title) in zip(axes, panels, strict=False):
        ax.set_title(title, loc="left", fontsize=10)
        if name not in frames:
            ax.text(0.5, 0.5, f"{name}: unavailable", ha="center", transform=ax.transAxes)
            continue
        f = frames[name]
        wide = (f.pivot_table(index="month", columns=key, values=value, aggfunc="sum")
                .resample(freq).sum())
        bottom = None
        for col in wide.columns:
            ax.bar(wide.index, wide[col], width=80 if freq == "QS" else 300, bottom=bottom,
                   label=LEVELS.get(col, str(col)) if key == "level" else str(col),
                   align="edge")
            bottom = wide[col] if bottom is None else bottom + wide[col]
        ax.legend(fontsize=7, ncols=4, loc="upper left")
    ax = axes[3]
    ax.set_title("GDELT composite score per month, 1000 × score / all-pairs volume",
                 loc="left", fontsize=10)
    if "gdelt" in frames:
        g = frames["gdelt"]
        for dyad in ("KOR-PRK", "PRK-USA", "CHN-USA", "JPN-KOR"):
            d = g[g["dyad"] == dyad]
            ax.plot(d["month"], d["normalised"], label=dyad, lw=1)
        ax.axhline(0, color="grey", lw=0.5)
        ax.legend(fontsize=7, ncols=4, loc="upper left")
    else:
        ax.text(0.5, 0.5, "gdelt: unavailable", ha="center", transform=ax.transAxes)
    fig.suptitle(f"{summary.history.folder} (cut {summary.cut.isoformat()}, exclusive)",
                 fontsize=10)
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
