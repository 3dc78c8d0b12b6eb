"""An agent's answer: one option id per target and a short rationale, checked against the rules.

The text is validated with pydantic, then every pick is checked against the options the engine
allows. Whatever is wrong is said in one line (:class:`AnswerError`), which is what the agent
reads on its one retry.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from peninsula.agents.situation import Situation

MAX_RATIONALE = 2000
"""Longest rationale kept, in characters (a longer one is cut, not refused)."""


class Answer(BaseModel):
    """What an agent answers: ``choices`` maps each target's code to an option id."""

    model_config = ConfigDict(extra="ignore")

    choices: dict[str, str] = Field(description="Target actor code to option id.")
    rationale: str = Field("", description="Why, in a few sentences.")


class AnswerError(ValueError):
    """An answer that cannot be applied; the message is the exact reason, in one line."""


_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def parse_answer(text: str) -> Answer:
    """Read an answer from a model's text (a Markdown code fence around it is allowed)."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1)
    try:
        return Answer.model_validate_json(body)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}"
                    for e in exc.errors()]
        raise AnswerError("; ".join(problems)) from None


def check_answer(answer: Answer, situation: Situation) -> dict[int, int]:
    """The picks as ``{target index: option index}``; :class:`AnswerError` if one is not allowed.

    Target codes are read case-insensitively; every listed target needs a pick, and each pick
    must be among the admissible options toward that target this month. ``do_nothing`` toward
    an actor that is not listed is ignored (nothing else is possible toward it anyway).
    """
    model = situation.model
    allowed = {model.actors[t.target]: t for t in situation.options}
    picks = {code.strip().upper(): option.strip() for code, option in answer.choices.items()}
    problems = [f"{code!r} is not a target this month (targets: {', '.join(allowed)})"
                for code, option in picks.items() if code not in allowed
                and not (code in model.actors and option == model.actions[0])]
    chosen: dict[int, int] = {}
    for code, target in allowed.items():
        if code not in picks:
            problems.append(f"no option chosen toward {code}")
            continue
        ids = [model.actions[k] for k in target.options]
        option = picks[code]
        if option in ids:
            chosen[target.target] = target.options[ids.index(option)]
        elif option in model.actions:
            problems.append(f"{option!r} is not admissible toward {code} this month "
                            f"(admissible: {', '.join(ids)})")
        else:
            problems.append(f"{option!r} is not an option toward {code} (options: "
                            f"{', '.join(ids)})")
    if problems:
        raise AnswerError("; ".join(problems))
    return chosen
