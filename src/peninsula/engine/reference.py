"""The same model as :mod:`peninsula.engine.vectorised`, one future at a time, for reading.

Written for clarity, not speed: plain Python loops over actors, targets and actions. It consumes
the same random draws as the vectorised engine, and its preconditions are read directly from the
scenario (not from the compiled masks), so it also checks the vectorised masks. Tests hold the
two engines equal; the benchmark reports the speed-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from peninsula.engine.compiled import MAX_LEVEL, CompiledScenario
from peninsula.engine.draws import CHOICE, SHOCK, SIGN, ChunkDraws
from peninsula.scenario.model import Action, Preconditions, month_index


@dataclass
class FutureState:
    """The state of one future; lists of lists indexed by actor."""

    relation: list[list[float]]
    rung: list[list[float]]
    commitment: list[list[float]]
    dependence: list[list[float]]
    arms: list[float]
    nuclear: list[float]
    pending: list[list[bool]]
    received: list[list[float]]
    done: set[tuple[str, int, int]] = field(default_factory=set)


@dataclass
class FutureRecord:
    """What one future did: its events ``(month, source, target, action)`` and final state."""

    events: list[tuple[int, int, int, int]]
    state: FutureState


def start_state(model: CompiledScenario) -> FutureState:
    """The scenario's initial state for one future."""
    a = model.n_actors
    return FutureState(
        relation=model.relation.tolist(),
        rung=[[0.0] * a for _ in range(a)],
        commitment=model.commitment.tolist(),
        dependence=model.dependence.tolist(),
        arms=model.military.tolist(),
        nuclear=model.nuclear.tolist(),
        pending=[[False] * a for _ in range(a)],
        received=[[0.0] * a for _ in range(a)],
    )


def why_ruled_out(model: CompiledScenario, state: FutureState, source: int, target: int,
                  month: int) -> dict[str, list[str]]:
    """Every action ``source`` may not take toward ``target`` now, with the reasons."""
    return {
        action.id: reasons
        for k, action in enumerate(model.scenario.actions)
        if (reasons := _reasons(model, state, source, target, k, month))
    }


@dataclass(frozen=True)
class _Lookup:
    codes: list[str]
    dyads: dict
    unlock_months: dict  # (action, source, target) -> first month, None if never
    remembered: frozenset
    static: dict = field(default_factory=dict)  # (i, j, k) -> reasons that never change


_LOOKUPS: dict[int, tuple[object, _Lookup]] = {}
"""Lookups by ``id`` of the scenario, kept with the scenario itself: an id is only unique while
its object lives, so a cached entry is used only if it belongs to this very object."""


def _lookup(model: CompiledScenario) -> _Lookup:
    scenario = model.scenario
    key = id(scenario)
    cached = _LOOKUPS.get(key)
    if cached is not None and cached[0] is scenario:
        return cached[1]
    if len(_LOOKUPS) > 64:
        _LOOKUPS.clear()
    unlocks: dict[tuple[str, str, str], int | None] = {}
    for event in scenario.events:
        month = month_index(scenario.start, event.month) if event.happens else None
        for unlock in event.unlocks:
            triple = (unlock.action, unlock.source, unlock.target)
            earlier = unlocks.get(triple, 0)
            unlocks[triple] = None if month is None or earlier is None else max(earlier, month)
    prior = {p for a in scenario.actions for p in a.preconditions.requires_prior}
    lookup = _Lookup(
        codes=scenario.actor_codes,
        dyads={(d.source, d.target): d for d in scenario.dyads},
        unlock_months=unlocks,
        remembered=frozenset(
            a.id for a in scenario.actions if a.preconditions.once_per_pair or a.id in prior),
    )
    _LOOKUPS[key] = (scenario, lookup)
    return lookup


def _static_reasons(model: CompiledScenario, look: _Lookup, i: int, j: int, k: int) -> list[str]:
    """Reasons that depend only on the scenario, not on the state or the month."""
    action = model.scenario.actions[k]
    pre = action.preconditions
    src, tgt = look.codes[i], look.codes[j]
    reasons = []
    if i == j:
        reasons.append("an actor does not act toward itself")
    if not action.enabled:
        reasons.append("action switched off")
    if pre.sources is not None and src not in pre.sources:
        reasons.append(f"{src} is not among the allowed sources")
    if pre.targets is not None and tgt not in pre.targets:
        reasons.append(f"{tgt} is not among the allowed targets")
    dyads = look.dyads
    if pre.blocked_by_hostile_designation:
        own = dyads.get((src, tgt))
        back = dyads.get((tgt, src))
        designated = (own is not None and own.hostile) or (
            back is not None and back.mutual and back.hostile)
        if designated:
            reasons.append(f"{src} designates {tgt} a hostile state")
    if action.military_cooperation:
        cut = any(d is not None and not d.military_ties
                  for d in (dyads.get((src, tgt)), dyads.get((tgt, src))))
        if cut:
            reasons.append(f"no military cooperation between {src} and {tgt}")
    return reasons


