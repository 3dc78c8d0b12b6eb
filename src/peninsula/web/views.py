"""What each results page shows, read from a job's files and the library's objects.

Numbers are the library's, read back from the files the worker wrote (``table.json`` holds
``RunResult.summary()`` as it was); charts reuse the report's figure builders so the app and
``peninsula report`` draw the same way. This module formats and arranges; it computes nothing
the library already gives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

import peninsula as pn
from peninsula.analysis.outcomes import compare_runs
from peninsula.errors import UserError
from peninsula.report.html import (
    QUANTILES,
    chart,
    fan_figure,
    network_figure,
    outcome_bars,
    prim_chart,
    quarter_labels,
    sensitivity_chart,
)
from peninsula.scenario.model import RUNG_LEGEND
from peninsula.web.catalogue import Job
from peninsula.web.worker import ARRAYS, COUNTERFACTUAL_TABLE, RUN_TABLE

__all__ = ["compare_view", "counterfactual_view", "exploration_view", "fmt", "pct",
           "run_view"]

DOWNLOADS = {"run": ("summary.csv", "outcomes.csv", "outcomes.parquet", "results.duckdb",
                     "summary.json"),
             "counterfactual": (COUNTERFACTUAL_TABLE,),
             "exploration": ("exploration/exploration.duckdb",)}
"""The files of each kind of job that may be downloaded (nothing else can be)."""


class NotComparable(UserError):
    """Two runs that cannot be compared future by future."""

    status = 400


def pct(x: float | None) -> str:
    """A probability as a percentage, as the CLI prints it (two decimals below 1%)."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "-"
    return f"{100 * x:.2f}%" if 0 < abs(x) < 0.01 else f"{100 * x:.1f}%"


def fmt(kind: str, x: float | None) -> str:
    """A probability (binary outcome) or a signed value (continuous outcome)."""
    if kind == "binary":
        return pct(x)
    return "-" if x is None else f"{x:+.3f}"


def _diff(kind: str, x: float) -> str:
    return f"{100 * x:+.1f} pts" if kind == "binary" else f"{x:+.3f}"


def _read_json(folder: Path, name: str) -> dict[str, Any]:
    path = folder / name
    if not path.is_file():
        raise UserError(f"the results file {name} is missing from {folder.name}/")
    return json.loads(path.read_text(encoding="utf-8"))


def run_view(job: Job) -> dict[str, Any]:
    """Outcome table, paths, fan chart and relation network of a finished run."""
    folder = Path(job.folder)
    table = _read_json(folder, RUN_TABLE)
    rows = []
    for r in table["summary"]:
        value = r["probability"] if r["kind"] == "binary" else r["mean"]
        rows.append({**r, "value": value, "shown": fmt(r["kind"], value),
                     "interval": f"{fmt(r['kind'], r['low'])} - {fmt(r['kind'], r['high'])}"})
    charts = []
    arrays = np.load(folder / ARRAYS)
    quarter_rung = arrays["quarter_rung"]
    if quarter_rung.size:
        q = np.quantile(quarter_rung.astype(np.float64), QUANTILES, axis=0)
        x = quarter_labels(table["start"], q.shape[1])
        charts.append(fan_figure(["all futures"], q[None], x,
                                  "Highest escalation rung per quarter (quantiles across "
                                  f"futures; {RUNG_LEGEND})", "fan", "rung"))
    months = table["metadata"].get("months")
    charts.append(network_figure([str(a) for a in arrays["actors"]], [
        ("start", arrays["relation_start"], arrays["commitment_start"]),
        (f"after {months} months (mean over futures)", arrays["relation_end"],
         arrays["commitment_end"])]))
    binary = [r for r in rows if r["kind"] == "binary"]
    if binary:
        charts.insert(0, _probability_bars(binary))
    return {"rows": rows, "paths": [{**p, "shown": pct(p["share"])} for p in table["paths"]],
            "shocks": table["shocks"], "metadata": table["metadata"], "charts": charts,
            "downloads": [n for n in DOWNLOADS["run"] if (folder / n).is_file()]}


