"""Command-line pieces for running on many cores or a Dask cluster, resumably.

* Option types for any command: :data:`ExecutorOption` (``--executor local|processes|dask``),
  :data:`WorkersOption` (``--workers N``), :data:`SchedulerOption` (``--scheduler URL``),
  :data:`ResumeOption` (``--resume``) and :data:`ChunkSizeOption` (``--chunk-size``), and
  :func:`executor_from_options`, which turns them into an executor or a one-line error.
* :func:`run_resumable_command`, a complete command (registered as ``peninsula run-chunked``):
  like ``peninsula run``, but chunks run on the chosen executor and each finished chunk is
  committed to ``<out>/chunks.duckdb``; after a kill, the same command with ``--resume``
  finishes the run. The final results are written like ``peninsula run``'s
  (``results.duckdb``, ``summary.json``), atomically.

``python -m peninsula.experiments.scale_cli ...`` runs the command on its own (it has the
``__main__`` guard a Dask LocalCluster needs).
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from peninsula import __version__
from peninsula.engine.draws import FUTURES_PER_BLOCK
from peninsula.experiments.ensemble import DEFAULT_CHUNK, plan_chunks
from peninsula.experiments.executors import (
    EXECUTORS,
    Executor,
    ExecutorError,
    LocalExecutor,
    make_executor,
)
from peninsula.experiments.parallel import Interrupted, run_ensemble_parallel, run_identity
from peninsula.experiments.runs import Run, RunMetadata, prepare
from peninsula.scenario.compiled import compile_scenario
from peninsula.scenario.loading import ScenarioError, load_scenario
from peninsula.store.chunks import ChunkStore, StoreError, query_interrupted

ExecutorOption = Annotated[str, typer.Option(
    "--executor", "-e", help=f"Where chunks run: {' | '.join(EXECUTORS)}.")]
WorkersOption = Annotated[int, typer.Option(
    "--workers", "-j", help="Worker processes (processes, or a local Dask cluster).")]
SchedulerOption = Annotated[str | None, typer.Option(
    "--scheduler", help="Address of an existing Dask scheduler, e.g. tcp://host:8786.")]
ResumeOption = Annotated[bool, typer.Option(
    "--resume", help="Finish an interrupted run: skip the chunks already stored.")]
ChunkSizeOption = Annotated[int, typer.Option(
    "--chunk-size", help=f"Futures per chunk (whole blocks of {FUTURES_PER_BLOCK}).")]

CHUNK_STORE = "chunks.duckdb"
err = Console(stderr=True)
out = Console()


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def executor_from_options(executor: str, workers: int, scheduler: str | None) -> Executor:
    """The executor the options ask for; a user error becomes a one-line message, exit 2."""
    try:
        return make_executor(executor, workers, scheduler)
    except (ValueError, ExecutorError) as exc:
        raise _fail(str(exc)) from None


def run_resumable_command(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or YAML file.")]
    = "korea-2024",
    futures: Annotated[int, typer.Option("--futures", "-n", help="Number of simulated futures.")]
    = 10_000,
    months: Annotated[int | None, typer.Option(
        "--months", "-m", help="Months to simulate (default: the scenario's).")] = None,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Root random seed.")] = 2024,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: peninsula-out/<scenario>-s<seed>-n<futures>; "
                      "the chunk store lives there).")] = None,
    events: Annotated[bool, typer.Option(help="Store every simulated event.")] = True,
    shocks: Annotated[bool, typer.Option(help="Random accidents and misperceptions.")] = True,
    executor: ExecutorOption = "local",
    workers: WorkersOption = 1,
    scheduler: SchedulerOption = None,
    resume: ResumeOption = False,
    chunk_size: ChunkSizeOption = DEFAULT_CHUNK,
) -> None:
    """Simulate a scenario chunk by chunk on any executor; resumable after a kill or Ctrl-C."""
    if futures < 1:
        raise _fail("--futures must be at least 1")
    if months is not None and months < 1:
        raise _fail("--months must be at least 1")
    if chunk_size < 1:
        raise _fail("--chunk-size must be at least 1")
    try:
        loaded = load_scenario(scenario)
        prepared, applied = prepare(loaded, shocks=shocks)
    except ScenarioError as exc:
        raise _fail("; ".join(str(p) for p in exc.problems)) from None
    model = compile_scenario(prepared.scenario, horizon=months)
    folder = out_dir or Path("peninsula-out") / (
        f"{loaded.scenario.name}-s{seed}-n{futures}-m{model.horizon}")
    identity = run_identity(scenario_sha256=prepared.sha256, seed=seed, futures=futures,
                            months=model.horizon, chunk_size=chunk_size, record_events=events,
                            parameters={"overrides": applied, "shocks": shocks})
    runner = executor_from_options(executor, workers, scheduler)
    n_chunks = len(plan_chunks(futures, chunk_size))
    started = time.perf_counter()
    try:
        with ChunkStore(folder / CHUNK_STORE, identity, resume=resume) as store:
            already = len(store.done())
            if already:
                err.print(f"resuming: {already} of {n_chunks} chunks already stored")
            if already >= n_chunks:
                runner = LocalExecutor()  # nothing to compute: start no workers
            columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("chunks"), TimeElapsedColumn()]
            with Progress(*columns, console=err, transient=True) as progress:
                task = progress.add_task(f"simulating ({runner.describe()})", total=n_chunks,
                                         completed=already)
                with runner:
                    result = run_ensemble_parallel(
                        model, futures, seed, executor=runner, chunk_size=chunk_size,
                        store=store, record_events=events,
                        on_chunk=lambda _c, done, _t: progress.update(task, completed=done))
    except Interrupted as exc:
        err.print(escape(str(exc)), highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    except KeyboardInterrupt:  # Ctrl-C while starting or closing workers or the progress bar
        err.print(f"interrupted; the finished chunks are kept in {folder / CHUNK_STORE}: run the "
                  "same command again with --resume to finish", highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    except (StoreError, ExecutorError, ValueError) as exc:
        raise _fail(str(exc)) from None
    elapsed = time.perf_counter() - started
    metadata = RunMetadata(
        scenario=loaded.scenario.name, scenario_sha256=prepared.sha256, seed=seed,
        futures=futures, months=model.horizon, version=__version__,
        futures_per_block=FUTURES_PER_BLOCK, chunk_size=chunk_size, shocks=model.shocks_enabled,
        overrides=applied, created=datetime.now(UTC).isoformat(timespec="seconds"),
        elapsed_seconds=round(elapsed, 3))
    try:
        _write_results(folder, Run(metadata=metadata, model=model, result=result),
                       {"executor": executor, "workers": runner.workers,
                        "scheduler": scheduler, "chunks": n_chunks, "resumed_chunks": already})
    except (KeyboardInterrupt, RuntimeError) as exc:
        if not isinstance(exc, KeyboardInterrupt) and not query_interrupted(exc):
            raise
        err.print(f"interrupted while writing the results; every chunk is stored in "
                  f"{folder / CHUNK_STORE}: run the same command again with --resume",
                  highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None


def _write_results(folder: Path, run: Run, execution: dict) -> None:
    """Write results.duckdb and summary.json atomically and print the outcome table."""
    from peninsula.analysis.outcomes import top_paths
    from peninsula.cli import _outcome_table, _pct, _summaries
    from peninsula.store.runs import write_run

    metadata = run.metadata.as_dict()
    target = folder / "results.duckdb"
    partial = folder / "results.duckdb.partial"
    for stale in (partial, partial.with_name(partial.name + ".wal")):
        stale.unlink(missing_ok=True)
    run_id = write_run(partial, metadata, run.model, run.result)
    os.replace(partial, target)
    summaries = _summaries(run)
    paths = top_paths(run.result.quarter_rung)
    summary = {
        "run_id": run_id, "metadata": metadata, "execution": execution,
        "outcomes": [s.as_dict() for s in summaries],
        "escalation_paths": [{"path": str(p), "share": p.share, "count": p.count}
                             for p in paths],
        "shocks": {"inflaming": run.result.shocks_inflame, "calming": run.result.shocks_calm},
        "events": 0 if run.result.events is None else len(run.result.events),
    }
    tmp = folder / "summary.json.partial"
    tmp.write_text(json.dumps(summary, indent=2))
    os.replace(tmp, folder / "summary.json")
    out.print(_outcome_table(run, summaries))
    for p in paths:
        out.print(f"  {p}   {_pct(p.share)} of futures")
    out.print(f"Simulated in {run.metadata.elapsed_seconds:.1f} s on {execution['executor']} "
              f"x{execution['workers']} ({execution['chunks']} chunks, "
              f"{execution['resumed_chunks']} resumed); results in {folder}/ "
              f"(results.duckdb, summary.json, {CHUNK_STORE})")


app = typer.Typer(add_completion=False, help="Run a scenario in resumable chunks.")
app.command("run-chunked")(run_resumable_command)


def main() -> None:
    """Run the command on its own (``python -m peninsula.experiments.scale_cli``)."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
