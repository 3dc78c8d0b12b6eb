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
from dataclasses import dataclass, field

import numpy as np

from peninsula.engine import kernels
from peninsula.engine.compiled import MAX_LEVEL, NEVER, CompiledScenario
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
    elsewhere: np.ndarray  # (n, A): share of forces tied down outside the scenario
    pending: np.ndarray  # (n, A, A) bool: [i, j] = j asked i for support last month
    received: np.ndarray  # (n, A, A): [i, j] = Goldstein value of what j did to i last month
    last: np.ndarray  # (n, T, A, A) int: month a tracked action was last taken in the pair
    last_source: np.ndarray  # (n, T, A) int: month actor i last took it, toward anyone
    # (either direction); -NEVER if never


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
        elsewhere=tile(model.committed_elsewhere),
        pending=np.zeros((n, a, a), dtype=bool),
        received=np.zeros((n, a, a)),
        last=np.full((n, model.tracked.size, a, a), -NEVER, dtype=np.int32),
        last_source=np.full((n, model.tracked.size, a), -NEVER, dtype=np.int32),
    )


def effective_relation(model: CompiledScenario, relation: np.ndarray) -> np.ndarray:
    """Relation as the source perceives it: a hostile designation shifts it down."""
    return relation - model.hostility_bias * model.hostile


def strengths(model: CompiledScenario, state: EnsembleState) -> tuple[np.ndarray, np.ndarray]:
    """Usable strength and nuclear deterrent of each actor, ``(n, A)`` each."""
    deterrent = state.nuclear * model.deterrent_factor
    strength = state.arms * (1.0 - state.elsewhere) + model.nuclear_weight * deterrent
    return strength, deterrent


def with_allies(commitment: np.ndarray, own: np.ndarray) -> np.ndarray:
    """An actor's own value plus its allies' values weighted by their commitment to it."""
    return own + np.einsum("nmj,nm->nj", commitment, own)


def ally_need(model: CompiledScenario, state: EnsembleState) -> np.ndarray:
    """``[n, i, j]``: how much an ally of ``i`` is embattled with ``j`` (commitment x rung)."""
    asked = 1.0 + model.request_weight * state.pending
    weight = state.commitment * asked  # (n, i, m)
    return np.max(weight[:, :, :, None] * (state.rung[:, None, :, :] / 9.0), axis=2)


N_STATE_FEATURES = 7
"""State features of a (future, actor, target) that weigh every action: relation, expected reply,
dependence on the target, a pending request, an embattled ally, dependence on everyone and the
share of one's forces tied down elsewhere (what relieving it is worth); then
one-hot rung levels for escalation: the pair's own rung, and the rung of the war an act in
defence of an ally would join."""


def joined_rung(model: CompiledScenario, state: EnsembleState) -> np.ndarray:
    """``[n, i, j]``: the rung of the war ``i`` joins toward ``j``: its own, or an ally's.

    An ally is a partner ``i`` is committed to at ``alliance_threshold`` or more; defending it
    climbs from the ally's war with ``j``, not from ``i``'s own (perhaps calm) pair.
    """
    allied = state.commitment >= model.alliance_threshold  # (n, i, m)
    ally_rung = np.where(allied[..., None], state.rung[:, None, :, :], 0.0).max(axis=2)
    return np.maximum(state.rung, ally_rung)


def utility_coefficients(model: CompiledScenario) -> np.ndarray:
    """``C[i, f, k]``: how state feature ``f`` enters actor ``i``'s utility of action ``k``."""
    a, k = model.n_actors, model.n_actions
    tone = np.broadcast_to(model.tone / 10.0, (a, k))
    per_feature = [tone, -model.retaliation_coef, -model.dependence_coef, model.answers_coef,
                   model.defends_coef, -model.patron_coef, model.relief_coef]
    own = -model.climb_table * ~model.defends  # (10, K): other acts climb from the pair's rung
    joined = -model.climb_table * model.defends  # defending an ally climbs from its war
    climb = np.broadcast_to(np.concatenate([own, joined]), (a, 20, k))
    return np.concatenate([np.stack(per_feature, axis=1), climb], axis=1)


