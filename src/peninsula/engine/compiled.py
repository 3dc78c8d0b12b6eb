"""A validated scenario turned into the NumPy arrays the engine reads.

Arrays are indexed ``[actor]``, ``[source, target]`` or ``[action]`` in the order of
``Scenario.actor_codes`` and ``Scenario.action_ids``. Nothing here changes during a run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from peninsula.scenario.cameo import goldstein
from peninsula.scenario.model import (
    OBJECTIVES,
    Action,
    Actor,
    Effects,
    Outcome,
    Preconditions,
    Scenario,
    month_index,
)

NO_LIMIT = np.nan
MAX_LEVEL = 1e6
"""Ceiling of an actor's arms and nuclear levels during a run (scenarios state at most 100, on a
scale where USA military = 1): runaway Richardson growth stops here instead of overflowing."""
NEVER = 10**6
"""Unlock month of an option whose event does not happen."""


@dataclass(frozen=True)
class IntervalGate:
    """Which actions allow a value: ``table[rank(x), k]`` is ``lo[k] <= x <= hi[k]``.

    ``rank`` places ``x`` among the distinct limits (on a limit or in a gap between two), so
    one table lookup replaces a comparison per action, exactly, equality included.
    """

    points: np.ndarray  # (P,) sorted distinct limits
    table: np.ndarray  # (2P + 1, K) bool

    @classmethod
    def build(cls, lo: np.ndarray, hi: np.ndarray) -> IntervalGate:
        """Gate for per-action limits ``lo`` and ``hi`` (nan: no limit)."""
        points = np.unique(np.concatenate([lo[~np.isnan(lo)], hi[~np.isnan(hi)]]))
        gaps = np.concatenate([[points[0] - 1.0] if points.size else [0.0],
                               (points[:-1] + points[1:]) / 2.0,
                               [points[-1] + 1.0] if points.size else []])
        reps = np.empty(2 * points.size + 1)
        reps[0::2] = gaps[: points.size + 1]
        reps[1::2] = points
        low = np.where(np.isnan(lo), -np.inf, lo)
        high = np.where(np.isnan(hi), np.inf, hi)
        table = (reps[:, None] >= low[None, :]) & (reps[:, None] <= high[None, :])
        return cls(points=points, table=table)

    def rank(self, x: np.ndarray) -> np.ndarray:
        """Row of ``table`` for each value of ``x``."""
        left = np.searchsorted(self.points, x, side="left")
        padded = np.append(self.points, np.inf)  # a value past the last limit is on no point
        return 2 * left + (padded[left] == x)


@dataclass(frozen=True)
class CompiledOutcomes:
    """Outcome predicates as arrays: event masks, rung pairs and arms-growth actor sets."""

    ids: list[str]
    labels: list[str]
    kinds: list[str]
    binary: list[int]
    continuous: list[int]
    action_rows: list[int]
    action_masks: np.ndarray  # (n_action_outcomes, K, A, A) bool: which events count
    action_min_count: np.ndarray  # (n_action_outcomes,)
    rung_rows: list[int]
    rung_pairs: np.ndarray  # (n_rung_outcomes, A, A) bool, symmetric
    rung_min: np.ndarray  # (n_rung_outcomes,)
    growth_rows: list[int]
    growth_actors: np.ndarray  # (n_growth_outcomes, A) bool
    election_rows: list[int] = field(default_factory=list)
    election_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    election_candidate: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class CompiledElections:
    """Scheduled elections: who is elected where and when, and with what chances."""

    actor: np.ndarray  # (E,) actor index
    month: np.ndarray  # (E,) month index the winner takes office
    cumulative: list[np.ndarray]  # per election, (C,) cumulative candidate probabilities

    @property
    def size(self) -> int:
        """Number of elections."""
        return int(self.actor.size)

    def winners(self, e: int, uniform: np.ndarray) -> np.ndarray:
        """Candidate index drawn by each uniform (inverse of the cumulative probabilities)."""
        cum = self.cumulative[e]
        return np.minimum(np.searchsorted(cum, uniform, side="right"), cum.size - 1)


@dataclass(frozen=True)
class CompiledScenario:
    """Everything the engine needs, as arrays; built once per scenario."""

    scenario: Scenario
    actors: list[str]
    actions: list[str]
    horizon: int
    # actors
    weights: np.ndarray  # (A, O)
    risk_attitude: np.ndarray
    rationality: np.ndarray
    instability: np.ndarray  # (A,) monthly chance of a domestic crisis
    resolve: np.ndarray  # (A,): how firmly the actor answers hostile acts, as others expect
    deterrent_factor: np.ndarray  # (A,): floor + (1 - floor) x second strike
    military: np.ndarray
    nuclear: np.ndarray
    second_strike: np.ndarray
    committed_elsewhere: np.ndarray  # (A,) share tied down at the start
    theatre_mean: np.ndarray  # (A,) nan: no theatre (the share stays constant)
    theatre_reversion: np.ndarray
    theatre_volatility: np.ndarray
    theatre_low: np.ndarray
    theatre_high: np.ndarray
    arms_reactivity: np.ndarray
    arms_fatigue: np.ndarray
    arms_grievance: np.ndarray
    # dyads
    relation: np.ndarray  # (A, A) symmetric
    commitment: np.ndarray  # (A, A) directed: source commits to defend target
    dependence: np.ndarray  # (A, A) directed: source depends on target
    hostile: np.ndarray  # (A, A) bool, directed designation
    # actions
    goldstein: np.ndarray  # (K,)
    tone: np.ndarray  # (K,): Goldstein value clipped to +-dynamics.tone_cap
    rung: np.ndarray  # (K,) int
    cameo: list[str | None]
    static_utility: np.ndarray  # (A, K): value and costs, state-free
    relief_coef: np.ndarray  # (A, K): security x relief, times the share tied down elsewhere
    retaliation_coef: np.ndarray  # (A, K)
    escalation_coef: np.ndarray  # (A,): war aversion discounted by risk attitude
    escalation_level: np.ndarray  # (10,): (rung / 9) ** exponent, for rungs 0..9
    dependence_coef: np.ndarray  # (A, K)
    patron_coef: np.ndarray  # (A, K): economy x patron cost
    answers_coef: np.ndarray  # (A, K)
    defends_coef: np.ndarray  # (A, K)
    static_ok: np.ndarray  # (A, A, K) bool: enabled, allowed sources/targets, designation
    climb_table: np.ndarray  # (10, K): escalation climb of action k from a dyad at rung r
    defends: np.ndarray  # (K,) bool: defends an ally (climbs from the ally's war)
    rung_gate: np.ndarray  # (10, K) bool: action k allowed from a dyad at rung r (ladder, min)
    min_relation: np.ndarray  # (K,) nan = none
    max_relation: np.ndarray
    min_rung: np.ndarray  # (K,) int, -1 = none
    ladder: np.ndarray  # (K,) bool
    min_nuclear: np.ndarray  # (K,) nan = none
    min_commitment_from_target: np.ndarray  # (K,) nan = none
    max_commitment: np.ndarray  # (K,) nan = none; either direction
    min_commitment_between: np.ndarray  # (K,) nan = none; stronger direction
    crisis_rung: np.ndarray  # (K,) int, -1 = none
    target_crisis_rung: np.ndarray  # (K,) int, -1 = none
    ally_groups: list[tuple[np.ndarray, float, int]]  # (action mask, min commitment, rung)
    relation_gate: IntervalGate
    nuclear_gate: IntervalGate
    pledge_gate: IntervalGate  # the target's commitment to the source
    bond_gate: IntervalGate  # the stronger commitment between the two
    crisis_gate: IntervalGate  # the source's highest rung with anyone
    target_crisis_gate: IntervalGate
    once: np.ndarray  # (K,) bool
    cooldown: np.ndarray  # (K,) int: months before the action may be repeated in a pair
    cooldown_source: np.ndarray  # (K,) bool: the cooldown counts from any pair of the source
    pauses: np.ndarray  # (K, K) bool: [m, k] taking m rules k out for the source a while
    pause_months: np.ndarray  # (K,) int: how long action m's pause lasts (0: none)
    requires_prior: np.ndarray  # (K, K) bool: action k requires action m done in the pair
    tracked: np.ndarray  # (T,) action indices whose occurrence per pair is remembered
    tracked_slot: np.ndarray  # (K,) slot in ``tracked`` or -1
    unlock_month: np.ndarray  # (A, A, K) int: first month the option may be taken
    lock_month: np.ndarray  # (A, A, K) int: first month the option is closed again
    salience: np.ndarray  # (A, A, K): utility added once an event unlocks the option
    # effects
    arms_source: np.ndarray
    arms_target: np.ndarray
    nuclear_source: np.ndarray
    nuclear_target: np.ndarray
    commitment_effect: np.ndarray
    dependence_effect: np.ndarray
    technology_transfer: np.ndarray
    relieve_target: np.ndarray
    deescalate_target: np.ndarray
    request_support: np.ndarray  # (K,) bool
    # dynamics
    relation_memory: float
    relation_reversion: float
    rung_decay: float
    max_rung_step: int
    free_rung: int
    hostility_bias: float
    affinity: float
    reciprocity: float
    tone_cap: float
    request_weight: float
    alliance_threshold: float
    nuclear_weight: float
    deterrence_weight: float
    arms_rate: float
    shocks_enabled: bool
    shock_probability: float
    shock_magnitude: float
    outcomes: CompiledOutcomes = field(repr=False)
    domestic_action: int = -1  # index of the action that records domestic crises, -1 if none
    elections: CompiledElections = field(
        default_factory=lambda: CompiledElections(np.zeros(0, np.int64), np.zeros(0, np.int64),
                                                  []), repr=False)
    _regimes: dict = field(default_factory=dict, repr=False, compare=False)

    def regime(self, winners: tuple[int, ...]) -> CompiledScenario:
        """The model with the given winners in office (-1: that election not yet held).

        Only the winners' actors' objectives, risk attitude and rationality differ, so only the
        utility arrays of the result differ from this model's; results are cached.
        """
        if all(w < 0 for w in winners):
            return self
        if winners not in self._regimes:
            variant = governed_scenario(self.scenario, winners)
            self._regimes[winners] = compile_scenario(variant, horizon=self.horizon)
        return self._regimes[winners]

    @property
    def n_actors(self) -> int:
        """Number of actors."""
        return len(self.actors)

    @property
    def n_actions(self) -> int:
        """Number of actions in the catalogue."""
        return len(self.actions)


Fields = dict[str, Any]
"""Some of :class:`CompiledScenario`'s fields by name: what each section's compiler returns."""


def _actor_array(scenario: Scenario, getter: Callable[[Actor], float]) -> np.ndarray:
    return np.array([float(getter(actor)) for actor in scenario.actors], dtype=np.float64)


def _compile_actors(scenario: Scenario) -> Fields:
    """Objective weights, attitudes, capabilities and arms coefficients, one row per actor."""
    weights = np.array(
        [[getattr(a.objectives, name) for name in OBJECTIVES] for a in scenario.actors],
        dtype=np.float64,
    )
    return {
        "weights": weights,
        "risk_attitude": _actor_array(scenario, lambda a: a.risk_attitude),
        "rationality": _actor_array(scenario, lambda a: a.rationality),
        "instability": _actor_array(scenario, lambda a: a.instability),
        "military": _actor_array(scenario, lambda a: a.capabilities.military),
        "nuclear": _actor_array(scenario, lambda a: a.capabilities.nuclear),
        "second_strike": _actor_array(scenario, lambda a: a.capabilities.second_strike),
        "committed_elsewhere": _actor_array(scenario, lambda a: a.capabilities.committed_elsewhere),
        **_compile_theatres(scenario),
        "arms_reactivity": _actor_array(scenario, lambda a: a.arms_reactivity),
        "arms_fatigue": _actor_array(scenario, lambda a: a.arms_fatigue),
        "arms_grievance": _actor_array(scenario, lambda a: a.arms_grievance),
    }


def _compile_theatres(scenario: Scenario) -> Fields:
    """Each actor's outside war as arrays (nan where it has none)."""
    def field(name: str) -> np.ndarray:
        return np.array([np.nan if a.theatre is None else getattr(a.theatre, name)
                         for a in scenario.actors], dtype=np.float64)

    return {"theatre_mean": field("mean"), "theatre_reversion": field("reversion"),
            "theatre_volatility": field("volatility"), "theatre_low": field("low"),
            "theatre_high": field("high")}


