"""Agents in the engine's turn loop: the hook that replaces the played actors' choices.

Each month the engine computes every actor's quantal choice; for the actors played by agents,
the hook asks their agents (all futures of the chunk in one batch per agent, so an agent can
answer them concurrently), checks every pick against the admissible options, asks once more
with the exact error when an answer is invalid or inadmissible, and otherwise leaves the
quantal choice in place and records the fallback. Answers are applied by (actor, future) in
index order, so results never depend on the order in which answers arrived.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from peninsula.agents.answers import MAX_RATIONALE, AnswerError, check_answer, parse_answer
from peninsula.agents.protocol import Agent, AgentError, Reply, Request, agent_kind, agent_settings
from peninsula.agents.records import AgentLog, Attempt, Decision
from peninsula.agents.scripted import Scripted
from peninsula.agents.situation import Situation, build_situations
from peninsula.engine.compiled import CompiledScenario
from peninsula.engine.vectorised import EnsembleState, Government, admissible

MAX_DECISIONS = 20_000
"""Most decisions agents may make in one run (futures x months x played actors): each can be a
model call, so a run with agents is small; 20 futures x 24 months x 6 actors is 2,880."""

Hook = Callable[[int, EnsembleState, Government, np.ndarray], np.ndarray]
"""What :func:`peninsula.engine.vectorised.simulate_chunk` calls after the month's choices."""


@dataclass(frozen=True)
class _Verdict:
    picks: dict[int, int] | None
    error: str | None
    rationale: str | None
    text: str | None


def as_agent(actor: str, agent: Any) -> Agent:
    """An agent, or a plain function of the situation wrapped as a :class:`Scripted` one."""
    if hasattr(agent, "decide"):
        return agent
    if callable(agent):
        return Scripted(agent)
    raise AgentError(f"the agent for {actor} must have a decide() method or be a function of "
                     f"the situation, not {type(agent).__name__}")


