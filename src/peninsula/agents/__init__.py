"""Actors played by language models, people or Python policies, within the engine's rules.

The engine computes which options each actor may take; an agent only picks among them, and
the engine applies the consequences. Pass agents to a run by actor code::

    import peninsula as pn
    run = pn.run("korea-2024", futures=20, agents={
        "PRK": pn.agents.LLM(url="http://127.0.0.1:11434/v1", model="llama3.1")})

An :class:`Agent` is anything with ``decide(requests) -> replies``; :class:`LLM` calls an
OpenAI-compatible endpoint, :class:`Human` asks at a terminal, :class:`Quantal` is the engine's
own rule and :class:`Scripted` wraps a function of the :class:`Situation` (a plain function is
wrapped for you).
"""

from peninsula.agents.answers import Answer, AnswerError
from peninsula.agents.human import Human
from peninsula.agents.llm import LLM
from peninsula.agents.play import MAX_DECISIONS
from peninsula.agents.protocol import Agent, AgentError, Reply, Request
from peninsula.agents.records import AgentLog, AgentReport
from peninsula.agents.scripted import Quantal, Scripted
from peninsula.agents.situation import Situation

__all__ = [
    "MAX_DECISIONS",
    "LLM",
    "Agent",
    "AgentError",
    "AgentLog",
    "AgentReport",
    "Answer",
    "AnswerError",
    "Human",
    "Quantal",
    "Reply",
    "Request",
    "Scripted",
    "Situation",
]
