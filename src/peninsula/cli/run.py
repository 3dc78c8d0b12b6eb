"""``peninsula run``, ``validate``, ``scenarios``, ``show`` and ``counterfactual``.

Each command parses its options, calls the library (:mod:`peninsula.api`) and renders the
result; user errors end with one line per problem on stderr and exit code 2.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from peninsula.api.runs import RunResult, counterfactual
from peninsula.api.runs import run as simulate
from peninsula.cli.agents import (
    AgentSpecs,
    LlmApiKeyEnv,
    LlmCache,
    LlmConcurrency,
    LlmModel,
    LlmSeed,
    LlmTemperature,
    LlmTimeout,
    LlmUrl,
    build_agents,
    has_human,
    print_agent_report,
)
from peninsula.cli.console import (
    err,
    fail,
    interval,
    missing_extra,
    out,
    pct,
    points,
    say,
    signed,
    user_error,
)
from peninsula.engine.compiled import compile_scenario
from peninsula.errors import UserError
from peninsula.scenario.cameo import plover_type_for
from peninsula.scenario.loading import (
    LoadedScenario,
    ScenarioError,
    builtin_scenarios,
    load_scenario,
)
from peninsula.scenario.model import RUNG_LEGEND, Scenario
from peninsula.store.runs import reserve_run_folder

DEFAULT_SCENARIO = "korea-2024"

ScenarioArg = Annotated[str, typer.Argument(help="Built-in scenario name or YAML file.")]
Futures = Annotated[int, typer.Option("--futures", "-n", help="Number of simulated futures.")]
Seed = Annotated[int, typer.Option("--seed", "-s", help="Root random seed.")]
Months = Annotated[int | None, typer.Option("--months", "-m",
                                            help="Months to simulate (default: the scenario's).")]


def scenario_or_fail(name_or_path: str) -> LoadedScenario:
    """Load a scenario, or end with its problems (exit 2)."""
    try:
        return load_scenario(name_or_path)
    except ScenarioError as exc:
        raise user_error(exc) from None


def _progress_bar(label: str, total: int) -> Progress:
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("futures x months"), TimeElapsedColumn(), TimeRemainingColumn()]
    bar = Progress(*columns, console=err, transient=True)
    bar.add_task(label, total=total)
    return bar


def _simulate(loaded: LoadedScenario, label: str = "simulating", *, bar: bool = True,
              **options) -> RunResult:
    horizon = options.get("months") or loaded.scenario.horizon_months
    # no live bar while a person answers prompts at the terminal (--agent ACTOR=human)
    with (_progress_bar(label, options["futures"] * horizon) if bar
          else contextlib.nullcontext()) as shown:
        progress = False if shown is None else (
            lambda done: shown.advance(shown.task_ids[0], done))
        try:
            return simulate(loaded, progress=progress, **options)
        except (ScenarioError, ValueError) as exc:
            raise user_error(exc) from None
        except (KeyboardInterrupt, MemoryError) as exc:
            raise _stopped(exc) from None


def _stopped(exc: BaseException) -> typer.Exit:
    """Ctrl-C or memory exhausted while simulating: nothing is written until the end."""
    if isinstance(exc, MemoryError):
        return fail("out of memory while simulating: nothing was written; run fewer futures "
                    "(or add --no-events)")
    err.print("interrupted: nothing was written", highlight=False, markup=False)
    return typer.Exit(130)


def outcome_table(result: RunResult) -> Table:
    """The outcome table of a run: probability or mean, interval, median first month."""
    meta = result.metadata
    table = Table(title=escape(f"{meta.scenario}: {meta.futures:,} futures x {meta.months} "
                               f"months, seed {meta.seed}"))
    table.add_column("outcome")
    table.add_column("probability", justify="right")
    table.add_column("95% interval", justify="right")
    table.add_column("median first month", justify="right")
    for row in result.summary().itertuples():
        if row.kind == "binary":
            table.add_row(escape(row.label), pct(row.probability),
                          f"{pct(row.low)} - {pct(row.high)}",
                          row.median_first_month if isinstance(row.median_first_month, str)
                          else "-")
        else:
            table.add_row(escape(f"{row.label} (mean; interval of the mean)"), signed(row.mean),
                          interval(row.low, row.high, between=" - "), "-")
            table.add_row("   across futures (median; 5%-95% of futures)", signed(row.median),
                          f"{signed(row.p05)} - {signed(row.p95)}", "-")
    return table


def print_run(result: RunResult, *, paths_header: bool = True) -> None:
    """The outcome table, the most frequent escalation paths and the shocks of a run."""
    out.print(outcome_table(result))
    if paths_header:
        out.print(f"Most frequent escalation paths (highest rung per quarter, {RUNG_LEGEND}):")
    for p in result.paths():
        out.print(f"  {p}   {pct(p.share)} of futures", highlight=False, markup=False)
    if paths_header:
        inflaming, calming = result.shocks
        out.print(f"Random shocks: {inflaming:,} inflaming, {calming:,} calming"
                  + ("" if result.metadata.shocks else " (switched off)"))


def run(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    futures: Futures = 10_000,
    months: Months = None,
    seed: Seed = 2024,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output folder.")] = None,
    events: Annotated[bool, typer.Option(help="Store every simulated event.")] = True,
    shocks: Annotated[bool, typer.Option(help="Random accidents and misperceptions.")] = True,
    report: Annotated[bool, typer.Option(
        "--report", help="Also write report.html (needs the 'report' extra).")] = False,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Replace the results already in --out.")] = False,
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
    """Simulate a scenario and summarise its futures."""
    loaded = scenario_or_fail(scenario)
    agents = build_agents(loaded, list(agent), url=llm_url, model=llm_model,
                          concurrency=llm_concurrency, cache=llm_cache,
                          temperature=llm_temperature,
                          seed=seed if llm_seed is None else llm_seed, timeout=llm_timeout,
                          api_key_env=llm_api_key_env)
    folder = out_dir or Path("peninsula-out") / (
        f"{loaded.scenario.name}-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
    try:
        with reserve_run_folder(folder, overwrite=overwrite):
            if report:
                _check_report_extra()
            result = _simulate(loaded, futures=futures, seed=seed, months=months,
                               shocks=shocks, events=events, agents=agents,
                               bar=not has_human(agents))
            result.save(folder, overwrite=True)
    except UserError as exc:
        raise user_error(exc) from None
    if report:
        result.write_report(folder / "report.html")
    print_run(result)
    print_agent_report(result.agents)
    say(f"Simulated in {result.metadata.elapsed_seconds:.1f} s; scenario sha256 "
        f"{result.metadata.scenario_sha256[:12]}; results in {folder}/ "
        f"(results.duckdb, summary.json{', report.html' if report else ''})")


def _check_report_extra() -> None:
    try:
        import jinja2  # noqa: F401 - only checks that the report extra is installed
        import plotly  # noqa: F401
    except ImportError as exc:
        raise missing_extra("report", "--report", exc) from None


def validate(file: Annotated[str, typer.Argument(help="Scenario YAML file or built-in name.")]
             ) -> None:
    """Check a scenario file and list every problem with its line and field."""
    loaded = scenario_or_fail(file)
    s = loaded.scenario
    say(f"OK {loaded.label}: {len(s.actors)} actors, {len(s.dyads)} dyads, "
        f"{len(s.actions)} actions, {len(s.events)} events, {len(s.claims)} claims, "
        f"{len(s.outcomes)} outcomes; sha256 {loaded.sha256[:12]}")


def scenarios() -> None:
    """List the built-in scenarios."""
    table = Table(title="Built-in scenarios")
    for column in ("name", "title", "actors", "start", "months"):
        table.add_column(column)
    for name in builtin_scenarios():
        s = scenario_or_fail(name).scenario
        table.add_row(escape(name), escape(s.title), escape(" ".join(s.actor_codes)),
                      s.start,
                      str(s.horizon_months))
    out.print(table)


def show(scenario: Annotated[str, typer.Argument(help="Built-in scenario name or YAML file.")]
         = DEFAULT_SCENARIO) -> None:
    """Print a scenario's actors, dyads, actions and claims with their source quotes."""
    loaded = scenario_or_fail(scenario)
    s = loaded.scenario
    model = compile_scenario(s)
    out.print(f"[bold]{escape(s.title)}[/bold] {escape(f'({s.name}, from {s.start}, ')}"
              f"{s.horizon_months} months)")
    if s.provenance:
        say(f"Provenance: {s.provenance}")
    actors = Table(title="Actors")
    for column in ("code", "name", "military", "nuclear", "second strike", "elsewhere",
                   "war aversion", "rationality"):
        actors.add_column(column)
    for a in s.actors:
        c = a.capabilities
        actors.add_row(escape(a.code), escape(a.name), f"{c.military:g}", f"{c.nuclear:g}",
                       f"{c.second_strike:g}", f"{c.committed_elsewhere:g}",
                       f"{a.objectives.war_aversion:g}", f"{a.rationality:g}")
    out.print(actors)
    dyads = Table(title="Dyads (relation on the Goldstein scale, -10 ... +10)")
    for column in ("source>target", "relation", "commitment", "dependence", "hostile",
                   "rationale"):
        dyads.add_column(column)
    for d in s.dyads:
        dyads.add_row(escape(f"{d.source}>{d.target}"),
                      "" if d.relation is None else f"{d.relation:g}",
                      f"{d.commitment:g}", f"{d.dependence:g}", "yes" if d.hostile else "",
                      escape(d.rationale or ""))
    out.print(dyads)
    actions = Table(title="Actions")
    for column in ("id", "CAMEO", "PLOVER", "Goldstein", "rung", "label"):
        actions.add_column(column)
    for k, a in enumerate(s.actions):
        actions.add_row(escape(a.id), a.cameo or "-", (plover_type_for(a.cameo) or "-") if a.cameo
                        else "-", f"{model.goldstein[k]:+.1f}", str(a.rung), escape(a.label))
    out.print(actions)
    _print_calendar(s)
    for c in s.claims:
        out.print(f"[bold]{escape(c.id)}[/bold] {escape(c.title)}")
        say(f'   source: "{c.source}"')
        say(f"   in the model: {c.model}")
        say(f"   switched off: {json.dumps(c.when_off)}")


