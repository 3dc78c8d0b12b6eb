"""``peninsula run --agent …`` options, ``peninsula transcript`` and ``compare-agents``.

The commands parse their options, build agents (:mod:`peninsula.agents`), call the library
(:mod:`peninsula.api.agents`) and render; a bad ``--agent``, a missing or malformed
``--llm-url``, an unset ``--llm-api-key-env`` variable or an endpoint that cannot be reached
ends with one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from peninsula.agents import LLM, AgentError, AgentReport, Human, Quantal
from peninsula.agents.records import Story
from peninsula.api.agents import compare_agents, transcript
from peninsula.cli.console import (
    fail,
    interrupted,
    interval,
    out,
    pct,
    points,
    say,
    signed,
    user_error,
)
from peninsula.errors import UserError
from peninsula.scenario.loading import LoadedScenario, ScenarioError, load_scenario
from peninsula.scenario.model import month_label

PANEL = "Language-model actors"
KINDS = ("llm", "human", "quantal")
DEFAULT_KEY_ENV = "OPENAI_API_KEY"
"""Where the API key is read from when ``--llm-api-key-env`` is not given (if it is set)."""

AgentSpecs = Annotated[list[str], typer.Option(
    "--agent", help="ACTOR=llm|human|quantal: who chooses for an actor (repeatable).",
    rich_help_panel=PANEL)]
LlmUrl = Annotated[str | None, typer.Option(
    "--llm-url", help="OpenAI-compatible API base, e.g. http://127.0.0.1:11434/v1 (Ollama).",
    rich_help_panel=PANEL)]
LlmModel = Annotated[str | None, typer.Option(
    "--llm-model", help="Model name at that endpoint, e.g. llama3.1.", rich_help_panel=PANEL)]
LlmConcurrency = Annotated[int, typer.Option(
    "--llm-concurrency", help="Requests in flight at once.", rich_help_panel=PANEL)]
LlmCache = Annotated[str | None, typer.Option(
    "--llm-cache", help="Response cache folder, or 'off' (default ~/.cache/peninsula).",
    rich_help_panel=PANEL)]
LlmTemperature = Annotated[float, typer.Option(
    "--llm-temperature", help="Sampling temperature.", rich_help_panel=PANEL)]
LlmSeed = Annotated[int | None, typer.Option(
    "--llm-seed", help="Sampling seed sent with requests (default: the run's --seed).",
    rich_help_panel=PANEL)]
LlmTimeout = Annotated[float, typer.Option(
    "--llm-timeout", help="Seconds to wait for one answer before retrying.",
    rich_help_panel=PANEL)]
LlmApiKeyEnv = Annotated[str | None, typer.Option(
    "--llm-api-key-env", metavar="NAME",
    help=f"Environment variable holding the API key, sent as a bearer token (default "
         f"{DEFAULT_KEY_ENV}, if set; '' sends none). The key is never printed or stored.",
    rich_help_panel=PANEL)]


def parse_specs(specs: list[str], actors: list[str]) -> dict[str, str]:
    """``["PRK=llm", …]`` as ``{"PRK": "llm"}``; a bad spec ends the command (exit 2)."""
    kinds: dict[str, str] = {}
    for spec in specs:
        actor, sep, kind = spec.partition("=")
        actor, kind = actor.strip().upper(), kind.strip().lower()
        if not sep or kind not in KINDS:
            raise fail(f"--agent expects ACTOR={'|'.join(KINDS)}, got {spec!r}")
        if actor not in actors:
            raise fail(f"--agent {spec}: unknown actor {actor!r}; expected one of "
                       f"{', '.join(actors)}")
        if actor in kinds:
            raise fail(f"--agent names {actor} twice")
        kinds[actor] = kind
    return kinds


def api_key(name: str | None) -> str | None:
    """The API key in the environment variable ``name`` (``None``: :data:`DEFAULT_KEY_ENV`).

    The default variable may be unset (no key is sent); a variable named on purpose must be
    set, else the command ends (exit 2); ``''`` sends no key.
    """
    if name is None:
        return os.environ.get(DEFAULT_KEY_ENV) or None
    if not name.strip():
        return None
    key = os.environ.get(name.strip())
    if not key:
        raise fail(f"--llm-api-key-env {name}: the environment variable {name} is not set "
                   "(or is empty)")
    return key


def build_agents(loaded: LoadedScenario, specs: list[str], *, url: str | None,
                 model: str | None, concurrency: int, cache: str | None, temperature: float,
                 seed: int, timeout: float, default_all: bool = False,
                 api_key_env: str | None = None) -> dict[str, Any] | None:
    """The agents the options ask for (one :class:`LLM` shared by every ``llm`` actor).

    ``default_all``: with no ``--agent``, the model plays every actor (``compare-agents``).
    ``api_key_env``: the variable the API key is read from (see :func:`api_key`).
    """
    actors = loaded.scenario.actor_codes
    kinds = parse_specs(specs, actors)
    if not kinds and default_all:
        kinds = dict.fromkeys(actors, "llm")
    if not kinds:
        return None
    llm = None
    if "llm" in kinds.values():
        first = next(a for a, k in kinds.items() if k == "llm")
        if not url:
            raise fail(f"--agent {first}=llm needs --llm-url (an OpenAI-compatible endpoint, "
                       "e.g. http://127.0.0.1:11434/v1)")
        if not model:
            raise fail(f"--agent {first}=llm needs --llm-model (e.g. llama3.1)")
        folder: str | bool | None = True if cache is None else (
            None if cache.lower() == "off" else cache)
        key = api_key(api_key_env)
        try:
            llm = LLM(url=url, model=model, concurrency=concurrency, cache=folder,
                      temperature=temperature, seed=seed, timeout=timeout, api_key=key)
        except AgentError as exc:
            raise user_error(exc) from None
    made = {"human": Human(), "quantal": Quantal()}
    return {actor: llm if kind == "llm" else made[kind] for actor, kind in kinds.items()}


def has_human(agents: dict[str, Any] | None) -> bool:
    """Whether a person answers at the terminal (no progress bar then)."""
    return any(isinstance(a, Human) for a in (agents or {}).values())


def print_agent_report(report: AgentReport | None) -> None:
    """The agents' line of a run summary."""
    if report is not None:
        say(report.line())


