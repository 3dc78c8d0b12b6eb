"""What a scenario is: actors, dyads, the action catalogue, dated events, claims and outcomes.

Every class here is a pydantic schema for one part of a scenario file. They hold data only:
how a scenario is read from disk is in :mod:`peninsula.scenario.loading`, how it becomes arrays
for the engine in :mod:`peninsula.engine.compiled`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from peninsula.scenario.uncertainty import Lever, Strict, Uncertainty

OBJECTIVES: tuple[str, ...] = (
    "security",
    "regime_survival",
    "influence",
    "economy",
    "alliance_credibility",
    "war_aversion",
)
"""Objective names an actor can weigh; ``war_aversion`` weighs the cost of escalating."""

RUNG_LEGEND = "0 talk ... 4 show of force, 5 grey zone or nuclear test, 6 clash, 8 war, 9 nuclear"
"""The escalation rungs in words, as the standard catalogue uses them (for tables and charts)."""

ActorCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="CAMEO / ISO-3 actor code")]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
MAX_CAPABILITY = 100.0
"""Largest capability (military, nuclear, economic) a scenario may state: the scales are
normalised to USA military = 1."""
MAX_WEIGHT = 100.0
"""Largest weight, cost or coefficient a scenario may state (the shipped ones are below 10)."""
MAX_SHIFT = 100.0
"""Largest absolute change an action may make to arms or nuclear levels, or value it gives."""
MAX_COUNT = 1_000_000
"""Largest ``min_count`` of an outcome."""
MAX_NAME = 64
"""Longest scenario ``name`` (it names output folders)."""

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0, le=MAX_WEIGHT)]
Capability = Annotated[float, Field(ge=0.0, le=MAX_CAPABILITY)]
Shift = Annotated[float, Field(ge=-MAX_SHIFT, le=MAX_SHIFT)]
Relation = Annotated[float, Field(ge=-10.0, le=10.0)]
Rung = Annotated[int, Field(ge=0, le=9)]


class Capabilities(Strict):
    """What an actor can bring to bear, on normalised scales (USA military = 1)."""

    military: Capability = Field(
        description="Starting conventional arms level (USA = 1); arms then follow Richardson "
        "dynamics and action effects.")
    nuclear: Capability = Field(
        0.0, description="Starting nuclear capability, on the same scale; 0 means none.")
    economic: Capability = Field(
        0.0, description="Economic weight, on a normalised scale; descriptive, the engine does "
        "not read it.")
    second_strike: Probability = Field(
        0.0, description="Survivability of the nuclear force: the deterrent is nuclear x "
        "(f + (1 - f) x second_strike), f = dynamics.second_strike_floor.")
    committed_elsewhere: Probability = Field(
        0.0, description="Share of forces tied down outside the scenario: lowers usable strength "
        "and makes actions that relieve it valuable.")


class Objectives(Strict):
    """Weights an actor puts on each objective (non-negative, any scale)."""

    security: NonNegative = Field(
        1.0, description="Weight of security: action values, the expected answer of the target "
        "and relief of forces committed elsewhere.")
    regime_survival: NonNegative = Field(
        0.0, description="Weight of regime survival (enters through action values).")
    influence: NonNegative = Field(
        0.0, description="Weight of influence (enters through action values).")
    economy: NonNegative = Field(
        0.0, description="Weight of the economy: action values, action costs and the cost of "
        "hurting a partner one depends on.")
    alliance_credibility: NonNegative = Field(
        0.0, description="Weight of being a credible ally: answering requests for support and "
        "defending allies.")
    war_aversion: NonNegative = Field(
        1.0, description="Weight of the cost of climbing the escalation ladder.")


def _known_objectives(value: dict[str, float]) -> dict[str, float]:
    """Refuse objective names the engine does not know (action values, election candidates)."""
    unknown = sorted(set(value) - set(OBJECTIVES))
    if unknown:
        raise ValueError(f"unknown objective {unknown[0]!r}; expected one of {OBJECTIVES}")
    return value


class Theatre(Strict):
    """A war outside the scenario that ties down a share of the actor's forces.

    It has its own tempo: the share wanders each month, pulled back toward its mean.
    """

    name: str = Field(description="Display name (e.g. the war in Ukraine).")
    mean: Probability = Field(description="Long-run share of the actor's forces tied down.")
    reversion: Probability = Field(
        0.1, description="Monthly pull of the share back toward its mean.")
    volatility: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        0.05, description="Largest monthly random change of the share (uniform, up or down).")
    low: Probability = Field(0.0, description="Smallest share the theatre can tie down.")
    high: Probability = Field(1.0, description="Largest share the theatre can tie down.")
    source: str | None = Field(None, description="Where the judgement comes from.")

    @model_validator(mode="after")
    def _ordered(self) -> Theatre:
        if not self.low <= self.mean <= self.high:
            raise ValueError(f"expected low <= mean <= high, got {self.low} <= {self.mean} <= "
                             f"{self.high}")
        return self


class Actor(Strict):
    """A state (or bloc) that chooses an action toward every other actor each month."""

    code: ActorCode = Field(
        description="Three-letter CAMEO / ISO-3 code (e.g. PRK); the actor's id everywhere.")
    name: str = Field(max_length=200, description="Display name.")
    capabilities: Capabilities = Field(description="What the actor can bring to bear.")
    objectives: Objectives = Field(
        Objectives(), description="How much the actor weighs each objective.")
    risk_attitude: Probability = Field(
        0.0, description="Risk acceptance: discounts the escalation cost by (1 - risk_attitude).")
    rationality: Annotated[float, Field(gt=0.0, le=MAX_WEIGHT)] = Field(
        1.0, description="Precision of the logit choice: higher picks the best option more "
        "often, lower chooses more at random.")
    arms_reactivity: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.0, description="Richardson reactivity: arms growth per unit of threat perceived from "
        "hostile actors' strength.")
    arms_fatigue: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.0, description="Richardson fatigue: arms decline in proportion to their level.")
    arms_grievance: Annotated[float, Field(ge=-10.0, le=10.0)] = Field(
        0.0, description="Richardson grievance: a standing drive to arm (negative: to disarm).")
    theatre: Theatre | None = Field(
        None, description="A war elsewhere whose tempo moves capabilities.committed_elsewhere "
        "(the starting share) month by month; unset: the share stays constant.")
    instability: Probability = Field(
        0.0, description="Monthly chance of a domestic political crisis (an impeachment, a "
        "declaration of martial law, a coup attempt), recorded as the catalogue's domestic "
        "action with the actor as source and target; it changes nothing else in v2.")
    rationale: dict[str, str] = Field(
        {}, description="Why the values were chosen: field path (e.g. capabilities.nuclear) to "
        "a one-line reason.")


class Dyad(Strict):
    """Starting state of the relationship from ``source`` toward ``target``.

    ``relation`` is shared by both sides (it is the average of what each did to the other);
    ``commitment``, ``dependence`` and ``hostile`` are directed unless ``mutual`` is true.
    """

    source: ActorCode = Field(description="Actor code of the side the directed values belong to.")
    target: ActorCode = Field(description="Actor code of the other side.")
    relation: Relation | None = Field(
        None, description="Starting relation on the Goldstein scale (-10 hostile to +10 "
        "friendly), shared by both sides; unset: 0 unless the reverse dyad gives it.")
    commitment: Probability = Field(
        0.0, description="Source's obligation to defend the target (0 none, 1 full alliance).")
    dependence: Probability = Field(
        0.0, description="Source's economic dependence on the target: hurting it costs the "
        "source.")
    hostile: bool = Field(
        False, description="Source designates the target a hostile state: its perceived relation "
        "is lowered by dynamics.hostility_bias and some actions are blocked.")
    military_ties: bool = Field(
        True, description="False: no military-cooperation action between the two, either way.")
    mutual: bool = Field(
        False, description="Apply commitment, dependence and hostile in both directions.")
    rationale: str | None = Field(None, description="Why the values were chosen.")


class ActorDelta(Strict):
    """A change applied to the acting side, the target side, or both."""

    source: Shift = Field(0.0, description="Change to the acting side.")
    target: Shift = Field(0.0, description="Change to the target side.")


class Preconditions(Strict):
    """When an (action, target) is admissible. All conditions must hold."""

    sources: list[ActorCode] | None = Field(
        None, description="Only these actors may take the action (unset: any).")
    targets: list[ActorCode] | None = Field(
        None, description="The action may be taken only toward these actors (unset: any).")
    blocked_by_hostile_designation: bool = Field(
        False, description="Not allowed toward a target the source designates hostile.")
    min_relation: Relation | None = Field(
        None, description="Lowest relation at which the action is allowed.")
    max_relation: Relation | None = Field(
        None, description="Highest relation at which the action is allowed.")
    min_rung: Rung | None = Field(
        None, description="The dyad must already be at this escalation rung or above.")
    ladder: bool = Field(
        True, description="Subject to the escalation ladder: the action's rung may be at most "
        "dynamics.max_rung_step above the dyad's rung (or up to dynamics.free_rung).")
    min_nuclear: Capability | None = Field(
        None, description="The source needs at least this nuclear capability.")
    min_commitment_from_target: Probability | None = Field(
        None, description="The target's commitment to the source must be at least this.")
    max_commitment: Probability | None = Field(
        None, description="Neither side's commitment to the other may exceed this.")
    min_commitment_between: Probability | None = Field(
        None, description="The stronger of the two commitments must be at least this.")
    source_in_crisis_rung: Rung | None = Field(
        None, description="The source must be at this rung or above with some actor.")
    target_in_crisis_rung: Rung | None = Field(
        None, description="The target must be at this rung or above with some actor.")
    ally_in_conflict_rung: Rung | None = Field(
        None, description="An ally of the source must be at this rung or above with the target.")
    ally_min_commitment: Probability = Field(
        0.2, description="The source's commitment that makes an actor an ally, for "
        "ally_in_conflict_rung.")
    once_per_pair: bool = Field(
        False, description="At most once per pair of actors (either direction) in a future.")
    needs_unlock: bool = Field(
        False, description="The action exists only where a dated event unlocks it (a vote, a "
        "visit): every (source, target) no event names is ruled out.")
    cooldown_months: Annotated[int, Field(ge=1, le=240)] | None = Field(
        None, description="After the action is taken in a pair (either direction), it may be "
        "taken again in that pair only this many months later (1: every month).")
    cooldown_scope: Literal["pair", "source"] = Field(
        "pair", description="What the cooldown (or once_per_pair) counts from: its last use in "
        "this pair, by either side (`pair`), or the source's own last use toward anyone "
        "(`source`: a weapons programme that needs time to be ready again after a test, "
        "whatever its audience; with once_per_pair, once per source).")

    @model_validator(mode="after")
    def _scoped(self) -> Preconditions:
        if self.cooldown_scope == "source" and not (self.cooldown_months or self.once_per_pair):
            raise ValueError("cooldown_scope: source needs cooldown_months or once_per_pair "
                             "(it says what they count from)")
        return self
    requires_prior: list[Identifier] = Field(
        [], description="Action ids that must have been taken in the pair (either direction) "
        "before.")


class Pause(Strict):
    """A moratorium: taking the action rules out others for its source for a while."""

    actions: Annotated[list[Identifier], Field(min_length=1)] = Field(
        description="Action ids the source itself may not take, toward anyone, while the pause "
        "lasts (another actor's declaration does not bind it).")
    months: Annotated[int, Field(ge=2, le=240)] = Field(
        description="How long the pause lasts, the month the action is taken included: with "
        "12, the listed actions are ruled out in the 11 months after it. In that month itself "
        "the source's choices toward other targets are made at the same time and not paused.")


class Effects(Strict):
    """What taking the action does to the state, besides its Goldstein value and rung."""

    arms: ActorDelta = Field(
        ActorDelta(), description="Change to the arms level of the source and of the target.")
    nuclear: ActorDelta = Field(
        ActorDelta(), description="Change to the nuclear capability of the source and of the "
        "target.")
    commitment: Annotated[float, Field(ge=-1.0, le=1.0)] = Field(
        0.0, description="Added to both sides' commitment to each other (clipped to 0..1).")
    dependence: Annotated[float, Field(ge=-1.0, le=1.0)] = Field(
        0.0, description="Added to both sides' dependence on each other (clipped to 0..1).")
    technology_transfer: Probability = Field(
        0.0, description="Share of the nuclear gap between the two that the side behind closes.")
    relieve_target: Probability = Field(
        0.0, description="Lowers the share of the target's forces tied down elsewhere (forces "
        "sent to fight in its war).")
    deescalate_target: Annotated[float, Field(ge=0.0, le=9.0)] = Field(
        0.0, description="Extra rung decay, next month, of every dyad of the target "
        "(mediation).")
    request_support: bool = Field(
        False, description="The target is asked for support: next month it gains from "
        "answering, in proportion to its commitment.")


class Action(Strict):
    """One entry of the action catalogue.

    The CAMEO code (a string) is the single source of the action's Goldstein value and PLOVER
    type; both are looked up in the shipped reference tables, never typed in by hand.
    """

    id: Identifier = Field(
        description="Identifier; a scenario action with a catalogue action's id replaces it.")
    label: str = Field(description="Display name.")
    cameo: Annotated[str, Field(pattern=r"^\d{2,4}$")] | None = Field(
        description="CAMEO event code as a string (e.g. '042'); its Goldstein value is looked "
        "up. null only for do_nothing.")
    rung: Rung = Field(
        description="Escalation rung the dyad reaches when the action is taken (0 cooperation "
        "... 9 nuclear use).")
    enabled: bool = Field(True, description="False: no actor may take the action.")
    talks: bool = Field(
        False, description="Marks a diplomatic-talks action; descriptive, the engine does not "
        "read it.")
    military_cooperation: bool = Field(
        False, description="Needs military ties between the two (see dyads' military_ties).")
    value: Annotated[dict[str, Shift], AfterValidator(_known_objectives)] = Field(
        {}, description="Direct payoff per use to each objective (objective name to value), "
        "weighted by the actor's objectives.")
    cost: NonNegative = Field(0.0, description="Cost per use, weighted by the economy objective.")
    dependence_cost: NonNegative = Field(
        0.0, description="Cost per use, weighted by economy and by the source's dependence on "
        "the target.")
    patron_cost: NonNegative = Field(
        0.0, description="Cost per use, weighted by economy and by the source's summed "
        "dependence on all others: what patrons and partners do about the act.")
    attributes: dict[Identifier, Identifier] = Field(
        {}, description="Descriptive attributes that outcomes and forecast criteria can select "
        "on (e.g. class: intercontinental, level: leaders, venue: target_capital).")
    relieves_commitment_elsewhere: NonNegative = Field(
        0.0, description="Gain per use, weighted by security and by the share of forces "
        "committed elsewhere.")
    answers_request: bool = Field(
        False, description="Answers an ally's request for support: gains alliance credibility "
        "when the target has asked.")
    defends_ally: bool = Field(
        False, description="Defends an ally: gains alliance credibility in proportion to how "
        "embattled with the target the source's allies are.")
    preconditions: Preconditions = Field(
        Preconditions(), description="When the action is admissible.")
    effects: Effects = Field(Effects(), description="What the action does to the state.")
    pauses: Pause | None = Field(
        None, description="A declared moratorium: the listed actions are ruled out for the "
        "source itself, toward anyone, for some months after it takes this one.")
    domestic: bool = Field(
        False, description="An event inside the source that no actor chooses: recorded when a "
        "random domestic crisis strikes an actor with instability (source = target). At most "
        "one action may be domestic.")
    rationale: str | None = Field(None, description="Why the action is defined this way.")


class Unlock(Strict):
    """An (action, source, target) locked until an exogenous event.

    Once the event has happened, ``salience`` is added to the option's utility: the event puts
    it on the agenda.
    """

    action: Identifier = Field(description="Id of the action that is locked until the event.")
    source: ActorCode = Field(description="Actor that may take it once unlocked.")
    target: ActorCode = Field(description="Actor it may be taken toward once unlocked.")
    salience: Shift = Field(
        0.0, description="Utility added to the option once the event has happened.")
    months: Annotated[int, Field(ge=1, le=240)] | None = Field(
        None, description="The option stays open only this many months from the event's month "
        "(a vote, a visit window); unset: open to the end of the run.")


class ExogenousEvent(Strict):
    """A dated event outside the actors' choices (an election, a summit agenda)."""

    id: Identifier = Field(description="Identifier (used in overrides: events.ID.happens).")
    month: Month = Field(description="Month the event happens (YYYY-MM).")
    label: str = Field(description="Display name.")
    happens: bool = Field(
        True, description="False: the event does not happen and what it unlocks stays locked.")
    unlocks: list[Unlock] = Field([], description="Options the event unlocks.")
    source: str | None = Field(None, description="Where the event comes from (a citation).")


