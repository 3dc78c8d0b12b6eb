"""Observed series of a history folder, and the summary statistics a fit compares.

The series are built from a :class:`~peninsula.estimation.history.History`; the statistics
are computed the same way from observed and from simulated series.

The frame contract
------------------
Every series is a tidy pandas frame; :class:`ObservedSeries` holds them with each one's
coverage (first and last month, or year, the source covers: a month inside the coverage with
no row counts as zero). A *simulated* history is described by exactly the same frames with
one more integer column, ``member`` (0 … ``members - 1``: one simulated history per
parameter set or replicate), and ``ObservedSeries(members=n)``; rows may be left out where
the count is zero. :func:`summary_statistics` then returns one row of statistics per member,
computed for all members at once (NumPy, no Python loop per member). The columns:

=====================  =======================================================================
series                 columns (``month``: a Timestamp on the month's first day)
=====================  =======================================================================
``missile_tests``      ``month``, ``missile_class`` (CNS type: SRBM, MRBM, IRBM, ICBM, SLBM,
                       SLV, HGV, unknown), ``launches`` (launch events: missiles fired the same
                       day from one site), ``missiles``
``nuclear_tests``      ``month``, ``tests``
``provocations``       ``month``, ``category`` (see :data:`PROVOCATION_CATEGORIES`), ``events``
``severity``           ``month``, ``max_severity`` (CSIS 0–5; 0 in a month without events)
``incidents``          ``month`` (of the start), ``dyad`` (``"PRK>KOR"``: side A → side B),
                       ``level`` (MID hostility level 2 threat, 3 display, 4 use of force, 5
                       war), ``incidents``, ``fatal`` (incidents with a known fatality level >0;
                       an incident with two side-B actors counts once in each dyad)
``crises``             ``month``, ``crises`` (ICB crises between two of the six ongoing then)
``icews``              ``year``, ``dyad`` (``"PRK>KOR"``: source → target), ``quad`` (see
                       :data:`QUADS`), ``events``, ``share`` (of the dyad-year's four counts)
``gdelt``              ``month``, ``dyad`` (``"KOR-PRK"``, alphabetical, undirected),
                       ``score`` (sum of the daily scores), ``volume`` (sum of the all-pairs
                       daily |score|), ``days``, ``normalised`` (1000 · score / volume)
=====================  =======================================================================

Measurement notes: ``launches`` is the unit the statistics use (CNS counts each missile of a
salvo; a model act "test a missile" is one launch event). ICEWS counts follow media attention,
so only *shares* of the four quad classes within a dyad-year are compared, never counts; the
GDELT score grows with news volume, so it is divided by the day's volume over all country
pairs. These are choices of the measurement model the fit documents.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from peninsula.estimation.history import History

__all__ = [
    "DEFAULT_DYADS",
    "DEFAULT_GDELT_DYADS",
    "LEVELS",
    "MISSILE_CLASSES",
    "PROVOCATION_CATEGORIES",
    "QUADS",
    "SERIES",
    "ObservedSeries",
    "month_range",
    "observed_series",
    "summary_statistics",
]

#: Missile classes with a statistic of their own (CNS types; HGV and unknown count in totals).
MISSILE_CLASSES = ("SRBM", "MRBM", "IRBM", "ICBM", "SLBM", "SLV")
#: CSIS provocation categories (columns of ``dprk_provocations_monthly.csv``).
PROVOCATION_CATEGORIES = ("missile", "conventional", "nuclear_test", "nuclear_program",
                          "hybrid", "cyber", "terror", "other")
#: MID hostility levels and their names.
LEVELS = {2: "threat", 3: "display", 4: "use_of_force", 5: "war"}
#: ICEWS quad classes.
QUADS = ("verbal_cooperation", "material_cooperation", "verbal_conflict", "material_conflict")
#: Directed dyads with statistics of their own (incidents, ICEWS shares).
DEFAULT_DYADS = ("PRK>KOR", "KOR>PRK", "PRK>USA", "USA>PRK", "CHN>JPN", "JPN>CHN")
#: Undirected dyads with a GDELT statistic.
DEFAULT_GDELT_DYADS = ("KOR-PRK", "PRK-USA", "CHN-USA", "CHN-JPN", "JPN-KOR")
#: The series' names, in display order.
SERIES = ("missile_tests", "nuclear_tests", "provocations", "severity", "incidents", "crises",
          "icews", "gdelt")

Coverage = tuple[pd.Timestamp, pd.Timestamp]


@dataclass(frozen=True)
class ObservedSeries:
    """Tidy frames of the observed (or simulated) series and what each covers.

    ``coverage[name]`` is (first, last) month start (for ``icews``: January of the first and
    last year); ``unavailable`` maps a series to the reason it is absent; ``members`` is the
    number of histories described (1 for the observed one).
    """

    frames: dict[str, pd.DataFrame]
    coverage: dict[str, Coverage]
    unavailable: dict[str, str] = field(default_factory=dict)
    members: int = 1


def month_range(first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
    """Month starts from ``first`` to ``last`` inclusive."""
    return pd.date_range(first, last, freq="MS")


def _month(values: pd.Series) -> pd.Series:
    return values.dt.to_period("M").dt.to_timestamp()


def _last_month(cut: dt.date) -> pd.Timestamp:
    """The last month that ends before the exclusive cut."""
    return pd.Timestamp(cut.year, cut.month, 1) - pd.offsets.MonthBegin(1)


def _missiles(h: History, last: pd.Timestamp) -> tuple[pd.DataFrame, Coverage]:
    t = h.table("missile_tests")
    t = t.assign(month=_month(t["date"]), missile_class=t["missile_type"].astype(str))
    t = t[t["month"] <= last]
    g = t.groupby(["month", "missile_class"], as_index=False).agg(
        launches=("launch_event", "nunique"), missiles=("launch_event", "size"))
    first = g["month"].min() if len(g) else last
    return g, (first, last)


def _nuclear(h: History, last: pd.Timestamp, first: pd.Timestamp) -> tuple[pd.DataFrame,
                                                                             Coverage]:
    t = h.table("nuclear_tests")
    t = t.assign(month=_month(t["date"]))
    t = t[t["month"] <= last]
    g = t.groupby("month", as_index=False).agg(tests=("test_number", "size"))
    return g, (min(first, g["month"].min()) if len(g) else first, last)


def _provocations(h: History) -> tuple[pd.DataFrame, pd.DataFrame, Coverage]:
    t = h.table("provocations")
    long = t.melt(id_vars=["month"], value_vars=list(PROVOCATION_CATEGORIES),
                  var_name="category", value_name="events")
    long = long[long["events"] > 0].astype({"events": "int64"}).reset_index(drop=True)
    sev = t[["month", "max_severity"]].astype({"max_severity": "int64"})
    return long, sev, (t["month"].min(), t["month"].max())


def _incidents(h: History) -> tuple[pd.DataFrame, Coverage]:
    t = h.table("incidents")
    t = t.assign(month=_month(t["start_date"]), dyad=t["actor_a"] + ">" + t["actor_b"],
                 level=t["hostlev"].astype("int64"),
                 fatal_id=t["incident_id"].where(t["fatality"].fillna(-9) > 0))
    g = t.groupby(["month", "dyad", "level"], as_index=False).agg(
        incidents=("incident_id", "nunique"), fatal=("fatal_id", "nunique"))
    last = pd.Timestamp(int(t["start_date"].dt.year.max()), 12, 1)
    return g, (g["month"].min(), last)


def _crises(h: History, last_month: pd.Timestamp) -> tuple[pd.DataFrame, Coverage]:
    t = h.table("crises")
    first = _month(t["trigger_date"]).min()
    last = min(pd.Timestamp(int(t["trigger_date"].dt.year.max()), 12, 1), last_month)
    months = month_range(first, last)
    start = _month(t["trigger_date"]).to_numpy()
    end = _month(t["termination_date"].fillna(pd.Timestamp(last))).to_numpy()
    active = (start[None, :] <= months.to_numpy()[:, None]) & \
             (end[None, :] >= months.to_numpy()[:, None])
    crisno = t["crisno"].to_numpy(dtype="int64")
    counts = [len(np.unique(crisno[row])) for row in active]  # one per month, not per member
    return pd.DataFrame({"month": months, "crises": counts}), (first, last)


def _icews(h: History) -> tuple[pd.DataFrame, Coverage]:
    t = h.table("icews")
    t = t.assign(dyad=t["source"] + ">" + t["target"], year=t["year"].astype("int64"))
    long = t.melt(id_vars=["year", "dyad"], value_vars=list(QUADS), var_name="quad",
                  value_name="events").astype({"events": "int64"})
    total = long.groupby(["year", "dyad"])["events"].transform("sum")
    long["share"] = np.where(total > 0, long["events"] / total.where(total > 0, 1), np.nan)
    years = long["year"]
    return long, (pd.Timestamp(int(years.min()), 1, 1), pd.Timestamp(int(years.max()), 1, 1))


def _gdelt(h: History, last: pd.Timestamp) -> tuple[pd.DataFrame, Coverage]:
    t = h.table("gdelt")
    t = t.assign(month=_month(t["date"]), dyad=t["actor_a"] + "-" + t["actor_b"])
    t = t[t["month"] <= last]  # a month cut part-way is left out
    g = t.groupby(["month", "dyad"], as_index=False).agg(
        score=("score", "sum"), volume=("day_abs_sum_all_country_pairs", "sum"),
        days=("date", "nunique"))
    g["normalised"] = 1000.0 * g["score"] / g["volume"]
    return g, (g["month"].min(), g["month"].max())


def observed_series(h: History) -> ObservedSeries:
    """The observed series of the fit, built from a history folder's tables."""
    frames: dict[str, pd.DataFrame] = {}
    coverage: dict[str, Coverage] = {}
    unavailable: dict[str, str] = {}
    last = _last_month(h.cut)

    def absent(name: str, key: str) -> bool:
        if not h.has(key):
            unavailable[name] = f"{key} file missing"
            return True
        if h.tables[key].empty:
            unavailable[name] = f"no {key} data before {h.cut.isoformat()}"
            return True
        return False

    if not absent("missile_tests", "missile_tests"):
        frames["missile_tests"], coverage["missile_tests"] = _missiles(h, last)
    if not absent("nuclear_tests", "nuclear_tests"):
        start = coverage.get("missile_tests", (pd.Timestamp(2006, 1, 1), last))[0]
        frames["nuclear_tests"], coverage["nuclear_tests"] = _nuclear(h, last, start)
    if not absent("provocations", "provocations"):
        frames["provocations"], frames["severity"], coverage["provocations"] = _provocations(h)
        coverage["severity"] = coverage["provocations"]
    else:
        unavailable["severity"] = unavailable["provocations"]
    builders = {"incidents": lambda: _incidents(h), "crises": lambda: _crises(h, last),
                "icews": lambda: _icews(h), "gdelt": lambda: _gdelt(h, last)}
    for name, build in builders.items():
        if not absent(name, name):
            frames[name], coverage[name] = build()
    for name in [n for n, (first, last) in coverage.items() if pd.isna(first) or pd.isna(last)]:
        del frames[name], coverage[name]  # e.g. GDELT days only in a month cut part-way
        unavailable[name] = f"no complete month before {h.cut.isoformat()}"
    return ObservedSeries(frames=frames, coverage=coverage, unavailable=unavailable)


