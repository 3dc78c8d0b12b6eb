"""The agent protocol: what the engine asks an agent, and what it answers.

An agent decides a batch of :class:`Request` objects (one per future, and per actor when it
plays several) for one month and returns one :class:`Reply` per request, in the same order.
Requests of one batch are independent, so an agent may answer them concurrently; the engine
applies the replies by index, never by completion order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from peninsula.agents import prompts
from peninsula.agents.answers import Answer
from peninsula.agents.situation import Situation
from peninsula.errors import UserError


class AgentError(UserError):
    """Agents cannot be used as asked (an unknown actor, a run too large, a missing extra)."""


@dataclass(frozen=True, eq=False)
class Request:
    """One decision to make: the situation, and on a retry the refused answer and why."""

    situation: Situation
    attempt: int = 0
    previous: str | None = None
    error: str | None = None

    def messages(self) -> list[dict[str, str]]:
        """The chat messages for this request (the retry adds the refused answer and error)."""
        if self.error is None:
            return prompts.messages(self.situation)
        return prompts.retry_messages(self.situation, self.previous or "", self.error)


@dataclass(frozen=True)
class Reply:
    """An agent's reply: text to parse, or an :class:`Answer`, or why there is none.

    ``prompt`` is what the agent was shown (kept in the transcript); the call figures are zero
    for agents that make no calls.
    """

    text: str | None = None
    answer: Answer | None = None
    failure: str | None = None
    prompt: str | None = None
    cached: bool = False
    requests: int = 0
    latency_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@runtime_checkable
class Agent(Protocol):
    """A policy for one or more actors: answers a month's requests, one reply each."""

    def decide(self, requests: Sequence[Request]) -> list[Reply]:
        """One reply per request, in the requests' order."""
        ...


def agent_kind(agent: Any) -> str:
    """A short name of the agent's kind (``llm``, ``human``, ``quantal``, ``scripted``, …)."""
    return str(getattr(agent, "kind", type(agent).__name__.lower()))


def agent_settings(agent: Any) -> dict[str, Any]:
    """The agent's settings as recorded with the run (empty if it states none)."""
    describe = getattr(agent, "settings", None)
    return dict(describe()) if callable(describe) else {}
