"""What agents did in a run: every attempt, every decision, and the run's totals.

In memory an :class:`AgentLog` collects one :class:`Attempt` per prompt answered (the first
ask and the one retry) and one :class:`Decision` per actor, future and month; its
:class:`AgentReport` is the run summary (calls, tokens, time, cache hits, retries, fallbacks,
errors). Saved runs keep them in ``results.duckdb`` beside the engine's tables:

- ``agent_players``: which agent played which actor, with its settings;
- ``agent_decisions``: per future, month and actor, the status (``answer``, ``retried`` or
  ``fallback``), the reason of a fallback and the agent's rationale;
- ``agent_choices``: per target, the option applied (its id, label and rung), the quantal
  rule's pick, and whether the agent's pick was applied;
- ``transcripts``: every prompt (the chat messages as JSON), answer, error, cache hit,
  latency and token counts.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from peninsula.agents.protocol import AgentError
from peninsula.engine.compiled import CompiledScenario
from peninsula.store.database import transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS agent_players (run_id VARCHAR, actor VARCHAR, agent VARCHAR,
    settings JSON);
CREATE TABLE IF NOT EXISTS agent_decisions (run_id VARCHAR, future INTEGER, month SMALLINT,
    actor VARCHAR, agent VARCHAR, status VARCHAR, reason VARCHAR, rationale VARCHAR);
CREATE TABLE IF NOT EXISTS agent_choices (run_id VARCHAR, future INTEGER, month SMALLINT,
    actor VARCHAR, target VARCHAR, action VARCHAR, label VARCHAR, rung SMALLINT,
    quantal VARCHAR, by_agent BOOLEAN);
CREATE TABLE IF NOT EXISTS transcripts (run_id VARCHAR, future INTEGER, month SMALLINT,
    actor VARCHAR, attempt SMALLINT, agent VARCHAR, prompt VARCHAR, answer VARCHAR,
    error VARCHAR, cached BOOLEAN, requests INTEGER, latency_ms DOUBLE, prompt_tokens INTEGER,
    completion_tokens INTEGER);
"""


@dataclass(frozen=True)
class Attempt:
    """One prompt and its answer: ``attempt`` 0 is the first ask, 1 the retry.

    ``error`` says why the answer was refused, or why there was none (a failed call).
    """

    future: int
    month: int
    actor: str
    attempt: int
    agent: str
    prompt: str | None
    answer: str | None
    error: str | None
    failed: bool = False
    cached: bool = False
    requests: int = 0
    latency_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class Decision:
    """What was applied for one actor in one future and month, and where it came from."""

    future: int
    month: int
    actor: str
    agent: str
    status: str  # answer | retried | fallback
    reason: str | None
    rationale: str | None
    applied: dict[str, str]  # target code -> option id the engine applied
    quantal: dict[str, str]  # target code -> the quantal rule's pick


@dataclass(frozen=True)
class AgentReport:
    """A run's agent totals, what ``peninsula run`` prints and ``summary.json`` keeps.

    ``calls`` are model calls made (cache hits excluded), ``requests`` the HTTP requests they
    took (retries of timeouts, 429 and 5xx included); ``retries`` are answers refused and
    asked again with the error, ``fallbacks`` decisions left to the quantal rule, ``errors``
    calls that got no answer at all. Tokens count the calls made.
    """

    players: dict[str, str]
    decisions: int
    first_try: int
    retries: int
    fallbacks: int
    errors: int
    invalid: int
    calls: int
    cache_hits: int
    requests: int
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    latency_p50_s: float | None = None
    latency_p95_s: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    def line(self) -> str:
        """The summary in one line."""
        by_agent: dict[str, list[str]] = {}
        for actor, agent in self.players.items():
            by_agent.setdefault(agent, []).append(actor)
        who = "; ".join(f"{', '.join(actors)} by {agent}" for agent, actors in by_agent.items())
        latency = ("" if self.latency_p50_s is None else
                   f"; latency p50 {self.latency_p50_s:.2f} s, p95 {self.latency_p95_s:.2f} s")
        return (f"Agents ({who}): {self.decisions:,} decisions in {self.seconds:.1f} s; "
                f"{self.calls:,} calls ({self.requests:,} HTTP requests), {self.cache_hits:,} "
                f"cache hits, {self.prompt_tokens:,} prompt + {self.completion_tokens:,} "
                f"completion tokens{latency}; {self.retries:,} retries, {self.fallbacks:,} "
                f"fallbacks to the quantal rule, {self.errors:,} errors")


