"""Runs and counterfactuals from Python: ``pn.run``, ``pn.run_chunked``, ``pn.counterfactual``.

Results come back as objects whose tables are pandas DataFrames with named columns; the CLI
prints exactly these tables, so the Python API and the command line show the same numbers.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn
from rich.progress import Progress as ProgressBar

from peninsula.agents.records import AgentReport, write_transcripts
from peninsula.analysis.outcomes import (
    Comparison,
    EscalationPath,
    OutcomeSummary,
    compare_paired_runs,
    run_summary,
    summarise_run,
    top_paths,
)
from peninsula.api.executors import ExecutorSpec, resolve
from peninsula.engine.compiled import compile_scenario
from peninsula.experiments.ensemble import DEFAULT_CHUNK, plan_chunks
from peninsula.experiments.parallel import run_ensemble_parallel, run_identity
from peninsula.experiments.runs import (
    Run,
    RunMetadata,
    check_memory,
    check_size,
    describe_run,
    prepare,
)
from peninsula.experiments.runs import run_scenario as _run_scenario
from peninsula.report.html import render_run_report, run_network
from peninsula.report.html import write_report as write_html
from peninsula.scenario.cameo import plover_type_for
from peninsula.scenario.loading import LoadedScenario, load_scenario
from peninsula.scenario.model import month_label
from peninsula.store.chunks import ChunkStore
from peninsula.store.runs import (
    RESULTS_FILE,
    RunFolderError,
    check_output_folder,
    check_run_folder,
    reserve_run_folder,
    save_run_folder,
)

__all__ = ["CHUNK_STORE", "Counterfactual", "RunResult", "counterfactual", "run", "run_chunked"]

CHUNK_STORE = "chunks.duckdb"
"""File name of a chunked run's store inside its output folder."""

Progress = bool | Callable[[int], None] | None


def _scenario(scenario: LoadedScenario | str | Path) -> LoadedScenario:
    return scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)


