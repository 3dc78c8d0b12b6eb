"""What a scenario is: actors, dyads, the action catalogue, dated events, claims and outcomes.

Every class here is a pydantic schema for one part of a scenario file. They hold data only:
how a scenario is read from disk is in :mod:`peninsula.scenario.loading`, how it becomes arrays
for the engine in :mod:`peninsula.scenario.compiled`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from peninsula.scenario.uncertainty import Lever, Uncertainty

OBJECTIVES: tuple[str, ...] = (
    "security",
    "regime_survival",
    "influence",
    "economy",
    "alliance_credibility",
    "war_aversion",
)
"""Objective names an actor can weigh; ``war_aversion`` weighs the cost of escalating."""

ActorCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="CAMEO / ISO-3 actor code")]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Rung = Annotated[int, Field(ge=0, le=9)]


class Strict(BaseModel):
    """Base for every schema: unknown fields are errors, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Capabilities(Strict):
    """What an actor can bring to bear, on normalised scales (USA military = 1)."""

    military: NonNegative
    nuclear: NonNegative = 0.0
    economic: NonNegative = 0.0
    second_strike: Probability = 0.0
    committed_elsewhere: Probability = 0.0


class Objectives(Strict):
    """Weights an actor puts on each objective (non-negative, any scale)."""

    security: NonNegative = 1.0
    regime_survival: NonNegative = 0.0
    influence: NonNegative = 0.0
    economy: NonNegative = 0.0
    alliance_credibility: NonNegative = 0.0
    war_aversion: NonNegative = 1.0


class Actor(Strict):
    """A state (or bloc) that chooses an action toward every other actor each month."""

    code: ActorCode
    name: str
    capabilities: Capabilities
    objectives: Objectives = Objectives()
    risk_attitude: Probability = 0.0
    rationality: Annotated[float, Field(gt=0.0)] = 1.0
    arms_reactivity: NonNegative = 0.0
    arms_fatigue: NonNegative = 0.0
    arms_grievance: float = 0.0
    rationale: dict[str, str] = {}


class Dyad(Strict):
    """Starting state of the relationship from ``source`` toward ``target``.

    ``relation`` is shared by both sides (it is the average of what each did to the other);
    ``commitment``, ``dependence`` and ``hostile`` are directed unless ``mutual`` is true.
    """

    source: ActorCode
    target: ActorCode
    relation: Annotated[float, Field(ge=-10.0, le=10.0)] | None = None
    commitment: Probability = 0.0
    dependence: Probability = 0.0
    hostile: bool = False
    military_ties: bool = True
    mutual: bool = False
    rationale: str | None = None


class ActorDelta(Strict):
    """A change applied to the acting side, the target side, or both."""

    source: float = 0.0
    target: float = 0.0


class Preconditions(Strict):
    """When an (action, target) is admissible. All conditions must hold."""

    sources: list[ActorCode] | None = None
    targets: list[ActorCode] | None = None
    blocked_by_hostile_designation: bool = False
    min_relation: Annotated[float, Field(ge=-10.0, le=10.0)] | None = None
    max_relation: Annotated[float, Field(ge=-10.0, le=10.0)] | None = None
    min_rung: Rung | None = None
    ladder: bool = True
    min_nuclear: NonNegative | None = None
    min_commitment_from_target: Probability | None = None
    max_commitment: Probability | None = None
    min_commitment_between: Probability | None = None
    source_in_crisis_rung: Rung | None = None
    target_in_crisis_rung: Rung | None = None
    ally_in_conflict_rung: Rung | None = None
    ally_min_commitment: Probability = 0.2
    once_per_pair: bool = False
    requires_prior: list[Identifier] = []


class Effects(Strict):
    """What taking the action does to the state, besides its Goldstein value and rung."""

    arms: ActorDelta = ActorDelta()
    nuclear: ActorDelta = ActorDelta()
    commitment: float = 0.0
    dependence: float = 0.0
    technology_transfer: Probability = 0.0
    deescalate_target: NonNegative = 0.0
    request_support: bool = False


class Action(Strict):
    """One entry of the action catalogue.

    The CAMEO code (a string) is the single source of the action's Goldstein value and PLOVER
    type; both are looked up in the shipped reference tables, never typed in by hand.
    """

    id: Identifier
    label: str
    cameo: Annotated[str, Field(pattern=r"^\d{2,4}$")] | None
    rung: Rung
    enabled: bool = True
    talks: bool = False
    military_cooperation: bool = False
    value: dict[str, float] = {}
    cost: NonNegative = 0.0
    dependence_cost: NonNegative = 0.0
    relieves_commitment_elsewhere: NonNegative = 0.0
    answers_request: bool = False
    defends_ally: bool = False
    preconditions: Preconditions = Preconditions()
    effects: Effects = Effects()
    rationale: str | None = None

    @field_validator("value")
    @classmethod
    def _known_objectives(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(OBJECTIVES))
        if unknown:
            raise ValueError(f"unknown objective {unknown[0]!r}; expected one of {OBJECTIVES}")
        return value


