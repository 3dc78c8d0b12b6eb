"""The criterion language: what a forecast question asks of a simulated future.

A criterion is written in YAML under a question's ``criterion`` key and has a ``kind``:

``action``
    An action occurred at least ``min_count`` times (default 1) from one of ``sources`` to one
    of ``targets`` (default: any actor), counted from the scenario's start month (or from
    ``since``, ``YYYY-MM``) up to and including the question's closing month. The action is
    named by exactly one of ``action`` (catalogue ids), ``cameo`` (CAMEO codes; a code also
    matches its sub-codes, so ``"19"`` matches ``"190"`` and ``"195"``) or ``plover`` (PLOVER
    event types, e.g. ``CONSULT``); each takes one value or a list. ``attributes`` narrows the
    actions to those whose catalogue attributes match (``{class: intercontinental}``,
    ``{level: leaders, venue: [target_capital, third_country]}``); given alone, it selects
    among all actions. A domestic action (a crisis inside an actor) counts where its source is
    one of ``sources``; ``targets`` does not apply to it.
``outcome``
    A binary outcome of the scenario (by id) first occurred by the closing month.
``state``
    A state variable compared with a threshold at the end of the closing month: a dyad's
    ``relation``, ``commitment`` (the first actor's commitment to defend the second) or
    ``rung`` (``dyad: [PRK, KOR]``), or an actor's ``arms`` or ``nuclear`` level
    (``actor: PRK``); ``op`` is one of ``>=``, ``<=``, ``>``, ``<``.
``all`` / ``any`` / ``not``
    Combinations: ``of`` is a list of criteria (``all``, ``any``) or one criterion (``not``).

Months are whole months: an event in the closing month counts, one in the month after does
not. The engine keeps only the state at the end of a run, so a ``state`` criterion is
evaluated on a run that ends at the question's closing month
(:mod:`peninsula.forecast.forecasting` runs the engine once per such closing month).

Parsing (pydantic models), resolution against a scenario (:func:`resolve`, which turns names
into index tables and reports unknown names) and evaluation (:class:`Evidence`, arrays over the
whole ensemble, no loop over futures) are separate steps.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from peninsula.scenario.cameo import plover_type_for
from peninsula.scenario.model import month_index

if TYPE_CHECKING:
    from peninsula.engine.compiled import CompiledScenario
    from peninsula.experiments.runs import Run

__all__ = [
    "KINDS",
    "ActionCriterion",
    "AllCriterion",
    "AnyCriterion",
    "CompiledCriterion",
    "Criterion",
    "CriterionProblem",
    "Evidence",
    "FinalState",
    "NotCriterion",
    "OutcomeCriterion",
    "StateCriterion",
    "Vocabulary",
    "action_counts",
    "compare",
    "outcome_by",
    "resolve",
]

KINDS = ("action", "outcome", "state", "all", "any", "not")
"""Every criterion kind, in the order error messages list them."""

Operator = Literal[">=", "<=", ">", "<"]
DYAD_VARIABLES = ("relation", "commitment", "rung")
ACTOR_VARIABLES = ("arms", "nuclear")
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
Names = str | list[str]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActionCriterion(_Schema):
    """An action taken at least ``min_count`` times between the listed actors."""

    kind: Literal["action"]
    action: Names | None = None
    cameo: Names | None = None
    plover: Names | None = None
    attributes: dict[str, Names] | None = None
    sources: list[str] | None = None
    targets: list[str] | None = None
    min_count: Annotated[int, Field(ge=1)] = 1
    since: Month | None = None

    @model_validator(mode="after")
    def _one_name(self) -> ActionCriterion:
        given = [name for name in ("action", "cameo", "plover") if getattr(self, name) is not None]
        if len(given) > 1 or (not given and not self.attributes):
            raise ValueError("name the action by exactly one of 'action', 'cameo' or 'plover', "
                             "or select it by 'attributes'"
                             + (f" (got {', '.join(given)})" if given else ""))
        return self


class OutcomeCriterion(_Schema):
    """A binary outcome of the scenario occurred by the closing month."""

    kind: Literal["outcome"]
    outcome: str


class StateCriterion(_Schema):
    """A dyad's or an actor's state at the end of the closing month against a threshold."""

    kind: Literal["state"]
    variable: Literal["relation", "commitment", "rung", "arms", "nuclear"]
    dyad: tuple[str, str] | None = None
    actor: str | None = None
    op: Operator
    value: float

    @model_validator(mode="after")
    def _subject(self) -> StateCriterion:
        if self.variable in DYAD_VARIABLES and (self.dyad is None or self.actor is not None):
            raise ValueError(f"'{self.variable}' belongs to a dyad: give 'dyad: [A, B]' "
                             "and no 'actor'")
        if self.variable in ACTOR_VARIABLES and (self.actor is None or self.dyad is not None):
            raise ValueError(f"'{self.variable}' belongs to an actor: give 'actor: ABC' "
                             "and no 'dyad'")
        return self


class AllCriterion(_Schema):
    """Every listed criterion holds."""

    kind: Literal["all"]
    of: Annotated[list[Criterion], Field(min_length=1)]


class AnyCriterion(_Schema):
    """At least one listed criterion holds."""

    kind: Literal["any"]
    of: Annotated[list[Criterion], Field(min_length=1)]


class NotCriterion(_Schema):
    """The criterion does not hold."""

    kind: Literal["not"]
    of: Criterion


Criterion = Annotated[
    ActionCriterion | OutcomeCriterion | StateCriterion | AllCriterion | AnyCriterion
    | NotCriterion,
    Field(discriminator="kind"),
]
for _model in (AllCriterion, AnyCriterion, NotCriterion):
    _model.model_rebuild()


# --------------------------------------------------------------------------- vocabulary


@lru_cache(maxsize=1)
def plover_types() -> tuple[str, ...]:
    """The PLOVER event types (modes excluded) of the shipped reference table."""
    path = files("peninsula").joinpath("data", "plover_event_types.csv")
    with path.open(encoding="utf-8") as handle:
        return tuple(row["event_type"] for row in csv.DictReader(handle) if not row["mode"])


@dataclass(frozen=True)
class Vocabulary:
    """The names a criterion may use, in the engine's index order.

    ``outcome_columns`` maps each outcome id to its column of ``first_month`` (``None`` for a
    continuous outcome, which a criterion cannot ask about).
    """

    start: str
    actors: list[str]
    actions: list[str]
    cameo: list[str | None]
    outcome_columns: dict[str, int | None]
    attributes: list[dict[str, str]] = field(default_factory=list)
    domestic: list[bool] = field(default_factory=list)

    @property
    def domestic_mask(self) -> np.ndarray:
        """Which actions are domestic (recorded inside one actor, source = target)."""
        return np.array(self.domestic or [False] * len(self.actions), dtype=bool)

    @classmethod
    def from_model(cls, model: CompiledScenario) -> Vocabulary:
        """The vocabulary of a compiled scenario."""
        out = model.outcomes
        columns: dict[str, int | None] = {outcome_id: None for outcome_id in out.ids}
        for column, row in enumerate(out.binary):
            columns[out.ids[row]] = column
        return cls(start=model.scenario.start, actors=list(model.actors),
                   actions=list(model.actions), cameo=list(model.cameo),
                   outcome_columns=columns,
                   attributes=[dict(a.attributes) for a in model.scenario.actions],
                   domestic=[a.domestic for a in model.scenario.actions])

    @cached_property
    def plover(self) -> list[str | None]:
        """PLOVER type of every action (``None`` for doing nothing)."""
        return [None if code is None else plover_type_for(code) for code in self.cameo]


# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class FinalState:
    """The state at the end of a run's last month, one row per future."""

    relation: np.ndarray  # (n, A, A)
    commitment: np.ndarray  # (n, A, A)
    rung: np.ndarray  # (n, A, A)
    arms: np.ndarray  # (n, A)
    nuclear: np.ndarray  # (n, A)