class AgentPlay:
    """The actors agents play in one run, and the log of what they did."""

    def __init__(self, model: CompiledScenario, agents: Mapping[str, Any]):
        unknown = [code for code in agents if code not in model.actors]
        if unknown:
            raise AgentError("\n".join(f"unknown actor {code!r} for an agent; expected one of "
                                       f"{', '.join(model.actors)}" for code in unknown))
        if not agents:
            raise AgentError("name at least one actor for an agent to play")
        self.model = model
        self.players = [(i, code, as_agent(code, agents[code]))
                        for i, code in enumerate(model.actors) if code in agents]
        self.log = AgentLog(players={code: (agent_kind(a), agent_settings(a))
                                     for _, code, a in self.players})

    def check_size(self, futures: int) -> None:
        """Refuse a run whose agents would decide more than :data:`MAX_DECISIONS` times."""
        n = futures * self.model.horizon * len(self.players)
        if n > MAX_DECISIONS:
            raise AgentError(
                f"agents would decide {n:,} times ({futures:,} futures x {self.model.horizon} "
                f"months x {len(self.players)} played actor{'s' if len(self.players) > 1 else ''}"
                f"), more than the {MAX_DECISIONS:,} a run "
                "with agents allows (each can be a model call): run fewer futures or months")

    def hook(self, first_future: int) -> Hook:
        """The hook for a chunk whose first future is ``first_future`` in the ensemble."""
        last: list[np.ndarray | None] = [None]

        def decide(month: int, state: EnsembleState, government: Government,
                   choice: np.ndarray) -> np.ndarray:
            out = choice.copy()  # the engine later records domestic crises in it
            self.play_month(month, state, government, choice, out, last[0], first_future)
            last[0] = out
            return out

        return decide

    def close(self) -> None:
        """Let agents release what they hold (a cache file)."""
        for agent in {id(a): a for _, _, a in self.players}.values():
            close = getattr(agent, "close", None)
            if callable(close):
                close()

    def play_month(self, month: int, state: EnsembleState, government: Government,
                   choice: np.ndarray, out: np.ndarray, last: np.ndarray | None,
                   first_future: int) -> None:
        """Ask the agents, check their answers, retry once, and write their picks in ``out``."""
        started = time.perf_counter()
        ok = admissible(self.model, state, month)
        asked: list[tuple[int, str, Agent, Situation]] = []
        for i, code, agent in self.players:
            situations = build_situations(self.model, state, government, ok, choice, last, i,
                                          month, first_future)
            asked += [(i, code, agent, s) for s in situations if s is not None]
        first = self._ask([(a, Request(s)) for _, _, a, s in asked])
        verdicts = [_judge(r, s) for r, (_, _, _, s) in zip(first, asked, strict=True)]
        again = [k for k, (r, v) in enumerate(zip(first, verdicts, strict=True))
                 if v.picks is None and r.failure is None]
        second = dict(zip(again, self._ask(
            [(asked[k][2], Request(asked[k][3], attempt=1, previous=verdicts[k].text or "",
                                   error=verdicts[k].error)) for k in again]), strict=True))
        for k, (_, _, agent, s) in enumerate(asked):
            tries = [(first[k], verdicts[k])]
            if k in second:
                tries.append((second[k], _judge(second[k], s)))
            for attempt, (reply, verdict) in enumerate(tries):
                self.log.attempts.append(_attempt(s, agent, attempt, reply, verdict))
            self._apply(s, agent, tries, out, s.future - first_future)
        self.log.seconds += time.perf_counter() - started

    def _ask(self, batch: list[tuple[Agent, Request]]) -> list[Reply]:
        """Each agent answers its requests in one call; replies come back in batch order."""
        replies: list[Reply | None] = [None] * len(batch)
        groups: dict[int, tuple[Agent, list[int]]] = {}
        for k, (agent, _) in enumerate(batch):
            groups.setdefault(id(agent), (agent, []))[1].append(k)
        for agent, index in groups.values():
            got = agent.decide([batch[k][1] for k in index])
            if len(got) != len(index):
                raise AgentError(f"a {agent_kind(agent)} agent answered {len(got)} of "
                                 f"{len(index)} requests")
            for k, reply in zip(index, got, strict=True):
                replies[k] = reply
        return [r for r in replies if r is not None]

    def _apply(self, s: Situation, agent: Agent, tries: list[tuple[Reply, _Verdict]],
               out: np.ndarray, f: int) -> None:
        """Write the valid picks into row ``f`` of ``out`` (else keep the quantal choice)."""
        reply, verdict = tries[-1]
        if verdict.picks is not None:
            for j, k in verdict.picks.items():
                out[f, s.actor_index, j] = k
            status, reason = ("answer" if len(tries) == 1 else "retried"), None
        else:
            status = "fallback"
            reason = (f"no answer: {reply.failure}" if reply.failure is not None
                      else f"refused twice: {verdict.error}")
        model = self.model
        self.log.decisions.append(Decision(
            future=s.future, month=s.month, actor=s.actor, agent=agent_kind(agent),
            status=status, reason=reason, rationale=verdict.rationale,
            applied={model.actors[t.target]: model.actions[int(out[f, s.actor_index, t.target])]
                     for t in s.options},
            quantal=s.quantal_ids))


def _judge(reply: Reply, s: Situation) -> _Verdict:
    """Whether a reply can be applied: its picks, or the exact reason it cannot."""
    text = reply.text if reply.text is not None else (
        reply.answer.model_dump_json() if reply.answer is not None else None)
    if reply.failure is not None:
        return _Verdict(None, reply.failure, None, text)
    try:
        answer = reply.answer if reply.answer is not None else parse_answer(reply.text or "")
        picks = check_answer(answer, s)
    except AnswerError as exc:
        return _Verdict(None, str(exc), None, text)
    return _Verdict(picks, None, answer.rationale[:MAX_RATIONALE], text)


def _attempt(s: Situation, agent: Agent, attempt: int, reply: Reply, v: _Verdict) -> Attempt:
    return Attempt(future=s.future, month=s.month, actor=s.actor, attempt=attempt,
                   agent=agent_kind(agent), prompt=reply.prompt, answer=v.text, error=v.error,
                   failed=reply.failure is not None, cached=reply.cached,
                   requests=reply.requests, latency_s=reply.latency_s,
                   prompt_tokens=reply.prompt_tokens,
                   completion_tokens=reply.completion_tokens)
