"""The turn loop, computed over a whole chunk of futures at once with NumPy arrays.

Each month every actor picks one option toward every other actor (doing nothing included) by a
quantal response over expected utilities; then the chosen actions change relations, rungs,
commitments and capabilities; arms follow Richardson dynamics; symmetric random shocks move
relations. :mod:`peninsula.engine.reference` is the same model, one future at a time, written
for reading; the two are held equal by the tests.

References
----------
McKelvey, R. D., & Palfrey, T. R. (1995). Quantal response equilibria for normal form games.
*Games and Economic Behavior*, 10(1), 6-38.
Richardson, L. F. (1960). *Arms and Insecurity*. Boxwood Press.

"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from peninsula.engine.compiled import MAX_LEVEL, CompiledScenario
from peninsula.engine.draws import CHOICE, SHOCK, SIGN, ChunkDraws
from peninsula.engine.results import EventStream, SimulationResult


@dataclass
class EnsembleState:
    """The state of ``n`` futures at the start of a month."""

    relation: np.ndarray  # (n, A, A) symmetric, Goldstein scale
    rung: np.ndarray  # (n, A, A) symmetric, 0..9, decays
    commitment: np.ndarray  # (n, A, A) directed
    dependence: np.ndarray  # (n, A, A) directed
    arms: np.ndarray  # (n, A)
    nuclear: np.ndarray  # (n, A)
    pending: np.ndarray  # (n, A, A) bool: [i, j] = j asked i for support last month
    received: np.ndarray  # (n, A, A): [i, j] = Goldstein value of what j did to i last month
    done: np.ndarray  # (n, T, A, A) bool: tracked action taken in the pair (either direction)


def initial_state(model: CompiledScenario, n: int) -> EnsembleState:
    """Every future starts from the scenario's initial state."""
    a = model.n_actors

    def tile(x: np.ndarray) -> np.ndarray:
        return np.broadcast_to(x, (n, *x.shape)).copy()

    return EnsembleState(
        relation=tile(model.relation),
        rung=np.zeros((n, a, a)),
        commitment=tile(model.commitment),
        dependence=tile(model.dependence),
        arms=tile(model.military),
        nuclear=tile(model.nuclear),
        pending=np.zeros((n, a, a), dtype=bool),
        received=np.zeros((n, a, a)),
        done=np.zeros((n, model.tracked.size, a, a), dtype=bool),
    )


def effective_relation(model: CompiledScenario, relation: np.ndarray) -> np.ndarray:
    """Relation as the source perceives it: a hostile designation shifts it down."""
    return relation - model.hostility_bias * model.hostile


def strengths(model: CompiledScenario, state: EnsembleState) -> tuple[np.ndarray, np.ndarray]:
    """Usable strength and nuclear deterrent of each actor, ``(n, A)`` each."""
    deterrent = state.nuclear * (0.5 + 0.5 * model.second_strike)
    strength = state.arms * (1.0 - model.committed_elsewhere) + model.nuclear_weight * deterrent
    return strength, deterrent


def with_allies(commitment: np.ndarray, own: np.ndarray) -> np.ndarray:
    """An actor's own value plus its allies' values weighted by their commitment to it."""
    return own + np.einsum("nmj,nm->nj", commitment, own)


def ally_need(model: CompiledScenario, state: EnsembleState) -> np.ndarray:
    """``[n, i, j]``: how much an ally of ``i`` is embattled with ``j`` (commitment x rung)."""
    asked = 1.0 + state.pending
    weight = state.commitment * asked  # (n, i, m)
    return np.max(weight[:, :, :, None] * (state.rung[:, None, :, :] / 9.0), axis=2)


N_STATE_FEATURES = 5
"""State features of a (future, actor, target) that weigh every action: relation, threat ratio,
dependence, a pending request and an embattled ally; then one-hot rung levels for escalation."""


def utility_coefficients(model: CompiledScenario) -> np.ndarray:
    """``C[i, f, k]``: how state feature ``f`` enters actor ``i``'s utility of action ``k``."""
    a, k = model.n_actors, model.n_actions
    g10 = np.broadcast_to(model.goldstein / 10.0, (a, k))
    per_feature = [g10, -model.retaliation_coef, -model.dependence_coef, model.answers_coef,
                   model.defends_coef]
    climb = np.broadcast_to(-model.climb_table, (a, *model.climb_table.shape))
    return np.concatenate([np.stack(per_feature, axis=1), climb], axis=1)