# --------------------------------------------------------------------------- statistics


def _grid(frame: pd.DataFrame, time_col: str, times: pd.Index, value: str, members: int,
          key_col: str | None = None, keys: tuple | None = None) -> np.ndarray:
    """Dense ``[members, len(times), len(keys)]`` array of ``value`` (absent rows are 0)."""
    k = 1 if key_col is None else len(keys or ())
    out = np.zeros((members, len(times), k))
    t_idx = times.get_indexer(frame[time_col])
    ok = t_idx >= 0
    if key_col is not None:
        k_idx = pd.Index(keys).get_indexer(frame[key_col])
        ok &= k_idx >= 0
    else:
        k_idx = np.zeros(len(frame), dtype=int)
    m_idx = frame["member"].to_numpy(dtype=int) if "member" in frame else np.zeros(
        len(frame), dtype=int)
    ok &= (m_idx >= 0) & (m_idx < members)
    np.add.at(out, (m_idx[ok], t_idx[ok], k_idx[ok]), frame[value].to_numpy(dtype=float)[ok])
    return out


def _longest_zero_run(active: np.ndarray) -> np.ndarray:
    """Longest run of ``False`` along axis 1 of a ``[members, T]`` boolean array."""
    members, t = active.shape
    idx = np.arange(t)[None, :]
    last_active = np.maximum.accumulate(np.where(active, idx, -1), axis=1)
    run = idx - last_active
    return run.max(axis=1) if t else np.zeros(members)