@contextmanager
def _progress(progress: Progress, total: int, label: str):
    """A callback for work done: the caller's, a Rich bar (in a terminal), or nothing."""
    if callable(progress):
        yield progress
        return
    show = sys.stderr.isatty() if progress is None else bool(progress)
    if not show:
        yield None
        return
    with ProgressBar("{task.description}", BarColumn(), MofNCompleteColumn(),
                     TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.advance(task, done)


@dataclass
class RunResult:
    """A finished run: what was run (``metadata``) and its futures, read as tables.

    >>> import peninsula as pn
    >>> r = pn.run("korea-2024", futures=200, seed=1, progress=False)
    >>> list(r.summary().columns)[:4]
    ['outcome', 'label', 'kind', 'probability']
    """

    run: Run
    execution: dict[str, Any] | None = None
    level: float = 0.95
    _summaries: list[OutcomeSummary] | None = field(default=None, repr=False)

    @property
    def metadata(self) -> RunMetadata:
        """Scenario, its hash, seed, sizes, version, overrides: what reproduces the numbers."""
        return self.run.metadata

    @property
    def scenario(self) -> str:
        """The scenario's name."""
        return self.run.metadata.scenario

    @property
    def start(self) -> str:
        """The first simulated month, ``YYYY-MM``."""
        return self.run.model.scenario.start

    @property
    def outcome_ids(self) -> list[str]:
        """Outcome ids in the scenario's order."""
        return self.run.outcome_ids

    def outcome_summaries(self) -> list[OutcomeSummary]:
        """One :class:`OutcomeSummary` per outcome, in the scenario's order."""
        if self._summaries is None:
            self._summaries = summarise_run(self.run, self.level)
        return self._summaries

    def summary(self) -> pd.DataFrame:
        """One row per outcome: probability (or mean) with its interval and median first month.

        Columns: ``outcome``, ``label``, ``kind`` (``binary`` or ``continuous``),
        ``probability`` (binary), ``mean`` (continuous), ``low``, ``high`` (the interval at
        ``level``, of the probability or of the mean), ``median_first_month`` (``YYYY-MM``),
        and for continuous outcomes their spread across futures: ``p05``, ``median``, ``p95``.
        """
        rows = []
        for s in self.outcome_summaries():
            e = s.estimate
            binary = s.kind == "binary"
            rows.append({
                "outcome": s.id, "label": s.label, "kind": s.kind,
                "probability": e.value if binary else np.nan,
                "mean": np.nan if binary else e.value,
                "low": e.low, "high": e.high,
                "median_first_month": (None if s.median_first_month is None
                                       else month_label(self.start, int(s.median_first_month))),
                "p05": s.spread[0] if s.spread else np.nan,
                "median": s.spread[1] if s.spread else np.nan,
                "p95": s.spread[2] if s.spread else np.nan,
            })
        return pd.DataFrame(rows)

    def outcomes(self) -> pd.DataFrame:
        """One row per future, one column per outcome id (bool if binary, float if continuous)."""
        matrix = self.run.outcome_matrix()
        out = self.run.model.outcomes
        columns = {}
        for c, outcome_id in enumerate(out.ids):
            columns[outcome_id] = (matrix[:, c] > 0.5 if c in out.binary else matrix[:, c])
        frame = pd.DataFrame(columns)
        frame.index.name = "future"
        return frame

    def first_months(self) -> pd.DataFrame:
        """One row per future: the first month (``YYYY-MM``) each binary outcome occurred."""
        out = self.run.model.outcomes
        labels = np.array([month_label(self.start, m) for m in range(self.run.model.horizon)],
                          dtype=object)
        first = self.run.result.first_month
        frame = pd.DataFrame({
            out.ids[row]: np.where(first[:, c] >= 0, labels[np.maximum(first[:, c], 0)], None)
            for c, row in enumerate(out.binary)})
        frame.index.name = "future"
        return frame

    def events(self) -> pd.DataFrame:
        """The simulated event stream with CAMEO code, PLOVER type, Goldstein value and rung.

        Empty when the run was made with ``events=False``.
        """
        stream = self.run.result.events
        model = self.run.model
        actors = np.array(model.actors, dtype=object)
        actions = np.array(model.actions, dtype=object)
        cameo = np.array(model.cameo, dtype=object)
        plover = np.array([plover_type_for(c) if c else None for c in model.cameo], dtype=object)
        months = np.array([month_label(self.start, m) for m in range(model.horizon)],
                          dtype=object)
        if stream is None:
            stream_cols = {name: np.zeros(0, dtype=int)
                           for name in ("future", "month", "source", "target", "action")}
        else:
            stream_cols = {"future": stream.future, "month": stream.month,
                           "source": stream.source, "target": stream.target,
                           "action": stream.action}
        k = stream_cols["action"].astype(np.intp)
        return pd.DataFrame({
            "future": stream_cols["future"].astype(np.int64),
            "month": months[stream_cols["month"].astype(np.intp)],
            "source": actors[stream_cols["source"].astype(np.intp)],
            "target": actors[stream_cols["target"].astype(np.intp)],
            "action": actions[k], "cameo": cameo[k], "plover": plover[k],
            "goldstein": model.goldstein[k], "rung": model.rung[k].astype(np.int64),
        })

    def paths(self, top: int = 3) -> list[EscalationPath]:
        """The most frequent escalation paths (highest rung per quarter)."""
        return top_paths(self.run.result.quarter_rung, top)

    @property
    def agents(self) -> AgentReport | None:
        """What agents did (calls, tokens, time, cache hits, retries, fallbacks, errors).

        ``None`` for a run without agents; :meth:`decisions` lists every decision.
        """
        return None if self.run.agents is None else self.run.agents.report()

    def decisions(self) -> pd.DataFrame:
        """One row per agent decision and target: the option applied, the quantal pick, status.

        Columns ``future``, ``month`` (0 = the start), ``actor``, ``target``, ``action``,
        ``quantal``, ``status`` (``answer``, ``retried`` or ``fallback``), ``reason``,
        ``rationale``; empty for a run without agents.
        """
        if self.run.agents is None:
            return pd.DataFrame(columns=["future", "month", "actor", "target", "action",
                                         "quantal", "status", "reason", "rationale"])
        return self.run.agents.decisions_frame()

    @property
    def shocks(self) -> tuple[int, int]:
        """Random shocks drawn: (inflaming, calming)."""
        return self.run.result.shocks_inflame, self.run.result.shocks_calm

    def to_dict(self, run_id: str = "") -> dict[str, Any]:
        """The JSON summary (what ``summary.json`` holds)."""
        summary = run_summary(self.run, run_id, execution=self.execution)
        if self.run.agents is not None:
            summary["agents"] = self.run.agents.report().as_dict()
        return summary

    def write_report(self, path: str | Path) -> Path:
        """Write a self-contained HTML report of the run (needs the ``report`` extra)."""
        model, res = self.run.model, self.run.result
        network = run_network(model.actors, model.relation, model.commitment,
                              res.final_relation.mean(axis=0),
                              res.final_commitment.mean(axis=0))
        html = render_run_report(self.to_dict(), quarter_rung=res.quarter_rung,
                                 network=network, start_month=self.start)
        return write_html(html, path)

    def save(self, folder: str | Path, *, overwrite: bool = False) -> Path:
        """Write ``results.duckdb`` and ``summary.json`` (what ``peninsula run`` writes).

        A run with agents also gets its transcripts (:mod:`peninsula.agents.records`).
        """
        folder = Path(folder)
        check_run_folder(folder, overwrite=overwrite)
        run_id = save_run_folder(folder, self.run.metadata.as_dict(), self.run.model,
                                 self.run.result, self.to_dict)
        if self.run.agents is not None:
            write_transcripts(folder / RESULTS_FILE, run_id, self.run.agents, self.run.model)
        return folder


def run(scenario: LoadedScenario | str | Path, *, futures: int = 10_000, seed: int = 2024,
        months: int | None = None, without: Sequence[str] = (), shocks: bool = True,
        overrides: Mapping[str, Any] | None = None, events: bool = True,
        progress: Progress = None, agents: Mapping[str, Any] | None = None) -> RunResult:
    """Simulate ``futures`` futures of a scenario in memory.

    ``without`` switches claims off, ``overrides`` sets scenario fields by dotted path,
    ``progress`` is a callback receiving futures x months done, ``True``/``False``, or ``None``
    for a bar only when stderr is a terminal. ``agents`` maps actor codes to agents that
    choose for them (``pn.agents.LLM``, ``Human``, ``Quantal``, ``Scripted`` or a function of
    the situation); the other actors keep the quantal rule, on the same random draws.

    >>> import peninsula as pn
    >>> pn.run("korea-2024", futures=100, seed=7, progress=False).metadata.futures
    100
    """
    loaded = _scenario(scenario)
    check_size(futures=futures, months=months, seed=seed)
    horizon = months or loaded.scenario.horizon_months
    with _progress(progress, futures * horizon, "simulating") as on_progress:
        result = _run_scenario(loaded, futures=futures, seed=seed, months=months,
                               claims_off=list(without), shocks=shocks,
                               overrides=dict(overrides or {}), record_events=events,
                               on_progress=on_progress, agents=agents)
    return RunResult(result)


def run_chunked(scenario: LoadedScenario | str | Path, folder: str | Path, *,
                futures: int = 10_000, seed: int = 2024, months: int | None = None,
                without: Sequence[str] = (), overrides: Mapping[str, Any] | None = None,
                shocks: bool = True, events: bool = True,
                executor: ExecutorSpec | str | None = None, chunk_size: int = DEFAULT_CHUNK,
                resume: bool = False,
                on_chunk: Callable[[int, int], None] | None = None,
                on_resume: Callable[[int, int], None] | None = None) -> RunResult:
    """Simulate chunk by chunk on ``executor``, committing each chunk to ``folder``.

    Killed or interrupted, the same call with ``resume=True`` finishes with identical numbers.
    ``without`` and ``overrides`` act as in :func:`run`.
    The results are saved in ``folder`` like :meth:`RunResult.save`. ``on_chunk(done, total)``
    follows the chunks; ``on_resume(already, total)`` is called once when chunks were stored.
    Ctrl-C raises :class:`peninsula.experiments.parallel.Interrupted`.

    >>> import peninsula as pn, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> r = pn.run_chunked("korea-2024", folder, futures=300, months=3, chunk_size=100)
    >>> r.execution["chunks"], sorted(p.name for p in Path(folder).iterdir())
    (3, ['chunks.duckdb', 'results.duckdb', 'summary.json'])
    """
    loaded = _scenario(scenario)
    check_size(futures=futures, months=months, seed=seed, chunk_size=chunk_size)
    check_output_folder(Path(folder))
    spec = resolve(executor)
    prepared, applied = prepare(loaded, claims_off=list(without), shocks=shocks,
                                overrides=dict(overrides or {}))
    model = compile_scenario(prepared.scenario, horizon=months)
    check_memory(model, futures, events=events)
    folder = Path(folder)
    identity = run_identity(scenario_sha256=prepared.sha256, seed=seed, futures=futures,
                            months=model.horizon, chunk_size=chunk_size, record_events=events,
                            parameters={"overrides": applied, "shocks": shocks})
    n_chunks = len(plan_chunks(futures, chunk_size))
    runner = spec.build()

    with reserve_run_folder(folder, overwrite=True):
        return _run_chunks(loaded, prepared, model, folder, identity, spec, runner,
                           futures=futures, seed=seed, events=events, chunk_size=chunk_size,
                           resume=resume, applied=applied, n_chunks=n_chunks,
                           on_chunk=on_chunk, on_resume=on_resume)


def _run_chunks(loaded: LoadedScenario, prepared: LoadedScenario, model, folder: Path,
                identity: dict[str, Any], spec: ExecutorSpec, runner, *, futures: int,
                seed: int, events: bool, chunk_size: int, resume: bool, applied: dict,
                n_chunks: int, on_chunk: Callable[[int, int], None] | None,
                on_resume: Callable[[int, int], None] | None) -> RunResult:
    started = time.perf_counter()
    with ChunkStore(folder / CHUNK_STORE, identity, resume=resume) as store:
        already = len(store.done())
        if already and on_resume is not None:
            on_resume(already, n_chunks)
        if already >= n_chunks:
            runner = ExecutorSpec().build()  # nothing to compute: start no workers
        with runner:
            result = run_ensemble_parallel(
                model, futures, seed, executor=runner, chunk_size=chunk_size, store=store,
                record_events=events,
                on_chunk=None if on_chunk is None else (lambda _c, d, t: on_chunk(d, t)))
    metadata = describe_run(loaded, prepared, model, futures=futures, seed=seed,
                            chunk_size=chunk_size, overrides=applied,
                            elapsed=time.perf_counter() - started)
    execution = {"executor": spec.kind, "workers": runner.workers, "scheduler": spec.scheduler,
                 "chunks": n_chunks, "resumed_chunks": already}
    outcome = RunResult(Run(metadata=metadata, model=model, result=result), execution)
    try:
        save_run_folder(folder, metadata.as_dict(), model, result, outcome.to_dict)
    except RunFolderError as exc:
        raise RunFolderError(f"{exc}; every chunk is kept in {folder / CHUNK_STORE}: run the "
                             "same command with --resume to write the results") from None
    return outcome


@dataclass
class Counterfactual:
    """A scenario run with and without some claims on the same futures and random draws."""

    baseline: RunResult
    alternative: RunResult
    without: list[str]
    comparisons: list[Comparison]
    switched: dict[str, dict[str, Any]]

    def table(self) -> pd.DataFrame:
        """One row per outcome: ``with``, ``without`` and their paired ``difference``.

        The difference is without minus with, with its interval (``low``, ``high``);
        ``significant`` is true when the interval excludes zero.
        """
        return pd.DataFrame([{
            "outcome": c.id, "label": c.label, "kind": c.kind,
            "with": c.baseline.value, "without": c.counterfactual.value,
            "difference": c.difference.value, "low": c.difference.low,
            "high": c.difference.high, "significant": c.difference.excludes_zero(),
        } for c in self.comparisons])


def counterfactual(scenario: LoadedScenario | str | Path, *, without: Sequence[str],
                   futures: int = 10_000, seed: int = 2024, months: int | None = None,
                   progress: Progress = None) -> Counterfactual:
    """Run a scenario with and without the claims in ``without`` on the same random draws.

    >>> import peninsula as pn
    >>> cf = pn.counterfactual("korea-2024", without=["S4"], futures=200, seed=7, progress=False)
    >>> bool(cf.table().set_index("outcome").loc["russia_dprk_treaty", "significant"])
    True
    """
    loaded = _scenario(scenario)
    if not without:
        raise ValueError("name at least one claim to switch off (e.g. without=['S1'])")
    base = run(loaded, futures=futures, seed=seed, months=months, events=False,
               progress=progress)
    alt = run(loaded, futures=futures, seed=seed, months=months, without=without, events=False,
              progress=progress)
    claims = {c.id: c for c in loaded.scenario.claims}
    return Counterfactual(base, alt, list(without), compare_paired_runs(base.run, alt.run),
                          {c: dict(claims[c].when_off) for c in without})