@dataclass
class Evidence:
    """What an ensemble of futures shows, as plain arrays a criterion is evaluated on.

    Parameters
    ----------
    n_futures, n_actors, n_actions : int
        Sizes of the ensemble and of the scenario.
    last_month : int
        Index of the last simulated month (0 = the scenario's start month).
    future, month, source, target, action : array_like
        The event stream, one entry per event (doing nothing excluded).
    first_month : array_like, optional
        ``(n_futures, n_binary)``: first month each binary outcome occurred, -1 if never.
    state : FinalState, optional
        The state at the end of ``last_month``.

    """

    n_futures: int
    n_actors: int
    n_actions: int
    last_month: int
    future: np.ndarray
    month: np.ndarray
    source: np.ndarray
    target: np.ndarray
    action: np.ndarray
    first_month: np.ndarray | None = None
    state: FinalState | None = None

    @classmethod
    def from_run(cls, run: Run) -> Evidence:
        """The evidence of a finished run (it must have recorded its events)."""
        result = run.result
        if result.events is None:
            raise ValueError("forecasting needs the event stream: run with record_events=True")
        ev = result.events
        state = FinalState(relation=result.final_relation, commitment=result.final_commitment,
                           rung=result.final_rung, arms=result.final_arms,
                           nuclear=result.final_nuclear)
        return cls(n_futures=result.n_futures, n_actors=run.model.n_actors,
                   n_actions=run.model.n_actions, last_month=run.model.horizon - 1,
                   future=ev.future, month=ev.month, source=ev.source, target=ev.target,
                   action=ev.action, first_month=result.first_month, state=state)

    @cached_property
    def key(self) -> np.ndarray:
        """Each event's flat index into a ``(K, A, A)`` table: action, source, target."""
        a = self.n_actors
        return ((np.asarray(self.action, dtype=np.int64) * a
                 + np.asarray(self.source, dtype=np.int64)) * a
                + np.asarray(self.target, dtype=np.int64))