def _compile_dyads(scenario: Scenario, index: dict[str, int]) -> tuple[Fields, np.ndarray]:
    """Starting relations, commitments, dependences and hostile designations.

    Also returns which pairs have no military ties (``[i, j]``, symmetric): the action gates
    need it, the engine does not.
    """
    n_actors = len(index)
    relation = np.zeros((n_actors, n_actors))
    commitment = np.zeros((n_actors, n_actors))
    dependence = np.zeros((n_actors, n_actors))
    hostile = np.zeros((n_actors, n_actors), dtype=bool)
    no_military = np.zeros((n_actors, n_actors), dtype=bool)
    for dyad in scenario.dyads:
        i, j = index[dyad.source], index[dyad.target]
        if dyad.relation is not None:
            relation[i, j] = relation[j, i] = dyad.relation
        commitment[i, j] = dyad.commitment
        dependence[i, j] = dyad.dependence
        # a designation or a cut in military ties stated by either dyad holds: a later dyad's
        # default never undoes it (the reference engine reads the rule the same way)
        hostile[i, j] |= dyad.hostile
        no_military[i, j] |= not dyad.military_ties
        no_military[j, i] |= not dyad.military_ties
        if dyad.mutual:
            commitment[j, i] = dyad.commitment
            dependence[j, i] = dyad.dependence
            hostile[j, i] |= dyad.hostile
    fields = {"relation": relation, "commitment": commitment, "dependence": dependence,
              "hostile": hostile}
    return fields, no_military