def _window(series: ObservedSeries, name: str, start: pd.Timestamp | None,
            end: pd.Timestamp | None) -> pd.DatetimeIndex | None:
    if name not in series.frames:
        return None
    first, last = series.coverage[name]
    first = max(first, start) if start is not None else first
    last = min(last, end) if end is not None else last
    return month_range(first, last) if first <= last else None


def _missile_stats(series: ObservedSeries, months: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    f = series.frames["missile_tests"]
    n = series.members
    by_class = _grid(f, "month", months, "launches", n, "missile_class", MISSILE_CLASSES)
    total = _grid(f, "month", months, "launches", n)[:, :, 0]
    stats = {f"tests_per_month[{c}]": by_class[:, :, i].mean(axis=1)
             for i, c in enumerate(MISSILE_CLASSES)}
    mean = total.mean(axis=1)
    stats["tests_per_month[all]"] = mean
    stats["share_months_with_test"] = (total > 0).mean(axis=1)
    stats["longest_pause_months"] = _longest_zero_run(total > 0).astype(float)
    stats["dispersion_index"] = total.var(axis=1) / np.maximum(mean, 1.0 / len(months))
    quarters = len(months) // 3
    if quarters:
        q = total[:, : quarters * 3].reshape(n, quarters, 3).sum(axis=2)
        stats["tests_per_quarter_sd"] = q.std(axis=1)
        stats["share_quarters_ge3"] = (q >= 3).mean(axis=1)
    return stats


def summary_statistics(series: ObservedSeries, *, start: str | pd.Timestamp | None = None,
                       end: str | pd.Timestamp | None = None,
                       dyads: tuple[str, ...] = DEFAULT_DYADS,
                       gdelt_dyads: tuple[str, ...] = DEFAULT_GDELT_DYADS) -> pd.DataFrame:
    """Summary statistics of the series over ``[start, end]`` (months), one row per member.

    A statistic is computed over the window intersected with its series' coverage; series that
    are unavailable or do not overlap the window contribute no columns. For the observed series
    (``members=1``) take ``.iloc[0]`` for the named vector.
    """
    s = pd.Timestamp(start) if start is not None else None
    e = pd.Timestamp(end) if end is not None else None
    n = series.members
    stats: dict[str, np.ndarray] = {}
    if (months := _window(series, "missile_tests", s, e)) is not None:
        stats.update(_missile_stats(series, months))
    if (months := _window(series, "nuclear_tests", s, e)) is not None:
        g = _grid(series.frames["nuclear_tests"], "month", months, "tests", n)
        stats["nuclear_tests_per_year"] = 12.0 * g[:, :, 0].mean(axis=1)
    if (months := _window(series, "provocations", s, e)) is not None:
        g = _grid(series.frames["provocations"], "month", months, "events", n, "category",
                  PROVOCATION_CATEGORIES)
        stats.update({f"provocations_per_month[{c}]": g[:, :, i].mean(axis=1)
                      for i, c in enumerate(PROVOCATION_CATEGORIES)})
        if "severity" in series.frames:  # a simulated history may have no severity score
            sev = _grid(series.frames["severity"], "month", months, "max_severity", n)
            stats["share_months_severity_ge4"] = (sev[:, :, 0] >= 4).mean(axis=1)
    if (months := _window(series, "incidents", s, e)) is not None:
        f = series.frames["incidents"]
        lv = _grid(f, "month", months, "incidents", n, "level", tuple(LEVELS))
        stats.update({f"incidents_per_month[{name}]": lv[:, :, i].mean(axis=1)
                      for i, name in enumerate(LEVELS.values())})
        dy = _grid(f, "month", months, "incidents", n, "dyad", dyads)
        stats.update({f"incidents_per_month[{d}]": dy[:, :, i].mean(axis=1)
                      for i, d in enumerate(dyads)})
        fatal = _grid(f, "month", months, "fatal", n)[:, :, 0].sum(axis=1)
        total = lv.sum(axis=(1, 2))
        stats["share_incidents_fatal"] = np.where(total > 0, fatal / np.maximum(total, 1), 0.0)
    if (months := _window(series, "crises", s, e)) is not None:
        g = _grid(series.frames["crises"], "month", months, "crises", n)
        stats["share_months_in_crisis"] = (g[:, :, 0] > 0).mean(axis=1)
    stats.update(_icews_stats(series, s, e, dyads))
    if (months := _window(series, "gdelt", s, e)) is not None:
        f = series.frames["gdelt"]
        score = _grid(f, "month", months, "score", n, "dyad", gdelt_dyads)
        volume = _grid(f, "month", months, "volume", n, "dyad", gdelt_dyads)
        vol = volume.sum(axis=1)
        # a simulated history has no news volume: its normalised score does not exist
        norm = np.where(vol > 0, 1000.0 * score.sum(axis=1) / np.where(vol > 0, vol, 1.0),
                        np.nan)
        stats.update({f"gdelt_score[{d}]": norm[:, i] for i, d in enumerate(gdelt_dyads)})
        # scale-free, so comparable with simulated acts: of the months with a score (news of
        # the dyad; simulated: acts between the two), the share whose net score (cooperation
        # minus conflict, both directions) is below zero; 0 when no month has one
        scored = (score != 0).sum(axis=1)
        negative = (score < 0).sum(axis=1) / np.maximum(scored, 1)
        stats.update({f"gdelt_negative_share[{d}]": negative[:, i]
                      for i, d in enumerate(gdelt_dyads)})
    return pd.DataFrame(stats, index=pd.RangeIndex(n, name="member"))


def _icews_stats(series: ObservedSeries, s: pd.Timestamp | None, e: pd.Timestamp | None,
                 dyads: tuple[str, ...]) -> dict[str, np.ndarray]:
    if "icews" not in series.frames:
        return {}
    first, last = series.coverage["icews"]
    y0 = max(first.year, s.year if s is not None else first.year)
    y1 = min(last.year, e.year if e is not None else last.year)
    if y0 > y1:
        return {}
    f = series.frames["icews"]
    years = pd.Index(range(y0, y1 + 1))
    keys = tuple(f"{d}|{q}" for d in dyads for q in QUADS)
    f = f.assign(key=f["dyad"] + "|" + f["quad"])
    g = _grid(f, "year", years, "events", series.members, "key", keys)
    g = g.reshape(series.members, len(years), len(dyads), len(QUADS))
    total = g.sum(axis=3, keepdims=True)
    shares = np.where(total > 0, g / np.where(total > 0, total, 1.0), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a dyad with no events in any year
        mean = np.nan_to_num(np.nanmean(shares, axis=1), nan=0.0)
    return {f"quad_share[{d},{q}]": mean[:, i, j]
            for i, d in enumerate(dyads) for j, q in enumerate(QUADS)}
