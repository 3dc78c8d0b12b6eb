"""The prompt an agent reads: briefing, the state in plain words, and the admissible options.

Everything in it comes from the scenario and the engine's state: the actor's objectives (those
of the leader in office in this future), the scenario's claims about it with their source
quotes, relations, rungs, commitments, what every actor did last month, the date and the
scheduled events ahead, then the options the engine allows toward each target, each with its
id, what it does and its escalation rung. The answer asked for is one JSON object
(:mod:`peninsula.agents.answers`).
"""

from __future__ import annotations

import json

from peninsula.agents.situation import Situation
from peninsula.engine.compiled import CompiledScenario
from peninsula.scenario.model import OBJECTIVES, Action, Claim, Scenario, month_index

RUNG_WORDS = ("talk", "criticism", "sanctions", "threats", "show of force",
              "grey zone or nuclear test", "deadly clash", "limited strike", "war", "nuclear use")
"""Each escalation rung in words (the standard catalogue's ladder, as in ``RUNG_LEGEND``)."""

ANSWER_FORMAT = '{"choices": {"TARGET": "option_id", ...}, "rationale": "why, briefly"}'
"""The shape of the answer, as the prompt states it."""


def relation_word(value: float) -> str:
    """A relation on the Goldstein scale in a word."""
    if value <= -6:
        return "hostile"
    if value <= -2:
        return "tense"
    if value < 2:
        return "neutral"
    if value < 6:
        return "friendly"
    return "close"


def rung_text(rung: float) -> str:
    """An escalation rung (possibly decaying, fractional) as ``5 (grey zone …)``."""
    level = int(min(max(rung, 0.0), 9.0))
    return f"{level} ({RUNG_WORDS[level]})"


def effects_text(action: Action) -> str:
    """What an option does besides its tone and rung, in a few words (empty if nothing)."""
    e, p = action.effects, action.preconditions
    parts = []
    for what, delta in (("arms", e.arms), ("nuclear capability", e.nuclear)):
        if delta.source:
            parts.append(f"your {what} {delta.source:+g}")
        if delta.target:
            parts.append(f"its {what} {delta.target:+g}")
    if e.commitment:
        parts.append(f"mutual commitment to defend each other {e.commitment:+g}")
    if e.dependence:
        parts.append(f"mutual economic dependence {e.dependence:+g}")
    if e.technology_transfer:
        parts.append(f"the side behind closes {e.technology_transfer:.0%} of the nuclear gap")
    if e.relieve_target:
        parts.append(f"frees {e.relieve_target:.0%} of its forces tied down elsewhere")
    if e.deescalate_target:
        parts.append(f"calms its conflicts by {e.deescalate_target:g} rung(s) next month")
    if e.request_support:
        parts.append("asks it for support")
    if action.answers_request:
        parts.append("answers its request for support")
    if action.defends_ally:
        parts.append("defends an ally against it")
    if p.once_per_pair:
        parts.append("once per pair")
    return "; ".join(parts)


def claims_about(scenario: Scenario, code: str, name: str) -> list[Claim]:
    """The scenario's claims that concern an actor: its code or name in the claim's text."""
    found = []
    for claim in scenario.claims:
        text = " ".join([claim.title, claim.model, *claim.when_off])
        if code in text or name.lower() in f"{claim.title} {claim.model} {claim.source}".lower():
            found.append(claim)
    return found


def _briefing(model: CompiledScenario, actor: int, winners: tuple[int, ...]) -> str:
    """The actor's standing briefing: aims of the leaders in office, claims about it."""
    governed = model.regime(winners).scenario
    a = governed.actors[actor]
    weights = ", ".join(f"{name.replace('_', ' ')} {getattr(a.objectives, name):g}"
                        for name in OBJECTIVES)
    lines = [f"You are {a.name} ({a.code}). What you weigh (objective weights, higher matters "
             f"more): {weights}. Risk attitude {a.risk_attitude:g} (0 cautious ... 1 accepts "
             "risk)."]
    claims = claims_about(model.scenario, a.code, a.name)
    if claims:
        lines.append("What the analysis this scenario is built on says about you:")
        lines += [f'- {c.id} {c.title}. Source: "{c.source}" In the simulation: {c.model}.'
                  for c in claims]
    return "\n".join(lines)


def system_message(model: CompiledScenario, actor: int) -> str:
    """The fixed instructions for the actor an agent plays."""
    s = model.scenario
    a = s.actors[actor]
    return (
        f"You play {a.name} ({a.code}) in a month-by-month simulation of an interstate crisis: "
        f"{s.title}. Each month you choose exactly one option toward each actor listed under "
        "'Your options', only from the option ids listed for it. The simulation enforces the "
        "rules and applies the consequences; an option not listed is refused. Answer with one "
        f"JSON object and nothing else: {ANSWER_FORMAT}")