def _compile_utility(scenario: Scenario, actors: Fields) -> Fields:
    """Per-action values and the per-(actor, action) utility coefficients that need no state."""
    weights = actors["weights"]
    obj = {name: i for i, name in enumerate(OBJECTIVES)}
    security = weights[:, obj["security"]]
    economy = weights[:, obj["economy"]]
    credibility = weights[:, obj["alliance_credibility"]]
    war_aversion = weights[:, obj["war_aversion"]]
    risk = actors["risk_attitude"]
    actions = scenario.actions
    n_actions = len(actions)
    gold = np.array(
        [0.0 if a.cameo is None else goldstein(a.cameo, scenario.goldstein_table) for a in actions]
    )
    rung = np.array([a.rung for a in actions], dtype=np.int64)
    value = np.array([[a.value.get(name, 0.0) for name in OBJECTIVES] for a in actions])
    cost = np.array([a.cost for a in actions])
    relief = np.array([a.relieves_commitment_elsewhere for a in actions])
    dyn = scenario.dynamics
    restraint = dyn.reply_restraint * war_aversion * (1.0 - risk)
    static_utility = (
        weights @ value.T
        - economy[:, None] * cost[None, :]
        - dyn.effort * (np.arange(n_actions) > 0)[None, :]
    )
    hostility = np.maximum(0.0, -gold) / 10.0 * rung / 9.0
    level = (np.arange(10) / 9.0) ** dyn.escalation_exponent
    answers = np.array([a.answers_request for a in actions], dtype=np.float64)
    defends = np.array([a.defends_ally for a in actions], dtype=np.float64)
    return {
        "relief_coef": security[:, None] * relief[None, :],
        "goldstein": gold,
        "tone": np.clip(gold, -dyn.tone_cap, dyn.tone_cap),
        "resolve": 1.0 / (1.0 + restraint),
        "deterrent_factor": (dyn.second_strike_floor
                             + (1.0 - dyn.second_strike_floor) * actors["second_strike"]),
        "patron_coef": economy[:, None] * np.array([a.patron_cost for a in actions])[None, :],
        "rung": rung,
        "cameo": [a.cameo for a in actions],
        "static_utility": static_utility,
        "retaliation_coef": dyn.response_weight * security[:, None] * hostility[None, :],
        "escalation_coef": dyn.escalation_weight * (war_aversion * (1.0 - risk)),
        "escalation_level": level,
        "climb_table": np.maximum(level[rung][None, :] - level[:, None], 0.0),
        "rung_gate": _rung_gate(scenario, rung),
        "dependence_coef": (economy[:, None]
                            * np.array([a.dependence_cost for a in actions])[None, :]),
        "answers_coef": dyn.credibility_weight * credibility[:, None] * answers[None, :],
        "defends_coef": dyn.credibility_weight * credibility[:, None] * defends[None, :],
        "defends": defends.astype(bool),
    }


