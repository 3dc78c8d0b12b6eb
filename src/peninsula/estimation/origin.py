"""The world as it stood at a backtest origin, built only from data dated before it.

A backtest that starts every origin from the flagship's February 2024 state gives the model
knowledge from after the origin (North Korea's 2024 arsenal, the 2024 relations, the war in
Ukraine). :func:`origin_scenario` rewrites a scenario's start state for a month ``O`` from the
history tables, reading nothing dated on or after ``O``:

* **Relations** of every listed dyad with a relation: ``10 x`` the net cooperation share in
  the year before ``O``. From GDELT (2018 on) when at least half of the 365 days before ``O``
  have a daily dyad score: (days with a positive score - days with a negative one) / days with
  a score. Otherwise from the latest ICEWS year ended before ``O`` (2002-2014): (verbal +
  material cooperation - verbal - material conflict) / all four counts of the directed
  dyad-year. Both are shares in [-1, 1], so the scale is fixed in advance, not fitted; the
  table of :class:`OriginState` says which source and year each value comes from.
* **North Korea's nuclear capability**: :data:`NUCLEAR_PER_TEST` per nuclear test before ``O``
  (six tests give the flagship's 0.3); its second-strike capability is the scenario's only
  once a submarine-launched missile has been tested (CNS class SLBM) before ``O``, else 0.
* **Dated facts** (:data:`DATED_FACTS`): a state the scenario asserts since a known date (the
  January 2024 "two hostile states" line, Russia's full-scale war from 24 February 2022) is
  replaced by its earlier value at origins before that date.
* **The calendar**: scheduled events and elections outside the simulated months are dropped
  (the flagship's are dated 2024-2025), with the outcomes that name a dropped election; actions
  they would unlock stay closed.

What is *not* rebuilt, stated plainly: the other capabilities, objectives, commitments,
dependences and the action catalogue stay the scenario's (2024) values.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from peninsula.estimation.history import History
from peninsula.scenario.loading import LoadedScenario, apply_override, has_path

__all__ = ["DATED_FACTS", "NUCLEAR_PER_TEST", "DatedFact", "OriginState", "origin_scenario"]

NUCLEAR_PER_TEST = 0.05
"""Nuclear capability per DPRK nuclear test before the origin (the flagship's 0.3 / 6 tests)."""

GDELT_MIN_DAYS = 183
"""Days with a GDELT score in the year before the origin needed to use GDELT, not ICEWS."""


@dataclass(frozen=True)
class DatedFact:
    """A scenario value that holds only since ``since`` (``YYYY-MM``); ``before`` holds earlier.

    ``before`` is ``None`` for a field that did not exist yet (a theatre).
    """

    path: str
    since: str
    before: Any
    source: str


DATED_FACTS: tuple[DatedFact, ...] = (
    DatedFact("dyads.PRK>KOR.hostile", "2024-02", False,
              "S1 - the constitutional amendment naming the South the principal enemy "
              "(Kim Jong Un's speech of January 2024)"),
    DatedFact("actors.RUS.theatre", "2022-03", None,
              "Russia's full-scale invasion of Ukraine began on 24 February 2022"),
    DatedFact("actors.RUS.capabilities.committed_elsewhere", "2022-03", 0.0,
              "Russia's full-scale invasion of Ukraine began on 24 February 2022"),
)


@dataclass(frozen=True)
class OriginState:
    """What :func:`origin_scenario` set, and from which data."""

    month: pd.Timestamp
    relations: pd.DataFrame
    nuclear: float | None = None
    nuclear_tests: int | None = None
    second_strike: float | None = None
    facts: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    fixed: frozenset[str] = frozenset()
    """Scenario paths whose value the data or a dated fact fixed (0: no SLBM yet, no war yet):
    a fit must not vary them, or its parameter sets would undo the origin's state."""

    def table(self) -> pd.DataFrame:
        """One row per value set: ``field``, ``value``, ``basis``."""
        rows = [{"field": f"dyads.{r.source}>{r.target}.relation", "value": r.relation,
                 "basis": r.basis} for r in self.relations.itertuples()]
        if self.nuclear is not None:
            rows.append({"field": "actors.PRK.capabilities.nuclear", "value": self.nuclear,
                         "basis": f"{self.nuclear_tests} nuclear tests x {NUCLEAR_PER_TEST}"})
        if self.second_strike is not None:
            rows.append({"field": "actors.PRK.capabilities.second_strike",
                         "value": self.second_strike, "basis": "SLBM tested before the origin"
                         if self.second_strike else "no SLBM test before the origin"})
        rows += [{"field": f, "value": None, "basis": "dated fact"} for f in self.facts]
        rows += [{"field": d, "value": None, "basis": "dropped: outside the simulated months"}
                 for d in self.dropped]
        return pd.DataFrame(rows, columns=["field", "value", "basis"])


def _month(value: str | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(value).to_period("M").to_timestamp()


def _gdelt_net(history: History, month: pd.Timestamp) -> dict[frozenset[str], tuple[float, int]]:
    """Undirected dyad -> (net share of positive minus negative days, days) in the year before."""
    if not history.has("gdelt"):
        return {}
    t = history.table("gdelt")
    dates = pd.to_datetime(t["date"])
    keep = (dates < month) & (dates >= month - pd.Timedelta(days=365))
    t = t[keep.to_numpy()]
    out = {}
    for (a, b), g in t.groupby(["actor_a", "actor_b"]):
        score = g["score"].to_numpy(dtype=float)
        days = len(score)
        if days:
            out[frozenset((a, b))] = (float((np.sign(score)).sum() / days), days)
    return out


def _icews_net(history: History, month: pd.Timestamp) -> dict[tuple[str, str], tuple[float, int]]:
    """Directed dyad -> (net cooperation share, year) in the latest ICEWS year ended before."""
    if not history.has("icews"):
        return {}
    t = history.table("icews")
    t = t[t["year"].astype(int) < month.year]
    out: dict[tuple[str, str], tuple[float, int]] = {}
    for (s, g), rows in t.groupby(["source", "target"]):
        row = rows.loc[rows["year"].astype(int).idxmax()]
        coop = float(row["verbal_cooperation"]) + float(row["material_cooperation"])
        conf = float(row["verbal_conflict"]) + float(row["material_conflict"])
        if coop + conf > 0:
            out[(s, g)] = ((coop - conf) / (coop + conf), int(row["year"]))
    return out


def _relations(raw: dict[str, Any], history: History, month: pd.Timestamp) -> pd.DataFrame:
    gdelt, icews = _gdelt_net(history, month), _icews_net(history, month)
    rows = []
    for dyad in raw.get("dyads") or []:
        if "relation" not in dyad:
            continue
        s, t = dyad["source"], dyad["target"]
        days = gdelt.get(frozenset((s, t)), (0.0, 0))[1]
        if days >= GDELT_MIN_DAYS:
            net, basis = gdelt[frozenset((s, t))][0], f"GDELT {days} days before"
        elif (s, t) in icews:
            net, year = icews[(s, t)]
            basis = f"ICEWS {year}"
        else:
            continue  # no data: the scenario's value stays, and the table does not list it
        relation = float(np.clip(np.round(10.0 * net, 1), -10.0, 10.0))
        dyad["relation"] = relation
        rows.append({"source": s, "target": t, "relation": relation, "basis": basis})
    return pd.DataFrame(rows, columns=["source", "target", "relation", "basis"])


def _prk_capabilities(raw: dict[str, Any], history: History,
                      month: pd.Timestamp) -> tuple[float | None, int | None, float | None]:
    actor = next((a for a in raw.get("actors") or [] if a.get("code") == "PRK"), None)
    if actor is None:
        return None, None, None
    caps = actor.setdefault("capabilities", {})
    nuclear = tests = second = None
    if history.has("nuclear_tests"):
        dates = pd.to_datetime(history.table("nuclear_tests")["date"])
        tests = int((dates < month).sum())
        nuclear = round(min(1.0, NUCLEAR_PER_TEST * tests), 4)
        caps["nuclear"] = nuclear
    if history.has("missile_tests") and caps.get("second_strike"):
        m = history.table("missile_tests")
        slbm = (pd.to_datetime(m["date"]) < month) & (m["missile_type"] == "SLBM")
        second = float(caps["second_strike"]) if bool(slbm.any()) else 0.0
        caps["second_strike"] = second
    return nuclear, tests, second


def _facts(raw: dict[str, Any], month: pd.Timestamp,
           facts: Sequence[DatedFact]) -> tuple[str, ...]:
    applied = []
    for fact in facts:
        if month >= _month(fact.since) or not has_path(raw, fact.path):
            continue
        apply_override(raw, fact.path, fact.before)  # None: the field is absent (no theatre)
        applied.append(f"{fact.path} before {fact.since}: {fact.source}")
    return tuple(applied)


def _calendar(raw: dict[str, Any], month: pd.Timestamp, horizon: int) -> tuple[str, ...]:
    end = month + pd.DateOffset(months=horizon)
    dropped = []
    for section in ("events", "elections"):
        kept = []
        for item in raw.get(section) or []:
            when = _month(str(item["month"]))
            if month <= when < end:
                kept.append(item)
            else:
                dropped.append(f"{section}.{item['id']} ({when:%Y-%m})")
        if section in raw:
            raw[section] = kept
    gone = {d.split(".", 1)[1].split(" ")[0] for d in dropped if d.startswith("elections.")}
    outcomes = raw.get("outcomes") or []
    for o in outcomes:
        if o.get("kind") == "election" and o.get("election") in gone:
            dropped.append(f"outcomes.{o['id']} (names a dropped election)")
    raw["outcomes"] = [o for o in outcomes
                       if not (o.get("kind") == "election" and o.get("election") in gone)]
    return tuple(dropped)


def origin_scenario(loaded: LoadedScenario, history: History, month: str | pd.Timestamp, *,
                    horizon: int | None = None,
                    facts: Sequence[DatedFact] = DATED_FACTS) -> tuple[LoadedScenario,
                                                                       OriginState]:
    """``loaded`` started at ``month`` from a state built from ``history`` before ``month``.

    >>> import peninsula as pn
    >>> from peninsula.estimation.history import History
    >>> from pathlib import Path
    >>> sc, state = origin_scenario(pn.load_scenario("korea-2024"), History(Path("."),
    ...     __import__("datetime").date(2016, 1, 1)), "2016-01", horizon=24)
    >>> sc.scenario.start, [f.split(" ")[0] for f in state.facts]
    ('2016-01', ['dyads.PRK>KOR.hostile', 'actors.RUS.theatre', \
'actors.RUS.capabilities.committed_elsewhere'])
    """
    o = _month(month)
    horizon = horizon or loaded.scenario.horizon_months
    raw = copy.deepcopy(loaded.raw)
    raw["start"] = f"{o:%Y-%m}"
    relations = _relations(raw, history, o)
    nuclear, tests, second = _prk_capabilities(raw, history, o)
    applied = _facts(raw, o, facts)
    dropped = _calendar(raw, o, horizon)
    fixed = {f.path for f in facts if o < _month(f.since)}
    if second == 0.0:
        fixed.add("actors.PRK.capabilities.second_strike")
    state = OriginState(month=o, relations=relations, nuclear=nuclear, nuclear_tests=tests,
                        second_strike=second, facts=applied, dropped=dropped,
                        fixed=frozenset(fixed))
    return _validated(loaded, raw, o), state


def _validated(loaded: LoadedScenario, raw: dict[str, Any], month: pd.Timestamp) -> LoadedScenario:
    """``raw`` validated like an override of ``loaded`` (same error messages)."""
    keys = [k for k in raw if raw.get(k) != loaded.raw.get(k)]  # whole top-level sections
    return loaded.with_overrides({k: raw[k] for k in keys}, why=f"origin {month:%Y-%m}")