def _load(name: str) -> LoadedScenario:
    try:
        return load_scenario(name)
    except ScenarioError as exc:
        raise user_error(exc) from None


def _print_story(story: Story) -> None:
    """The month-by-month story of one future: reasons next to what the engine applied."""
    players = ", ".join(f"{a} played by {k}" for a, k in story.players.items())
    say(f"{story.scenario}, run {story.run_id}, future {story.future} ({players})")
    shown = set(story.decisions["actor"]) if len(story.decisions) else set()
    for month in range(story.months):
        decisions = story.decisions[story.decisions["month"] == month]
        if not len(decisions):
            continue
        say(month_label(story.start, month))
        for d in decisions.itertuples():
            how = {"answer": "answered", "retried": "answered on the retry",
                   "fallback": f"fell back to the quantal rule ({d.reason})"}[d.status]
            reason = f': "{d.rationale}"' if isinstance(d.rationale, str) and d.rationale else ""
            say(f"  {d.actor} [{d.agent}, {how}]{reason}")
            picks = story.choices[(story.choices["month"] == month)
                                  & (story.choices["actor"] == d.actor)]
            for c in picks.itertuples():
                quantal = "" if c.quantal == c.action else f"   (quantal rule: {c.quantal})"
                say(f"      -> {c.target}  {c.action}: {c.label}, rung {c.rung}{quantal}")
        toward = story.events[(story.events["month"] == month)
                              & story.events["target"].isin(shown)
                              & (story.events["source"] != story.events["target"])]
        if len(toward):
            acts = "; ".join(f"{e.source}->{e.target} {e.action} ({e.rung})"
                             for e in toward.itertuples())
            say(f"  toward them: {acts}")


