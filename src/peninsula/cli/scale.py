"""``peninsula run-chunked``: a run in chunks on local, process or Dask workers, resumable.

Each finished chunk is committed to ``<out>/chunks.duckdb``; after a kill or Ctrl-C, the same
command with ``--resume`` finishes the run with identical numbers. The final results are written
like ``peninsula run``'s (``results.duckdb``, ``summary.json``), atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from peninsula.api import executors
from peninsula.api.runs import CHUNK_STORE, run_chunked
from peninsula.cli.console import err, fail, note, out, user_error
from peninsula.cli.run import print_run, scenario_or_fail
from peninsula.engine.draws import FUTURES_PER_BLOCK
from peninsula.experiments.ensemble import DEFAULT_CHUNK
from peninsula.experiments.executors import EXECUTORS, ExecutorError
from peninsula.experiments.parallel import Interrupted
from peninsula.scenario.loading import ScenarioError
from peninsula.store.chunks import StoreError, query_interrupted

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
    loaded = scenario_or_fail(scenario)
    try:
        spec = executors.ExecutorSpec(executor, workers, scheduler)
    except ValueError as exc:
        raise user_error(exc) from None
    horizon = months or loaded.scenario.horizon_months
    folder = out_dir or Path("peninsula-out") / (
        f"{loaded.scenario.name}-s{seed}-n{futures}-m{horizon}")
    store = folder / CHUNK_STORE
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("chunks"), TimeElapsedColumn()]
    try:
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task(f"simulating ({executor} x{workers})", total=None)
            result = run_chunked(
                loaded, folder, futures=futures, seed=seed, months=months, shocks=shocks,
                events=events, executor=spec, chunk_size=chunk_size, resume=resume,
                on_resume=lambda done, total: note(
                    f"resuming: {done} of {total} chunks already stored"),
                on_chunk=lambda done, total: progress.update(task, completed=done, total=total))
    except Interrupted as exc:
        note(str(exc))
        raise typer.Exit(130) from None
    except KeyboardInterrupt:  # Ctrl-C while starting or closing workers or the progress bar
        note(f"interrupted; the finished chunks are kept in {store}: run the same command "
             "again with --resume to finish")
        raise typer.Exit(130) from None
    except (ScenarioError, StoreError, ExecutorError, ValueError) as exc:
        raise user_error(exc) from None
    except RuntimeError as exc:
        if not query_interrupted(exc):
            raise
        note(f"interrupted while writing the results; every chunk is stored in {store}: run "
             "the same command again with --resume")
        raise typer.Exit(130) from None
    except OSError as exc:
        raise fail(f"cannot write the results in {folder}: {exc.strerror or exc}") from None
    print_run(result, paths_header=False)
    ex = result.execution or {}
    out.print(f"Simulated in {result.metadata.elapsed_seconds:.1f} s on {ex.get('executor')} "
              f"x{ex.get('workers')} ({ex.get('chunks')} chunks, {ex.get('resumed_chunks')} "
              f"resumed); results in {folder}/ (results.duckdb, summary.json, {CHUNK_STORE})",
              highlight=False, markup=False)


def main() -> None:
    """Run the command on its own (``python -m peninsula.cli.scale``)."""
    app = typer.Typer(add_completion=False, help="Run a scenario in resumable chunks.")
    app.command("run-chunked")(run_resumable_command)
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