def _rung_gate(scenario: Scenario, rung: np.ndarray) -> np.ndarray:
    """``gate[r, k]``: whether action ``k`` may be taken in a dyad whose rung is ``r``."""
    dyn = scenario.dynamics
    current = np.arange(10)[:, None]
    ceiling = np.maximum(dyn.free_rung, current + dyn.max_rung_step)
    ladder = np.array([a.preconditions.ladder for a in scenario.actions])
    min_rung = np.array([-1 if a.preconditions.min_rung is None else a.preconditions.min_rung
                         for a in scenario.actions])
    return (~ladder | (rung[None, :] <= ceiling)) & (current >= min_rung[None, :])


def _static_ok(scenario: Scenario, index: dict[str, int], hostile: np.ndarray,
               no_military: np.ndarray) -> np.ndarray:
    """``ok[i, j, k]``: the gates that never change: enabled, sources, targets, designation."""
    n_actors, n_actions = len(index), len(scenario.actions)
    static_ok = np.ones((n_actors, n_actors, n_actions), dtype=bool)
    eye = np.eye(n_actors, dtype=bool)
    static_ok[eye] = False
    static_ok[:, :, 0] = True  # doing nothing is always a choice
    for k, action in enumerate(scenario.actions[1:], start=1):
        pre = action.preconditions
        if not action.enabled or action.domestic:
            static_ok[:, :, k] = False
        if pre.sources is not None:
            allowed = np.zeros(n_actors, dtype=bool)
            allowed[[index[c] for c in pre.sources]] = True
            static_ok[~allowed, :, k] = False
        if pre.targets is not None:
            allowed = np.zeros(n_actors, dtype=bool)
            allowed[[index[c] for c in pre.targets]] = True
            static_ok[:, ~allowed, k] = False
        if pre.blocked_by_hostile_designation:
            static_ok[hostile, k] = False
        if action.military_cooperation:
            static_ok[no_military, k] = False
    return static_ok


