"""The month's choices as one fused loop per (future, actor, target), compiled by Numba.

:meth:`peninsula.engine.vectorised.Chooser.choose` calls :func:`choose_fused` when Numba is
installed (the ``fast`` extra) and the NumPy passes otherwise. Both read the same model and give
the same choices: for every (future, actor, target) the loop finds the admissible options (bit
masks from the same interval gates), computes their utilities in the reference engine's order of
operations, and draws one by logit quantal response (McKelvey & Palfrey 1995) with the same
inverse-cumulative rule. Only admissible options cost an exponential, and nothing of size
(futures x actors x targets x actions) is ever stored.

References
----------
McKelvey, R. D., & Palfrey, T. R. (1995). Quantal response equilibria for normal form games.
*Games and Economic Behavior*, 10(1), 6-38.

"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

try:  # Numba is optional: the ``fast`` extra
    from numba import njit
except ImportError:  # pragma: no cover - exercised where numba is missing
    njit = None

ENGINE_ENV = "PENINSULA_KERNEL"
"""Environment variable: ``numpy`` forces the NumPy passes even where Numba is installed."""


def numba_available() -> bool:
    """Whether the fused Numba kernel can run here."""
    return njit is not None


def use_fused() -> bool:
    """Whether the engine should call the fused kernel (Numba installed and not switched off)."""
    return numba_available() and os.environ.get(ENGINE_ENV, "").lower() != "numpy"


COEFFICIENTS = ("static_utility", "retaliation_coef", "dependence_coef", "answers_coef",
                "defends_coef", "patron_coef", "relief_coef")
"""Rows of :attr:`KernelModel.coef`: how each state term enters an actor's utility of an act."""

ACTOR_TERMS = ("rationality", "resolve", "escalation_coef")
"""Rows of :attr:`KernelModel.actor`."""

SCALARS = ("nuclear_weight", "hostility_bias", "affinity", "reciprocity", "tone_cap",
           "request_weight", "alliance_threshold", "deterrence_weight")
"""The model's scalar coefficients :attr:`KernelModel.scalars` carries, in order."""

GATES = ("relation_gate", "pledge_gate", "bond_gate", "nuclear_gate", "crisis_gate",
         "target_crisis_gate")
"""The compiled interval gates, in the order of :attr:`KernelModel.gate_points`."""

MAX_ACTIONS = 63
"""The kernel holds a set of actions in the bits of one 64-bit integer; a catalogue with more
actions runs on the NumPy passes."""


class KernelModel(NamedTuple):
    """A compiled scenario as the kernel reads it; ``[r, ...]`` indexes the regimes in office.

    Sets of actions are bit masks (bit ``k``: action ``k``): the preconditions of one pair are
    a few lookups and ``&``, not a comparison per action.
    """

    actor: np.ndarray  # (R, 3, A): ACTOR_TERMS
    coef: np.ndarray  # (R, A, 7, K): COEFFICIENTS
    base: np.ndarray  # (R, A, A, K): static utility + salience (their sum, as the reference)
    tone: np.ndarray  # (K,): the clipped Goldstein value / 10
    climb_table: np.ndarray  # (10, K)
    defends: np.ndarray  # (K,) bool
    hostile: np.ndarray  # (A, A) float: 1.0 where designated
    deterrent_factor: np.ndarray  # (A,)
    scalars: np.ndarray  # (8,): SCALARS
    gate_points: np.ndarray  # (6, P): each gate's distinct limits, padded with +inf (GATES)
    gate_sizes: np.ndarray  # (6,) int: how many limits each gate has
    gate_masks: np.ndarray  # (6, 2P + 1) int: the actions each rank allows
    ally: np.ndarray  # (2, G): each ally group's minimum commitment and conflict rung
    ally_masks: np.ndarray  # (G,) int: the actions that need an ally of that group fighting
    slot_cooldown: np.ndarray  # (T,) int: cooldown of the action a memory slot remembers
    slot_masks: np.ndarray  # (3, T) int: the action each slot remembers; those requiring it;
    #                        those its action pauses
    slot_source: np.ndarray  # (T,) bool: the slot's cooldown counts from any pair of the source
    slot_pause: np.ndarray  # (T,) int: months the slot's action pauses others (0: none)


def _bits(table: np.ndarray) -> np.ndarray:
    """``table[..., k]`` (bool) as one integer per row, bit ``k`` set where it is true."""
    weights = np.left_shift(np.int64(1), np.arange(table.shape[-1], dtype=np.int64))
    return (table.astype(np.int64) * weights).sum(axis=-1)