def _print_calendar(s: Scenario) -> None:
    """Dated events, elections and outside wars: what happens to the actors, not by them."""
    for e in s.events:
        say(f"{e.month}  {e.label}" + (f'  (source: "{e.source}")' if e.source else ""))
    for el in s.elections:
        odds = ", ".join(f"{c.label} {c.probability:.0%}" for c in el.candidates)
        say(f"{el.month}  {el.label}: {odds}")
    for a in s.actors:
        if a.theatre is not None:
            t = a.theatre
            say(f"{a.code} at war elsewhere ({t.name}): {t.mean:.0%} of its forces tied down on "
                f"average, {t.low:.0%}-{t.high:.0%}")
        if a.instability > 0:
            say(f"{a.code} domestic-crisis chance {a.instability:.1%} a month")


def counterfactual_command(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    without: Annotated[list[str], typer.Option("--without", "-w",
                                               help="Claim to switch off (repeatable).")] = (),
    futures: Futures = 10_000,
    months: Months = None,
    seed: Seed = 2024,
) -> None:
    """Run a scenario with and without some claims on the same random draws."""
    if not without:
        raise fail("name at least one claim with --without (e.g. --without S1)")
    loaded = scenario_or_fail(scenario)
    horizon = months or loaded.scenario.horizon_months
    with _progress_bar("baseline and without " + ",".join(without),
                       2 * futures * horizon) as bar:
        task = bar.task_ids[0]
        try:
            cf = counterfactual(loaded, without=list(without), futures=futures, seed=seed,
                                months=months, progress=lambda done: bar.advance(task, done))
        except (ScenarioError, ValueError) as exc:
            raise user_error(exc) from None
        except (KeyboardInterrupt, MemoryError) as exc:
            raise _stopped(exc) from None
    table = Table(title=escape(f"{loaded.scenario.name}: with and without {', '.join(without)} "
                               f"({futures:,} futures, same draws, seed {seed})"))
    for column in ("outcome", "with", "without", "difference", "95% interval", ""):
        table.add_column(column, justify="right" if column not in ("outcome", "") else "left")
    for r in cf.comparisons:
        d = r.difference
        finite = bool(np.isfinite([d.low, d.high]).all())
        mark = "*" if finite and d.excludes_zero() else ""
        if r.kind == "binary":
            table.add_row(escape(r.label), pct(r.baseline.value), pct(r.counterfactual.value),
                          f"{points(d.value)} pts", interval(d.low, d.high, points, unit=" pts"),
                          mark)
        else:
            table.add_row(escape(r.label), signed(r.baseline.value),
                          signed(r.counterfactual.value), signed(d.value),
                          interval(d.low, d.high), mark)
    out.print(table)
    out.print("* the 95% interval of the paired difference excludes zero")
    for claim_id, when_off in cf.switched.items():
        say(f"{claim_id} off: {json.dumps(when_off)}")
