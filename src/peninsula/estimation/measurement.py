"""The measurement model: which simulated acts count as which observed series.

The engine records every act as ``(future, month, source, target, action)``;
:func:`measure` turns such a stream into the frames of the series contract
(:mod:`peninsula.estimation.series`, with a ``member`` column) so that
:func:`~peninsula.estimation.series.summary_statistics` computes the *same* statistics on
simulated and observed histories. Acts are classified by the catalogue's action *attributes*
(and, for the few actions without one, by id), never by position in the catalogue.

The mapping (:class:`Measurement`, built by :func:`measurement_for` from a scenario)
-------------------------------------------------------------------------------------

Only acts of the observed actor (DPRK, ``PRK``: every observed series is about it) count, to
any target.

=========================  ==================================================================
simulated act              observed series
=========================  ==================================================================
``class: short_range``     ``missile_tests`` SRBM; CSIS provocation ``missile``
``class: intermediate``    ``missile_tests`` IRBM; ``missile``
``class: intercontinental``  ``missile_tests`` ICBM; ``missile``
``class: submarine_launched``  ``missile_tests`` SLBM; ``missile``
``class: space_launch``    ``missile_tests`` SLV; ``missile``
``class: nuclear_device``  ``nuclear_tests``; provocation ``nuclear_test``
``kind: harassment``       provocation ``hybrid`` (balloons, loudspeakers, drones)
``kind: cyber``            provocation ``cyber``
``kind: warning_fire``     provocation ``conventional``
``kind: severance``        provocation ``other`` (CSIS filed the 2020 liaison-office
                           demolition under "other")
``border_clash``,          provocation ``conventional`` (by id: these actions carry no
``limited_strike``,        attribute)
``full_scale_war``
=========================  ==================================================================

Units. One simulated test act is a month's testing *campaign*: by default one *launch event*
(``launches``; ``missiles`` is set equal: the model does not size salvos). Acts of one class
in one month toward several targets (an IRBM test toward the US and toward Japan) are one
campaign: a launch is one event whoever it speaks to (:func:`one_launch_per_class`). One act
a class and a month cannot reach the tempo of 2022 (up to a dozen launch events a month, in
bursts). With the measurement parameter ``launches_per_test`` (:data:`CAMPAIGN`, fitted beside the
scenario's uncertainties) each test act stands for ``K`` launch events, ``K`` geometric on
1, 2, … with that mean (an overdispersed count: most campaigns are one launch, some many),
drawn per act from a seeded generator, so the same seed gives the same counts. One grey-zone
act is one CSIS event.

GDELT. Every act between the two actors of a GDELT dyad, in either direction, adds its
Goldstein value to that dyad's monthly score, as GDELT's composite adds each coded event's
Goldstein value; the scales differ (GDELT weights events by coverage and grows with news
volume), so only the scale-free statistic ``gdelt_negative_share[dyad]`` is compared: of the
months with a score (observed: news of the dyad, nearly every month; simulated: months with an
act between the two), the share whose net score is below zero. Never the score itself.

Not measured: MRBM, HGV and unknown CNS types (the catalogue has no such class: they only
count in the observed totals), CSIS ``nuclear_program`` and ``terror`` events, CSIS severity,
militarized incidents (COW MIDs end in 2014), ICB crises and ICEWS shares:
:attr:`ObservedSeries.unavailable` names each with the reason. :data:`FIT_STATISTICS` lists
the statistics a fit compares for that reason.

Time. The simulated months are laid over a calendar *window* of observed months
(``first_month`` … ``first_month + months - 1``), whatever the scenario's own start. Comparing
them rests on a **stationarity assumption**: the process that generated the observed window
is the one the model simulates from its start state (February 2024), so the window's
statistics (rates per month, shares, pauses) are draws from the same distribution as those of
any simulated stretch of the same length. A window long before the start state makes that
assumption weaker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from peninsula.estimation.series import (
    DEFAULT_GDELT_DYADS,
    PROVOCATION_CATEGORIES,
    ObservedSeries,
    month_range,
)
from peninsula.scenario.cameo import goldstein

__all__ = [
    "CAMPAIGN",
    "CLASS_TO_CNS",
    "FATAL_IDS",
    "FIT_STATISTICS",
    "ID_TO_CATEGORY",
    "KIND_TO_CATEGORY",
    "Measurement",
    "MeasurementError",
    "MeasurementParameter",
    "campaign_sizes",
    "measure",
    "measurement_for",
    "simulated_counts",
]

#: Catalogue missile ``class`` attribute → CNS missile type.
CLASS_TO_CNS: dict[str, str] = {"short_range": "SRBM", "intermediate": "IRBM",
                                "intercontinental": "ICBM", "submarine_launched": "SLBM",
                                "space_launch": "SLV"}
#: The ``class`` attribute of a nuclear test.
NUCLEAR_CLASS = "nuclear_device"
#: Grey-zone ``kind`` attribute → CSIS provocation category.
KIND_TO_CATEGORY: dict[str, str] = {"harassment": "hybrid", "cyber": "cyber",
                                    "warning_fire": "conventional", "severance": "other"}
#: Actions without a ``class`` or ``kind`` attribute that count as a CSIS category, by id.
ID_TO_CATEGORY: dict[str, str] = {"border_clash": "conventional",
                                  "limited_strike": "conventional",
                                  "full_scale_war": "conventional"}
#: Actions that are militarized incidents with fatalities (any two actors), by id.
FATAL_IDS = ("border_clash", "limited_strike", "full_scale_war", "nuclear_use")

#: Statistics a fit compares: those of the series the measurement model produces. MRBM is
#: left out (no such class in the catalogue) and so is the CSIS ``missile`` category (it
#: counts the same acts as the CNS launches, at a coarser grain).
FIT_STATISTICS = (
    "tests_per_month[all]", "tests_per_month[SRBM]", "tests_per_month[IRBM]",
    "tests_per_month[ICBM]", "tests_per_month[SLBM]", "tests_per_month[SLV]",
    "share_months_with_test", "longest_pause_months", "dispersion_index",
    "tests_per_quarter_sd", "nuclear_tests_per_year",
    "provocations_per_month[conventional]", "provocations_per_month[hybrid]",
    "provocations_per_month[cyber]",
    *(f"gdelt_negative_share[{d}]" for d in DEFAULT_GDELT_DYADS))

@dataclass(frozen=True)
class MeasurementParameter:
    """A parameter of the measurement model a fit estimates (not a scenario field)."""

    id: str
    low: float
    high: float
    description: str

    @property
    def path(self) -> str:
        """Its name among fitted parameters (``measurement.<id>``: never a scenario path)."""
        return f"measurement.{self.id}"


#: Mean launch events per simulated test act; the prior runs from one (every act a single
#: launch, the default without a fit) to four.
CAMPAIGN = MeasurementParameter(
    "launches_per_test", 1.0, 4.0,
    "mean launch events one simulated test act stands for (geometric on 1, 2, ...)")


def campaign_sizes(mean: np.ndarray, seed: int) -> np.ndarray:
    """Launch events per test act: geometric on 1, 2, … with the given means (one per act)."""
    mean = np.maximum(np.asarray(mean, dtype=np.float64), 1.0)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x6C61756E]))
    return rng.geometric(1.0 / mean).astype(np.int64) if mean.size else np.zeros(0, np.int64)


def _launch_weights(launches_per_test: np.ndarray | None, member: np.ndarray,
                    launch: np.ndarray, seed: int) -> np.ndarray:
    """Launch events of each act (0 for acts that are not launches)."""
    weights = launch.astype(np.int64)
    if launches_per_test is not None and launch.any():
        means = np.asarray(launches_per_test, dtype=np.float64)[member[launch]]
        weights[launch] = campaign_sizes(means, seed)
    return weights


def one_launch_per_class(member: np.ndarray, month: np.ndarray, cls: np.ndarray,
                         sel: np.ndarray) -> np.ndarray:
    """``sel`` keeping one test act per (member, month, missile class).

    The engine chooses toward each target separately, so one month's test of a class can
    appear as acts toward several audiences (an IRBM toward the US and Japan); a launch is one
    event whoever it speaks to, so such acts count once (as one campaign). Nuclear tests are
    merged the same way (``cls`` all zero).
    """
    idx = np.flatnonzero(sel)
    if not idx.size:
        return sel
    keys = np.stack([member[idx], month[idx], cls[idx]], axis=1)
    _, first = np.unique(keys, axis=0, return_index=True)
    out = np.zeros_like(sel)
    out[idx[first]] = True
    return out


_UNMEASURED = {
    "severity": "the model has no CSIS severity score",
    "incidents": "militarized incidents are not measured (COW MIDs end in 2014)",
    "crises": "ICB crises are not measured",
    "icews": "ICEWS quad shares are not measured",
}


class MeasurementError(ValueError):
    """A scenario the measurement model cannot read (a bug or a changed catalogue)."""


@dataclass(frozen=True)
class Measurement:
    """Per action index of a compiled scenario, what one act of the observed actor counts as.

    ``missile[k]`` is the CNS type's index in ``classes`` (−1: not a launch),
    ``nuclear[k]`` whether it is a nuclear test, ``category[k]`` the index of its CSIS
    provocation category in :data:`PROVOCATION_CATEGORIES` (−1: none), ``fatal[k]`` whether it
    is a fatal militarized incident.
    """

    actor: int
    classes: tuple[str, ...]
    missile: np.ndarray
    nuclear: np.ndarray
    category: np.ndarray
    fatal: np.ndarray
    action_ids: tuple[str, ...]
    goldstein: np.ndarray | None = None  # per action, for the GDELT dyad scores
    actor_codes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        """The mapping as a table: one row per action that counts in some series."""
        rows = []
        for k, action in enumerate(self.action_ids):
            cns = self.classes[self.missile[k]] if self.missile[k] >= 0 else ""
            cat = PROVOCATION_CATEGORIES[self.category[k]] if self.category[k] >= 0 else ""
            if cns or cat or self.nuclear[k] or self.fatal[k]:
                rows.append({"action": action, "missile_class": cns,
                             "nuclear_test": bool(self.nuclear[k]), "provocation": cat,
                             "fatal_incident": bool(self.fatal[k])})
        return pd.DataFrame(rows)


def measurement_for(scenario, actor: str = "PRK",
                    class_to_cns: Mapping[str, str] = CLASS_TO_CNS,
                    kind_to_category: Mapping[str, str] = KIND_TO_CATEGORY,
                    id_to_category: Mapping[str, str] = ID_TO_CATEGORY) -> Measurement:
    """The measurement model of a scenario (a :class:`peninsula.scenario.model.Scenario`).

    Action indices follow ``scenario.action_ids`` (the compiled model's order). Raises
    :class:`MeasurementError` when ``actor`` is not in the scenario or no action is a launch.
    """
    codes = list(scenario.actor_codes)
    if actor not in codes:
        raise MeasurementError(f"measurement: actor {actor!r} is not in scenario "
                               f"{scenario.name} (actors: {', '.join(codes)})")
    classes = tuple(dict.fromkeys(class_to_cns.values()))
    ids = tuple(scenario.action_ids)
    by_id = {a.id: a for a in scenario.actions}
    n = len(ids)
    missile, category = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    nuclear, fatal = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    cats = list(PROVOCATION_CATEGORIES)
    for k, action_id in enumerate(ids):
        attrs = dict(getattr(by_id.get(action_id), "attributes", None) or {})
        cls, kind = attrs.get("class"), attrs.get("kind")
        if cls in class_to_cns:
            missile[k] = classes.index(class_to_cns[cls])
            category[k] = cats.index("missile")
        elif cls == NUCLEAR_CLASS:
            nuclear[k] = True
            category[k] = cats.index("nuclear_test")
        elif kind in kind_to_category:
            category[k] = cats.index(kind_to_category[kind])
        elif action_id in id_to_category:
            category[k] = cats.index(id_to_category[action_id])
        fatal[k] = action_id in FATAL_IDS
    gold = np.array([0.0 if getattr(by_id.get(i), "cameo", None) is None
                     else goldstein(by_id[i].cameo, scenario.goldstein_table) for i in ids])
    if not (missile >= 0).any():
        raise MeasurementError(f"measurement: no action of scenario {scenario.name} has a "
                               f"missile class attribute ({', '.join(class_to_cns)})")
    return Measurement(codes.index(actor), classes, missile, nuclear, category, fatal, ids,
                       gold, tuple(codes))


def _counts(member: np.ndarray, month: np.ndarray, key: np.ndarray | None,
            first: pd.Timestamp, months: int, weights: np.ndarray | None = None) -> pd.DataFrame:
    """Rows of (member, month[, key], n): counts (or summed weights) of identical rows."""
    cols = [member, month] if key is None else [member, month, key]
    if not len(member):
        return pd.DataFrame({"member": [], "month": pd.DatetimeIndex([]), "key": [], "n": []})
    stacked = np.stack(cols, axis=1)
    uniq, inverse, n = np.unique(stacked, axis=0, return_inverse=True, return_counts=True)
    if weights is not None:
        n = np.bincount(inverse.reshape(-1), weights=weights, minlength=len(uniq)).astype(
            np.int64)
    grid = month_range(first, first + pd.DateOffset(months=months - 1))
    out = pd.DataFrame({"member": uniq[:, 0], "month": grid[uniq[:, 1]], "n": n})
    if key is not None:
        out["key"] = uniq[:, 2]
    return out


def measure(events, measurement: Measurement, *, members: int, first_month: str | pd.Timestamp,
            months: int, member: np.ndarray | None = None,
            launches_per_test: np.ndarray | None = None, seed: int = 0) -> ObservedSeries:
    """Simulated events → the series frames of the contract, one member per history.

    ``events`` has parallel arrays ``future``, ``month``, ``source``, ``target``, ``action``
    (an :class:`~peninsula.engine.results.EventStream`); ``member`` maps each event to its
    member (default: its future). Simulated month ``m`` is calendar month
    ``first_month + m``; events at or after ``months`` are ignored. ``launches_per_test``
    (one mean per member) sizes each test act's campaign (:data:`CAMPAIGN`), drawn with
    ``seed``; without it every test act is one launch event.
    """
    first = pd.Timestamp(first_month).to_period("M").to_timestamp()
    mem = np.asarray(events.future if member is None else member, dtype=np.int64)
    month = np.asarray(events.month, dtype=np.int64)
    action = np.asarray(events.action, dtype=np.int64)
    ours = (np.asarray(events.source) == measurement.actor) & (month >= 0) & (month < months)
    grid_last = first + pd.DateOffset(months=months - 1)
    coverage = (first, grid_last)
    frames: dict[str, pd.DataFrame] = {}

    cls = measurement.missile[action]
    sel = one_launch_per_class(mem, month, cls, ours & (cls >= 0))
    weights = _launch_weights(launches_per_test, mem, sel, seed)
    c = _counts(mem[sel], month[sel], cls[sel], first, months, weights[sel])
    frames["missile_tests"] = pd.DataFrame({
        "member": c["member"].to_numpy(np.int64), "month": c["month"],
        "missile_class": np.asarray(measurement.classes, dtype=object)[
            c["key"].to_numpy(np.int64)] if len(c) else np.array([], dtype=object),
        "launches": c["n"].to_numpy(np.int64), "missiles": c["n"].to_numpy(np.int64)})
    sel = one_launch_per_class(mem, month, np.zeros_like(action),  # one test, whoever it
                               ours & measurement.nuclear[action])  # speaks to
    c = _counts(mem[sel], month[sel], None, first, months)
    frames["nuclear_tests"] = pd.DataFrame({"member": c["member"].to_numpy(np.int64),
                                            "month": c["month"],
                                            "tests": c["n"].to_numpy(np.int64)})
    cat = measurement.category[action]
    sel = ours & (cat >= 0)
    c = _counts(mem[sel], month[sel], cat[sel], first, months)
    frames["provocations"] = pd.DataFrame({
        "member": c["member"].to_numpy(np.int64), "month": c["month"],
        "category": np.asarray(PROVOCATION_CATEGORIES, dtype=object)[
            c["key"].to_numpy(np.int64)] if len(c) else np.array([], dtype=object),
        "events": c["n"].to_numpy(np.int64)})
    frames["gdelt"] = _gdelt_frame(events, measurement, mem, month, action, first, months)
    return ObservedSeries(frames=frames, coverage={k: coverage for k in frames},
                          unavailable=dict(_UNMEASURED), members=members)


def _gdelt_frame(events, measurement: Measurement, mem: np.ndarray, month: np.ndarray,
                 action: np.ndarray, first: pd.Timestamp, months: int) -> pd.DataFrame:
    """Monthly net Goldstein score of the acts between the two actors of each GDELT dyad."""
    columns = {"member": [], "month": pd.DatetimeIndex([]), "dyad": [], "score": [],
               "volume": [], "days": [], "normalised": []}
    codes = np.asarray(measurement.actor_codes, dtype=object)
    if measurement.goldstein is None or not len(codes) or not len(mem):
        return pd.DataFrame(columns)
    source, target = np.asarray(events.source), np.asarray(events.target)
    a, b = codes[np.minimum(source, target)], codes[np.maximum(source, target)]
    first_code = np.where(a < b, a, b)
    second_code = np.where(a < b, b, a)
    dyad = first_code + "-" + second_code
    keep = np.isin(dyad, DEFAULT_GDELT_DYADS) & (month >= 0) & (month < months)
    if not keep.any():
        return pd.DataFrame(columns)
    frame = pd.DataFrame({"member": mem[keep], "m": month[keep], "dyad": dyad[keep],
                          "score": measurement.goldstein[action[keep]]})
    g = frame.groupby(["member", "m", "dyad"], as_index=False)["score"].sum()
    grid = month_range(first, first + pd.DateOffset(months=months - 1))
    return pd.DataFrame({"member": g["member"].to_numpy(np.int64),
                         "month": grid[g["m"].to_numpy(np.int64)],
                         "dyad": g["dyad"].to_numpy(object), "score": g["score"].to_numpy(float),
                         "volume": np.zeros(len(g)), "days": np.zeros(len(g), np.int64),
                         "normalised": np.full(len(g), np.nan)})


def simulated_counts(events, measurement: Measurement, *, members: int, months: int,
                     member: np.ndarray | None = None,
                     launches_per_test: np.ndarray | None = None,
                     seed: int = 0) -> dict[str, np.ndarray]:
    """Monthly counts ``[members, months]`` of the backtest's series from simulated events.

    ``launches`` (all classes), ``icbm_launches``, ``nuclear_tests`` (acts of the observed
    actor) and ``fatal_incidents`` (fatal acts between any two actors), as in
    :func:`peninsula.estimation.backtest.count_series`; launches sized as in :func:`measure`.
    """
    mem = np.asarray(events.future if member is None else member, dtype=np.int64)
    month = np.asarray(events.month, dtype=np.int64)
    action = np.asarray(events.action, dtype=np.int64)
    inside = (month >= 0) & (month < months) & (mem >= 0) & (mem < members)
    ours = inside & (np.asarray(events.source) == measurement.actor)
    icbm = measurement.classes.index("ICBM") if "ICBM" in measurement.classes else -2
    cls = measurement.missile[action]
    launches = one_launch_per_class(mem, month, cls, ours & (cls >= 0))
    masks = {"launches": launches,
             "icbm_launches": launches & (cls == icbm),
             "nuclear_tests": one_launch_per_class(mem, month, np.zeros_like(action),
                                                   ours & measurement.nuclear[action]),
             "fatal_incidents": inside & measurement.fatal[action]}
    weights = _launch_weights(launches_per_test, mem, masks["launches"], seed)
    weights[~masks["launches"]] = 1
    out = {}
    for name, sel in masks.items():
        grid = np.zeros((members, months), dtype=np.int64)
        np.add.at(grid, (mem[sel], month[sel]), weights[sel])
        out[name] = grid
    return out