def kernel_model(model: Any, regimes: list[Any]) -> KernelModel:
    """``model`` (a :class:`~peninsula.engine.compiled.CompiledScenario`) and its regimes."""
    if model.n_actions > MAX_ACTIONS:
        raise ValueError(f"the fused kernel takes at most {MAX_ACTIONS} actions")
    gates = [getattr(model, name) for name in GATES]
    width = max(1, *(g.points.size for g in gates))
    points = np.full((len(gates), width), np.inf)
    masks = np.zeros((len(gates), 2 * width + 1), dtype=np.int64)
    for row, gate in enumerate(gates):
        points[row, :gate.points.size] = gate.points
        masks[row, :2 * gate.points.size + 1] = _bits(gate.table)
    tracked = model.tracked
    slot_masks = np.zeros((3, tracked.size), dtype=np.int64)
    if tracked.size:
        slot_masks[0] = _bits(np.eye(model.n_actions, dtype=bool)[tracked])
        slot_masks[1] = _bits(model.requires_prior[:, tracked].T)
        slot_masks[2] = _bits(model.pauses[tracked])
    groups = model.ally_groups
    return KernelModel(
        actor=np.stack([np.stack([getattr(r, name) for name in ACTOR_TERMS]) for r in regimes]),
        coef=np.ascontiguousarray(np.stack(
            [np.stack([getattr(r, name) for name in COEFFICIENTS], axis=1) for r in regimes])),
        base=np.stack([r.static_utility[:, None, :] + r.salience for r in regimes]),
        tone=model.tone / 10.0,
        climb_table=np.ascontiguousarray(model.climb_table, dtype=np.float64),
        defends=model.defends.astype(np.bool_),
        hostile=model.hostile.astype(np.float64),
        deterrent_factor=model.deterrent_factor.astype(np.float64),
        scalars=np.array([float(getattr(model, name)) for name in SCALARS]),
        gate_points=points, gate_masks=masks,
        gate_sizes=np.array([g.points.size for g in gates], dtype=np.int64),
        ally=np.array([[c for _, c, _ in groups], [r for _, _, r in groups]],
                      dtype=np.float64).reshape(2, len(groups)),
        ally_masks=np.array([_bits(mask) for mask, _, _ in groups], dtype=np.int64),
        slot_cooldown=model.cooldown[tracked].astype(np.int64), slot_masks=slot_masks,
        slot_source=model.cooldown_source[tracked].astype(np.bool_),
        slot_pause=model.pause_months[tracked].astype(np.int64))


def candidates(model: Any, month: int) -> np.ndarray:
    """The options above 0 open this month by the static gates, event windows and rung ladder.

    ``open[i, j, r]``: those ``i`` may consider toward ``j`` from a pair at rung level ``r``, as
    bits.
    """
    open_now = model.static_ok & (model.unlock_month <= month) & (month < model.lock_month)
    open_now = open_now[:, :, None, :] & model.rung_gate[None, None, :, :]  # (A, A, 10, K)
    open_now[..., 0] = False
    return _bits(open_now)


def _jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``fn`` with Numba (cached on disk) where it is installed; leave it as is if not."""
    return fn if njit is None else njit(cache=True, error_model="numpy")(fn)


def _inline(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Like :func:`_jit`, compiled into each caller: a call per pair costs as much as its work."""
    return fn if njit is None else njit(cache=True, inline="always", error_model="numpy")(fn)


@_jit
def _future_terms(f: int, arms: np.ndarray, nuclear: np.ndarray, elsewhere: np.ndarray,
                  rung: np.ndarray, commitment: np.ndarray, resolve: np.ndarray,
                  deterrent_factor: np.ndarray, nuclear_weight: float,
                  out: np.ndarray) -> None:  # pragma: no cover - compiled
    """Actor terms of future ``f``, ``out[:, m]``, in the reference engine's order.

    Strength, nuclear deterrent, highest rung, the reply ``m``'s side is expected to give
    (its allies' strength weighed by their resolve, summed first) and its side's deterrent.
    """
    a = arms.shape[1]
    for m in range(a):
        out[1, m] = nuclear[f, m] * deterrent_factor[m]
        out[0, m] = arms[f, m] * (1.0 - elsewhere[f, m]) + nuclear_weight * out[1, m]
        top = rung[f, m, 0]
        for x in range(1, a):
            top = max(top, rung[f, m, x])
        out[2, m] = top
    for j in range(a):
        reply_allies, nuclear_allies = 0.0, 0.0
        for m in range(a):
            reply_allies += commitment[f, m, j] * out[0, m] * resolve[m]
            nuclear_allies += commitment[f, m, j] * out[1, m]
        out[3, j] = out[0, j] * resolve[j] + reply_allies
        out[4, j] = out[1, j] + nuclear_allies


