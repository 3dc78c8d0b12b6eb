"""What one actor faces in one future and month: the state, and its admissible options.

A :class:`Situation` is a self-contained copy of the engine's arrays for one future, read from
the point of view of the actor an agent plays. It lists, per target, the options the engine
allows (:func:`peninsula.engine.vectorised.admissible`) and the option the quantal rule picked,
which is what the engine applies when the agent gives no valid answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peninsula.engine.compiled import CompiledScenario
from peninsula.engine.vectorised import EnsembleState, Government
from peninsula.scenario.model import Action, month_label


@dataclass(frozen=True)
class TargetOptions:
    """The admissible options of the actor toward one target (``do_nothing`` always first)."""

    target: int
    options: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class Situation:
    """One decision an agent makes: an actor, in one future, in one month.

    ``future`` is the index in the whole ensemble. Arrays are this future's copies, indexed as
    the engine's (actors in the scenario's order). ``quantal[t]`` is the engine's own pick
    toward ``options[t].target``.
    """

    model: CompiledScenario
    future: int
    month: int
    actor_index: int
    options: tuple[TargetOptions, ...]
    quantal: tuple[int, ...]
    relation: np.ndarray  # (A, A)
    rung: np.ndarray  # (A, A)
    commitment: np.ndarray  # (A, A) directed
    dependence: np.ndarray  # (A, A) directed
    arms: np.ndarray  # (A,)
    nuclear: np.ndarray  # (A,)
    asked: np.ndarray  # (A,) bool: [j] = j asked this actor for support last month
    last: np.ndarray | None  # (A, A) option each actor took toward each last month
    winners: tuple[int, ...]  # per election, the winner in office (-1: not yet held)

    @property
    def actor(self) -> str:
        """The code of the actor played."""
        return self.model.actors[self.actor_index]

    @property
    def date(self) -> str:
        """The month, ``YYYY-MM``."""
        return month_label(self.model.scenario.start, self.month)

    @property
    def targets(self) -> list[str]:
        """Codes of the actors the agent chooses an option toward, in the engine's order."""
        return [self.model.actors[t.target] for t in self.options]

    def action(self, k: int) -> Action:
        """The catalogue entry of option ``k``."""
        return self.model.scenario.actions[k]

    def admissible_ids(self, target: str) -> list[str]:
        """Ids of the options the engine allows toward ``target`` this month."""
        for t in self.options:
            if self.model.actors[t.target] == target:
                return [self.model.actions[k] for k in t.options]
        raise KeyError(target)

    @property
    def quantal_ids(self) -> dict[str, str]:
        """The engine's quantal pick toward each target, as option ids."""
        return {self.model.actors[t.target]: self.model.actions[k]
                for t, k in zip(self.options, self.quantal, strict=True)}


def build_situations(model: CompiledScenario, state: EnsembleState, government: Government,
                     ok: np.ndarray, choice: np.ndarray, last: np.ndarray | None, actor: int,
                     month: int, first_future: int) -> list[Situation | None]:
    """One situation per future of the chunk for ``actor``; ``None`` where it has no choice.

    A target is listed when some option besides doing nothing is admissible toward it; a
    future where no target is listed asks the agent nothing.
    """
    n = choice.shape[0]
    found: list[Situation | None] = []
    for f in range(n):
        open_targets = [j for j in range(model.n_actors)
                        if j != actor and bool(ok[f, actor, j, 1:].any())]
        if not open_targets:
            found.append(None)
            continue
        options = tuple(TargetOptions(j, tuple(int(k) for k in np.flatnonzero(ok[f, actor, j])))
                        for j in open_targets)
        found.append(Situation(
            model=model, future=first_future + f, month=month, actor_index=actor,
            options=options, quantal=tuple(int(choice[f, actor, j]) for j in open_targets),
            relation=state.relation[f].copy(), rung=state.rung[f].copy(),
            commitment=state.commitment[f].copy(), dependence=state.dependence[f].copy(),
            arms=state.arms[f].copy(), nuclear=state.nuclear[f].copy(),
            asked=state.pending[f, actor].copy(),
            last=None if last is None else last[f].copy(),
            winners=tuple(int(w) for w in government.winners[f]),
        ))
    return found
