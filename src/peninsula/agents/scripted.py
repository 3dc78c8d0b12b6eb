"""Agents written in Python: the engine's own quantal rule, and any function of the situation."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from peninsula.agents.answers import Answer
from peninsula.agents.protocol import Reply, Request
from peninsula.agents.situation import Situation

Policy = Callable[[Situation], Any]
"""A function of a situation returning ``{target: option id}``, ``(choices, rationale)`` or an
:class:`Answer`."""


class Quantal:
    """The engine's quantal rule, stated as an agent: it answers the engine's own pick.

    A run with every actor played by :class:`Quantal` gives the same numbers as a run without
    agents (held by a test); useful as a baseline and to check a pipeline.
    """

    kind = "quantal"

    def decide(self, requests: Sequence[Request]) -> list[Reply]:
        """The quantal rule's pick toward every target."""
        return [Reply(answer=Answer(choices=r.situation.quantal_ids,
                                    rationale="the engine's quantal rule"))
                for r in requests]

    def settings(self) -> dict[str, Any]:
        """Nothing to set."""
        return {}


def as_answer(value: Any) -> Answer:
    """A policy's return value as an :class:`Answer`."""
    if isinstance(value, Answer):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        choices, rationale = value
        return Answer(choices=dict(choices), rationale=str(rationale))
    if isinstance(value, Mapping):
        return Answer(choices=dict(value))
    raise TypeError("a scripted policy returns {target: option id}, (choices, rationale) or an "
                    f"Answer, not {type(value).__name__}")


class Scripted:
    """A user's policy: ``policy(situation)`` picks one option id per target.

    >>> from peninsula.agents import Scripted
    >>> calm = Scripted(lambda s: {t: "do_nothing" for t in s.targets}, name="calm")
    >>> calm.kind
    'scripted'
    """

    kind = "scripted"

    def __init__(self, policy: Policy, *, name: str | None = None):
        self.policy = policy
        self.name = name or getattr(policy, "__name__", "policy")

    def decide(self, requests: Sequence[Request]) -> list[Reply]:
        """Call the policy once per request."""
        return [Reply(answer=as_answer(self.policy(r.situation))) for r in requests]

    def settings(self) -> dict[str, Any]:
        """The policy's name."""
        return {"policy": self.name}