def state_features(model: CompiledScenario, state: EnsembleState) -> np.ndarray:
    """``F[n, i, j, f]``: the state seen by actor ``i`` looking at target ``j``."""
    n, a = state.relation.shape[:2]
    strength, deterrent = strengths(model, state)
    side = with_allies(state.commitment, strength)
    nuclear_side = with_allies(state.commitment, deterrent)
    features = np.zeros((n, a, a, N_STATE_FEATURES + 10))
    rel_term = model.affinity * (effective_relation(model, state.relation) / 10.0)
    features[..., 0] = rel_term + model.reciprocity * (state.received / 10.0)
    features[..., 1] = side[:, None, :] / (1.0 + side[:, :, None])
    features[..., 2] = state.dependence
    features[..., 3] = state.commitment * state.pending
    features[..., 4] = ally_need(model, state)
    deterrence = 1.0 + model.deterrence_weight * nuclear_side  # (n, j)
    scale = deterrence[:, None, :] * model.escalation_coef[None, :, None]  # (n, i, j)
    level = np.floor(state.rung).astype(np.int64)
    np.put_along_axis(features, (N_STATE_FEATURES + level)[..., None], scale[..., None], axis=-1)
    return features


def utilities(model: CompiledScenario, state: EnsembleState,
              coefficients: np.ndarray | None = None) -> np.ndarray:
    """Expected utility ``U[n, i, j, k]`` of actor ``i`` taking action ``k`` toward ``j``.

    Direct value and costs, plus acting in line with the relation and with what the target did
    last month, minus the expected answer of the target and its allies, minus the escalation
    risk weighed by war aversion and the target side's nuclear deterrent, minus the cost of
    hurting a partner one depends on, plus answering an ally's request or defending it. All the
    state-dependent terms are one batched matrix product of state features and coefficients.
    """
    coef = utility_coefficients(model) if coefficients is None else coefficients
    features = state_features(model, state)
    n, a = features.shape[:2]
    static = model.static_utility[:, None, :] + model.salience  # (i, j, k)
    utility = np.empty((n, a, a, coef.shape[-1]))
    for i in range(a):  # one matrix product per actor, written in place
        np.matmul(features[:, i], coef[i], out=utility[:, i])
    utility += static
    return utility


def admissible(model: CompiledScenario, state: EnsembleState, month: int) -> np.ndarray:
    """``ok[n, i, j, k]``: whether ``i`` may take action ``k`` toward ``j`` this month.

    Each precondition on a number (relation, rung, commitments, capability, crisis) is one
    lookup in a small table of the scenario's distinct limits, not one comparison per action.
    """
    n, a = state.relation.shape[:2]
    pair = model.relation_gate.table[model.relation_gate.rank(state.relation)]
    pair &= model.rung_gate[np.floor(state.rung).astype(np.int64)]
    pair &= model.static_ok & (model.unlock_month <= month)
    pledge = state.commitment.transpose(0, 2, 1)
    pair &= model.pledge_gate.table[model.pledge_gate.rank(pledge)]
    bond = np.maximum(state.commitment, pledge)
    pair &= model.bond_gate.table[model.bond_gate.rank(bond)]
    source = model.nuclear_gate.table[model.nuclear_gate.rank(state.nuclear)]
    crisis = state.rung.max(axis=2)
    source &= model.crisis_gate.table[model.crisis_gate.rank(crisis)]
    pair &= source[:, :, None, :]
    pair &= model.target_crisis_gate.table[model.target_crisis_gate.rank(crisis)][:, None, :, :]
    for mask, min_commitment, conflict_rung in model.ally_groups:
        allied = state.commitment >= min_commitment  # (n, i, m)
        fighting = state.rung >= conflict_rung  # (n, m, j)
        has_ally = np.einsum("nim,nmj->nij", allied, fighting) > 0
        pair[..., mask] &= has_ally[..., None]
    if model.tracked.size:
        done = state.done.transpose(0, 2, 3, 1)  # (n, i, j, T)
        pair[..., model.tracked] &= ~(done & model.once[model.tracked])
        for k in np.flatnonzero(model.requires_prior.any(axis=1)):
            needed = model.tracked_slot[np.flatnonzero(model.requires_prior[k])]
            pair[..., k] &= done[..., needed].all(axis=-1)
    pair[..., 0] = True
    return pair


def quantal_choice(utility: np.ndarray, ok: np.ndarray, rationality: np.ndarray,
                   uniform: np.ndarray) -> np.ndarray:
    """Pick one admissible option per (future, actor, target) by logit quantal response.

    Option ``k`` is taken with probability ``exp(rationality * U_k)`` over the admissible options'
    sum (McKelvey & Palfrey 1995). One uniform per choice is inverted through the cumulative
    weights, which is much cheaper than adding Gumbel noise. ``utility`` is overwritten.
    """
    logits = np.multiply(utility, rationality[None, :, None, None], out=utility)
    np.copyto(logits, -np.inf, where=~ok)  # inadmissible options weigh nothing
    top = logits.max(axis=-1, keepdims=True)  # shift by the best admissible option
    np.subtract(logits, top, out=logits)
    weights = np.exp(logits, out=logits)
    cumulative = np.cumsum(weights, axis=-1, out=weights)
    threshold = uniform[..., None] * cumulative[..., -1:]
    return np.count_nonzero(cumulative < threshold, axis=-1)