@dataclass
class Government:
    """Who holds office in each future: one winner per election, ``-1`` before it is held."""

    winners: np.ndarray  # (n, E) int
    _regimes: list | None = field(default=None, repr=False, compare=False)

    @classmethod
    def start(cls, model: CompiledScenario, n: int) -> Government:
        """No election held yet."""
        return cls(np.full((n, model.elections.size), -1, dtype=np.int64))

    def hold_elections(self, model: CompiledScenario, month: int, uniforms: np.ndarray) -> None:
        """Draw the winners of the elections whose winners take office this month.

        The draw is the month's otherwise unused shock uniform of the actor with itself, so a
        future's winner does not depend on how the futures are chunked.
        """
        elections = model.elections
        for e in np.flatnonzero(elections.month == month):
            a = elections.actor[e]
            self.winners[:, e] = elections.winners(e, uniforms[:, SHOCK, a, a])
            self._regimes = None  # who governs where changed

    def regimes(self, model: CompiledScenario) -> list[tuple[CompiledScenario, np.ndarray | None]]:
        """The models in office and the futures each governs (``None``: all of them).

        Worked out again only after an election, not every month.
        """
        if self._regimes is None:
            self._regimes = self._group(model)
        return self._regimes

    def _group(self, model: CompiledScenario) -> list[tuple[CompiledScenario, np.ndarray | None]]:
        if self.winners.shape[1] == 0 or bool((self.winners < 0).all()):
            return [(model, None)]
        combos, inverse = np.unique(self.winners, axis=0, return_inverse=True)
        if len(combos) == 1:
            return [(model.regime(tuple(int(w) for w in combos[0])), None)]
        inverse = inverse.ravel()
        return [(model.regime(tuple(int(w) for w in combo)), np.flatnonzero(inverse == g))
                for g, combo in enumerate(combos)]


def per_future(regimes: list[tuple[CompiledScenario, np.ndarray | None]], n: int,
               name: str) -> np.ndarray:
    """An ``(A,)`` array of the model, or ``(n, A)`` when futures differ in who governs."""
    if len(regimes) == 1:
        return getattr(regimes[0][0], name)
    values = np.empty((n, regimes[0][0].n_actors))
    for regime, idx in regimes:
        values[idx] = getattr(regime, name)
    return values


def state_features(model: CompiledScenario, state: EnsembleState,
                   resolve: np.ndarray | None = None,
                   escalation: np.ndarray | None = None) -> np.ndarray:
    """``F[n, i, j, f]``: the state seen by actor ``i`` looking at target ``j``.

    ``resolve`` and ``escalation`` default to the model's; ``(n, A)`` arrays give each future
    its own (after an election, futures differ in who governs).
    """
    n, a = state.relation.shape[:2]
    resolve = model.resolve if resolve is None else resolve
    escalation = model.escalation_coef if escalation is None else escalation
    escalation = escalation if escalation.ndim == 2 else escalation[None, :]
    strength, deterrent = strengths(model, state)
    side = with_allies(state.commitment, strength)
    reply = with_allies(state.commitment, strength * resolve)
    nuclear_side = with_allies(state.commitment, deterrent)
    features = np.zeros((n, a, a, N_STATE_FEATURES + 20))
    rel_term = model.affinity * (effective_relation(model, state.relation) / 10.0)
    received = np.clip(state.received, -model.tone_cap, model.tone_cap)
    features[..., 0] = rel_term + model.reciprocity * (received / 10.0)
    features[..., 1] = reply[:, None, :] / (1.0 + side[:, :, None])
    features[..., 2] = state.dependence
    features[..., 3] = state.commitment * state.pending
    features[..., 4] = ally_need(model, state)
    features[..., 5] = state.dependence.sum(axis=2)[:, :, None]
    features[..., 6] = state.elsewhere[:, :, None]
    deterrence = 1.0 + model.deterrence_weight * nuclear_side  # (n, j)
    scale = deterrence[:, None, :] * escalation[:, :, None]  # (n, i, j)
    level = np.floor(state.rung).astype(np.int64)
    np.put_along_axis(features, (N_STATE_FEATURES + level)[..., None], scale[..., None], axis=-1)
    joined = np.floor(joined_rung(model, state)).astype(np.int64)
    np.put_along_axis(features, (N_STATE_FEATURES + 10 + joined)[..., None], scale[..., None],
                      axis=-1)
    return features