def _limit(actions: list[Action], getter: Callable[[Preconditions], float | None]) -> np.ndarray:
    """A float limit per action; nan where the action sets none."""
    return np.array(
        [NO_LIMIT if getter(a.preconditions) is None else getter(a.preconditions)
         for a in actions], dtype=np.float64,
    )


def _rung_limit(actions: list[Action], getter: Callable[[Preconditions], int | None]
                ) -> np.ndarray:
    """A rung limit per action; -1 where the action sets none."""
    return np.array(
        [-1 if getter(a.preconditions) is None else getter(a.preconditions) for a in actions],
        dtype=np.int64,
    )


def _compile_preconditions(scenario: Scenario) -> Fields:
    """Per-action limits on the state, and the interval gates that test them in one lookup."""
    actions = scenario.actions
    n_actions = len(actions)
    nothing = np.full(n_actions, NO_LIMIT)
    groups: dict[tuple[float, int], np.ndarray] = {}
    for k, action in enumerate(actions):
        pre = action.preconditions
        if pre.ally_in_conflict_rung is not None:
            key = (pre.ally_min_commitment, pre.ally_in_conflict_rung)
            groups.setdefault(key, np.zeros(n_actions, dtype=bool))[k] = True
    ally_groups = [(mask, key[0], key[1]) for key, mask in groups.items()]
    return {
        "min_relation": _limit(actions, lambda p: p.min_relation),
        "max_relation": _limit(actions, lambda p: p.max_relation),
        "min_rung": _rung_limit(actions, lambda p: p.min_rung),
        "ladder": np.array([a.preconditions.ladder for a in actions], dtype=bool),
        "min_nuclear": _limit(actions, lambda p: p.min_nuclear),
        "min_commitment_from_target": _limit(actions, lambda p: p.min_commitment_from_target),
        "max_commitment": _limit(actions, lambda p: p.max_commitment),
        "min_commitment_between": _limit(actions, lambda p: p.min_commitment_between),
        "crisis_rung": _rung_limit(actions, lambda p: p.source_in_crisis_rung),
        "target_crisis_rung": _rung_limit(actions, lambda p: p.target_in_crisis_rung),
        "ally_groups": ally_groups,
        "relation_gate": IntervalGate.build(_limit(actions, lambda p: p.min_relation),
                                            _limit(actions, lambda p: p.max_relation)),
        "nuclear_gate": IntervalGate.build(_limit(actions, lambda p: p.min_nuclear), nothing),
        "pledge_gate": IntervalGate.build(
            _limit(actions, lambda p: p.min_commitment_from_target), nothing),
        "bond_gate": IntervalGate.build(_limit(actions, lambda p: p.min_commitment_between),
                                        _limit(actions, lambda p: p.max_commitment)),
        "crisis_gate": IntervalGate.build(_limit(actions, lambda p: p.source_in_crisis_rung),
                                          nothing),
        "target_crisis_gate": IntervalGate.build(
            _limit(actions, lambda p: p.target_in_crisis_rung), nothing),
    }