def _capability_reasons(pre: Preconditions, s: FutureState, i: int, j: int, src: str,
                        tgt: str) -> list[str]:
    """Relation, capability and commitment preconditions."""
    reasons = []
    rel = s.relation[i][j]
    if pre.min_relation is not None and rel < pre.min_relation:
        reasons.append(f"relation {rel:.2f} below {pre.min_relation}")
    if pre.max_relation is not None and rel > pre.max_relation:
        reasons.append(f"relation {rel:.2f} above {pre.max_relation}")
    if pre.min_nuclear is not None and s.nuclear[i] < pre.min_nuclear:
        reasons.append(f"nuclear capability below {pre.min_nuclear}")
    if (pre.min_commitment_from_target is not None
            and s.commitment[j][i] < pre.min_commitment_from_target):
        reasons.append(f"{tgt} is not committed to {src}")
    bond = max(s.commitment[i][j], s.commitment[j][i])
    if pre.max_commitment is not None and bond > pre.max_commitment:
        reasons.append("already bound by a commitment")
    if pre.min_commitment_between is not None and bond < pre.min_commitment_between:
        reasons.append("not yet tied by military cooperation")
    return reasons


def _escalation_reasons(model: CompiledScenario, action: Action, s: FutureState, i: int,
                        j: int, src: str, tgt: str) -> list[str]:
    """The ladder, minimum rungs, crises and allies already fighting."""
    pre = action.preconditions
    reasons = []
    if pre.min_rung is not None and s.rung[i][j] < pre.min_rung:
        reasons.append(f"escalation rung below {pre.min_rung}")
    ceiling = max(model.free_rung, math.floor(s.rung[i][j]) + model.max_rung_step)
    if pre.ladder and action.rung > ceiling:
        reasons.append(f"rung {action.rung} is more than {model.max_rung_step} above the current")
    if pre.source_in_crisis_rung is not None and max(s.rung[i]) < pre.source_in_crisis_rung:
        reasons.append(f"{src} is not in a crisis")
    if pre.target_in_crisis_rung is not None and max(s.rung[j]) < pre.target_in_crisis_rung:
        reasons.append(f"{tgt} is not in a crisis")
    if pre.ally_in_conflict_rung is not None:
        embattled = any(
            s.commitment[i][m] >= pre.ally_min_commitment
            and s.rung[m][j] >= pre.ally_in_conflict_rung
            for m in range(len(s.rung))
        )
        if not embattled:
            reasons.append(f"no ally of {src} is fighting {tgt}")
    return reasons


def _history_reasons(action: Action, s: FutureState, i: int, j: int) -> list[str]:
    """Once-per-pair actions already done, and prior actions still missing."""
    pre = action.preconditions
    pair = (min(i, j), max(i, j))
    reasons = []
    if pre.once_per_pair and (action.id, *pair) in s.done:
        reasons.append("already done in this pair")
    reasons.extend(f"requires a prior {prior}" for prior in pre.requires_prior
                   if (prior, *pair) not in s.done)
    return reasons


def _reasons(model: CompiledScenario, s: FutureState, i: int, j: int, k: int,
             month: int) -> list[str]:
    if k == 0:
        return []
    look = _lookup(model)
    key = (i, j, k)
    if key not in look.static:
        look.static[key] = _static_reasons(model, look, i, j, k)
    reasons = list(look.static[key])
    if reasons:
        return reasons
    action = model.scenario.actions[k]
    src, tgt = look.codes[i], look.codes[j]
    triple = (action.id, src, tgt)
    if triple in look.unlock_months:
        opens = look.unlock_months[triple]
        if opens is None or month < opens:
            reasons.append("locked until an exogenous event")
    reasons += _capability_reasons(action.preconditions, s, i, j, src, tgt)
    reasons += _escalation_reasons(model, action, s, i, j, src, tgt)
    reasons += _history_reasons(action, s, i, j)
    return reasons