def utilities(model: CompiledScenario, state: EnsembleState,
              coefficients: np.ndarray | None = None,
              government: Government | None = None) -> np.ndarray:
    """Expected utility ``U[n, i, j, k]`` of actor ``i`` taking action ``k`` toward ``j``.

    Direct value and costs, plus the tone of the act in line with the relation and with what the
    target did last month (capped at ``tone_cap``: a harsher act says nothing more), minus the
    reply expected from the target and its allies (their strength weighed by *their* resolve,
    which their war aversion damps), minus the escalation risk weighed by war aversion and the
    target side's nuclear deterrent, minus the cost of hurting a partner one depends on and of
    acts one's patrons punish, plus answering an ally's request or defending it. All the
    state-dependent terms are one batched matrix product of state features and coefficients.
    With a ``government``, each future's utilities are those of the leaders in office there
    (one product per distinct set of winners, not per future).
    """
    n, a = state.relation.shape[:2]
    regimes = [(model, None)] if government is None else government.regimes(model)
    features = state_features(model, state, per_future(regimes, n, "resolve"),
                              per_future(regimes, n, "escalation_coef"))
    utility = np.empty((n, a, a, model.n_actions))
    for regime, idx in regimes:
        coef = (coefficients if regime is model and coefficients is not None
                else utility_coefficients(regime))
        static = regime.static_utility[:, None, :] + regime.salience  # (i, j, k)
        if idx is None:
            for i in range(a):  # one matrix product per actor, written in place
                np.matmul(features[:, i], coef[i], out=utility[:, i])
            utility += static
        else:
            for i in range(a):
                utility[idx, i] = features[idx, i] @ coef[i] + static[i]
    return utility


def admissible(model: CompiledScenario, state: EnsembleState, month: int) -> np.ndarray:
    """``ok[n, i, j, k]``: whether ``i`` may take action ``k`` toward ``j`` this month.

    Each precondition on a number (relation, rung, commitments, capability, crisis) is one
    lookup in a small table of the scenario's distinct limits, not one comparison per action.
    """
    n, a = state.relation.shape[:2]
    pair = model.relation_gate.table[model.relation_gate.rank(state.relation)]
    pair &= model.rung_gate[np.floor(state.rung).astype(np.int64)]
    pair &= model.static_ok & (model.unlock_month <= month) & (month < model.lock_month)
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
        last = state.last.transpose(0, 2, 3, 1)  # (n, i, j, T)
        own = state.last_source.transpose(0, 2, 1)  # (n, i, T): the source's own last use
        by_source = model.cooldown_source[model.tracked]  # a programme: its own last use
        since = np.where(by_source, own[:, :, None, :], last) if by_source.any() else last
        pair[..., model.tracked] &= (month - since) >= model.cooldown[model.tracked]
        pausing = np.flatnonzero(model.pause_months[model.tracked])  # declared moratoria
        if pausing.size:
            pauser = model.tracked[pausing]
            paused = (month - own[..., pausing]) < model.pause_months[pauser]  # (n, i, P)
            blocked = (paused[..., None] & model.pauses[pauser]).any(axis=-2)  # (n, i, K)
            pair &= ~blocked[:, :, None, :]
        for k in np.flatnonzero(model.requires_prior.any(axis=1)):
            needed = model.tracked_slot[np.flatnonzero(model.requires_prior[k])]
            pair[..., k] &= (last[..., needed] >= 0).all(axis=-1)
    pair[..., 0] = True
    return pair