class Unlock(Strict):
    """An (action, source, target) locked until an exogenous event.

    Once the event has happened, ``salience`` is added to the option's utility: the event puts
    it on the agenda.
    """

    action: Identifier
    source: ActorCode
    target: ActorCode
    salience: float = 0.0


class ExogenousEvent(Strict):
    """A dated event outside the actors' choices (an election, a summit agenda)."""

    id: Identifier
    month: Month
    label: str
    happens: bool = True
    unlocks: list[Unlock] = []
    source: str | None = None


class Claim(Strict):
    """A claim of the seed analysis, its quote, and the overrides that switch it off."""

    id: Annotated[str, Field(pattern=r"^[A-Z][A-Za-z0-9_]*$")]
    title: str
    source: str
    model: str
    when_off: dict[str, bool | int | float | str | None]

    @field_validator("when_off")
    @classmethod
    def _not_empty(cls, value: dict) -> dict:
        if not value:
            raise ValueError("a claim must say what switching it off changes")
        return value


class Outcome(Strict):
    """A predicate over one simulated future.

    ``action``: the action occurred at least ``min_count`` times between the listed actors.
    ``rung``: some listed pair reached ``min_rung``. ``arms_growth``: a number, the relative
    growth of the listed actors' summed arms levels over the run.
    """

    id: Identifier
    label: str
    kind: Literal["action", "rung", "arms_growth"]
    action: Identifier | None = None
    sources: list[ActorCode] | None = None
    targets: list[ActorCode] | None = None
    min_count: Annotated[int, Field(ge=1)] = 1
    pairs: list[tuple[ActorCode, ActorCode]] | None = None
    min_rung: Rung | None = None
    actors: list[ActorCode] | None = None
    source: str | None = None


class Dynamics(Strict):
    """Coefficients of the turn loop shared by all actors (see the README's model page)."""

    relation_memory: Annotated[float, Field(gt=0.0, le=0.5)] = 0.15
    relation_reversion: Annotated[float, Field(ge=0.0, le=0.5)] = 0.0
    rung_decay: NonNegative = 0.5
    max_rung_step: Annotated[int, Field(ge=1, le=9)] = 2
    free_rung: Rung = 4
    hostility_bias: NonNegative = 3.0
    affinity: NonNegative = 1.0
    effort: NonNegative = 0.0
    reciprocity: NonNegative = 0.0
    response_weight: NonNegative = 1.0
    escalation_weight: NonNegative = 1.0
    escalation_exponent: Annotated[float, Field(ge=1.0, le=6.0)] = 2.0
    nuclear_weight: NonNegative = 1.0
    deterrence_weight: NonNegative = 1.0
    arms_rate: NonNegative = 0.05
    credibility_weight: NonNegative = 1.0
    rationale: dict[str, str] = {}


class Shocks(Strict):
    """Random accidents and misperceptions: symmetric, as likely to calm as to inflame."""

    enabled: bool = True
    probability: Probability = 0.02
    magnitude: NonNegative = 1.5


class Scenario(Strict):
    """A complete scenario: the system, its dynamics and what to measure."""

    name: Identifier | Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]
    title: str
    description: str = ""
    provenance: str | None = None
    start: Month
    horizon_months: Annotated[int, Field(ge=1, le=240)] = 24
    goldstein_table: Literal["gdelt", "icews"] = "gdelt"
    actors: list[Actor] = Field(min_length=2)
    dyads: list[Dyad] = []
    actions: list[Action] = Field(min_length=2)
    events: list[ExogenousEvent] = []
    claims: list[Claim] = []
    outcomes: list[Outcome] = Field(min_length=1)
    overrides: dict[str, bool | int | float | str | list[str] | None] = {}
    dynamics: Dynamics = Dynamics()
    shocks: Shocks = Shocks()
    uncertainties: list[Uncertainty] = []
    levers: list[Lever] = []

    @property
    def actor_codes(self) -> list[str]:
        """Actor codes in the order of the engine's arrays."""
        return [actor.code for actor in self.actors]

    @property
    def action_ids(self) -> list[str]:
        """Action ids in the order of the engine's arrays (``do_nothing`` first)."""
        return [action.id for action in self.actions]


def month_index(start: str, month: str) -> int:
    """Number of months from ``start`` to ``month`` (both ``YYYY-MM``)."""
    y0, m0 = (int(part) for part in start.split("-"))
    y1, m1 = (int(part) for part in month.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


def month_label(start: str, offset: int) -> str:
    """The ``YYYY-MM`` label ``offset`` months after ``start``."""
    y0, m0 = (int(part) for part in start.split("-"))
    total = y0 * 12 + (m0 - 1) + offset
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


_WORD = re.compile(r"\s+")


def normalise_quote(text: str) -> str:
    """Collapse whitespace so quotes can be compared with the seed text."""
    return _WORD.sub(" ", text).strip()