class Candidate(Strict):
    """One possible winner of an election and how the actor's preferences change if it wins."""

    id: Identifier = Field(description="Identifier (used by outcomes of kind election).")
    label: str = Field(description="Display name.")
    probability: Probability = Field(
        description="Chance of winning as seen at the scenario's start; an election's "
        "candidates sum to 1.")
    objectives: Annotated[dict[Identifier, NonNegative], AfterValidator(_known_objectives)] = Field(
        {}, description="Objective weights of the actor from the month the winner takes office "
        "(objective name to weight; unset objectives keep their values).")
    risk_attitude: Probability | None = Field(
        None, description="The actor's risk attitude under this winner (unset: unchanged).")
    rationality: Annotated[float, Field(gt=0.0, le=MAX_WEIGHT)] | None = Field(
        None, description="The actor's rationality under this winner (unset: unchanged).")
    rationale: str | None = Field(None, description="Why the values were chosen.")


class Election(Strict):
    """A scheduled election: from ``month`` the winner, drawn per future, sets the actor's aims."""

    id: Identifier = Field(description="Identifier (used by outcomes of kind election).")
    actor: ActorCode = Field(description="The actor whose leader is chosen.")
    month: Month = Field(
        description="Month the winner takes office (YYYY-MM), on or after the scenario's start.")
    label: str = Field(description="Display name.")
    candidates: Annotated[list[Candidate], Field(min_length=2)] = Field(
        description="The possible winners, with probabilities summing to 1.")
    source: str | None = Field(None, description="Where the schedule comes from (a citation).")