@_inline
def _draw(z: np.ndarray, options: np.ndarray, count: int, best: float,
          uniform: float) -> int:  # pragma: no cover - compiled
    """Inverse-cumulative draw over ``exp(z - best)`` of the ``count`` admissible options."""
    total = 0.0
    for c in range(count):
        z[c] = math.exp(z[c] - best)
        total += z[c]
    threshold = uniform * total
    running = 0.0
    picked = 0
    for c in range(count):  # the cumulative weights never fall: the first one reaching it wins
        running += z[c]
        if running >= threshold:
            break
        picked += 1
    return options[min(picked, count - 1)]


@_inline
def _rank(points: np.ndarray, sizes: np.ndarray, row: int,
          x: float) -> int:  # pragma: no cover - compiled
    """Row of a gate's table for ``x``, as :meth:`IntervalGate.rank` (NaN: past every limit)."""
    left = 0
    while left < sizes[row] and not points[row, left] >= x:
        left += 1
    on = left < sizes[row] and points[row, left] == x
    return 2 * left + (1 if on else 0)


@_inline
def _pair_open(f: int, i: int, j: int, month: int, values: tuple, relation: np.ndarray,
               commitment: np.ndarray, rung: np.ndarray, last: np.ndarray,
               last_source: np.ndarray, gates: tuple,
               ally: np.ndarray, ally_masks: np.ndarray,
               slot_cooldown: np.ndarray, slot_masks: np.ndarray,
               slot_source: np.ndarray, slot_pause: np.ndarray) -> int:  # pragma: no cover
    """The actions the state-reading preconditions leave open to ``i`` toward ``j``, as bits.

    ``values``: the relation, the target's pledge, the stronger commitment, the source's nuclear
    level and the source's and the target's highest rungs (the engine's ``admissible``).
    """
    gate_points, gate_sizes, gate_masks = gates
    ok = -1  # every bit set
    for row in range(gate_points.shape[0]):
        ok &= gate_masks[row, _rank(gate_points, gate_sizes, row, values[row])]
    for q in range(ally.shape[1]):  # an ally of i, by the group's threshold, fighting j
        fighting = False
        for m in range(commitment.shape[1]):
            fighting = fighting or (commitment[f, i, m] >= ally[0, q]
                                    and rung[f, m, j] >= ally[1, q])
        if not fighting:
            ok &= ~ally_masks[q]
    for slot in range(slot_cooldown.shape[0]):  # cooldowns, once per pair, required priors
        done = last[f, slot, i, j]
        since = last_source[f, slot, i] if slot_source[slot] else done  # a programme: own use
        if slot_pause[slot] > 0 and month - last_source[f, slot, i] < slot_pause[slot]:
            ok &= ~slot_masks[2, slot]  # a declared moratorium, by its own last declaration
        if month - since < slot_cooldown[slot]:
            ok &= ~slot_masks[0, slot]
        if done < 0:
            ok &= ~slot_masks[1, slot]
    return ok