def quantal_choice(utility: np.ndarray, ok: np.ndarray, rationality: np.ndarray,
                   uniform: np.ndarray) -> np.ndarray:
    """Pick one admissible option per (future, actor, target) by logit quantal response.

    Option ``k`` is taken with probability ``exp(rationality * U_k)`` over the admissible options'
    sum (McKelvey & Palfrey 1995). One uniform per choice is inverted through the cumulative
    weights, which is much cheaper than adding Gumbel noise. ``utility`` is overwritten.
    """
    scale = rationality[None, :] if rationality.ndim == 1 else rationality  # (1 or n, A)
    logits = np.multiply(utility, scale[:, :, None, None], out=utility)
    np.copyto(logits, -np.inf, where=~ok)  # inadmissible options weigh nothing
    top = logits.max(axis=-1, keepdims=True)  # shift by the best admissible option
    np.subtract(logits, top, out=logits)
    weights = np.exp(logits, out=logits)
    cumulative = np.cumsum(weights, axis=-1, out=weights)
    threshold = uniform[..., None] * cumulative[..., -1:]
    return np.count_nonzero(cumulative < threshold, axis=-1)


def apply_choices(model: CompiledScenario, state: EnsembleState, choice: np.ndarray,
                  month: int) -> None:
    """Let the month's actions change the state (in place)."""
    acted = choice > 0
    gold = np.where(acted, model.goldstein[choice], 0.0)
    total = gold + gold.transpose(0, 2, 1)
    state.received = np.ascontiguousarray(gold.transpose(0, 2, 1))
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
    state.pending = np.ascontiguousarray(model.request_support[choice].transpose(0, 2, 1))
    relieved = model.relieve_target[choice].sum(axis=1)  # (n, j): forces sent to j's war
    state.elsewhere = np.clip(state.elsewhere - relieved, 0.0, 1.0)

    if model.tracked.size:
        slot = model.tracked_slot[choice]
        f, i, j = np.nonzero(slot >= 0)
        s = slot[f, i, j]
        state.last[f, s, i, j] = month
        state.last[f, s, j, i] = month
        state.last_source[f, s, i] = month


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


def theatre_tempo(model: CompiledScenario, state: EnsembleState, uniforms: np.ndarray) -> None:
    """Move the share of forces each outside war ties down: a bounded, mean-reverting walk.

    The draw is the month's otherwise unused choice uniform of the actor with itself.
    """
    at_war = np.flatnonzero(~np.isnan(model.theatre_mean))
    if not at_war.size:
        return
    share = state.elsewhere[:, at_war]
    step = (model.theatre_reversion[at_war] * (model.theatre_mean[at_war] - share)
            + model.theatre_volatility[at_war] * (2.0 * uniforms[:, CHOICE, at_war, at_war] - 1.0))
    state.elsewhere[:, at_war] = np.clip(share + step, model.theatre_low[at_war],
                                         model.theatre_high[at_war])