def action_counts(future: np.ndarray, month: np.ndarray, key: np.ndarray, table: np.ndarray,
                  first: int, last: int, n_futures: int) -> np.ndarray:
    """Events per future whose key is allowed by ``table`` and month lies in ``[first, last]``.

    Parameters
    ----------
    future, month, key : np.ndarray
        Per event: future index, month index and flat ``(action, source, target)`` key.
    table : np.ndarray
        Boolean table over keys (a flattened ``(K, A, A)`` mask).
    first, last : int
        First and last month counted, both included.
    n_futures : int
        Length of the result.

    Returns
    -------
    np.ndarray
        ``(n_futures,)`` int64 counts.

    """
    month = np.asarray(month)
    chosen = table.reshape(-1)[key] & (month >= first) & (month <= last)
    return np.bincount(np.asarray(future)[chosen], minlength=n_futures)[:n_futures]


def outcome_by(first_month: np.ndarray, last: int) -> np.ndarray:
    """Whether an outcome first occurring in ``first_month`` (-1: never) did so by ``last``."""
    first_month = np.asarray(first_month)
    return (first_month >= 0) & (first_month <= last)


_OPS = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less}


def compare(values: np.ndarray, op: str, threshold: float) -> np.ndarray:
    """``values <op> threshold`` elementwise, ``op`` one of ``>=``, ``<=``, ``>``, ``<``."""
    return _OPS[op](np.asarray(values), threshold)


# --------------------------------------------------------------------------- compiled form


class CompiledCriterion:
    """A criterion resolved against a scenario: evaluates to one boolean per future."""

    def evaluate(self, evidence: Evidence) -> np.ndarray:  # pragma: no cover - abstract
        """``(n_futures,)`` bool: whether the criterion holds in each future."""
        raise NotImplementedError

    def state_months(self) -> set[int]:
        """Months whose end-of-month state the criterion reads."""
        return set()


def _require_month(evidence: Evidence, last: int) -> None:
    if last > evidence.last_month:
        raise ValueError(f"the criterion closes in month {last} but the run ends in month "
                         f"{evidence.last_month}; simulate more months")


@dataclass(frozen=True)
class ActionCount(CompiledCriterion):
    """At least ``min_count`` events allowed by ``table`` in months ``[first, last]``."""

    table: np.ndarray  # (K, A, A) bool
    min_count: int
    first: int
    last: int

    def evaluate(self, evidence: Evidence) -> np.ndarray:
        """See :class:`CompiledCriterion`."""
        _require_month(evidence, self.last)
        counts = action_counts(evidence.future, evidence.month, evidence.key, self.table,
                               self.first, self.last, evidence.n_futures)
        return counts >= self.min_count


@dataclass(frozen=True)
class OutcomeBy(CompiledCriterion):
    """Binary outcome ``column`` first occurred by month ``last``."""

    column: int
    last: int

    def evaluate(self, evidence: Evidence) -> np.ndarray:
        """See :class:`CompiledCriterion`."""
        _require_month(evidence, self.last)
        if evidence.first_month is None:
            raise ValueError("the evidence holds no outcome records")
        return outcome_by(evidence.first_month[:, self.column], self.last)


@dataclass(frozen=True)
class StateThreshold(CompiledCriterion):
    """``variable[index] <op> value`` at the end of month ``month``."""

    variable: str
    index: tuple[int, ...]
    op: str
    value: float
    month: int

    def evaluate(self, evidence: Evidence) -> np.ndarray:
        """See :class:`CompiledCriterion`."""
        if evidence.state is None or evidence.last_month != self.month:
            raise ValueError(f"a state criterion needs the state at the end of month "
                             f"{self.month}, but the run ends in month {evidence.last_month}")
        values = getattr(evidence.state, self.variable)[(slice(None), *self.index)]
        return compare(values, self.op, self.value)

    def state_months(self) -> set[int]:
        """See :class:`CompiledCriterion`."""
        return {self.month}


