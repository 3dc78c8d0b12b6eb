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
    elsewhere: list[float]
    pending: list[list[bool]]
    received: list[list[float]]
    last: dict[tuple[str, int, int], int] = field(default_factory=dict)
    """Month each remembered action was last taken, by (action id, lower actor, higher actor)."""
    last_source: dict[tuple[str, int], int] = field(default_factory=dict)
    """Month each remembered action was last taken by an actor, toward anyone."""


@dataclass
class FutureRecord:
    """What one future did: its events ``(month, source, target, action)`` and final state."""

    events: list[tuple[int, int, int, int]]
    state: FutureState
    winners: tuple[int, ...] = ()  # the candidate index of each election (-1: not held)


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
        elsewhere=model.committed_elsewhere.tolist(),
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
    lock_months: dict  # (action, source, target) -> first month closed again, None if never
    remembered: frozenset
    paused_by: dict  # action id -> [(id of an action that pauses it, months)]
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
    locks: dict[tuple[str, str, str], int | None] = {}
    for event in scenario.events:
        month = month_index(scenario.start, event.month) if event.happens else None
        for unlock in event.unlocks:
            triple = (unlock.action, unlock.source, unlock.target)
            earlier = unlocks.get(triple, 0)
            unlocks[triple] = None if month is None or earlier is None else max(earlier, month)
            # the option closes with its latest window; an open-ended unlock never closes it
            end = None if unlock.months is None or month is None else month + unlock.months
            before = locks.get(triple, -1)
            locks[triple] = None if end is None or before is None else max(before, end)
    prior = {p for a in scenario.actions for p in a.preconditions.requires_prior}
    paused_by: dict[str, list[tuple[str, int]]] = {}
    for a in scenario.actions:
        for paused in (a.pauses.actions if a.pauses else ()):
            paused_by.setdefault(paused, []).append((a.id, a.pauses.months))
    lookup = _Lookup(
        codes=scenario.actor_codes,
        dyads={(d.source, d.target): d for d in scenario.dyads},
        unlock_months=unlocks,
        lock_months=locks,
        remembered=frozenset(
            a.id for a in scenario.actions
            if a.preconditions.once_per_pair or a.preconditions.cooldown_months or a.id in prior
            or a.pauses is not None),
        paused_by=paused_by,
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
    if action.domestic:
        reasons.append("a domestic crisis: no actor chooses it")
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


def _last_by(s: FutureState, action_id: str, i: int) -> int | None:
    """The latest month ``i`` itself took ``action_id``, toward anyone (None: never)."""
    return s.last_source.get((action_id, i))


def _history_reasons(action: Action, s: FutureState, i: int, j: int, month: int
                     ) -> list[str]:
    """Once-per-pair actions already done, cooldowns not over, prior actions still missing."""
    pre = action.preconditions
    pair = (min(i, j), max(i, j))
    last = s.last.get((action.id, *pair))
    reasons = []
    if pre.cooldown_scope == "source":  # a programme: the source's own last use
        last = _last_by(s, action.id, i)
    if pre.once_per_pair and last is not None:
        reasons.append("already done by the source" if pre.cooldown_scope == "source"
                       else "already done in this pair")
    elif pre.cooldown_months and last is not None and month - last < pre.cooldown_months:
        reasons.append(f"done {month - last} months ago; cooldown {pre.cooldown_months} months")
    reasons.extend(f"requires a prior {prior}" for prior in pre.requires_prior
                   if (prior, *pair) not in s.last)
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
    elif action.preconditions.needs_unlock:
        reasons.append("no event unlocks it for this pair")
    if triple in look.lock_months:
        closes = look.lock_months[triple]
        if closes is not None and month >= closes:
            reasons.append("the event's window has closed")
    reasons += _capability_reasons(action.preconditions, s, i, j, src, tgt)
    reasons += _escalation_reasons(model, action, s, i, j, src, tgt)
    reasons += _history_reasons(action, s, i, j, month)
    for pauser, months in look.paused_by.get(action.id, ()):
        done = _last_by(s, pauser, i)
        if done is not None and month - done < months:
            reasons.append(f"paused by {pauser} {month - done} months ago (for {months} months)")
    return reasons


def _pair_terms(model: CompiledScenario, s: FutureState, strength: list[float],
                deterrent: list[float], i: int, j: int) -> tuple[float, ...]:
    """State-dependent parts of the utility that do not depend on the action."""
    a = model.n_actors
    side_i = strength[i] + sum(s.commitment[m][i] * strength[m] for m in range(a))
    resolve = model.resolve
    reply_j = (strength[j] * resolve[j]
               + sum(s.commitment[m][j] * strength[m] * resolve[m] for m in range(a)))
    nuclear_side_j = deterrent[j] + sum(s.commitment[m][j] * deterrent[m] for m in range(a))
    ratio = reply_j / (1.0 + side_i)
    perceived = s.relation[i][j] - model.hostility_bias * bool(model.hostile[i, j])
    rel_term = model.affinity * (perceived / 10.0)
    received = min(max(s.received[i][j], -model.tone_cap), model.tone_cap)
    rel_term = rel_term + model.reciprocity * (received / 10.0)
    credibility = s.commitment[i][j] * s.pending[i][j]
    need = max(s.commitment[i][m] * (1.0 + model.request_weight * s.pending[i][m])
               * (s.rung[m][j] / 9.0) for m in range(a))
    patronage = sum(s.dependence[i][m] for m in range(a))
    tied = s.elsewhere[i]
    deterrence = 1.0 + model.deterrence_weight * nuclear_side_j
    current = model.escalation_level[math.floor(s.rung[i][j])]
    war = max([s.rung[i][j]] + [s.rung[m][j] for m in range(a)
                                if s.commitment[i][m] >= model.alliance_threshold])
    joined = model.escalation_level[math.floor(war)]
    return ratio, rel_term, credibility, need, deterrence, current, patronage, joined, tied


def _utility(model: CompiledScenario, s: FutureState, terms: tuple[float, ...],
             i: int, j: int, k: int) -> float:
    """Expected utility of action ``k`` by ``i`` toward ``j`` (see the vectorised engine)."""
    ratio, rel_term, credibility, need, deterrence, current, patronage, joined, tied = terms
    if model.defends[k]:  # defending an ally climbs from the war it joins
        current = joined
    tone = min(max(model.goldstein[k], -model.tone_cap), model.tone_cap) / 10.0
    u = model.static_utility[i, k] + model.salience[i, j, k]
    u = u + rel_term * tone
    u = u - ratio * model.retaliation_coef[i, k]
    climb = max(model.escalation_level[model.rung[k]] - current, 0.0)
    u = u - (deterrence * model.escalation_coef[i]) * climb
    u = u - s.dependence[i][j] * model.dependence_coef[i, k]
    u = u + credibility * model.answers_coef[i, k]
    u = u + need * model.defends_coef[i, k]
    u = u - patronage * model.patron_coef[i, k]
    u = u + tied * model.relief_coef[i, k]
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
    winners = [-1] * model.elections.size
    clip = lambda x, lo, hi: min(max(x, lo), hi)  # noqa: E731
    for month in range(model.horizon):
        u = draws[month]
        for e in range(model.elections.size):  # the winner takes office: its aims count now
            if model.elections.month[e] == month:
                who = model.elections.actor[e]
                winners[e] = int(model.elections.winners(e, np.array([u[SHOCK, who, who]]))[0])
        governing = model.regime(tuple(winners))
        deterrent = [s.nuclear[i] * model.deterrent_factor[i] for i in range(a)]
        strength = [s.arms[i] * (1.0 - s.elsewhere[i])
                    + model.nuclear_weight * deterrent[i] for i in range(a)]
        choice = [[_choose(governing, s, i, j, month, float(u[CHOICE, i, j]), strength,
                           deterrent)
                   for j in range(a)] for i in range(a)]
        for i in range(a):
            for j in range(a):
                if choice[i][j]:
                    events.append((month, i, j, choice[i][j]))
        _apply(model, s, choice, month)
        _arms(model, s)
        for i in range(a):
            for j in range(i + 1, a):
                if model.shocks_enabled and u[SHOCK, i, j] < model.shock_probability:
                    delta = (-1.0 if u[SIGN, i, j] < 0.5 else 1.0) * model.shock_magnitude
                    s.relation[i][j] = clip(s.relation[i][j] + delta, -10.0, 10.0)
                    s.relation[j][i] = clip(s.relation[j][i] + delta, -10.0, 10.0)
        for i in range(a):  # an outside war's tempo: a bounded, mean-reverting walk
            if not math.isnan(model.theatre_mean[i]):
                step = (model.theatre_reversion[i] * (model.theatre_mean[i] - s.elsewhere[i])
                        + model.theatre_volatility[i] * (2.0 * u[CHOICE, i, i] - 1.0))
                s.elsewhere[i] = clip(s.elsewhere[i] + step, model.theatre_low[i],
                                      model.theatre_high[i])
        for i in range(a):  # a domestic crisis is recorded, and changes nothing else
            if model.domestic_action >= 0 and u[SIGN, i, i] < model.instability[i]:
                events.append((month, i, i, model.domestic_action))
    return FutureRecord(events=events, state=s, winners=tuple(winners))


def _apply(model: CompiledScenario, s: FutureState, choice: list[list[int]], month: int
           ) -> None:
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
    for j in range(a):  # forces sent to fight in j's war relieve it
        relieved = sum(model.relieve_target[choice[i][j]] for i in range(a))
        s.elsewhere[j] = clip(s.elsewhere[j] - relieved, 0.0, 1.0)
    remembered = _lookup(model).remembered
    for i in range(a):
        for j in range(a):
            action = model.scenario.actions[choice[i][j]]
            if choice[i][j] and action.id in remembered:
                s.last[(action.id, min(i, j), max(i, j))] = month
                s.last_source[(action.id, i)] = month


def _arms(model: CompiledScenario, s: FutureState) -> None:
    a = model.n_actors
    deterrent = [s.nuclear[i] * model.deterrent_factor[i] for i in range(a)]
    strength = [s.arms[i] * (1.0 - s.elsewhere[i])
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