class Claim(Strict):
    """A claim of the seed analysis, its quote, and the overrides that switch it off."""

    id: Annotated[str, Field(pattern=r"^[A-Z][A-Za-z0-9_]*$")] = Field(
        description="Identifier starting with a capital (e.g. S1); names the claim in runs.")
    title: str = Field(description="The claim in one line.")
    source: str = Field(description="The quote from the seed analysis the claim rests on.")
    model: str = Field(description="How the scenario represents the claim.")
    when_off: dict[str, bool | int | float | str | None] = Field(
        description="Overrides (dotted path to value) that switch the claim off; not empty.")

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

    id: Identifier = Field(description="Identifier, used to name the outcome in analyses.")
    label: str = Field(description="Display name.")
    kind: Literal["action", "rung", "arms_growth", "election"] = Field(
        description="action: an action occurred; rung: a pair reached a rung; arms_growth: "
        "relative growth of summed arms (a number); election: a candidate won an election "
        "(occurs in the month the winner takes office).")
    action: Identifier | None = Field(None, description="The action counted (kind action).")
    sources: list[ActorCode] | None = Field(
        None, description="Acting sides counted (kind action; unset: any).")
    targets: list[ActorCode] | None = Field(
        None, description="Target sides counted (kind action; unset: any).")
    min_count: Annotated[int, Field(ge=1, le=MAX_COUNT)] = Field(
        1, description="Occurrences needed (kind action).")
    pairs: list[tuple[ActorCode, ActorCode]] | None = Field(
        None, description="Pairs watched, either order (kind rung; required).")
    min_rung: Rung | None = Field(
        None, description="Rung a watched pair must reach (kind rung; required).")
    actors: list[ActorCode] | None = Field(
        None, description="Actors whose arms are summed (kind arms_growth; unset: all).")
    election: Identifier | None = Field(None, description="The election (kind election).")
    candidate: Identifier | None = Field(
        None, description="The winning candidate counted (kind election).")
    source: str | None = Field(None, description="Where the outcome comes from (a citation).")