@dataclass(frozen=True)
class Combination(CompiledCriterion):
    """``all`` (every part), ``any`` (some part) or ``not`` (the single part fails)."""

    kind: Literal["all", "any", "not"]
    parts: tuple[CompiledCriterion, ...] = field(default=())

    def evaluate(self, evidence: Evidence) -> np.ndarray:
        """See :class:`CompiledCriterion`."""
        values = [part.evaluate(evidence) for part in self.parts]
        if self.kind == "not":
            return ~values[0]
        reduce = np.logical_and if self.kind == "all" else np.logical_or
        return reduce.reduce(np.stack(values), axis=0)

    def state_months(self) -> set[int]:
        """See :class:`CompiledCriterion`."""
        return set().union(*(part.state_months() for part in self.parts))


# --------------------------------------------------------------------------- resolution


@dataclass(frozen=True)
class CriterionProblem:
    """A name in a criterion the scenario does not know; ``loc`` is relative to the criterion."""

    loc: tuple[str | int, ...]
    message: str


def _as_list(names: Names) -> list[str]:
    return [names] if isinstance(names, str) else list(names)


class _Resolver:
    def __init__(self, vocab: Vocabulary, last: int):
        self.vocab = vocab
        self.last = last
        self.problems: list[CriterionProblem] = []
        self.actor_index = {code: i for i, code in enumerate(vocab.actors)}

    def problem(self, loc: Sequence[str | int], message: str) -> None:
        self.problems.append(CriterionProblem(tuple(loc), message))

    def actors(self, codes: list[str] | None, loc: list[str | int]) -> list[int]:
        if codes is None:
            return list(range(len(self.vocab.actors)))
        found = []
        for i, code in enumerate(codes):
            if code in self.actor_index:
                found.append(self.actor_index[code])
            else:
                self.problem([*loc, i], f"unknown actor {code!r}; expected one of "
                                        f"{', '.join(self.vocab.actors)}")
        return found

    def action_mask(self, crit: ActionCriterion, loc: list[str | int]) -> np.ndarray:
        vocab = self.vocab
        mask = np.zeros(len(vocab.actions), dtype=bool)
        if crit.action is None and crit.cameo is None and crit.plover is None:
            mask[1:] = True  # attributes alone: every action but doing nothing
        elif crit.action is not None:
            name, wanted = "action", _as_list(crit.action)
            for i, action_id in enumerate(wanted):
                if action_id in vocab.actions and action_id != "do_nothing":
                    mask[vocab.actions.index(action_id)] = True
                else:
                    self.problem(self._at(loc, name, i, crit.action),
                                 f"unknown action {action_id!r}; expected one of "
                                 f"{', '.join(vocab.actions[1:])}")
        elif crit.cameo is not None:
            name, wanted = "cameo", _as_list(crit.cameo)
            for i, code in enumerate(wanted):
                hits = [k for k, c in enumerate(vocab.cameo)
                        if c is not None and c.startswith(code)]
                if not code.isdigit() or not hits:
                    carried = sorted({c for c in vocab.cameo if c is not None})
                    self.problem(self._at(loc, name, i, crit.cameo),
                                 f"no action of the scenario has CAMEO code {code!r} (or a "
                                 f"sub-code); the scenario's codes are {', '.join(carried)}")
                mask[hits] = True
        else:
            name, wanted = "plover", _as_list(crit.plover)  # type: ignore[arg-type]
            for i, plover in enumerate(wanted):
                hits = [k for k, p in enumerate(vocab.plover) if p is not None and p == plover]
                if plover not in plover_types():
                    self.problem(self._at(loc, name, i, crit.plover),
                                 f"unknown PLOVER type {plover!r}; expected one of "
                                 f"{', '.join(plover_types())}")
                elif not hits:
                    carried = sorted({p for p in vocab.plover if p is not None})
                    self.problem(self._at(loc, name, i, crit.plover),
                                 f"no action of the scenario has PLOVER type {plover!r}; its "
                                 f"types are {', '.join(carried)}")
                mask[hits] = True
        if crit.attributes:
            mask &= self.attribute_mask(crit.attributes, [*loc, "attributes"])
        return mask

    def attribute_mask(self, wanted: dict[str, Names], loc: list[str | int]) -> np.ndarray:
        """Actions whose attributes match every key (any of the listed values)."""
        table = self.vocab.attributes or [{} for _ in self.vocab.actions]
        mask = np.ones(len(table), dtype=bool)
        for key, values in wanted.items():
            allowed = set(_as_list(values))
            known = sorted({a[key] for a in table if key in a})
            if not known:
                keys = sorted({k for a in table for k in a})
                self.problem([*loc, key], f"no action of the scenario has attribute {key!r}; "
                                          f"its attributes are {', '.join(keys) or 'none'}")
            elif allowed - set(known):
                self.problem([*loc, key], f"no action has {key} {sorted(allowed - set(known))[0]!r}"
                                          f"; expected one of {', '.join(known)}")
            mask &= np.array([a.get(key) in allowed for a in table])
        return mask

    @staticmethod
    def _at(loc: list[str | int], name: str, i: int, given: Names | None) -> list[str | int]:
        return [*loc, name] if isinstance(given, str) else [*loc, name, i]

    def compile(self, crit: Criterion, loc: list[str | int]) -> CompiledCriterion:
        if isinstance(crit, ActionCriterion):
            n_a, n_k = len(self.vocab.actors), len(self.vocab.actions)
            actions = self.action_mask(crit, loc)
            sources = self.actors(crit.sources, [*loc, "sources"])
            targets = self.actors(crit.targets, [*loc, "targets"])
            pairs = np.zeros((n_a, n_a), dtype=bool)
            pairs[np.ix_(sources, targets)] = True
            np.fill_diagonal(pairs, False)
            table = actions[:, None, None] & pairs[None, :, :]
            inside = np.zeros((n_a, n_a), dtype=bool)  # a domestic act: source = target
            inside[sources, sources] = True
            for k in np.flatnonzero(actions & self.vocab.domestic_mask):
                table[k] = inside
            assert table.shape == (n_k, n_a, n_a)
            first = 0
            if crit.since is not None:
                first = month_index(self.vocab.start, crit.since)
                if first < 0 or first > self.last:
                    self.problem([*loc, "since"],
                                 f"'since' must lie between the scenario's start "
                                 f"({self.vocab.start}) and the closing month")
                    first = max(first, 0)
            return ActionCount(table=table, min_count=crit.min_count, first=first,
                               last=self.last)
        if isinstance(crit, OutcomeCriterion):
            columns = self.vocab.outcome_columns
            column = columns.get(crit.outcome)
            if crit.outcome not in columns:
                binary = [o for o, c in columns.items() if c is not None]
                self.problem([*loc, "outcome"], f"unknown outcome {crit.outcome!r}; expected "
                                                f"one of {', '.join(binary)}")
            elif column is None:
                self.problem([*loc, "outcome"], f"outcome {crit.outcome!r} is a number, not an "
                                                "event; a criterion can only ask whether an "
                                                "event occurred")
            return OutcomeBy(column=-1 if column is None else column, last=self.last)
        if isinstance(crit, StateCriterion):
            if crit.dyad is not None:
                index = tuple(self.actors(list(crit.dyad), [*loc, "dyad"]))
                if len(index) == 2 and index[0] == index[1]:
                    self.problem([*loc, "dyad"], "a dyad needs two different actors")
            else:
                code = crit.actor or ""
                index = (self.actor_index.get(code, 0),)
                if code not in self.actor_index:
                    self.problem([*loc, "actor"], f"unknown actor {code!r}; expected one of "
                                                  f"{', '.join(self.vocab.actors)}")
            return StateThreshold(variable=crit.variable, index=index, op=crit.op,
                                  value=crit.value, month=self.last)
        if isinstance(crit, NotCriterion):
            return Combination("not", (self.compile(crit.of, [*loc, "of"]),))
        assert isinstance(crit, AllCriterion | AnyCriterion)
        parts = tuple(self.compile(part, [*loc, "of", i]) for i, part in enumerate(crit.of))
        return Combination(crit.kind, parts)


def resolve(criterion: Criterion, vocab: Vocabulary,
            last: int) -> tuple[CompiledCriterion, list[CriterionProblem]]:
    """Resolve a criterion's names against a scenario for a question closing in month ``last``.

    Returns the compiled criterion and every problem found (unknown actors, actions, CAMEO
    codes, PLOVER types or outcomes); the compiled criterion is only usable if there are none.
    """
    resolver = _Resolver(vocab, last)
    compiled = resolver.compile(criterion, [])
    return compiled, resolver.problems