def domestic_crises(model: CompiledScenario, choice: np.ndarray, uniforms: np.ndarray) -> None:
    """Record this month's domestic crises as the domestic action of an actor toward itself.

    The draw is the month's otherwise unused sign uniform of the actor with itself. A crisis
    is an observable event only: it is recorded after the month's choices took effect.
    """
    if model.domestic_action < 0 or not model.instability.any():
        return
    a = np.arange(model.n_actors)
    crisis = uniforms[:, SIGN, a, a] < model.instability  # (n, A)
    choice[:, a, a] = np.where(crisis, model.domestic_action, 0)


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
        self.fused = kernels.use_fused()

    def observe(self, month: int, choice: np.ndarray, state: EnsembleState,
                government: Government | None = None) -> None:
        """Record one month's choices, the state they led to and who took office."""
        out = self.model.outcomes
        if out.election_rows and government is not None:
            held = self.model.elections.month[out.election_index] == month
            for row, e, c, now in zip(out.election_rows, out.election_index,
                                      out.election_candidate, held, strict=True):
                if now:
                    won = government.winners[:, e] == c
                    self.count[:, self._col[row]] += won
                    self._mark([self._col[row]], won[:, None], month)
        hits = self._count_actions(choice)
        if out.action_rows:
            cols = [self._col[row] for row in out.action_rows]
            self.count[:, cols] += hits
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

    def _count_actions(self, choice: np.ndarray) -> np.ndarray:
        """Add the choices to the action totals; ``hits[n, o]``: the events outcome ``o`` counts."""
        model, a = self.model, self.model.n_actors
        masks = model.outcomes.action_masks
        if self.fused:
            hits = np.zeros((choice.shape[0], masks.shape[0]), dtype=np.int32)
            totals = self.action_totals.reshape(a, model.n_actions, a)
            kernels.count_actions(np.ascontiguousarray(choice), masks, totals, hits)
            return hits
        flat = choice * (a * a) + self._pair_offset  # index into (K, A, A)
        hits = self._flat_masks[:, flat].sum(axis=(2, 3), dtype=np.int32).T  # (n, O)
        # action totals per (source, action, target)
        by_source = (self._pair_offset // a)[None] * (model.n_actions * a) + choice * a
        by_source = by_source + (self._pair_offset % a)[None]
        self.action_totals += np.bincount(by_source.ravel(), minlength=self.action_totals.size)
        return hits

    def _mark(self, cols: list[int], reached: np.ndarray, month: int) -> None:
        current = self.first_month[:, cols]
        self.first_month[:, cols] = np.where((current < 0) & reached, month, current)


def regime_index(regimes: list[tuple[CompiledScenario, np.ndarray | None]], n: int
                 ) -> np.ndarray:
    """``r[n]``: the position in ``regimes`` of the regime governing each future."""
    index = np.zeros(n, dtype=np.int64)
    for r, (_, idx) in enumerate(regimes):
        if idx is not None:
            index[idx] = r
    return index


class Chooser:
    """The month's choices of a chunk: the fused Numba kernel where installed, NumPy if not.

    Both give the same choices (see :mod:`peninsula.engine.kernels`); the fused kernel touches
    only admissible options and stores nothing of size futures x actors x targets x actions.
    """

    def __init__(self, model: CompiledScenario, fused: bool | None = None):
        self.model = model
        if fused is None:
            fused = kernels.use_fused() and model.n_actions <= kernels.MAX_ACTIONS
        self.fused = fused
        self.coefficients = utility_coefficients(model)
        self._kernel: tuple[list, kernels.KernelModel] | None = None

    def choose(self, state: EnsembleState, government: Government, month: int,
               uniforms: np.ndarray) -> np.ndarray:
        """``choice[n, i, j]``: the option each actor takes toward each target this month."""
        model, n = self.model, state.relation.shape[0]
        regimes = government.regimes(model)
        if not self.fused:
            utility = utilities(model, state, self.coefficients, government)
            ok = admissible(model, state, month)
            rationality = per_future(regimes, n, "rationality")
            return quantal_choice(utility, ok, rationality, uniforms[:, CHOICE])
        if self._kernel is None or self._kernel[0] is not regimes:
            self._kernel = (regimes, kernels.kernel_model(model, [r for r, _ in regimes]))
        return kernels.choose_fused(month, state, uniforms[:, CHOICE], regime_index(regimes, n),
                                    self._kernel[1], kernels.candidates(model, month))


def simulate_chunk(
    model: CompiledScenario,
    draws: ChunkDraws,
    *,
    first_future: int = 0,
    record_events: bool = False,
    on_month: Callable[[int], None] | None = None,
    decide: Callable[[int, EnsembleState, Government, np.ndarray], np.ndarray] | None = None,
) -> SimulationResult:
    """Simulate ``draws.size`` futures over the model's horizon.

    ``decide(month, state, government, choice)``, when given, returns the month's choices to
    apply in place of the quantal ``choice`` (agents playing some actors).
    """
    n, months = draws.size, model.horizon
    state = initial_state(model, n)
    chooser = Chooser(model)
    government = Government.start(model, n)
    tracker = OutcomeTracker(model, n, months)
    inflame = calm = 0
    streams: list[EventStream] = []
    for month in range(months):
        uniforms = draws.next_month()
        government.hold_elections(model, month, uniforms)
        choice = chooser.choose(state, government, month, uniforms)
        if decide is not None:
            choice = decide(month, state, government, choice)
        apply_choices(model, state, choice, month)
        arms_dynamics(model, state)
        up, down = apply_shocks(model, state, uniforms)
        inflame, calm = inflame + up, calm + down
        theatre_tempo(model, state, uniforms)
        domestic_crises(model, choice, uniforms)
        tracker.observe(month, choice, state, government)
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