def _compile_history(scenario: Scenario, act: dict[str, int]) -> Fields:
    """Once-per-pair, cooldown and requires-prior actions, and their per-pair memory slots.

    A slot remembers the month the action was last taken in each pair; a cooldown of scope
    ``source`` and a pause (moratorium) read the latest month over every pair of the source.
    """
    actions = scenario.actions
    n_actions = len(actions)
    once = np.array([a.preconditions.once_per_pair for a in actions], dtype=bool)
    cooldown = np.array([NEVER if a.preconditions.once_per_pair
                         else (a.preconditions.cooldown_months or 0) for a in actions],
                        dtype=np.int64)
    cooldown_source = np.array([a.preconditions.cooldown_scope == "source" for a in actions],
                               dtype=bool)
    requires_prior = np.zeros((n_actions, n_actions), dtype=bool)
    for k, action in enumerate(actions):
        for prior in action.preconditions.requires_prior:
            requires_prior[k, act[prior]] = True
    pauses = np.zeros((n_actions, n_actions), dtype=bool)
    pause_months = np.zeros(n_actions, dtype=np.int64)
    for m, action in enumerate(actions):
        if action.pauses is not None:
            pause_months[m] = action.pauses.months
            for paused in action.pauses.actions:
                pauses[m, act[paused]] = True
    tracked_mask = (cooldown > 0) | requires_prior.any(axis=0) | (pause_months > 0)
    tracked = np.flatnonzero(tracked_mask)
    tracked_slot = np.full(n_actions, -1, dtype=np.int64)
    tracked_slot[tracked] = np.arange(tracked.size)
    return {"once": once, "cooldown": cooldown, "cooldown_source": cooldown_source,
            "requires_prior": requires_prior, "pauses": pauses, "pause_months": pause_months,
            "tracked": tracked,
            "tracked_slot": tracked_slot}


def _compile_events(scenario: Scenario, index: dict[str, int], act: dict[str, int]) -> Fields:
    """When each (source, target, action) is unlocked by an event, and the salience it gains."""
    n_actors, n_actions = len(index), len(act)
    unlock_month = np.zeros((n_actors, n_actors, n_actions), dtype=np.int64)
    # an option several events unlock closes with the latest window (never, if one has none)
    lock_month = np.full((n_actors, n_actors, n_actions), -1, dtype=np.int64)
    salience = np.zeros((n_actors, n_actors, n_actions))
    for event in scenario.events:
        month = month_index(scenario.start, event.month) if event.happens else NEVER
        for unlock in event.unlocks:
            i, j, k = index[unlock.source], index[unlock.target], act[unlock.action]
            unlock_month[i, j, k] = max(unlock_month[i, j, k], month)
            salience[i, j, k] += unlock.salience
            end = NEVER if unlock.months is None else min(month + unlock.months, NEVER)
            lock_month[i, j, k] = max(lock_month[i, j, k], end)
    lock_month[lock_month < 0] = NEVER
    named = np.zeros((n_actors, n_actors, n_actions), dtype=bool)
    for event in scenario.events:
        for unlock in event.unlocks:
            named[index[unlock.source], index[unlock.target], act[unlock.action]] = True
    needs = np.array([a.preconditions.needs_unlock for a in scenario.actions], dtype=bool)
    unlock_month[~named & needs[None, None, :]] = NEVER
    return {"unlock_month": unlock_month, "lock_month": lock_month, "salience": salience}