def _probability_bars(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Outcome probabilities with intervals on a log axis, so 0.1% stays visible next to 99%."""
    import plotly.graph_objects as go

    floor = 1e-4
    values = np.maximum([r["value"] for r in rows], floor) * 100
    lows = np.maximum([r["low"] for r in rows], floor) * 100
    highs = np.maximum([r["high"] for r in rows], floor) * 100
    fig = go.Figure(go.Bar(
        x=values, y=[r["label"] for r in rows], orientation="h", marker_color="#c0392b",
        text=[r["shown"] for r in rows], textposition="outside",
        error_x={"type": "data", "symmetric": False, "array": highs - values,
                 "arrayminus": values - lows},
        hovertext=[f"{r['label']}: {r['shown']} ({r['interval']})" for r in rows],
        hoverinfo="text"))
    fig.update_layout(title="Outcome probabilities with 95% intervals (log scale: small "
                            "probabilities stay visible)",
                      xaxis={"type": "log", "title": "probability (%)", "range": [-2, 2.2]},
                      yaxis={"autorange": "reversed"}, height=max(320, 34 * len(rows) + 140))
    return chart(fig, "probabilities")


def counterfactual_view(job: Job) -> dict[str, Any]:
    """The with/without table of a counterfactual, differences highlighted when significant."""
    data = _read_json(Path(job.folder), COUNTERFACTUAL_TABLE)
    rows = [{**r, "a": fmt(r["kind"], r["with"]), "b": fmt(r["kind"], r["without"]),
             "d": _diff(r["kind"], r["difference"]),
             "interval": f"{_diff(r['kind'], r['low'])} .. {_diff(r['kind'], r['high'])}"}
            for r in data["table"]]
    return {"rows": rows, "switched": data["switched"], "without": data["without"],
            "metadata": data["metadata"]}


def _outcome_frame(job: Job) -> tuple[pd.DataFrame, dict[str, Any]]:
    folder = Path(job.folder)
    path = folder / "outcomes.parquet"
    if not path.is_file():
        raise NotComparable(f"run {job.id} has no stored outcomes to compare")
    con = duckdb.connect()
    try:
        frame = con.execute("SELECT * FROM read_parquet(?) ORDER BY future",
                            [str(path)]).df().set_index("future")
    finally:
        con.close()
    return frame, _read_json(folder, RUN_TABLE)


def compare_view(a: Job, b: Job) -> dict[str, Any]:
    """Two stored runs side by side: paired differences (b minus a) future by future.

    Only runs of the same futures, seed and months are paired (the same futures and draws).
    """
    if a.kind != "run" or b.kind != "run" or a.status != "done" or b.status != "done":
        raise NotComparable("pick two finished runs (not explorations or counterfactuals)")
    frame_a, table_a = _outcome_frame(a)
    frame_b, table_b = _outcome_frame(b)
    meta_a, meta_b = table_a["metadata"], table_b["metadata"]
    same = [k for k in ("futures", "seed", "months") if meta_a.get(k) != meta_b.get(k)]
    if same:
        raise NotComparable("runs are compared future by future on the same random draws, so "
                            f"they need the same {', '.join(same)} ("
                            + "; ".join(f"{k}: {meta_a.get(k)} vs {meta_b.get(k)}"
                                        for k in same) + ")")
    if list(frame_a.columns) != list(frame_b.columns):
        raise NotComparable("the two runs measure different outcomes")
    labels = {r["outcome"]: (r["label"], r["kind"]) for r in table_a["summary"]}
    ids = list(frame_a.columns)
    comparisons = compare_runs(ids, [labels[i][0] for i in ids], [labels[i][1] for i in ids],
                               frame_a.to_numpy(dtype=np.float64),
                               frame_b.to_numpy(dtype=np.float64))
    rows = [{"outcome": c.id, "label": c.label, "kind": c.kind,
             "with": c.baseline.value, "without": c.counterfactual.value,
             "difference": c.difference.value, "low": c.difference.low,
             "high": c.difference.high, "significant": c.difference.excludes_zero(),
             "a": fmt(c.kind, c.baseline.value), "b": fmt(c.kind, c.counterfactual.value),
             "d": _diff(c.kind, c.difference.value),
             "interval": f"{_diff(c.kind, c.difference.low)} .. "
                         f"{_diff(c.kind, c.difference.high)}"} for c in comparisons]
    return {"rows": rows, "a": a, "b": b}


def exploration_view(job: Job, outcome: str | None) -> dict[str, Any]:
    """Per-policy table, robustness, sensitivity and PRIM boxes for one outcome."""
    ex = pn.open_exploration(Path(job.folder) / "exploration")
    analysis = ex.analyze(outcome)
    res = ex.results
    rows = [r for r in analysis.per_policy if r.outcome == analysis.outcome]
    short = dict(zip(res.policy_labels, res.policy_short, strict=True))
    best = min(rows, key=lambda r: r.estimate.value) if rows else None
    overlapping = best is not None and len(rows) > 1 and all(
        r.estimate.low <= best.estimate.high for r in rows if r is not best)
    charts = [outcome_bars(res, analysis.per_policy, analysis.outcome),
              sensitivity_chart(res, analysis.sensitivity, analysis.outcome)]
    if analysis.discovery.boxes:
        charts.append(prim_chart(res, analysis.discovery))
    return {
        "exploration": ex, "analysis": analysis, "outcomes": res.outcomes,
        "policy_rows": [{"policy": short.get(r.policy, r.policy), "shown": fmt(r.kind,
                         r.estimate.value), "interval": f"{fmt(r.kind, r.estimate.low)} - "
                         f"{fmt(r.kind, r.estimate.high)}", "value": r.estimate.value,
                         "best": r is best} for r in rows],
        "regret": analysis.regret_table().assign(
            policy=lambda f: f["policy"].map(lambda p: short.get(p, p))).to_dict("records"),
        "sobol": analysis.sobol_table().to_dict("records"),
        "boxes": analysis.discovery.boxes, "discovery": analysis.discovery,
        "caveat": overlapping, "charts": charts, "lever_order": res.lever_order,
        "downloads": list(DOWNLOADS["exploration"]),
    }