@dataclass
class AgentLog:
    """Everything agents did in a run, in the order decisions were made."""

    players: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    seconds: float = 0.0

    def report(self) -> AgentReport:
        """The totals (see :class:`AgentReport`)."""
        made = [a for a in self.attempts if not a.cached and a.requests > 0]
        latencies = np.array([a.latency_s for a in made if not a.failed])
        return AgentReport(
            players={actor: _describe(kind, settings)
                     for actor, (kind, settings) in self.players.items()},
            decisions=len(self.decisions),
            first_try=sum(d.status == "answer" for d in self.decisions),
            retries=sum(a.attempt > 0 for a in self.attempts),
            fallbacks=sum(d.status == "fallback" for d in self.decisions),
            errors=sum(a.failed for a in self.attempts),
            invalid=sum(a.error is not None and not a.failed for a in self.attempts),
            calls=len(made),
            cache_hits=sum(a.cached for a in self.attempts),
            requests=sum(a.requests for a in self.attempts),
            prompt_tokens=sum(a.prompt_tokens for a in made),
            completion_tokens=sum(a.completion_tokens for a in made),
            seconds=round(self.seconds, 3),
            latency_p50_s=float(np.quantile(latencies, 0.5)) if latencies.size else None,
            latency_p95_s=float(np.quantile(latencies, 0.95)) if latencies.size else None,
        )

    def decisions_frame(self) -> pd.DataFrame:
        """One row per decision and target: applied option, quantal pick, status, rationale."""
        rows = [{"future": d.future, "month": d.month, "actor": d.actor, "target": target,
                 "action": option, "quantal": d.quantal.get(target), "status": d.status,
                 "reason": d.reason, "rationale": d.rationale}
                for d in self.decisions for target, option in d.applied.items()]
        columns = ["future", "month", "actor", "target", "action", "quantal", "status",
                   "reason", "rationale"]
        return pd.DataFrame(rows, columns=columns)


def _describe(kind: str, settings: dict[str, Any]) -> str:
    if kind == "llm":
        return f"llm {settings.get('model')} at {settings.get('url')}"
    if kind == "scripted" and settings.get("policy"):
        return f"scripted {settings['policy']}"
    return kind


def write_transcripts(path: Path, run_id: str, log: AgentLog, model: CompiledScenario) -> None:
    """Add the run's agent tables to its ``results.duckdb``, in one transaction."""
    actions = {a.id: a for a in model.scenario.actions}
    players = pd.DataFrame(
        [{"run_id": run_id, "actor": actor, "agent": kind,
          "settings": json.dumps(settings, sort_keys=True, default=str)}
         for actor, (kind, settings) in log.players.items()],
        columns=["run_id", "actor", "agent", "settings"])
    decisions = pd.DataFrame(
        [{"run_id": run_id, "future": d.future, "month": d.month, "actor": d.actor,
          "agent": d.agent, "status": d.status, "reason": d.reason, "rationale": d.rationale}
         for d in log.decisions],
        columns=["run_id", "future", "month", "actor", "agent", "status", "reason",
                 "rationale"])
    choices = pd.DataFrame(
        [{"run_id": run_id, "future": d.future, "month": d.month, "actor": d.actor,
          "target": target, "action": option, "label": actions[option].label,
          "rung": actions[option].rung, "quantal": d.quantal.get(target),
          "by_agent": d.status != "fallback"}
         for d in log.decisions for target, option in d.applied.items()],
        columns=["run_id", "future", "month", "actor", "target", "action", "label", "rung",
                 "quantal", "by_agent"])
    attempts = pd.DataFrame(
        [{"run_id": run_id, "future": a.future, "month": a.month, "actor": a.actor,
          "attempt": a.attempt, "agent": a.agent, "prompt": a.prompt, "answer": a.answer,
          "error": a.error, "cached": a.cached, "requests": a.requests,
          "latency_ms": 1000.0 * a.latency_s, "prompt_tokens": a.prompt_tokens,
          "completion_tokens": a.completion_tokens} for a in log.attempts],
        columns=["run_id", "future", "month", "actor", "attempt", "agent", "prompt", "answer",
                 "error", "cached", "requests", "latency_ms", "prompt_tokens",
                 "completion_tokens"])
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise AgentError(f"cannot add the transcripts to {path}: "
                         f"{str(exc).strip().splitlines()[0]}") from None
    try:
        with transaction(con):
            con.execute(SCHEMA)
            for table, frame in (("agent_players", players), ("agent_decisions", decisions),
                                 ("agent_choices", choices), ("transcripts", attempts)):
                if len(frame):
                    con.register("frame", frame)
                    con.execute(f"INSERT INTO {table} SELECT * FROM frame")
                    con.unregister("frame")
    finally:
        con.close()