def _compile_effects(scenario: Scenario) -> Fields:
    """What each action does to the state besides its Goldstein value and rung."""
    actions = scenario.actions

    def effect(getter: Callable[[Effects], float]) -> np.ndarray:
        return np.array([float(getter(a.effects)) for a in actions], dtype=np.float64)

    return {
        "arms_source": effect(lambda e: e.arms.source),
        "arms_target": effect(lambda e: e.arms.target),
        "nuclear_source": effect(lambda e: e.nuclear.source),
        "nuclear_target": effect(lambda e: e.nuclear.target),
        "commitment_effect": effect(lambda e: e.commitment),
        "dependence_effect": effect(lambda e: e.dependence),
        "technology_transfer": effect(lambda e: e.technology_transfer),
        "relieve_target": effect(lambda e: e.relieve_target),
        "deescalate_target": effect(lambda e: e.deescalate_target),
        "request_support": np.array([a.effects.request_support for a in actions], dtype=bool),
    }


def _compile_dynamics(scenario: Scenario) -> Fields:
    """The turn loop's shared coefficients and the shocks switch, as plain numbers."""
    dyn, shocks = scenario.dynamics, scenario.shocks
    return {
        "relation_memory": dyn.relation_memory,
        "relation_reversion": dyn.relation_reversion,
        "rung_decay": dyn.rung_decay,
        "max_rung_step": dyn.max_rung_step,
        "free_rung": dyn.free_rung,
        "hostility_bias": dyn.hostility_bias,
        "affinity": dyn.affinity,
        "reciprocity": dyn.reciprocity,
        "tone_cap": dyn.tone_cap,
        "request_weight": dyn.request_weight,
        "alliance_threshold": dyn.alliance_threshold,
        "nuclear_weight": dyn.nuclear_weight,
        "deterrence_weight": dyn.deterrence_weight,
        "arms_rate": dyn.arms_rate,
        "shocks_enabled": shocks.enabled,
        "shock_probability": shocks.probability,
        "shock_magnitude": shocks.magnitude,
    }


def _action_mask(outcome: Outcome, index: dict[str, int], act: dict[str, int],
                 domestic: bool = False) -> np.ndarray:
    """``mask[k, i, j]``: the events an ``action`` outcome counts.

    Never ``i == j``, except for the domestic action, which is only ``i == j`` (a crisis inside
    one of the listed sources).
    """
    n_actors, all_actors = len(index), list(index)
    mask = np.zeros((len(act), n_actors, n_actors), dtype=bool)
    sources = [index[c] for c in (outcome.sources or all_actors)]
    targets = [index[c] for c in (outcome.targets or all_actors)]
    if domestic:
        mask[act[outcome.action]][sources, sources] = True
        return mask
    mask[act[outcome.action]][np.ix_(sources, targets)] = True
    np.fill_diagonal(mask[act[outcome.action]], False)
    return mask


def _rung_pairs(outcome: Outcome, index: dict[str, int]) -> np.ndarray:
    """``pairs[i, j]``, symmetric: the dyads a ``rung`` outcome watches."""
    pairs = np.zeros((len(index), len(index)), dtype=bool)
    for first, second in outcome.pairs or []:
        pairs[index[first], index[second]] = True
        pairs[index[second], index[first]] = True
    return pairs


