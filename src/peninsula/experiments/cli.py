"""Commands of the exploratory analysis: ``explore``, ``analyze``, ``report`` and ``compare``.

Plain Typer-annotated functions; :mod:`peninsula.cli` registers them. Every user error ends
with one line per problem on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from peninsula.scenario.loading import ScenarioError

out = Console()
err = Console(stderr=True)

ResultsArg = Annotated[str, typer.Argument(help="Exploration folder (or its exploration.duckdb).")]
OutcomeOpt = Annotated[str | None, typer.Option(
    "--outcome", help="Outcome to analyse (default: war_on_peninsula, else the first).")]
ThresholdOpt = Annotated[float, typer.Option(
    "--threshold", help="Scenario discovery: cases where the outcome exceeds this value.")]
ObjectiveOpt = Annotated[str | None, typer.Option(
    "--objective", help="Weighted objective, e.g. 'war_on_peninsula=3,limited_clash=1,"
                        "+inter_korean_talks=1' ('+': maximise).")]
ToleranceOpt = Annotated[float, typer.Option(
    "--tolerance", help="Regret within which a policy counts as near the best.")]


def _fail(messages: list[str] | str) -> typer.Exit:
    for message in [messages] if isinstance(messages, str) else messages:
        err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _open(results: str):
    from peninsula.analysis.exploration import ResultsError, open_results

    try:
        return open_results(results)
    except ResultsError as exc:
        raise _fail(str(exc)) from None


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
) -> None:
    """Run every lever combination over sampled assumptions and store the results."""
    from peninsula.experiments.explore import plan_exploration, run_exploration
    from peninsula.scenario.exploration import load_exploration
    from peninsula.scenario.loading import load_scenario

    try:
        loaded = load_scenario(scenario)
        spec = load_exploration(scenario, loaded)
        plan = plan_exploration(loaded, spec, samples=samples, futures=futures, seed=seed,
                                sampler=sampler, months=months)
    except ScenarioError as exc:
        raise _fail([str(p) for p in exc.problems]) from None
    except (ValueError, ImportError) as exc:
        raise _fail(str(exc)) from None
    if workers < 1:
        raise _fail("--workers must be at least 1")
    if executor not in ("local", "processes", "dask"):
        raise _fail(f"--executor {executor!r}: expected local, processes or dask")
    if executor == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise _fail("--executor dask needs the dask extra: pip install 'peninsula[dask]'"
                        ) from None
    folder = out_dir or Path("peninsula-out") / (
        f"{loaded.scenario.name}-explore-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
    target = folder / "exploration.duckdb"
    if resume and out_dir is None:
        raise _fail("--resume needs the --out folder of the interrupted exploration")
    if target.exists() and not resume:
        raise _fail(f"{target} already exists; choose another --out folder, or add --resume "
                    "to finish an interrupted exploration")
    design = plan.design
    note = (f" (sobol: N={design.n_base} x (d + 2) = {design.n_samples} of {samples} asked)"
            if design.n_base else "")
    err.print(f"{loaded.scenario.name}: {len(spec.uncertainties)} uncertainties, "
              f"{len(plan.policies)} policies, {design.n_samples:,} samples{note}, "
              f"{futures:,} futures x {plan.months} months each = "
              f"{plan.n_experiments * futures:,} futures", highlight=False)
    columns = [TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
               TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn()]
    try:
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task("exploring", total=plan.total_work)
            summary = run_exploration(plan, folder, workers=workers, executor=executor,
                                      scheduler=scheduler, resume=resume,
                                      on_progress=lambda done: progress.advance(task, done))
    except KeyboardInterrupt:
        err.print(f"interrupted: the finished batches are kept in {target}; run the same "
                  "command with --resume to finish", highlight=False)
        raise typer.Exit(130) from None
    except ScenarioError as exc:
        raise _fail([str(p) for p in exc.problems]) from None
    except (ValueError, FileExistsError, RuntimeError) as exc:
        raise _fail(str(exc).splitlines()[0]) from None
    rate = summary.experiments * futures / max(summary.elapsed_seconds, 1e-9)
    out.print(f"Explored {summary.experiments:,} experiments ({summary.samples:,} samples x "
              f"{summary.policies} policies) in {summary.elapsed_seconds:.1f} s "
              f"({rate:,.0f} futures/s); scenario sha256 "
              f"{plan.header['scenario_sha256'][:12]}; results in {summary.path}",
              highlight=False)
    out.print(f"Next: peninsula analyze {folder}   |   peninsula report {folder} -o report.html",
              highlight=False)


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
    from peninsula.analysis.exploration import (
        ResultsError,
        discover,
        policy_probabilities,
        robustness_of,
        sensitivity,
    )

    res = _open(results)
    ids = [o["id"] for o in res.outcomes]
    chosen = outcome or ("war_on_peninsula" if "war_on_peninsula" in ids else ids[0])
    try:
        index = res.outcome_index(chosen)
        res.policy_index(policy)
        rows = policy_probabilities(res)
        table = robustness_of(res, outcome=chosen, higher_is_better=maximize,
                              tolerance=tolerance)
        weighted = (robustness_of(res, objective=objective, tolerance=tolerance)
                    if objective else None)
        found = discover(res, chosen, threshold, policy=policy)
    except ResultsError as exc:
        raise _fail(str(exc)) from None
    meta = res.outcomes[index]
    m = res.metadata
    out.print(f"[bold]{m['scenario']}[/bold]: {m['samples']:,} samples ({m['sampler']}, seed "
              f"{m['seed']}) x {len(res.policies)} policies x {m['futures']:,} futures x "
              f"{m['months']} months; scenario sha256 {m['scenario_sha256'][:12]}, "
              f"version {m['version']}", highlight=False)

    by_key = {(r.policy, r.outcome): r for r in rows}
    short = dict(zip(res.policy_labels, res.policy_short, strict=True))
    chosen_table = Table(title=f"{meta['label']} per policy (averaged over the samples)")
    chosen_table.add_column("policy", no_wrap=True)
    for column in ("estimate", "95% interval"):
        chosen_table.add_column(column, justify="right")
    fmt = _pct if meta["kind"] == "binary" else (lambda x: f"{x:.3g}")
    for label in res.policy_labels:
        e = by_key[(label, chosen)].estimate
        chosen_table.add_row(short[label], fmt(e.value), f"{fmt(e.low)} - {fmt(e.high)}")
    out.print(chosen_table)
    out.print(f"  policy = {res.lever_order}", highlight=False)

    def cell(x: float) -> str:
        return f"{x:.1f}" if abs(x) < 10 else f"{x:.0f}"

    grid = Table(title="Every outcome per policy, % (means for continuous outcomes)",
                 box=None, padding=(0, 1), pad_edge=False)
    grid.add_column("outcome", no_wrap=True)
    for p, _ in enumerate(res.policies):
        grid.add_column(f"P{p + 1}", justify="right", no_wrap=True, min_width=3)
    for o in res.outcomes:
        scale = 100.0 if o["kind"] == "binary" else 1.0
        grid.add_row(o["id"], *[cell(scale * by_key[(label, o['id'])].estimate.value)
                                for label in res.policy_labels])
    out.print(grid)
    out.print("  " + "; ".join(f"P{p + 1} = {s}" for p, s in enumerate(res.policy_short)),
              highlight=False)

    for caption, tab, kind in ((f"Robustness: {meta['label']} ("
                                f"{'higher' if maximize else 'lower'} is better, tolerance "
                                f"{tolerance:g})", table, meta["kind"]),
                               (f"Robustness: weighted objective {objective} (score, higher "
                                "is better)", weighted, "score")):
        if tab is None:
            continue
        rt = Table(title=caption)
        rt.add_column("policy", no_wrap=True)
        for column in ("expected", "worst case", "max regret", "mean regret", "near best"):
            rt.add_column(column, justify="right")
        f = (_pct if kind == "binary" else (lambda x: f"{x:.3g}"))
        best = tab.best("max_regret")
        for rec in tab.levers:
            rt.add_row(("* " if rec.lever == best else "  ") + short[rec.lever], f(rec.expected),
                       f(rec.worst), f(rec.max_regret), f(rec.mean_regret),
                       _pct(rec.share_near_best))
        out.print(rt)
        out.print(f"* most robust (minimax regret): {short[best]}; best expected value: "
                  f"{short[tab.best('expected')]}; best worst case: {short[tab.best('worst')]}",
                  highlight=False)

    out.print("[bold]Sensitivity (Sobol indices)[/bold]")
    sens = sensitivity(res, chosen, policy=policy)
    if sens.ST is None:
        out.print(f"  {sens.message}", highlight=False)
    else:
        st = Table(title=f"{meta['label']}: first-order (S1) and total (ST) Sobol indices")
        for column in ("uncertainty", "S1", "±", "ST", "±"):
            st.add_column(column, justify="left" if column == "uncertainty" else "right")
        for j in np.argsort(-sens.ST):
            st.add_row(sens.names[j], f"{sens.S1[j]:.3f}", f"{sens.S1_conf[j]:.3f}",
                       f"{sens.ST[j]:.3f}", f"{sens.ST_conf[j]:.3f}")
        out.print(st)
        n_base = res.metadata.get("n_base") or 0
        if n_base < 64:
            out.print(f"  [yellow]N = {n_base} base samples: too few for stable indices (the "
                      "± columns say how unstable); use --samples for N >= 64.[/yellow]",
                      highlight=False)
        if sens.noise_share is not None:
            out.print(f"  Monte Carlo noise is about {_pct(sens.noise_share)} of this "
                      "outcome's variance across samples (it inflates ST).", highlight=False)
        for o in res.outcomes:
            if o["id"] == chosen:
                continue
            other = sensitivity(res, o["id"], policy=policy)
            if other.ST is None:
                out.print(f"  {o['id']}: {other.message}", highlight=False)
                continue
            top = np.argsort(-other.ST)[:3]
            out.print(f"  {o['id']}: " + ", ".join(
                f"{other.names[j]} S1 {other.S1[j]:.2f} ST {other.ST[j]:.2f}" for j in top),
                highlight=False)

    out.print(f"[bold]Scenario discovery (PRIM): {meta['id']} > {threshold:g}[/bold] - "
              f"{found.n_of_interest:,} of {found.n_rows:,} experiments; boxes must reach a "
              f"density of {_pct(found.density)}", highlight=False)
    if not found.boxes:
        out.print(f"  {found.message}", highlight=False)
    for b, box in enumerate(found.boxes):
        out.print(f"  box {b + 1}: coverage {_pct(box.coverage)}, density "
                  f"{_pct(box.density)}, mass {_pct(box.mass)}", highlight=False)
        for r in box.restrictions:
            out.print(f"    {r.name}: {r.lower:.4g} .. {r.upper:.4g}  (sampled "
                      f"{r.data_lower:.4g} .. {r.data_upper:.4g})", highlight=False)


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
    from peninsula.analysis.exploration import ResultsError

    res = _open(results)
    try:
        from peninsula.report.html import render_exploration_report, write_report

        html = render_exploration_report(res, outcome=outcome, threshold=threshold,
                                         objective=objective, tolerance=tolerance)
    except (ResultsError, ImportError) as exc:
        raise _fail(str(exc)) from None
    try:
        path = write_report(html, output)
    except OSError as exc:
        raise _fail(f"cannot write {output}: {exc.strerror or exc}") from None
    out.print(f"Report written to {path} ({len(html) / 1e6:.1f} MB, self-contained)",
              highlight=False)


# --------------------------------------------------------------------------- compare


def compare_command(
    results_a: Annotated[str, typer.Argument(help="First exploration (A).")],
    results_b: Annotated[str, typer.Argument(help="Second exploration (B).")],
    outcome: OutcomeOpt = None,
) -> None:
    """Compare two explorations policy by policy (B minus A)."""
    from peninsula.analysis.exploration import ResultsError, compare_explorations

    a, b = _open(results_a), _open(results_b)
    try:
        rows = compare_explorations(a, b)
    except ResultsError as exc:
        raise _fail(str(exc)) from None
    ids = [o["id"] for o in a.outcomes]
    chosen = outcome or ("war_on_peninsula" if "war_on_peninsula" in ids else ids[0])
    if chosen not in {r.outcome for r in rows}:
        raise _fail(f"outcome {chosen!r} is not in both explorations")
    ma, mb = a.metadata, b.metadata
    for key in ("scenario", "scenario_sha256", "exploration_sha256", "sampler", "seed",
                "samples", "futures", "months", "version"):
        va, vb = ma.get(key), mb.get(key)
        same = "same" if va == vb else "differs"
        show = (lambda v: str(v)[:12]) if key.endswith("sha256") else str
        out.print(f"  {key:20s} A {show(va):>14s}   B {show(vb):>14s}   {same}", highlight=False)
    paired = rows[0].paired
    out.print("Same samples and seeds: differences are paired sample by sample."
              if paired else "Different samples or seeds: differences are unpaired.",
              highlight=False)
    picked = [r for r in rows if r.outcome == chosen]
    fmt = _pct if picked[0].kind == "binary" else (lambda x: f"{x:.3g}")
    table = Table(title=f"{picked[0].label}: A vs B per policy")
    for column in ("policy", "A", "B", "B - A", "95% interval", ""):
        table.add_column(column, justify="left" if column in ("policy", "") else "right")
    for r in picked:
        d = r.difference
        table.add_row(r.policy, fmt(r.a.value), fmt(r.b.value), fmt(d.value),
                      f"{fmt(d.low)} .. {fmt(d.high)}", "*" if d.excludes_zero() else "")
    out.print(table)
    moved = sorted({r.outcome for r in rows if r.difference.excludes_zero()})
    out.print("* the 95% interval of the difference excludes zero. Outcomes that moved under "
              f"at least one policy: {', '.join(moved) if moved else 'none'}", highlight=False)