def _pair_terms(model: CompiledScenario, s: FutureState, strength: list[float],
                deterrent: list[float], i: int, j: int) -> tuple[float, ...]:
    """State-dependent parts of the utility that do not depend on the action."""
    a = model.n_actors
    side_i = strength[i] + sum(s.commitment[m][i] * strength[m] for m in range(a))
    side_j = strength[j] + sum(s.commitment[m][j] * strength[m] for m in range(a))
    nuclear_side_j = deterrent[j] + sum(s.commitment[m][j] * deterrent[m] for m in range(a))
    ratio = side_j / (1.0 + side_i)
    perceived = s.relation[i][j] - model.hostility_bias * bool(model.hostile[i, j])
    rel_term = model.affinity * (perceived / 10.0)
    rel_term = rel_term + model.reciprocity * (s.received[i][j] / 10.0)
    credibility = s.commitment[i][j] * s.pending[i][j]
    need = max(s.commitment[i][m] * (1.0 + s.pending[i][m]) * (s.rung[m][j] / 9.0)
               for m in range(a))
    deterrence = 1.0 + model.deterrence_weight * nuclear_side_j
    current = model.escalation_level[math.floor(s.rung[i][j])]
    return ratio, rel_term, credibility, need, deterrence, current


def _utility(model: CompiledScenario, s: FutureState, terms: tuple[float, ...],
             i: int, j: int, k: int) -> float:
    """Expected utility of action ``k`` by ``i`` toward ``j`` (see the vectorised engine)."""
    ratio, rel_term, credibility, need, deterrence, current = terms
    g10 = model.goldstein[k] / 10.0
    u = model.static_utility[i, k] + model.salience[i, j, k]
    u = u + rel_term * g10
    u = u - ratio * model.retaliation_coef[i, k]
    climb = max(model.escalation_level[model.rung[k]] - current, 0.0)
    u = u - (deterrence * model.escalation_coef[i]) * climb
    u = u - s.dependence[i][j] * model.dependence_coef[i, k]
    u = u + credibility * model.answers_coef[i, k]
    u = u + need * model.defends_coef[i, k]
    return float(u)


def _choose(model: CompiledScenario, s: FutureState, i: int, j: int, month: int,
            uniform: float, strength: list[float], deterrent: list[float]) -> int:
    options = [k for k in range(model.n_actions) if not _reasons(model, s, i, j, k, month)]
    terms = _pair_terms(model, s, strength, deterrent, i, j)
    z = [model.rationality[i] * _utility(model, s, terms, i, j, k) for k in options]
    top = max(z)  # shift by the best admissible option, so it never underflows
    weights = np.exp(np.array(z) - top)
    cumulative, running = [], 0.0
    for w in weights:
        running += float(w)
        cumulative.append(running)
    threshold = uniform * cumulative[-1]
    return options[sum(1 for c in cumulative if c < threshold)]


def simulate_future(model: CompiledScenario, draws: list[np.ndarray]) -> FutureRecord:
    """Simulate one future from its month-by-month draws, each of shape ``(3, A, A)``."""
    a = model.n_actors
    s = start_state(model)
    events: list[tuple[int, int, int, int]] = []
    clip = lambda x, lo, hi: min(max(x, lo), hi)  # noqa: E731
    for month in range(model.horizon):
        u = draws[month]
        deterrent = [s.nuclear[i] * (0.5 + 0.5 * model.second_strike[i]) for i in range(a)]
        strength = [s.arms[i] * (1.0 - model.committed_elsewhere[i])
                    + model.nuclear_weight * deterrent[i] for i in range(a)]
        choice = [[_choose(model, s, i, j, month, float(u[CHOICE, i, j]), strength, deterrent)
                   for j in range(a)] for i in range(a)]
        for i in range(a):
            for j in range(a):
                if choice[i][j]:
                    events.append((month, i, j, choice[i][j]))
        _apply(model, s, choice)
        _arms(model, s)
        for i in range(a):
            for j in range(i + 1, a):
                if model.shocks_enabled and u[SHOCK, i, j] < model.shock_probability:
                    delta = (-1.0 if u[SIGN, i, j] < 0.5 else 1.0) * model.shock_magnitude
                    s.relation[i][j] = clip(s.relation[i][j] + delta, -10.0, 10.0)
                    s.relation[j][i] = clip(s.relation[j][i] + delta, -10.0, 10.0)
    return FutureRecord(events=events, state=s)