def _compile_outcomes(scenario: Scenario, index: dict[str, int], act: dict[str, int]
                      ) -> CompiledOutcomes:
    """Each outcome as a row of the arrays of its kind (empty arrays where a kind is absent)."""
    n_actors, n_actions = len(index), len(act)
    binary, continuous = [], []
    action_rows, rung_rows, growth_rows = [], [], []
    election_rows, election_index, election_candidate = [], [], []
    elections = [e.id for e in scenario.elections]
    domestic = {a.id for a in scenario.actions if a.domestic}
    action_masks, action_min, rung_pairs, rung_min, growth_actors = [], [], [], [], []
    for row, outcome in enumerate(scenario.outcomes):
        if outcome.kind == "arms_growth":
            continuous.append(row)
            growth_rows.append(row)
            mask = np.zeros(n_actors, dtype=bool)
            for code in outcome.actors or list(index):
                mask[index[code]] = True
            growth_actors.append(mask)
            continue
        binary.append(row)
        if outcome.kind == "election":
            election = scenario.elections[elections.index(outcome.election)]
            election_rows.append(row)
            election_index.append(elections.index(outcome.election))
            election_candidate.append([c.id for c in election.candidates]
                                      .index(outcome.candidate))
        elif outcome.kind == "action":
            action_rows.append(row)
            action_masks.append(_action_mask(outcome, index, act, outcome.action in domestic))
            action_min.append(outcome.min_count)
        else:
            rung_rows.append(row)
            rung_pairs.append(_rung_pairs(outcome, index))
            rung_min.append(outcome.min_rung)
    empty = np.zeros((0, n_actions, n_actors, n_actors), dtype=bool)
    return CompiledOutcomes(
        ids=[o.id for o in scenario.outcomes],
        labels=[o.label for o in scenario.outcomes],
        kinds=[o.kind for o in scenario.outcomes],
        binary=binary,
        continuous=continuous,
        action_rows=action_rows,
        action_masks=np.array(action_masks, dtype=bool) if action_masks else empty,
        action_min_count=np.array(action_min, dtype=np.int64),
        rung_rows=rung_rows,
        rung_pairs=(np.array(rung_pairs, dtype=bool) if rung_pairs
                    else np.zeros((0, n_actors, n_actors), dtype=bool)),
        rung_min=np.array(rung_min, dtype=np.int64),
        growth_rows=growth_rows,
        growth_actors=(np.array(growth_actors, dtype=bool) if growth_actors
                       else np.zeros((0, n_actors), dtype=bool)),
        election_rows=election_rows,
        election_index=np.array(election_index, dtype=np.int64),
        election_candidate=np.array(election_candidate, dtype=np.int64),
    )


def _compile_elections(scenario: Scenario, index: dict[str, int]) -> CompiledElections:
    """Each election's actor, month of office and cumulative candidate probabilities."""
    cumulative = []
    for election in scenario.elections:
        probabilities = np.array([c.probability for c in election.candidates])
        cum = np.cumsum(probabilities / probabilities.sum())
        cum[-1] = 1.0
        cumulative.append(cum)
    return CompiledElections(
        actor=np.array([index[e.actor] for e in scenario.elections], dtype=np.int64),
        month=np.array([month_index(scenario.start, e.month) for e in scenario.elections],
                       dtype=np.int64),
        cumulative=cumulative)


def governed_scenario(scenario: Scenario, winners: tuple[int, ...]) -> Scenario:
    """The scenario with each held election's winner setting its actor's aims."""
    actors = {a.code: a for a in scenario.actors}
    for election, w in zip(scenario.elections, winners, strict=True):
        if w < 0:
            continue
        candidate = election.candidates[w]
        actor = actors[election.actor]
        update: dict[str, Any] = {
            "objectives": actor.objectives.model_copy(update=dict(candidate.objectives))}
        if candidate.risk_attitude is not None:
            update["risk_attitude"] = candidate.risk_attitude
        if candidate.rationality is not None:
            update["rationality"] = candidate.rationality
        actors[election.actor] = actor.model_copy(update=update)
    return scenario.model_copy(update={"actors": [actors[c] for c in scenario.actor_codes]})


def compile_scenario(scenario: Scenario, horizon: int | None = None) -> CompiledScenario:
    """Turn a validated scenario into engine arrays, one section at a time.

    ``horizon`` replaces the scenario's ``horizon_months`` when given.
    """
    codes = scenario.actor_codes
    index = {code: i for i, code in enumerate(codes)}
    act = {action_id: k for k, action_id in enumerate(scenario.action_ids)}
    actors = _compile_actors(scenario)
    dyads, no_military = _compile_dyads(scenario, index)
    return CompiledScenario(
        scenario=scenario,
        actors=codes,
        actions=scenario.action_ids,
        horizon=scenario.horizon_months if horizon is None else horizon,
        **actors,
        **dyads,
        **_compile_utility(scenario, actors),
        static_ok=_static_ok(scenario, index, dyads["hostile"], no_military),
        **_compile_preconditions(scenario),
        **_compile_history(scenario, act),
        **_compile_events(scenario, index, act),
        **_compile_effects(scenario),
        **_compile_dynamics(scenario),
        outcomes=_compile_outcomes(scenario, index, act),
        domestic_action=next((k for k, a in enumerate(scenario.actions) if a.domestic), -1),
        elections=_compile_elections(scenario, index),
    )
