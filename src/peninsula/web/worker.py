"""What a worker process does for one job: call the library, write the job's files, report.

Runs in a child process started by :mod:`peninsula.web.jobs`; it talks to the server only
through ``queue`` with ``(job_id, kind, payload)`` messages: ``total``, ``progress`` (work done
so far), ``done`` and ``failed`` (a one-line message). Each job writes into its own folder.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

import peninsula as pn

__all__ = ["RUN_TABLE", "WORKERS", "execute"]

RUN_TABLE = "table.json"
"""The numbers a run's page shows, exactly as the library returned them."""

ARRAYS = "arrays.npz"
COUNTERFACTUAL_TABLE = "counterfactual.json"
REPORT_INTERVAL = 0.2
"""Seconds between two progress messages from a worker."""


def _reporter(queue: Any, job_id: str, total: int) -> Callable[[int], None]:
    queue.put((job_id, "total", total))
    state = {"done": 0, "sent": 0.0}

    def advance(done: int) -> None:
        state["done"] += int(done)
        now = time.monotonic()
        if now - state["sent"] >= REPORT_INTERVAL:
            state["sent"] = now
            queue.put((job_id, "progress", state["done"]))

    return advance


def _horizon(loaded: pn.LoadedScenario, months: int | None) -> int:
    return months or loaded.scenario.horizon_months


def _records(frame: Any) -> list[dict[str, Any]]:
    """Rows of a DataFrame as JSON-ready dicts, floats kept exactly (NaN becomes None)."""
    rows = []
    for record in frame.to_dict("records"):
        row = {}
        for key, value in record.items():
            if isinstance(value, np.bool_ | bool):
                value = bool(value)
            elif isinstance(value, np.integer):
                value = int(value)
            elif isinstance(value, float | np.floating):
                value = None if np.isnan(value) else float(value)
            row[key] = value
        rows.append(row)
    return rows


def _to_parquet(frame: Any, path: Path) -> None:
    """Write ``frame`` as Parquet with DuckDB (a core dependency; no pyarrow needed)."""
    con = duckdb.connect()
    try:
        con.register("frame", frame)
        con.execute(f"COPY frame TO '{path.as_posix()}' (FORMAT parquet)")
    finally:
        con.close()


def _write_run(result: pn.RunResult, folder: Path) -> None:
    """The table, downloads and arrays of a finished run."""
    summary = result.summary()
    outcomes = result.outcomes()
    summary.to_csv(folder / "summary.csv", index=False)
    outcomes.to_csv(folder / "outcomes.csv")
    _to_parquet(outcomes.reset_index(), folder / "outcomes.parquet")
    table = {
        "metadata": result.metadata.as_dict(),
        "summary": _records(summary),
        "paths": [{"path": str(p), "share": p.share, "count": p.count}
                  for p in result.paths(top=5)],
        "shocks": list(result.shocks),
        "start": result.start,
        "execution": result.execution,
    }
    (folder / RUN_TABLE).write_text(json.dumps(table, indent=1), encoding="utf-8")
    model, res = result.run.model, result.run.result
    np.savez_compressed(folder / ARRAYS, quarter_rung=res.quarter_rung,
                        actors=np.array(model.actors), relation_start=model.relation,
                        commitment_start=model.commitment,
                        relation_end=res.final_relation.mean(axis=0),
                        commitment_end=res.final_commitment.mean(axis=0))


def _run(job_id: str, params: dict[str, Any], folder: Path, queue: Any) -> None:
    loaded = pn.load_scenario(params["scenario_ref"])
    months = params.get("months")
    total = params["futures"] * _horizon(loaded, months)
    advance = _reporter(queue, job_id, total)
    if params.get("scheduler"):
        result = pn.run_chunked(
            loaded, folder / "chunked", futures=params["futures"], seed=params["seed"],
            months=months, without=params["without"], overrides=params["overrides"],
            shocks=params["shocks"], events=params["events"],
            executor=pn.executors.Dask(params.get("workers", 1), params["scheduler"]),
            on_chunk=lambda done, n: queue.put((job_id, "progress", total * done // n)))
    else:
        result = pn.run(loaded, futures=params["futures"], seed=params["seed"], months=months,
                        without=params["without"], overrides=params["overrides"],
                        shocks=params["shocks"], events=params["events"], progress=advance)
    result.save(folder, overwrite=True)
    _write_run(result, folder)


def _counterfactual(job_id: str, params: dict[str, Any], folder: Path, queue: Any) -> None:
    loaded = pn.load_scenario(params["scenario_ref"])
    total = 2 * params["futures"] * _horizon(loaded, params.get("months"))
    cf = pn.counterfactual(loaded, without=params["without"], futures=params["futures"],
                           seed=params["seed"], months=params.get("months"),
                           progress=_reporter(queue, job_id, total))
    table = {"table": _records(cf.table()),
             "switched": cf.switched, "without": cf.without,
             "metadata": cf.baseline.metadata.as_dict()}
    (folder / COUNTERFACTUAL_TABLE).write_text(json.dumps(table, indent=1), encoding="utf-8")


def _explore(job_id: str, params: dict[str, Any], folder: Path, queue: Any) -> None:
    loaded = pn.load_scenario(params["scenario_ref"])
    planned = pn.plan(loaded, samples=params["samples"], futures=params["futures"],
                      sampler=params["sampler"], seed=params["seed"], months=params.get("months"))
    executor = (pn.executors.Dask(params.get("workers", 1), params["scheduler"])
                if params.get("scheduler") else pn.executors.Local())
    pn.explore(loaded, out=folder / "exploration", samples=params["samples"],
               futures=params["futures"], sampler=params["sampler"], seed=params["seed"],
               months=params.get("months"), executor=executor, planned=planned,
               progress=_reporter(queue, job_id, planned.total_work))


WORKERS: dict[str, Callable[[str, dict[str, Any], Path, Any], None]] = {
    "run": _run, "counterfactual": _counterfactual, "exploration": _explore}
"""The function that does each kind of job."""


def execute(job_id: str, kind: str, params: dict[str, Any], folder: str, queue: Any) -> None:
    """Do job ``job_id`` and report ``done`` or ``failed`` (the entry point of a worker)."""
    try:
        WORKERS[kind](job_id, params, Path(folder), queue)
    except pn.UserError as exc:
        queue.put((job_id, "failed", "; ".join(str(p) for p in exc.problems)))
    except Exception as exc:  # noqa: BLE001 - reported to the page, traceback to the log
        traceback.print_exc()
        queue.put((job_id, "failed", f"internal error ({type(exc).__name__}): {exc}"))
    else:
        queue.put((job_id, "done", None))
