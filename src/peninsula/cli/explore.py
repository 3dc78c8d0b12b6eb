"""Commands of the exploratory analysis: ``explore``, ``analyze``, ``report`` and ``compare``.

Plain Typer-annotated functions; :mod:`peninsula.cli` registers them. Each one parses its
options, calls :mod:`peninsula.api.explorations` and renders what comes back. Every user error
ends with one line per problem on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from peninsula.analysis.comparison import Comparison
from peninsula.analysis.discovery import Discovery
from peninsula.analysis.robustness import RobustnessTable
from peninsula.analysis.sensitivity import Sensitivity
from peninsula.api.executors import ExecutorSpec
from peninsula.api.explorations import (
    Analysis,
    Exploration,
    explore,
    open_exploration,
    plan,
    write_report,
)
from peninsula.cli.console import err, fail, missing_extra, out, pct, user_error
from peninsula.experiments.explore import ExplorationPlan
from peninsula.scenario.loading import ScenarioError
from peninsula.store.explorations import FILE_NAME, ExplorationResults, ResultsError
from peninsula.store.runs import check_output_folder

ResultsArg = Annotated[str, typer.Argument(help="Exploration folder (or its exploration.duckdb).")]
OutcomeOpt = Annotated[str | None, typer.Option(
    "--outcome", help="Outcome to analyse (default: the scenario's default outcome, else the "
                      "first).")]
ThresholdOpt = Annotated[float, typer.Option(
    "--threshold", help="Scenario discovery: cases where the outcome exceeds this value.")]
ObjectiveOpt = Annotated[str | None, typer.Option(
    "--objective", help="Weighted objective, e.g. 'war_on_peninsula=3,limited_clash=1,"
                        "+inter_korean_talks=1' ('+': maximise).")]
ToleranceOpt = Annotated[float, typer.Option(
    "--tolerance", help="Regret within which a policy counts as near the best.")]

EXECUTOR_KINDS = ("local", "processes", "dask")


def _open(results: str) -> Exploration:
    try:
        return open_exploration(results)
    except ResultsError as exc:
        raise fail(str(exc)) from None


def _value_format(kind: str) -> Callable[[float], str]:
    """Percent for a probability (binary outcome), three significant digits otherwise."""
    return pct if kind == "binary" else (lambda x: f"{x:.3g}")


# --------------------------------------------------------------------------- explore


def explore_command(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or YAML file.")]
    = "korea-2024",
    samples: Annotated[int, typer.Option("--samples", help="Parameter sets to sample "
                                         "(sobol rounds down to N x (d + 2)).")] = 1000,
    futures: Annotated[int, typer.Option("--futures", "-n",
                                         help="Futures per experiment.")] = 200,
    sampler: Annotated[str, typer.Option("--sampler", help="lhs, sobol or mc.")] = "lhs",
    seed: Annotated[int, typer.Option("--seed", "-s", help="Root random seed.")] = 2024,
    months: Annotated[int | None, typer.Option("--months", "-m", help="Months to simulate "
                                               "(default: the scenario's).")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output folder.")] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", help="Worker processes "
                                         "(results do not depend on it).")] = 1,
    executor: Annotated[str, typer.Option(
        "--executor", "-e", help="local | processes | dask (results do not depend on it).")
    ] = "processes",
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="An existing Dask scheduler, e.g. tcp://host:8786.")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Finish an interrupted exploration in --out: skip stored batches.")
    ] = False,
    from_fit: Annotated[Path | None, typer.Option(
        "--from-fit", help="A `peninsula fit` folder: its posterior replaces the fitted "
        "uncertainties' ranges (the others keep theirs); default: the scenario's own fit, "
        "if it declares one.")] = None,
    prior: Annotated[bool, typer.Option(
        "--prior", help="Sample every uncertainty over its declared range, not from the "
        "scenario's fit.")] = False,
) -> None:
    """Run every lever combination over sampled assumptions and store the results."""
    try:
        if out_dir is not None:
            check_output_folder(out_dir)
        planned = plan(scenario, samples=samples, futures=futures, sampler=sampler, seed=seed,
                       months=months, from_fit=from_fit, prior=prior)
    except (ScenarioError, ValueError, ImportError) as exc:
        raise user_error(exc) from None
    spec = _executor_spec(executor, workers, scheduler)
    folder = _output_folder(out_dir, planned, resume)
    _print_plan(planned, samples)
    try:
        with _progress_bar(planned.total_work) as advance:
            explored = explore(planned.loaded, out=folder, executor=spec, resume=resume,
                               progress=advance, planned=planned)
    except KeyboardInterrupt:
        err.print(f"interrupted: the finished batches are kept in {folder / FILE_NAME}; run "
                  "the same command with --resume to finish", highlight=False, markup=False)
        raise typer.Exit(130) from None
    except (ScenarioError, ValueError, FileExistsError, RuntimeError) as exc:
        raise user_error(exc) from None
    _print_explored(explored, folder)


def _executor_spec(kind: str, workers: int, scheduler: str | None) -> ExecutorSpec:
    """The executor the options ask for, or a one-line error naming the option."""
    if workers < 1:
        raise fail("--workers must be at least 1")
    if kind not in EXECUTOR_KINDS:
        raise fail(f"--executor {kind!r}: expected {', '.join(EXECUTOR_KINDS[:-1])} or "
                   f"{EXECUTOR_KINDS[-1]}")
    if kind == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise missing_extra("dask", "--executor dask") from None
    try:
        return ExecutorSpec(kind, workers, scheduler)
    except ValueError as exc:
        raise user_error(exc) from None


def _output_folder(out_dir: Path | None, planned: ExplorationPlan, resume: bool) -> Path:
    """``--out``, or a new dated folder; refuses to overwrite or to resume without ``--out``."""
    if resume and out_dir is None:
        raise fail("--resume needs the --out folder of the interrupted exploration")
    folder = out_dir or Path("peninsula-out") / (
        f"{planned.loaded.scenario.name}-explore-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
    target = folder / FILE_NAME
    if target.exists() and not resume:
        raise fail(f"{target} already exists; choose another --out folder, or add --resume "
                   "to finish an interrupted exploration")
    return folder


def _print_plan(planned: ExplorationPlan, samples: int) -> None:
    design = planned.design
    note = (f" (sobol: N={design.n_base} x (d + 2) = {design.n_samples} of {samples} asked)"
            if design.n_base else "")
    err.print(f"{planned.loaded.scenario.name}: {len(planned.spec.uncertainties)} "
              f"uncertainties, {len(planned.policies)} policies, {design.n_samples:,} "
              f"samples{note}, {planned.futures:,} futures x {planned.months} months each = "
              f"{planned.n_experiments * planned.futures:,} futures", highlight=False,
              markup=False)
    fit = planned.header.get("fit")
    if fit and fit.get("folder") is None:
        err.print(f"not from the scenario's fit {fit['scenario_fit']}: {fit['draws']}",
                  highlight=False, markup=False)
    elif fit:
        stale = "" if fit["same_scenario"] else " (warning: fitted to another version of the " \
            "scenario: its hash differs)"
        err.print(f"from fit {fit['folder']}: {', '.join(fit['parameters'])} drawn from its "
                  f"{fit['method']} posterior; the others over their ranges{stale}",
                  highlight=False, markup=False)


@contextmanager
def _progress_bar(total: int) -> Iterator[Callable[[int], None]]:
    """A transient bar on stderr; yields the callback that advances it."""
    columns = [TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
               TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn()]
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("exploring", total=total)
        yield lambda done: progress.advance(task, done)


def _print_explored(explored: Exploration, folder: Path) -> None:
    m = explored.metadata
    elapsed = round(float(m["elapsed_seconds"]), 3)
    rate = m["experiments"] * m["futures"] / max(elapsed, 1e-9)
    out.print(f"Explored {m['experiments']:,} experiments ({m['samples']:,} samples x "
              f"{m['policies']} policies) in {elapsed:.1f} s ({rate:,.0f} futures/s); "
              f"scenario sha256 {m['scenario_sha256'][:12]}; results in {explored.path}",
              highlight=False, markup=False)
    out.print(f"Next: peninsula analyze {folder}   |   peninsula report {folder} -o report.html",
              highlight=False, markup=False)


# --------------------------------------------------------------------------- analyze


def analyze_command(
    results: ResultsArg,
    outcome: OutcomeOpt = None,
    threshold: ThresholdOpt = 0.05,
    objective: ObjectiveOpt = None,
    tolerance: ToleranceOpt = 0.01,
    maximize: Annotated[bool, typer.Option("--maximize", help="Higher values of the outcome "
                                           "are better (default: lower).")] = False,
    policy: Annotated[str | None, typer.Option("--policy", help="Sensitivity and discovery "
                                               "for one policy (e.g. 'mediate,deter'); "
                                               "default: all.")] = None,
) -> None:
    """Print probabilities per policy, robustness, Sobol indices and PRIM boxes."""
    explored = _open(results)
    try:
        analysis = explored.analyze(outcome, threshold=threshold, objective=objective,
                                    tolerance=tolerance, higher_is_better=maximize,
                                    policy=policy)
    except ResultsError as exc:
        raise fail(str(exc)) from None
    except ImportError:
        raise missing_extra("analysis", "peninsula analyze") from None
    res = explored.results
    _print_provenance(res)
    _print_chosen_outcome(res, analysis)
    _print_outcome_grid(res, analysis)
    _print_robustness(res, analysis)
    _print_sensitivity(res, analysis)
    _print_discovery(analysis.discovery, analysis.threshold)


def _print_provenance(res: ExplorationResults) -> None:
    m = res.metadata
    name = escape(str(m["scenario"]))
    out.print(f"[bold]{name}[/bold]: {m['samples']:,} samples ({m['sampler']}, seed "
              f"{m['seed']}) x {len(res.policies)} policies x {m['futures']:,} futures x "
              f"{m['months']} months; scenario sha256 {m['scenario_sha256'][:12]}, "
              f"version {m['version']}", highlight=False)


def _print_chosen_outcome(res: ExplorationResults, analysis: Analysis) -> None:
    """The chosen outcome under each policy, with its interval."""
    by_policy = {r.policy: r for r in analysis.per_policy if r.outcome == analysis.outcome}
    short = dict(zip(res.policy_labels, res.policy_short, strict=True))
    table = Table(title=escape(f"{analysis.label} per policy (averaged over the samples)"))
    table.add_column("policy", no_wrap=True)
    for column in ("estimate", "95% interval"):
        table.add_column(column, justify="right")
    fmt = _value_format(analysis.kind)
    for label in res.policy_labels:
        e = by_policy[label].estimate
        table.add_row(escape(short[label]), fmt(e.value), f"{fmt(e.low)} - {fmt(e.high)}")
    out.print(table)
    out.print(f"  policy = {res.lever_order}", highlight=False, markup=False)


def _grid_cell(x: float) -> str:
    return f"{x:.1f}" if abs(x) < 10 else f"{x:.0f}"


def _print_outcome_grid(res: ExplorationResults, analysis: Analysis) -> None:
    """Every outcome (rows) under every policy (columns P1, P2, ...)."""
    by_key = {(r.policy, r.outcome): r for r in analysis.per_policy}
    grid = Table(title="Every outcome per policy, % (means for continuous outcomes)",
                 box=None, padding=(0, 1), pad_edge=False)
    grid.add_column("outcome", no_wrap=True)
    for p, _ in enumerate(res.policies):
        grid.add_column(f"P{p + 1}", justify="right", no_wrap=True, min_width=3)
    for o in res.outcomes:
        scale = 100.0 if o["kind"] == "binary" else 1.0
        grid.add_row(escape(o["id"]), *[
            _grid_cell(scale * by_key[(label, o["id"])].estimate.value)
            for label in res.policy_labels])
    out.print(grid)
    out.print("  " + "; ".join(f"P{p + 1} = {s}" for p, s in enumerate(res.policy_short)),
              highlight=False, markup=False)


def _print_robustness(res: ExplorationResults, analysis: Analysis) -> None:
    """The regret table of the chosen outcome and, if asked, of the weighted objective."""
    short = dict(zip(res.policy_labels, res.policy_short, strict=True))
    direction = "higher" if analysis.higher_is_better else "lower"
    _print_regret_table(escape(f"Robustness: {analysis.label} ({direction} is better, tolerance "
                        f"{analysis.tolerance:g})"), analysis.robustness, analysis.kind, short)
    if analysis.weighted is not None:
        _print_regret_table(escape(f"Robustness: weighted objective {analysis.objective} "
                                   "(score, higher is better)"), analysis.weighted, "score", short)


def _print_regret_table(caption: str, table: RobustnessTable, kind: str,
                        short: dict[str, str]) -> None:
    rt = Table(title=caption)
    rt.add_column("policy", no_wrap=True)
    for column in ("expected", "worst case", "max regret", "mean regret", "near best"):
        rt.add_column(column, justify="right")
    fmt = _value_format(kind)
    best = table.best("max_regret")
    for rec in table.levers:
        mark = "* " if rec.lever == best else "  "
        rt.add_row(escape(mark + short[rec.lever]), fmt(rec.expected),
                   fmt(rec.worst), fmt(rec.max_regret), fmt(rec.mean_regret),
                   pct(rec.share_near_best))
    out.print(rt)
    out.print(f"* most robust (minimax regret): {short[best]}; best expected value: "
              f"{short[table.best('expected')]}; best worst case: {short[table.best('worst')]}",
              highlight=False, markup=False)


def _print_sensitivity(res: ExplorationResults, analysis: Analysis) -> None:
    """Sobol indices of the chosen outcome, then the top three of every other outcome."""
    out.print("[bold]Sensitivity (Sobol indices)[/bold]")
    sens = analysis.sensitivity
    if sens.ST is None:
        out.print(f"  {sens.message}", highlight=False, markup=False)
        return
    out.print(_sobol_table(sens))
    n_base = res.metadata.get("n_base") or 0
    if n_base < 64:
        out.print(f"  [yellow]N = {n_base} base samples: too few for stable indices (the "
                  "± columns say how unstable); use --samples for N >= 64.[/yellow]",
                  highlight=False)
    if sens.noise_share is not None:
        out.print(f"  Monte Carlo noise is about {pct(sens.noise_share)} of this "
                  "outcome's variance across samples (it inflates ST).", highlight=False,
                  markup=False)
    for other in analysis.other_sensitivity:
        out.print(f"  {other.outcome}: {_top_indices(other)}", highlight=False, markup=False)


def _sobol_table(sens: Sensitivity) -> Table:
    table = Table(title=escape(f"{sens.label}: first-order (S1) and total (ST) Sobol indices"))
    for column in ("uncertainty", "S1", "±", "ST", "±"):
        table.add_column(column, justify="left" if column == "uncertainty" else "right")
    for j in np.argsort(-sens.ST):
        table.add_row(escape(sens.names[j]), f"{sens.S1[j]:.3f}", f"{sens.S1_conf[j]:.3f}",
                      f"{sens.ST[j]:.3f}", f"{sens.ST_conf[j]:.3f}")
    return table


def _top_indices(sens: Sensitivity, n: int = 3) -> str:
    """The ``n`` uncertainties with the largest total index, or why there are no indices."""
    if sens.ST is None:
        return str(sens.message)
    return ", ".join(f"{sens.names[j]} S1 {sens.S1[j]:.2f} ST {sens.ST[j]:.2f}"
                     for j in np.argsort(-sens.ST)[:n])


def _print_discovery(found: Discovery, threshold: float) -> None:
    """The PRIM boxes, each with its coverage, density, mass and restrictions."""
    what = escape(found.outcome)
    out.print(f"[bold]Scenario discovery (PRIM): {what} > {threshold:g}[/bold] - "
              f"{found.n_of_interest:,} of {found.n_rows:,} experiments; boxes must reach a "
              f"density of {pct(found.density)}", highlight=False)
    if not found.boxes:
        out.print(f"  {found.message}", highlight=False, markup=False)
    for b, box in enumerate(found.boxes):
        out.print(f"  box {b + 1}: coverage {pct(box.coverage)}, density "
                  f"{pct(box.density)}, mass {pct(box.mass)}", highlight=False, markup=False)
        for r in box.restrictions:
            out.print(f"    {r.name}: {r.lower:.4g} .. {r.upper:.4g}  (sampled "
                      f"{r.data_lower:.4g} .. {r.data_upper:.4g})", highlight=False, markup=False)


# --------------------------------------------------------------------------- report


def report_command(
    results: ResultsArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")]
    = Path("report.html"),
    outcome: OutcomeOpt = None,
    threshold: ThresholdOpt = 0.05,
    objective: ObjectiveOpt = None,
    tolerance: ToleranceOpt = 0.01,
) -> None:
    """Write one self-contained HTML report of an exploration (opens offline)."""
    exploration = _open(results)
    try:
        write_report(exploration, output, outcome=outcome, threshold=threshold,
                     objective=objective, tolerance=tolerance,
                     on_written=lambda p, size: out.print(
                         f"Report written to {p} ({size / 1e6:.1f} MB, self-contained)",
                         highlight=False, markup=False))
    except ImportError as exc:
        raise missing_extra("report", "peninsula report", exc) from None
    except ResultsError as exc:
        raise user_error(exc) from None
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None


# --------------------------------------------------------------------------- compare


def compare_command(
    results_a: Annotated[str, typer.Argument(help="First exploration (A).")],
    results_b: Annotated[str, typer.Argument(help="Second exploration (B).")],
    outcome: OutcomeOpt = None,
) -> None:
    """Compare two explorations policy by policy (B minus A)."""
    a, b = _open(results_a), _open(results_b)
    try:
        rows = a.compare(b)
    except ResultsError as exc:
        raise fail(str(exc)) from None
    chosen = outcome or a.default_outcome
    picked = [r for r in rows if r.outcome == chosen]
    if not picked:
        raise fail(f"outcome {chosen!r} is not in both explorations")
    _print_compared_provenance(a.metadata, b.metadata)
    out.print("Same samples and seeds: differences are paired sample by sample."
              if rows[0].paired else "Different samples or seeds: differences are unpaired.",
              highlight=False, markup=False)
    out.print(_comparison_table(picked))
    moved = sorted({r.outcome for r in rows if r.difference.excludes_zero()})
    out.print("* the 95% interval of the difference excludes zero. Outcomes that moved under "
              f"at least one policy: {', '.join(moved) if moved else 'none'}", highlight=False,
              markup=False)


def _print_compared_provenance(ma: dict, mb: dict) -> None:
    """What makes the numbers of each exploration, side by side."""
    for key in ("scenario", "scenario_sha256", "exploration_sha256", "sampler", "seed",
                "samples", "futures", "months", "version"):
        va, vb = ma.get(key), mb.get(key)
        same = "same" if va == vb else "differs"
        show = (lambda v: str(v)[:12]) if key.endswith("sha256") else str
        out.print(f"  {key:20s} A {show(va):>14s}   B {show(vb):>14s}   {same}",
                  highlight=False, markup=False)


def _comparison_table(picked: list[Comparison]) -> Table:
    fmt = _value_format(picked[0].kind)
    table = Table(title=escape(f"{picked[0].label}: A vs B per policy"))
    for column in ("policy", "A", "B", "B - A", "95% interval", ""):
        table.add_column(column, justify="left" if column in ("policy", "") else "right")
    for r in picked:
        d = r.difference
        table.add_row(escape(r.policy), fmt(r.a.value), fmt(r.b.value), fmt(d.value),
                      f"{fmt(d.low)} .. {fmt(d.high)}", "*" if d.excludes_zero() else "")
    return table