class Dynamics(Strict):
    """Coefficients of the turn loop shared by all actors (see the README's model page)."""

    relation_memory: Annotated[float, Field(gt=0.0, le=0.5)] = Field(
        0.15, description="How far a month's actions move the relation toward their Goldstein "
        "values.")
    relation_reversion: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        0.0, description="Monthly pull of the relation back toward its starting value.")
    rung_decay: Annotated[float, Field(ge=0.0, le=9.0)] = Field(
        0.5, description="Rungs a dyad's escalation falls per month without new acts.")
    max_rung_step: Annotated[int, Field(ge=1, le=9)] = Field(
        2, description="Most rungs an action may climb above the dyad's rung (ladder "
        "precondition).")
    free_rung: Rung = Field(
        4, description="Actions up to this rung are allowed from any rung.")
    hostility_bias: Annotated[float, Field(ge=0.0, le=20.0)] = Field(
        3.0, description="How far a hostile designation lowers the perceived relation.")
    affinity: NonNegative = Field(
        1.0, description="Weight of acting in line with the relation (cooperate with friends, "
        "confront adversaries).")
    effort: NonNegative = Field(
        0.0, description="Utility cost of any action besides doing nothing.")
    reciprocity: NonNegative = Field(
        0.0, description="Weight of answering in kind what the target did last month.")
    response_weight: NonNegative = Field(
        1.0, description="Weight of the expected answer of the target and its allies to a "
        "hostile act.")
    escalation_weight: NonNegative = Field(
        1.0, description="Weight of the cost of climbing the escalation ladder.")
    escalation_exponent: Annotated[float, Field(ge=1.0, le=6.0)] = Field(
        2.0, description="Convexity of the ladder: rung r costs (r / 9) ** exponent.")
    nuclear_weight: NonNegative = Field(
        1.0, description="Weight of the nuclear deterrent in an actor's strength.")
    deterrence_weight: NonNegative = Field(
        1.0, description="How much the target side's nuclear deterrent raises the escalation "
        "cost.")
    arms_rate: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.05, description="Step size of the monthly Richardson arms update.")
    credibility_weight: NonNegative = Field(
        1.0, description="Weight of answering allies' requests and defending allies.")
    tone_cap: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        10.0, description="Largest Goldstein magnitude the relation and reciprocity terms "
        "reward: beyond it, a harsher act expresses no more hostility (or friendship), so its "
        "own costs and the expected reply decide.")
    reply_restraint: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.0, description="How much an actor's war aversion (discounted by its risk attitude) "
        "damps the reply others expect from it: resolve = 1 / (1 + reply_restraint x "
        "war_aversion x (1 - risk_attitude)).")
    second_strike_floor: Probability = Field(
        0.5, description="Share of a nuclear force that deters even without a survivable "
        "second strike.")
    alliance_threshold: Probability = Field(
        0.2, description="Commitment from which an ally's war is one's own: an act that "
        "defends an ally climbs from the rung of the ally's war with the target, not from one's "
        "own (calm) pair.")
    request_weight: NonNegative = Field(
        1.0, description="How much a pending request for support raises an ally's need: need = "
        "commitment x (1 + request_weight x asked) x rung / 9.")
    rationale: dict[str, str] = Field(
        {}, description="Why the values were chosen: field name to a one-line reason.")


