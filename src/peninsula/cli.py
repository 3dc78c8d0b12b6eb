"""The ``peninsula`` command: run, validate, list, show and compare scenarios.

Every user error (a bad scenario, an unknown claim, a bad number) ends with a one-line message
per problem on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from peninsula.analysis.outcomes import (
    OutcomeSummary,
    compare_runs,
    summarise_binary,
    summarise_continuous,
    top_paths,
)
from peninsula.events.cli import calibrate_command, code_command, events_app
from peninsula.experiments.cli import (
    analyze_command,
    compare_command,
    explore_command,
    report_command,
)
from peninsula.experiments.runs import Run, run_scenario
from peninsula.experiments.scale_cli import run_resumable_command
from peninsula.forecast.cli import forecast_command, score_command
from peninsula.scenario.loading import (
    LoadedScenario,
    ScenarioError,
    builtin_scenarios,
    load_scenario,
)
from peninsula.scenario.model import month_label
from peninsula.store.runs import write_run

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Simulate an interstate crisis system and explore it under uncertainty.",
)
app.add_typer(events_app, name="events")
app.command("code", help="Code English news text into CAMEO events.")(code_command)
app.command("calibrate", help="Set starting relations from real events.")(calibrate_command)
app.command("forecast", help="Forecast questions from a scenario with 95% intervals.")(
    forecast_command)
app.command("score", help="Score forecasts of resolved questions against baselines.")(
    score_command)
app.command("explore", help="Run every lever combination over sampled uncertainties.")(
    explore_command)
app.command("analyze", help="Probabilities per lever, robustness, sensitivity, PRIM boxes.")(
    analyze_command)
app.command("report", help="Write a self-contained HTML report of an exploration.")(
    report_command)
app.command("compare", help="Compare two explorations.")(compare_command)
app.command("run-chunked",
            help="Simulate in resumable chunks on local, processes or Dask workers.")(
    run_resumable_command)

DEFAULT_SCENARIO = "korea-2024"
out = Console()
err = Console(stderr=True)

Futures = Annotated[int, typer.Option("--futures", "-n", help="Number of simulated futures.")]
Seed = Annotated[int, typer.Option("--seed", "-s", help="Root random seed.")]
Months = Annotated[int | None, typer.Option("--months", "-m",
                                            help="Months to simulate (default: the scenario's).")]


def _fail(messages: list[str] | str) -> typer.Exit:
    for message in [messages] if isinstance(messages, str) else messages:
        err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def _load(name_or_path: str) -> LoadedScenario:
    try:
        return load_scenario(name_or_path)
    except ScenarioError as exc:
        raise _fail([str(p) for p in exc.problems]) from None


def _simulate(loaded: LoadedScenario, *, futures: int, seed: int, months: int | None,
              claims_off: list[str] = (), shocks: bool = True, record_events: bool = False,
              label: str = "simulating") -> Run:
    horizon = months or loaded.scenario.horizon_months
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("futures x months"), TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(label, total=futures * horizon)
        try:
            return run_scenario(
                loaded, futures=futures, seed=seed, months=months, claims_off=claims_off,
                shocks=shocks, record_events=record_events,
                on_progress=lambda done: progress.advance(task, done),
            )
        except ScenarioError as exc:
            raise _fail([str(p) for p in exc.problems]) from None
        except ValueError as exc:
            raise _fail(str(exc)) from None


def _summaries(run: Run) -> list[OutcomeSummary]:
    out = run.model.outcomes
    binary = summarise_binary([out.ids[r] for r in out.binary],
                              [out.labels[r] for r in out.binary], run.result.first_month)
    continuous = summarise_continuous([out.ids[r] for r in out.continuous],
                                      [out.labels[r] for r in out.continuous], run.result.value)
    return binary + continuous


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%" if 0 < abs(x) < 0.01 else f"{100 * x:.1f}%"


def _outcome_table(run: Run, summaries: list[OutcomeSummary]) -> Table:
    meta = run.metadata
    table = Table(title=f"{meta.scenario}: {meta.futures:,} futures x {meta.months} months, "
                        f"seed {meta.seed}")
    table.add_column("outcome")
    table.add_column("probability", justify="right")
    table.add_column("95% interval", justify="right")
    table.add_column("median first month", justify="right")
    start = run.model.scenario.start
    for s in summaries:
        e = s.estimate
        if s.kind == "binary":
            when = "-" if s.median_first_month is None else month_label(
                start, int(s.median_first_month))
            table.add_row(s.label, _pct(e.value), f"{_pct(e.low)} - {_pct(e.high)}", when)
        else:
            table.add_row(f"{s.label} (mean)", f"{e.value:+.3f}",
                          f"{e.low:+.3f} - {e.high:+.3f}", "-")
    return table


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or YAML file.")]
    = DEFAULT_SCENARIO,
    futures: Futures = 10_000,
    months: Months = None,
    seed: Seed = 2024,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output folder.")] = None,
    events: Annotated[bool, typer.Option(help="Store every simulated event.")] = True,
    shocks: Annotated[bool, typer.Option(help="Random accidents and misperceptions.")] = True,
    report: Annotated[bool, typer.Option(
        "--report", help="Also write report.html (needs the 'report' extra).")] = False,
) -> None:
    """Simulate a scenario and summarise its futures."""
    loaded = _load(scenario)
    result = _simulate(loaded, futures=futures, seed=seed, months=months, shocks=shocks,
                       record_events=events)
    summaries = _summaries(result)
    paths = top_paths(result.result.quarter_rung)
    folder = out_dir or Path("peninsula-out") / (
        f"{loaded.scenario.name}-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
    folder.mkdir(parents=True, exist_ok=True)
    metadata = result.metadata.as_dict()
    run_id = write_run(folder / "results.duckdb", metadata, result.model, result.result)
    summary = {
        "run_id": run_id,
        "metadata": metadata,
        "outcomes": [s.as_dict() for s in summaries],
        "escalation_paths": [{"path": str(p), "share": p.share, "count": p.count}
                             for p in paths],
        "shocks": {"inflaming": result.result.shocks_inflame,
                   "calming": result.result.shocks_calm},
        "events": 0 if result.result.events is None else len(result.result.events),
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    if report:
        _write_run_report(result, summary, folder / "report.html")
    out.print(_outcome_table(result, summaries))
    out.print("Most frequent escalation paths (highest rung per quarter, "
              "0 talk ... 4 show of force, 6 clash, 8 war, 9 nuclear):")
    for p in paths:
        out.print(f"  {p}   {_pct(p.share)} of futures")
    out.print(f"Random shocks: {result.result.shocks_inflame:,} inflaming, "
              f"{result.result.shocks_calm:,} calming"
              + ("" if result.metadata.shocks else " (switched off)"))
    out.print(f"Simulated in {result.metadata.elapsed_seconds:.1f} s; scenario sha256 "
              f"{result.metadata.scenario_sha256[:12]}; results in {folder}/ "
              f"(results.duckdb, summary.json{', report.html' if report else ''})")


def _write_run_report(run: Run, summary: dict, path: Path) -> None:
    try:
        from peninsula.report.html import render_run_report, run_network, write_report
    except ImportError as exc:
        raise _fail(f"--report needs the report extra: pip install 'peninsula[report]' ({exc})"
                    ) from None
    model, result = run.model, run.result
    network = run_network(model.actors, model.relation, model.commitment,
                          result.final_relation.mean(axis=0),
                          result.final_commitment.mean(axis=0))
    html = render_run_report(summary, quarter_rung=result.quarter_rung, network=network,
                             start_month=model.scenario.start)
    write_report(html, path)


@app.command()
def validate(file: Annotated[str, typer.Argument(help="Scenario YAML file or built-in name.")]
             ) -> None:
    """Check a scenario file and list every problem with its line and field."""
    loaded = _load(file)
    s = loaded.scenario
    out.print(f"OK {loaded.label}: {len(s.actors)} actors, {len(s.dyads)} dyads, "
              f"{len(s.actions)} actions, {len(s.events)} events, {len(s.claims)} claims, "
              f"{len(s.outcomes)} outcomes; sha256 {loaded.sha256[:12]}")


@app.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    table = Table(title="Built-in scenarios")
    for column in ("name", "title", "actors", "start", "months"):
        table.add_column(column)
    for name in builtin_scenarios():
        s = _load(name).scenario
        table.add_row(name, s.title, " ".join(s.actor_codes), s.start, str(s.horizon_months))
    out.print(table)


@app.command()
def show(scenario: Annotated[str, typer.Argument(help="Built-in scenario name or YAML file.")]
         = DEFAULT_SCENARIO) -> None:
    """Print a scenario's actors, dyads, actions and claims with their source quotes."""
    from peninsula.scenario.compiled import compile_scenario

    loaded = _load(scenario)
    s = loaded.scenario
    model = compile_scenario(s)
    out.print(f"[bold]{s.title}[/bold] ({s.name}, from {s.start}, {s.horizon_months} months)")
    if s.provenance:
        out.print(f"Provenance: {s.provenance}")
    actors = Table(title="Actors")
    for column in ("code", "name", "military", "nuclear", "second strike", "elsewhere",
                   "war aversion", "rationality"):
        actors.add_column(column)
    for a in s.actors:
        c = a.capabilities
        actors.add_row(a.code, a.name, f"{c.military:g}", f"{c.nuclear:g}",
                       f"{c.second_strike:g}", f"{c.committed_elsewhere:g}",
                       f"{a.objectives.war_aversion:g}", f"{a.rationality:g}")
    out.print(actors)
    dyads = Table(title="Dyads (relation on the Goldstein scale, -10 ... +10)")
    for column in ("source>target", "relation", "commitment", "dependence", "hostile",
                   "rationale"):
        dyads.add_column(column)
    for d in s.dyads:
        dyads.add_row(f"{d.source}>{d.target}", "" if d.relation is None else f"{d.relation:g}",
                      f"{d.commitment:g}", f"{d.dependence:g}", "yes" if d.hostile else "",
                      d.rationale or "")
    out.print(dyads)
    actions = Table(title="Actions")
    for column in ("id", "CAMEO", "PLOVER", "Goldstein", "rung", "label"):
        actions.add_column(column)
    from peninsula.scenario.cameo import plover_type_for

    for k, a in enumerate(s.actions):
        actions.add_row(a.id, a.cameo or "-", (plover_type_for(a.cameo) or "-") if a.cameo
                        else "-", f"{model.goldstein[k]:+.1f}", str(a.rung), a.label)
    out.print(actions)
    for c in s.claims:
        out.print(f"[bold]{c.id}[/bold] {c.title}")
        out.print(f'   source: "{c.source}"', highlight=False)
        out.print(f"   in the model: {c.model}", highlight=False)
        out.print(f"   switched off: {json.dumps(c.when_off)}", highlight=False)