@_jit
def _choose_all(month: int, relation: np.ndarray, rung: np.ndarray,  # noqa: C901 - fused on purpose
                commitment: np.ndarray, dependence: np.ndarray, arms: np.ndarray,
                nuclear: np.ndarray, elsewhere: np.ndarray, pending: np.ndarray,
                received: np.ndarray, last: np.ndarray, last_source: np.ndarray,
                uniform: np.ndarray,
                regime: np.ndarray, km: KernelModel, open_bits: np.ndarray,
                choice: np.ndarray) -> None:  # pragma: no cover - compiled
    """Fill ``choice[n, i, j]``; see :func:`choose_fused` and :class:`KernelModel`.

    The per-option work stays in this one function on purpose (hence its complexity): a call
    per option costs more than the option's arithmetic. The steps follow the reference engine's
    ``_pair_terms``, ``_reasons``, ``_utility`` and ``_choose``, in its order of floating-point
    operations.
    """
    actor, coef, base, tone, climb, defends = (km.actor, km.coef, km.base, km.tone,
                                               km.climb_table, km.defends)
    sc = km.scalars
    n, a = relation.shape[0], relation.shape[1]
    terms = np.empty((5, a))
    z, options = np.empty(tone.shape[0]), np.empty(tone.shape[0], dtype=np.int64)
    for f in range(n):
        r = regime[f]
        _future_terms(f, arms, nuclear, elsewhere, rung, commitment, actor[r, 1],
                      km.deterrent_factor, sc[0], terms)
        for i in range(a):
            allies, patronage = 0.0, 0.0
            for m in range(a):
                allies += commitment[f, m, i] * terms[0, m]
                patronage += dependence[f, i, m]
            side_i = terms[0, i] + allies
            for j in range(a):
                choice[f, i, j] = 0
                if i == j:
                    continue
                # the pair's action-free terms: expected reply, tone, credibility, need
                ratio = terms[3, j] / (1.0 + side_i)
                perceived = relation[f, i, j] - sc[1] * km.hostile[i, j]
                heard = min(max(received[f, i, j], -sc[4]), sc[4])
                rel_term = sc[2] * (perceived / 10.0) + sc[3] * (heard / 10.0)
                need, war = -np.inf, rung[f, i, j]
                for m in range(a):
                    tie = commitment[f, i, m]
                    need = max(need, tie * (1.0 + sc[5] * pending[f, i, m])
                               * (rung[f, m, j] / 9.0))
                    if tie >= sc[6]:
                        war = max(war, rung[f, m, j])
                scale = (1.0 + sc[7] * terms[4, j]) * actor[r, 2, i]
                credibility = commitment[f, i, j] * pending[f, i, j]
                level, joined = int(math.floor(rung[f, i, j])), int(math.floor(war))
                pledge = commitment[f, j, i]
                values = (relation[f, i, j], pledge, max(commitment[f, i, j], pledge),
                          nuclear[f, i], terms[2, i], terms[2, j])
                ok = open_bits[i, j, level]
                if ok:
                    ok &= _pair_open(f, i, j, month, values, relation, commitment, rung, last,
                                     last_source,
                                     (km.gate_points, km.gate_sizes, km.gate_masks), km.ally,
                                     km.ally_masks,
                                     km.slot_cooldown, km.slot_masks, km.slot_source,
                                     km.slot_pause)
                ok |= 1  # doing nothing is always open
                count, best = 0, -np.inf
                for k in range(tone.shape[0]):
                    if not (ok >> k) & 1:
                        continue
                    u = base[r, i, j, k]
                    u = u + rel_term * tone[k]
                    u = u - ratio * coef[r, i, 1, k]
                    u = u - (scale * climb[joined if defends[k] else level, k])
                    u = u - dependence[f, i, j] * coef[r, i, 2, k]
                    u = u + credibility * coef[r, i, 3, k]
                    u = u + need * coef[r, i, 4, k]
                    u = u - patronage * coef[r, i, 5, k]
                    u = u + elsewhere[f, i] * coef[r, i, 6, k]
                    z[count] = actor[r, 0, i] * u
                    options[count] = k
                    best = max(best, z[count])
                    count += 1
                choice[f, i, j] = _draw(z, options, count, best, uniform[f, i, j])


@_jit
def count_actions(choice: np.ndarray, masks: np.ndarray, totals: np.ndarray,
                  hits: np.ndarray) -> None:  # pragma: no cover - compiled
    """Add the month's choices to ``totals[i, k, j]`` and ``hits[n, o]`` (``masks[o]``'s events).

    One pass instead of a gather per outcome; integers, so exactly the NumPy sums.
    """
    n, a = choice.shape[0], choice.shape[1]
    for f in range(n):
        for i in range(a):
            for j in range(a):
                k = choice[f, i, j]
                totals[i, k, j] += 1
                for o in range(masks.shape[0]):
                    if masks[o, k, i, j]:
                        hits[f, o] += 1


def choose_fused(month: int, state: Any, uniform: np.ndarray, regime: np.ndarray,
                 km: KernelModel, open_bits: np.ndarray) -> np.ndarray:
    """The month's choice ``[n, i, j]`` of every future, actor and target, in one pass.

    ``regime[n]`` indexes the regimes of ``km``; ``uniform[n, i, j]`` are the month's choice
    draws; ``open_bits`` is :func:`candidates` of the month. Needs Numba
    (:func:`numba_available`).
    """
    if njit is None:
        raise RuntimeError("the fused kernel needs numba: pip install 'peninsula[fast]'")
    n, a = state.relation.shape[:2]
    choice = np.empty((n, a, a), dtype=np.int64)
    _choose_all(month, state.relation, state.rung, state.commitment, state.dependence,
                state.arms, state.nuclear, state.elsewhere, state.pending, state.received,
                state.last, state.last_source, np.ascontiguousarray(uniform),
                regime.astype(np.int64), km,
                open_bits, choice)
    return choice