@dataclass(frozen=True)
class Story:
    """One future of a saved run as agents lived it, read back from ``results.duckdb``."""

    scenario: str
    run_id: str
    start: str
    months: int
    future: int
    players: dict[str, str]
    decisions: pd.DataFrame  # future, month, actor, agent, status, reason, rationale
    choices: pd.DataFrame  # month, actor, target, action, label, rung, quantal, by_agent
    events: pd.DataFrame  # month, source, target, action, rung (every actor; may be empty)
    transcripts: pd.DataFrame  # month, actor, attempt, answer, error, cached, …


def results_file(run: Path) -> Path:
    """A run's ``results.duckdb``, given the file or its folder."""
    path = Path(run)
    return path / "results.duckdb" if path.is_dir() else path


def read_story(run: Path, future: int, actor: str | None = None) -> Story:
    """Read one future's decisions, choices, events and transcripts (``actor``: only its own)."""
    path = results_file(run)
    if not path.is_file():
        raise AgentError(f"{path} not found: give a run folder written by peninsula run")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise AgentError(f"cannot read {path}: {str(exc).strip().splitlines()[0]}") from None
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables"
                                            ).fetchall()}
        if "agent_decisions" not in tables:
            raise AgentError(f"{path} has no transcripts: the run was made without agents "
                             "(peninsula run --agent ACTOR=llm …)")
        run_id, scenario, start, months, futures = con.execute(
            "SELECT run_id, scenario, start_month, months, futures FROM runs LIMIT 1").fetchone()
        if not 0 <= future < futures:
            raise AgentError(f"future must lie in 0..{futures - 1}, got {future}")
        players = dict(con.execute("SELECT actor, agent FROM agent_players WHERE run_id = ? "
                                   "ORDER BY actor", [run_id]).fetchall())
        if actor is not None and actor not in players:
            raise AgentError(f"{actor} was not played by an agent in this run (played: "
                             f"{', '.join(players) or 'none'})")
        who = "" if actor is None else " AND actor = ?"
        args = [run_id, future] + ([] if actor is None else [actor])
        decisions = con.execute(f"SELECT * EXCLUDE (run_id) FROM agent_decisions WHERE run_id = ? "
                                f"AND future = ?{who} ORDER BY month, actor", args).df()
        choices = con.execute(
            "SELECT c.* EXCLUDE (run_id) FROM agent_choices c LEFT JOIN actors t "
            "ON t.run_id = c.run_id AND t.code = c.target WHERE c.run_id = ? AND c.future = ?"
            f"{who.replace('actor', 'c.actor')} ORDER BY c.month, c.actor, t.actor", args).df()
        transcripts = con.execute(
            f"SELECT * EXCLUDE (run_id) FROM transcripts WHERE run_id = ? AND future = ?{who} "
            "ORDER BY month, actor, attempt", args).df()
        events = (con.execute("SELECT month, source, target, action, rung FROM events_coded "
                              "WHERE run_id = ? AND future = ? ORDER BY month, source, target",
                              [run_id, future]).df()
                  if "events" in tables else pd.DataFrame(
                      columns=["month", "source", "target", "action", "rung"]))
    finally:
        con.close()
    return Story(scenario=scenario, run_id=run_id, start=start, months=int(months),
                 future=future, players=players, decisions=decisions, choices=choices,
                 events=events, transcripts=transcripts)
