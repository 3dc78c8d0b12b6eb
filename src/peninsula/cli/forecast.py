"""The ``peninsula forecast`` and ``peninsula score`` commands, as plain Typer functions.

Register them on an app with ``app.command("forecast")(forecast_command)`` and
``app.command("score")(score_command)``. Every user error (a bad questions file, an unknown
name in a criterion, an unreadable forecast file) ends with one line per problem on stderr and
exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from peninsula.cli.console import err, interrupted, note, out
from peninsula.cli.console import fail as _fail
from peninsula.cli.console import pct as _pct
from peninsula.cli.console import user_error as _user_error
from peninsula.forecast.across import forecast_across
from peninsula.forecast.forecasting import (
    MAX_BINS,
    ForecastFileError,
    ScoreReport,
    ScoringError,
    forecast_questions,
    plot_calibration,
    read_forecasts,
    score_forecasts,
    write_forecasts,
)
from peninsula.forecast.questions import QuestionError, QuestionFile, load_questions
from peninsula.scenario.loading import LoadedScenario, ScenarioError, load_scenario
from peninsula.store.explorations import open_results

__all__ = ["forecast_command", "score_command"]



def _load_questions(name_or_path: str) -> QuestionFile:
    try:
        qfile = load_questions(name_or_path)
    except QuestionError as exc:
        raise _fail([str(p) for p in exc.problems]) from None
    for warning in qfile.warnings:
        note(f"warning: {warning}")
    return qfile


def _load_scenario(name_or_path: str) -> LoadedScenario:
    try:
        return load_scenario(name_or_path)
    except ScenarioError as exc:
        raise _fail([str(p) for p in exc.problems]) from None


def forecast_command(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or YAML file.")],
    questions: Annotated[str, typer.Argument(
        help="Questions YAML file, or the name of a shipped one (korea-2024-questions).")],
    futures: Annotated[int, typer.Option("--futures", "-n", help="Number of simulated futures.")]
    = 20_000,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Root random seed.")] = 2024,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for forecasts.csv and .json.")]
    = Path("."),
) -> None:
    """Forecast questions from a scenario (or an exploration): probability and 95% interval.

    Given an exploration's results (its folder or ``exploration.duckdb``), every experiment is
    re-run with its sampled parameters and seed, and the questions are forecast per policy and
    for all policies together, across the sampled uncertainties.
    """
    if futures < 1:
        raise _fail("--futures must be at least 1")
    target = Path(scenario)
    if (target.is_dir() and (target / "exploration.duckdb").exists()) or \
            target.suffix == ".duckdb":
        _forecast_exploration(target, _load_questions(questions), out_dir)
        return
    loaded = _load_scenario(scenario)
    qfile = _load_questions(questions)
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("futures x months"), TimeElapsedColumn()]
    with Progress(*columns, console=err, transient=True) as progress:
        task = None

        def start_run(months: int) -> None:
            nonlocal task
            if task is not None:
                progress.remove_task(task)
            task = progress.add_task(f"simulating {months} months", total=futures * months)

        def advance(done: int) -> None:
            if task is not None:
                progress.advance(task, done)

        try:
            result = forecast_questions(loaded, qfile, futures=futures, seed=seed,
                                        on_progress=advance, on_run=start_run)
        except (QuestionError, ScenarioError, ValueError) as exc:
            raise _user_error(exc) from None
        except KeyboardInterrupt:
            raise interrupted() from None
    csv_path, json_path = write_forecasts(result, out_dir)

    table = Table(title=f"{result.scenario}: {result.futures:,} futures, seed {result.seed}, "
                        f"questions from {result.questions_file}")
    table.add_column("question", overflow="fold")
    table.add_column("closes")
    table.add_column("probability", justify="right")
    table.add_column("95% interval", justify="right")
    resolutions = {q.id: q.resolution for q in qfile.questions}
    table.add_column("resolved", justify="center")
    for f in result.forecasts:
        resolution = resolutions.get(f.id)
        table.add_row(f.id, f.closes, _pct(f.probability), f"{_pct(f.low)} - {_pct(f.high)}",
                      "" if resolution is None else ("yes" if resolution else "no"))
    out.print(table)
    if result.without_criterion:
        out.print(f"{len(result.without_criterion)} question(s) without a criterion not "
                  f"forecast: {', '.join(result.without_criterion)}", highlight=False)
    out.print(f"Simulated {', '.join(map(str, result.run_months))} months; scenario sha256 "
              f"{result.scenario_sha256[:12]}, peninsula {result.version}", highlight=False)
    out.print(f"Wrote {csv_path} and {json_path}", highlight=False)


def _forecast_exploration(results: Path, qfile: QuestionFile, out_dir: Path) -> None:

    try:
        explored = open_results(results)
    except (ValueError, OSError) as exc:
        raise _fail(str(exc).splitlines()[0]) from None
    total = len(explored.policies) * explored.samples.shape[0]
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("experiments"), TimeElapsedColumn()]
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("forecasting across the exploration", total=total)
        try:
            sets = forecast_across(results, qfile, on_experiment=lambda: progress.advance(task))
        except (QuestionError, ScenarioError, ValueError) as exc:
            raise _user_error(exc) from None
        except KeyboardInterrupt:
            raise interrupted() from None
    meta = explored.metadata
    table = Table(title=f"{meta['scenario']}: questions across {explored.samples.shape[0]} "
                        f"sampled parameter sets x {meta['futures']} futures, per policy")
    table.add_column("question", overflow="fold")
    table.add_column("all policies (95% interval)", justify="right")
    for i in range(1, len(sets)):
        table.add_column(f"P{i}", justify="right")
    for q, first in enumerate(sets[0].forecasts.forecasts):
        row = [first.id, f"{_pct(first.probability)} ({_pct(first.low)} - {_pct(first.high)})"]
        row += [_pct(s.forecasts.forecasts[q].probability) for s in sets[1:]]
        table.add_row(*row)
    out.print(table)
    out.print("; ".join(f"P{i} = {s.label}" for i, s in enumerate(sets[1:], start=1)),
              highlight=False)
    for s in sets:
        write_forecasts(s.forecasts, out_dir / s.slug)
    out.print(f"Wrote forecasts.csv and forecasts.json for each policy under {out_dir}/ "
              f"({sets[0].slug}/ holds all policies together)", highlight=False)


RESERVED_NAMES = ("community",)
"""Forecaster names the score command gives to something other than a file."""


def _label_files(paths: list[Path]) -> list[str]:
    """A distinct label per file.

    Its stem; its path where stems clash or the stem is a reserved name; ``#2``, ``#3``, ...
    after a file given more than once.
    """
    stems = [p.stem for p in paths]
    labels = [str(p) if stems.count(p.stem) > 1 or p.stem in RESERVED_NAMES else p.stem
              for p in paths]
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return unique


def _fmt(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.3f}"


def _score_tables(report: ScoreReport) -> list[Table]:
    everyone = report.forecasters + report.baselines
    scores = Table(title=f"Scores on {len(report.ids)} resolved questions "
                         f"(lower Brier and log score are better)")
    scores.add_column("forecaster", overflow="fold")
    for name in ("Brier", "log", "REL", "RES", "UNC", "WBV-WBC"):
        scores.add_column(name, justify="right")
    for f in everyone:
        d = f.decomposition
        scores.add_row(f.name, _fmt(f.brier), _fmt(f.log), _fmt(d.reliability),
                       _fmt(d.resolution), _fmt(d.uncertainty), _fmt(d.residual),
                       style="dim" if f.baseline else None)

    per_question = Table(title="Forecasts of the resolved questions")
    per_question.add_column("question", overflow="fold")
    per_question.add_column("resolved", justify="center")
    for f in report.forecasters:
        per_question.add_column(f.name, justify="right")
    for i, qid in enumerate(report.ids):
        per_question.add_row(qid, "yes" if report.outcomes[i] else "no",
                             *(_pct(f.probabilities[i]) for f in report.forecasters))

    tables = [scores, per_question]
    for f in report.forecasters:
        calib = Table(title=f"Calibration of {f.name} ({report.bins} bins, non-empty shown)")
        for name in ("bin", "forecasts", "mean forecast", "observed frequency"):
            calib.add_column(name, justify="right")
        for row in f.calibration:
            if row.count:
                calib.add_row(f"[{row.lower:.1f}, {row.upper:.1f})", str(row.count),
                              _pct(row.mean_forecast), _pct(row.observed_frequency))
        tables.append(calib)
    return tables


def score_command(
    forecasts: Annotated[Path, typer.Argument(help="forecasts.csv or forecasts.json.")],
    questions: Annotated[str, typer.Argument(help="Questions YAML file with resolutions.")],
    compare: Annotated[list[Path] | None, typer.Option(
        "--compare", help="Another forecast file to score side by side (repeatable).")] = None,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Write a calibration plot (PNG; needs matplotlib).")] = None,
    bins: Annotated[int, typer.Option("--bins", help="Calibration bins on [0, 1].")] = 10,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Also write the scores to this JSON file.")] = None,
    community: Annotated[bool, typer.Option(
        help="Score the question file's community column when it has one.")] = True,
) -> None:
    """Score forecasts of resolved questions against two baselines (0.5 and the base rate)."""
    if not 1 <= bins <= MAX_BINS:
        raise _fail(f"--bins: expected a whole number from 1 to {MAX_BINS}, got {bins}")
    qfile = _load_questions(questions)
    paths = [forecasts, *(compare or [])]
    try:
        loaded = [read_forecasts(p) for p in paths]
    except ForecastFileError as exc:
        raise _user_error(exc) from None
    named = dict(zip(_label_files(paths), loaded, strict=True))
    try:
        report = score_forecasts(named, qfile.questions, bins=bins, community=community)
    except ScoringError as exc:
        raise _user_error(exc) from None
    for table in _score_tables(report):
        out.print(table)
    for remark in report.notes:
        out.print(f"note: {remark}", highlight=False)
    out.print("Brier: mean squared error. log: mean negative log-likelihood in nats "
              f"(probabilities clipped to [{report.eps:g}, 1 - {report.eps:g}]). Murphy: Brier = "
              "REL (reliability, lower is better) - RES (resolution, higher is better) + UNC "
              "(uncertainty) + WBV-WBC (within-bin terms). The base-rate baseline is in sample: "
              "it knows the share of questions that resolved yes.", highlight=False)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report.as_dict(), indent=2, allow_nan=False) + "\n",
                            encoding="utf-8")
        out.print(f"Wrote {json_out}", highlight=False)
    if plot is not None:
        try:
            written = plot_calibration(report, plot)
        except ImportError:
            raise _fail("--plot needs matplotlib: pip install 'peninsula[plot]'") from None
        except OSError as exc:
            raise _fail(f"--plot {plot}: cannot be written ({exc.strerror or exc})") from None
        out.print(f"Wrote {written}", highlight=False)