@app.command()
def counterfactual(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or YAML file.")]
    = DEFAULT_SCENARIO,
    without: Annotated[list[str], typer.Option("--without", "-w",
                                               help="Claim to switch off (repeatable).")] = (),
    futures: Futures = 10_000,
    months: Months = None,
    seed: Seed = 2024,
) -> None:
    """Run a scenario with and without some claims on the same random draws."""
    if not without:
        raise _fail("name at least one claim with --without (e.g. --without S1)")
    loaded = _load(scenario)
    base = _simulate(loaded, futures=futures, seed=seed, months=months, label="baseline")
    alt = _simulate(loaded, futures=futures, seed=seed, months=months, claims_off=list(without),
                    label="without " + ",".join(without))
    out_ = base.model.outcomes
    ids = [out_.ids[r] for r in out_.binary + out_.continuous]
    labels = [out_.labels[r] for r in out_.binary + out_.continuous]
    kinds = ["binary"] * len(out_.binary) + ["continuous"] * len(out_.continuous)
    rows = compare_runs(ids, labels, kinds, base.outcome_matrix(), alt.outcome_matrix())
    table = Table(title=f"{loaded.scenario.name}: with and without {', '.join(without)} "
                        f"({futures:,} futures, same draws, seed {seed})")
    for column in ("outcome", "with", "without", "difference", "95% interval", ""):
        table.add_column(column, justify="right" if column not in ("outcome", "") else "left")
    for r in rows:
        fmt = _pct if r.kind == "binary" else (lambda x: f"{x:+.3f}")
        d = r.difference
        mark = "*" if d.excludes_zero() else ""
        table.add_row(r.label, fmt(r.baseline.value), fmt(r.counterfactual.value),
                      fmt(d.value) if r.kind != "binary" else f"{100 * d.value:+.1f} pts",
                      (f"{100 * d.low:+.1f} .. {100 * d.high:+.1f} pts" if r.kind == "binary"
                       else f"{d.low:+.3f} .. {d.high:+.3f}"), mark)
    out.print(table)
    out.print("* the 95% interval of the paired difference excludes zero")
    for claim_id in without:
        claim = next(c for c in loaded.scenario.claims if c.id == claim_id)
        out.print(f"{claim.id} off: {json.dumps(claim.when_off)}", highlight=False)


def main() -> None:
    """Entry point of the ``peninsula`` console script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