def apply_choices(model: CompiledScenario, state: EnsembleState, choice: np.ndarray) -> None:
    """Let the month's actions change the state (in place)."""
    acted = choice > 0
    gold = np.where(acted, model.goldstein[choice], 0.0)
    total = gold + gold.transpose(0, 2, 1)
    state.received = gold.transpose(0, 2, 1)
    count = acted.astype(np.float64) + acted.transpose(0, 2, 1)
    memory = state.relation + model.relation_memory * (total - count * state.relation)
    structural = model.relation_reversion * (model.relation - memory)
    state.relation = np.clip(memory + structural, -10.0, 10.0)

    act_rung = np.where(acted, model.rung[choice], 0)
    act_rung = np.maximum(act_rung, act_rung.transpose(0, 2, 1))
    calming = model.deescalate_target[choice].sum(axis=1)  # (n, j): mediation received
    rung = state.rung - model.rung_decay - calming[:, :, None] - calming[:, None, :]
    state.rung = np.maximum(np.maximum(rung, 0.0), act_rung)

    arms = model.arms_source[choice].sum(axis=2) + model.arms_target[choice].sum(axis=1)
    nuclear = model.nuclear_source[choice].sum(axis=2) + model.nuclear_target[choice].sum(axis=1)
    tech = model.technology_transfer[choice]
    gap = state.nuclear[:, None, :] - state.nuclear[:, :, None]  # [n, i, j] = nuc_j - nuc_i
    nuclear = nuclear + (tech * np.maximum(gap, 0.0)).sum(axis=2)
    nuclear = nuclear + (tech * np.maximum(-gap, 0.0)).sum(axis=1)
    state.arms = np.clip(state.arms + arms, 0.0, MAX_LEVEL)
    state.nuclear = np.clip(state.nuclear + nuclear, 0.0, MAX_LEVEL)

    bond = model.commitment_effect[choice]
    state.commitment = np.clip(state.commitment + bond + bond.transpose(0, 2, 1), 0.0, 1.0)
    tie = model.dependence_effect[choice]
    state.dependence = np.clip(state.dependence + tie + tie.transpose(0, 2, 1), 0.0, 1.0)
    state.pending = model.request_support[choice].transpose(0, 2, 1)

    if model.tracked.size:
        slot = model.tracked_slot[choice]
        f, i, j = np.nonzero(slot >= 0)
        s = slot[f, i, j]
        state.done[f, s, i, j] = True
        state.done[f, s, j, i] = True


def arms_dynamics(model: CompiledScenario, state: EnsembleState) -> None:
    """Richardson (1960): arms grow with the threat perceived, shrink with fatigue."""
    strength, _ = strengths(model, state)
    perceived = effective_relation(model, state.relation)
    mutual = np.minimum(perceived, perceived.transpose(0, 2, 1))
    threat = np.maximum(0.0, -mutual) / 10.0
    pressure = np.einsum("nij,nj->ni", threat, strength)
    change = (model.arms_reactivity * pressure - model.arms_fatigue * state.arms
              + model.arms_grievance)
    state.arms = np.clip(state.arms + model.arms_rate * change, 0.0, MAX_LEVEL)


def apply_shocks(model: CompiledScenario, state: EnsembleState, draws: np.ndarray
                 ) -> tuple[int, int]:
    """Random accidents or misreadings: a pair's relation jumps down or up, equally likely."""
    if not model.shocks_enabled:
        return 0, 0
    upper = np.triu(np.ones(state.relation.shape[1:], dtype=bool), k=1)
    hit = (draws[:, SHOCK] < model.shock_probability) & upper
    sign = np.where(draws[:, SIGN] < 0.5, -1.0, 1.0)
    delta = np.where(hit, sign * model.shock_magnitude, 0.0)
    state.relation = np.clip(state.relation + delta + delta.transpose(0, 2, 1), -10.0, 10.0)
    inflame = int(np.count_nonzero(hit & (sign < 0)))
    return inflame, int(np.count_nonzero(hit)) - inflame