def _dyad_lines(s: Situation) -> list[str]:
    model, i = s.model, s.actor_index
    names = {a.code: a.name for a in model.scenario.actors}
    lines = ["Your relations (-10 hostile ... +10 friendly; rung: escalation between you, "
             "0 talk ... 9 nuclear use):"]
    for j, code in enumerate(model.actors):
        if j == i:
            continue
        rel = s.relation[i, j]
        extra = " you designate it hostile;" if model.hostile[i, j] else ""
        extra += " it asked you for support last month;" if s.asked[j] else ""
        lines.append(
            f"- {code} {names[code]}: relation {rel:+.1f} ({relation_word(rel)}), rung "
            f"{rung_text(s.rung[i, j])};{extra} your commitment to defend it "
            f"{s.commitment[i, j]:.2f}, its commitment to you {s.commitment[j, i]:.2f}; your "
            f"economic dependence on it {s.dependence[i, j]:.2f}")
    others = [(j, k) for j in range(model.n_actors) for k in range(j + 1, model.n_actors)
              if i not in (j, k)]
    if others:
        lines.append("Between the others:")
        lines += [f"- {model.actors[j]}-{model.actors[k]}: relation {s.relation[j, k]:+.1f} "
                  f"({relation_word(s.relation[j, k])}), rung {rung_text(s.rung[j, k])}"
                  for j, k in others]
    strength = ", ".join(f"{c} {s.arms[j]:.2f}/{s.nuclear[j]:.2f}"
                         for j, c in enumerate(model.actors))
    lines.append(f"Arms / nuclear capability (United States military = 1): {strength}")
    return lines


def _last_month_lines(s: Situation) -> list[str]:
    model, i = s.model, s.actor_index
    if s.last is None:
        return ["Last month: this is the first month of the simulation."]
    toward, by_you, among = [], [], []
    for j in range(model.n_actors):
        for k in range(model.n_actors):
            option = int(s.last[j, k])
            if option == 0:
                continue
            act = model.scenario.actions[option]
            if j == k:
                among.append(f"{model.actors[j]}: {act.label}")
                continue
            text = f"{act.id} ({act.label}, rung {act.rung})"
            if k == i:
                toward.append(f"{model.actors[j]} did to you: {text}")
            elif j == i:
                by_you.append(f"you did to {model.actors[k]}: {text}")
            else:
                among.append(f"{model.actors[j]} to {model.actors[k]}: {text}")
    lines = ["Last month:"]
    lines += [f"- {t}" for t in toward + by_you + among] or ["- nobody did anything"]
    return lines


def _calendar_lines(s: Situation) -> list[str]:
    scenario = s.model.scenario
    lines = []
    for election, w in zip(scenario.elections, s.winners, strict=True):
        if w >= 0:
            lines.append(f"In office: {election.label}: {election.candidates[w].label} "
                         f"(since {election.month})")
    ahead = [(e.month, e.label) for e in scenario.events
             if e.happens and month_index(scenario.start, e.month) > s.month]
    for election, w in zip(scenario.elections, s.winners, strict=True):
        if w < 0:
            odds = ", ".join(f"{c.label} {c.probability:.0%}" for c in election.candidates)
            ahead.append((election.month, f"{election.label} (takes office; {odds})"))
    if ahead:
        lines.append("Scheduled ahead:")
        lines += [f"- {month}: {label}" for month, label in sorted(ahead)]
    return lines


def _option_lines(s: Situation) -> list[str]:
    model = s.model
    names = {a.code: a.name for a in model.scenario.actors}
    lines = ["Your options this month (choose exactly one id per target):"]
    for t in s.options:
        code = model.actors[t.target]
        lines.append(f"Toward {code} ({names[code]}):")
        for k in t.options:
            act = model.scenario.actions[k]
            effects = effects_text(act)
            lines.append(f"- {act.id}: {act.label} (rung {act.rung}, Goldstein "
                         f"{model.goldstein[k]:+.1f}{'; ' + effects if effects else ''})")
    return lines


def user_message(s: Situation) -> str:
    """The month's briefing, situation and options for one future."""
    model = s.model
    example = json.dumps({"choices": {code: "option_id" for code in s.targets},
                          "rationale": "..."})
    sections = [
        f"Date: {s.date} (month {s.month + 1} of {model.horizon}).",
        _briefing(model, s.actor_index, s.winners),
        "\n".join(_dyad_lines(s) + _last_month_lines(s) + _calendar_lines(s)),
        "\n".join(_option_lines(s)),
        f"Answer with JSON only, one option id per target: {example}",
    ]
    return "\n\n".join(sections)


def messages(s: Situation) -> list[dict[str, str]]:
    """The chat messages of a first request."""
    return [{"role": "system", "content": system_message(s.model, s.actor_index)},
            {"role": "user", "content": user_message(s)}]


def retry_messages(s: Situation, previous: str, error: str) -> list[dict[str, str]]:
    """The chat messages of the one retry: the first exchange, then the exact error."""
    return [*messages(s), {"role": "assistant", "content": previous},
            {"role": "user", "content": f"That answer was refused: {error}. Answer again with "
                                        "one JSON object, choosing only option ids listed for "
                                        "each target."}]