def transcript_command(
    run_folder: Annotated[Path, typer.Argument(help="A run folder (or its results.duckdb).")],
    future: Annotated[int, typer.Option("--future", "-f", help="The future to tell.")] = 0,
    actor: Annotated[str | None, typer.Option(
        "--actor", "-a", help="Only this actor's decisions.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The decisions as JSON lines.")]
    = False,
) -> None:
    """Tell one future of a run with agents, month by month: reasons and what was applied."""
    try:
        story = transcript(run_folder, future, actor.upper() if actor else None)
    except UserError as exc:
        raise user_error(exc) from None
    if as_json:
        rows = story.choices.merge(story.decisions, on=["future", "month", "actor"])
        for row in rows.to_dict("records"):
            out.print(json.dumps(row, default=str), markup=False, highlight=False,
                      soft_wrap=True)
        return
    _print_story(story)


def _measure_cells(c: Any, section: str) -> list[str]:
    """Value, value, difference and interval of one row, in the measure's own unit.

    With one future the paired difference has no interval: ``none (one future)``.
    """
    d = c.difference
    share = c.kind == "binary" or c.id in ("violent_months", "played_escalatory")
    if share:
        return [pct(c.baseline.value), pct(c.counterfactual.value), f"{points(d.value)} pts",
                interval(d.low, d.high, points, unit=" pts")]
    fmt = (lambda x: f"{x:.2f}") if section == "behaviour" else signed
    return [fmt(c.baseline.value), fmt(c.counterfactual.value), signed(d.value),
            interval(d.low, d.high)]


def compare_agents_command(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or YAML file.")]
    = "korea-2024",
    futures: Annotated[int, typer.Option("--futures", "-n", help="Futures, the same in both.")]
    = 20,
    months: Annotated[int | None, typer.Option(
        "--months", "-m", help="Months to simulate (default: the scenario's).")] = None,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Root random seed.")] = 2024,
    agent: AgentSpecs = (),
    llm_url: LlmUrl = None,
    llm_model: LlmModel = None,
    llm_concurrency: LlmConcurrency = 4,
    llm_cache: LlmCache = None,
    llm_temperature: LlmTemperature = 0.7,
    llm_seed: LlmSeed = None,
    llm_timeout: LlmTimeout = 120.0,
    llm_api_key_env: LlmApiKeyEnv = None,
) -> None:
    """The same futures played by the quantal rule and by the model: escalation and outcomes."""
    loaded = _load(scenario)
    agents = build_agents(loaded, list(agent), url=llm_url, model=llm_model,
                          concurrency=llm_concurrency, cache=llm_cache,
                          temperature=llm_temperature,
                          seed=seed if llm_seed is None else llm_seed, timeout=llm_timeout,
                          default_all=True, api_key_env=llm_api_key_env)
    try:
        cmp = compare_agents(loaded, agents or {}, futures=futures, seed=seed, months=months,
                             progress=False if has_human(agents) else None)
    except (UserError, ValueError) as exc:
        raise user_error(exc) from None
    except KeyboardInterrupt:
        raise interrupted() from None
    table = Table(title=escape(
        f"{loaded.scenario.name}: quantal rule vs agents for {', '.join(cmp.played)} "
        f"({futures:,} future{'' if futures == 1 else 's'}, same draws, seed {seed})"))
    for column in ("measure", "quantal", "agents", "difference", "95% interval", ""):
        table.add_column(column, justify="left" if column in ("measure", "") else "right")
    for section, rows in (("behaviour", cmp.behaviour), ("outcome", cmp.outcomes)):
        for c in rows:
            mark = "*" if c.difference.excludes_zero() else ""
            table.add_row(escape(c.label), *_measure_cells(c, section), mark)
        if section == "behaviour":
            table.add_section()
    out.print(table)
    out.print("* the 95% interval of the paired difference (agents minus quantal) excludes zero")
    print_agent_report(cmp.agents.agents)