class OutcomeTracker:
    """Keeps only what the outcomes need, so memory stays flat as months grow."""

    def __init__(self, model: CompiledScenario, n: int, months: int):
        out = model.outcomes
        a = model.n_actors
        self.model = model
        self.first_month = np.full((n, len(out.binary)), -1, dtype=np.int16)
        self.count = np.zeros((n, len(out.binary)), dtype=np.int32)
        self.quarter_rung = np.zeros((n, -(-months // 3)), dtype=np.int8)
        self.action_totals = np.zeros(a * model.n_actions * a, dtype=np.int64)
        self._col = {row: c for c, row in enumerate(out.binary)}
        # the width is explicit: with no action outcome the masks are empty and -1 is ambiguous
        self._flat_masks = out.action_masks.reshape(len(out.action_rows), model.n_actions * a * a)
        self._pair_offset = np.arange(a * a).reshape(a, a)

    def observe(self, month: int, choice: np.ndarray, state: EnsembleState) -> None:
        """Record one month's choices and the state they led to."""
        out, a = self.model.outcomes, self.model.n_actors
        flat = choice * (a * a) + self._pair_offset  # index into (K, A, A)
        if out.action_rows:
            hits = self._flat_masks[:, flat].sum(axis=(2, 3), dtype=np.int32)  # (O, n)
            cols = [self._col[row] for row in out.action_rows]
            self.count[:, cols] += hits.T
            reached = self.count[:, cols] >= out.action_min_count
            self._mark(cols, reached, month)
        if out.rung_rows:
            level = np.floor(state.rung)
            at = (level[None] >= out.rung_min[:, None, None, None]) & out.rung_pairs[:, None]
            reached = at.any(axis=(2, 3)).T  # (n, O)
            cols = [self._col[row] for row in out.rung_rows]
            self.count[:, cols] += reached
            self._mark(cols, reached, month)
        top = np.floor(state.rung).max(axis=(1, 2)).astype(np.int8)
        q = month // 3
        self.quarter_rung[:, q] = np.maximum(self.quarter_rung[:, q], top)
        # action totals per (source, action, target)
        by_source = (self._pair_offset // a)[None] * (self.model.n_actions * a) + choice * a
        by_source = by_source + (self._pair_offset % a)[None]
        self.action_totals += np.bincount(by_source.ravel(),
                                          minlength=self.action_totals.size)

    def _mark(self, cols: list[int], reached: np.ndarray, month: int) -> None:
        current = self.first_month[:, cols]
        self.first_month[:, cols] = np.where((current < 0) & reached, month, current)


def simulate_chunk(
    model: CompiledScenario,
    draws: ChunkDraws,
    *,
    first_future: int = 0,
    record_events: bool = False,
    on_month: Callable[[int], None] | None = None,
) -> SimulationResult:
    """Simulate ``draws.size`` futures over the model's horizon."""
    n, months = draws.size, model.horizon
    state = initial_state(model, n)
    coefficients = utility_coefficients(model)
    tracker = OutcomeTracker(model, n, months)
    inflame = calm = 0
    streams: list[EventStream] = []
    for month in range(months):
        uniforms = draws.next_month()
        utility = utilities(model, state, coefficients)
        ok = admissible(model, state, month)
        choice = quantal_choice(utility, ok, model.rationality, uniforms[:, CHOICE])
        apply_choices(model, state, choice)
        arms_dynamics(model, state)
        up, down = apply_shocks(model, state, uniforms)
        inflame, calm = inflame + up, calm + down
        tracker.observe(month, choice, state)
        if record_events:
            f, i, j = np.nonzero(choice)
            streams.append(EventStream(
                future=(f + first_future).astype(np.int32),
                month=np.full(f.size, month, dtype=np.int16),
                source=i.astype(np.int8), target=j.astype(np.int8),
                action=choice[f, i, j].astype(np.int16),
            ))
        if on_month is not None:
            on_month(month)
    return _result(model, state, tracker, inflame, calm,
                   EventStream.concatenate(streams).in_future_order() if record_events
                   else None)


def _result(model: CompiledScenario, state: EnsembleState, tracker: OutcomeTracker,
            inflame: int, calm: int, events: EventStream | None) -> SimulationResult:
    out = model.outcomes
    start = model.military
    value = np.zeros((state.arms.shape[0], len(out.continuous)))
    for c, row in enumerate(out.continuous):
        g = out.growth_rows.index(row)
        actors = out.growth_actors[g]
        base = start[actors].sum()
        # a scenario with no military among the actors is refused when loaded; 0 growth if not
        value[:, c] = state.arms[:, actors].sum(axis=1) / base - 1.0 if base > 0 else 0.0
    a, k = model.n_actors, model.n_actions
    return SimulationResult(
        first_month=tracker.first_month,
        count=tracker.count,
        value=value,
        quarter_rung=tracker.quarter_rung,
        final_relation=state.relation,
        final_rung=state.rung,
        final_commitment=state.commitment,
        final_arms=state.arms,
        final_nuclear=state.nuclear,
        action_totals=tracker.action_totals.reshape(a, k, a),
        shocks_inflame=inflame,
        shocks_calm=calm,
        events=events,
    )