class Shocks(Strict):
    """Random accidents and misperceptions: symmetric, as likely to calm as to inflame."""

    enabled: bool = Field(True, description="False: no shocks.")
    probability: Probability = Field(
        0.02, description="Chance per pair and month that the relation jumps.")
    magnitude: Annotated[float, Field(ge=0.0, le=20.0)] = Field(
        1.5, description="Size of the jump, up or down with equal chance (Goldstein points).")


FIT_FOLDER = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$"
"""A scenario's ``fit:``: a relative folder path that cannot climb out (no part starts with '.')."""


class Scenario(Strict):
    """A complete scenario: the system, its dynamics and what to measure."""

    name: (Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=MAX_NAME)]
           | Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=MAX_NAME)]) = Field(
        description="Short name: lower case, digits, '_' and '-', starting with a letter; at "
        "most 64 characters.")
    title: str = Field(description="One-line title.")
    description: str = Field("", description="A paragraph on what the scenario is about.")
    provenance: str | None = Field(
        None, description="Where the scenario comes from (a source document).")
    start: Month = Field(description="First simulated month (YYYY-MM).")
    horizon_months: Annotated[int, Field(ge=1, le=240)] = Field(
        24, description="Months simulated.")
    goldstein_table: Literal["gdelt", "icews"] = Field(
        "gdelt", description="Table that gives each CAMEO code its Goldstein value.")
    actors: list[Actor] = Field(
        min_length=2, description="The actors; their order is the order of the engine's arrays.")
    dyads: list[Dyad] = Field(
        [], description="Starting relationships; pairs not listed start neutral (all zero).")
    actions: list[Action] = Field(
        min_length=2, description="The action catalogue, do_nothing first; with a catalogue, "
        "the file's actions are merged into it by id.")
    events: list[ExogenousEvent] = Field([], description="Dated exogenous events.")
    elections: list[Election] = Field(
        [], description="Scheduled elections whose winners, drawn per future, change an "
        "actor's objectives from the month they take office.")
    claims: list[Claim] = Field(
        [], description="Claims of the seed analysis and how to switch each off.")
    outcomes: list[Outcome] = Field(min_length=1, description="What to measure in each future.")
    default_outcome: Identifier | None = Field(
        None, description="The outcome analyses focus on when none is named (default: the "
        "first outcome).")
    overrides: dict[str, bool | int | float | str | list[str] | None] = Field(
        {}, description="Dotted path to value, applied to the file before validation (e.g. "
        "actions.nuclear_test.preconditions.sources).")
    dynamics: Dynamics = Field(Dynamics(), description="Coefficients of the turn loop.")
    shocks: Shocks = Field(Shocks(), description="Random accidents and misperceptions.")
    uncertainties: list[Uncertainty] = Field(
        [], description="Parameters not known, as ranges, for exploration.")
    levers: list[Lever] = Field([], description="Policy choices among options, for exploration.")
    fit: Annotated[str, Field(max_length=200, pattern=FIT_FOLDER)] | None = Field(
        None, description="A folder written by `peninsula fit`, beside the scenario file (a "
        "relative path of letters, digits, '_', '.' and '-', no part starting with a dot) or a "
        "built-in fit's name: explorations draw the uncertainties it fitted from its posterior "
        "by default (`explore --prior`: the declared ranges).")

    @property
    def actor_codes(self) -> list[str]:
        """Actor codes in the order of the engine's arrays."""
        return [actor.code for actor in self.actors]

    @property
    def primary_outcome(self) -> str:
        """The outcome to analyse when the user names none."""
        return self.default_outcome or self.outcomes[0].id

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