def _apply(model: CompiledScenario, s: FutureState, choice: list[list[int]]) -> None:
    a = model.n_actors
    clip = lambda x, lo, hi: min(max(x, lo), hi)  # noqa: E731
    gold = [[model.goldstein[choice[i][j]] if choice[i][j] else 0.0 for j in range(a)]
            for i in range(a)]
    s.received = [[gold[j][i] for j in range(a)] for i in range(a)]
    nuclear_before = list(s.nuclear)
    calming = [sum(model.deescalate_target[choice[i][j]] for i in range(a)) for j in range(a)]
    for i in range(a):
        for j in range(a):
            total = gold[i][j] + gold[j][i]
            count = float(choice[i][j] > 0) + float(choice[j][i] > 0)
            memory = s.relation[i][j] + model.relation_memory * (total - count * s.relation[i][j])
            structural = model.relation_reversion * (model.relation[i, j] - memory)
            s.relation[i][j] = clip(memory + structural, -10.0, 10.0)
            act = max(model.rung[choice[i][j]] if choice[i][j] else 0,
                      model.rung[choice[j][i]] if choice[j][i] else 0)
            lowered = s.rung[i][j] - model.rung_decay - calming[i] - calming[j]
            s.rung[i][j] = max(max(lowered, 0.0), float(act))
    for i in range(a):
        arms = (sum(model.arms_source[choice[i][j]] for j in range(a))
                + sum(model.arms_target[choice[m][i]] for m in range(a)))
        nuclear = (sum(model.nuclear_source[choice[i][j]] for j in range(a))
                   + sum(model.nuclear_target[choice[m][i]] for m in range(a)))
        nuclear = nuclear + sum(
            model.technology_transfer[choice[i][j]]
            * max(nuclear_before[j] - nuclear_before[i], 0.0) for j in range(a))
        nuclear = nuclear + sum(
            model.technology_transfer[choice[m][i]]
            * max(nuclear_before[m] - nuclear_before[i], 0.0) for m in range(a))
        s.arms[i] = min(max(s.arms[i] + arms, 0.0), MAX_LEVEL)
        s.nuclear[i] = min(max(s.nuclear[i] + nuclear, 0.0), MAX_LEVEL)
    bond = [[model.commitment_effect[choice[i][j]] for j in range(a)] for i in range(a)]
    tie = [[model.dependence_effect[choice[i][j]] for j in range(a)] for i in range(a)]
    s.commitment = [[clip(s.commitment[i][j] + bond[i][j] + bond[j][i], 0.0, 1.0)
                     for j in range(a)] for i in range(a)]
    s.dependence = [[clip(s.dependence[i][j] + tie[i][j] + tie[j][i], 0.0, 1.0)
                     for j in range(a)] for i in range(a)]
    s.pending = [[bool(model.request_support[choice[j][i]]) for j in range(a)] for i in range(a)]
    remembered = _lookup(model).remembered
    for i in range(a):
        for j in range(a):
            action = model.scenario.actions[choice[i][j]]
            if choice[i][j] and action.id in remembered:
                s.done.add((action.id, min(i, j), max(i, j)))


def _arms(model: CompiledScenario, s: FutureState) -> None:
    a = model.n_actors
    deterrent = [s.nuclear[i] * (0.5 + 0.5 * model.second_strike[i]) for i in range(a)]
    strength = [s.arms[i] * (1.0 - model.committed_elsewhere[i])
                + model.nuclear_weight * deterrent[i] for i in range(a)]
    perceived = [[s.relation[i][j] - model.hostility_bias * bool(model.hostile[i, j])
                  for j in range(a)] for i in range(a)]
    new_arms = []
    for i in range(a):
        pressure = sum(max(0.0, -min(perceived[i][j], perceived[j][i])) / 10.0 * strength[j]
                       for j in range(a))
        change = (model.arms_reactivity[i] * pressure - model.arms_fatigue[i] * s.arms[i]
                  + model.arms_grievance[i])
        new_arms.append(min(max(s.arms[i] + model.arms_rate * change, 0.0), MAX_LEVEL))
    s.arms = new_arms


def simulate_reference(model: CompiledScenario, n_futures: int, seed: int) -> list[FutureRecord]:
    """Simulate ``n_futures`` futures one by one with the draws the vectorised engine uses."""
    draws = ChunkDraws(seed, model.n_actors, n_futures)
    months = [draws.next_month() for _ in range(model.horizon)]
    return [simulate_future(model, [month[f] for month in months]) for f in range(n_futures)]
