"""One self-contained HTML report of an exploration or of a single run.

The page embeds plotly.js inline (no network needed to open it), the findings in words, and
the charts: outcome probabilities per policy, the robustness table, a sensitivity chart, PRIM
boxes, fan charts of the escalation rung over time and the relation network of the actors at
the start and at the horizon (edge colour = relation, width = commitment; NetworkX places the
nodes). Figures are computed by the modules of :mod:`peninsula.analysis` from results read by
:mod:`peninsula.store.explorations`; this module only draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from peninsula._version import __version__
from peninsula.analysis.discovery import Discovery, discover
from peninsula.analysis.headlines import headlines
from peninsula.analysis.paths import fan_quantiles, network
from peninsula.analysis.policies import policy_probabilities
from peninsula.analysis.robustness import RobustnessTable, robustness_of
from peninsula.analysis.sensitivity import Sensitivity, screening, sensitivity
from peninsula.scenario.model import RUNG_LEGEND
from peninsula.store.explorations import ExplorationResults

__all__ = ["render_exploration_report", "render_run_report", "write_report"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_CONFIG = {"displaylogo": False, "responsive": True}


def _plotly() -> Any:
    try:
        import plotly.graph_objects as go
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("the HTML report needs plotly: pip install 'peninsula[report]'"
                          ) from exc
    return go


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _template() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("peninsula.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("report.html.j2")


def chart(fig: Any, chart_id: str) -> dict[str, str]:
    fig.update_layout(template="plotly_white", margin={"l": 60, "r": 20, "t": 50, "b": 50},
                      font={"family": "system-ui, sans-serif", "size": 12})
    html = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{chart_id}",
                       config=_CONFIG)
    return {"id": chart_id, "html": html}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _fmt(kind: str):
    return _pct if kind == "binary" else (lambda x: f"{x:.3g}")


def write_report(html: str, path: str | Path) -> Path:
    """Write ``html`` to ``path`` (folders are created)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out


# --------------------------------------------------------------------------- charts


HEATMAP_FLOOR = 1e-4
"""Lowest probability the heatmap's colour distinguishes (0.01%); lower ones share its colour."""


def _probability_heatmap(res: ExplorationResults, rows) -> dict[str, str]:
    go = _plotly()
    binary = [o for o in res.outcomes if o["kind"] == "binary"]
    z = np.zeros((len(res.policies), len(binary)))
    text = np.empty(z.shape, dtype=object)
    index = {(r.policy, r.outcome): r for r in rows}
    for p, label in enumerate(res.policy_labels):
        for j, o in enumerate(binary):
            e = index[(label, o["id"])].estimate
            z[p, j] = e.value
            text[p, j] = f"{_pct(e.value)}<br>({_pct(e.low)}-{_pct(e.high)})"
    # colour on a log scale from 0.01% to 100%: a linear scale set by the near-certain outcomes
    # would leave a 0.5% war almost white beside a 99% treaty
    shade = np.log10(np.clip(z, HEATMAP_FLOOR, 1.0))
    ticks = np.arange(np.log10(HEATMAP_FLOOR), 0.5)
    fig = go.Figure(go.Heatmap(
        z=shade, zmin=float(ticks[0]), zmax=0.0, x=[o["label"] for o in binary],
        y=res.policy_short, colorscale="Reds", text=text, texttemplate="%{text}",
        textfont={"size": 9},
        colorbar={"title": "probability (log scale)", "tickvals": ticks.tolist(),
                  "ticktext": [f"{100 * 10.0 ** t:g}%" for t in ticks]},
        hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>"))
    fig.update_layout(title=f"Outcome probability per policy ({res.lever_order}; 95% interval; "
                            "colour on a log scale)",
                      height=max(360, 40 * len(res.policies) + 160),
                      xaxis={"tickangle": -30}, yaxis={"autorange": "reversed"})
    return chart(fig, "probabilities")


def outcome_bars(res: ExplorationResults, rows, outcome: str) -> dict[str, str]:
    go = _plotly()
    picked = [r for r in rows if r.outcome == outcome]
    short = dict(zip(res.policy_labels, res.policy_short, strict=True))
    kind = picked[0].kind
    scale = 100.0 if kind == "binary" else 1.0
    values = np.array([r.estimate.value for r in picked]) * scale
    fig = go.Figure(go.Bar(
        x=values, y=[short[r.policy] for r in picked], orientation="h", marker_color="#c0392b",
        error_x={"type": "data", "symmetric": False,
                 "array": np.array([r.estimate.high for r in picked]) * scale - values,
                 "arrayminus": values - np.array([r.estimate.low for r in picked]) * scale}))
    fig.update_layout(title=f"{picked[0].label} per policy ({res.lever_order}; 95% interval)",
                      xaxis_title="probability (%)" if kind == "binary" else "mean",
                      height=max(320, 28 * len(picked) + 140),
                      yaxis={"autorange": "reversed"})
    return chart(fig, "outcome-bars")


def sensitivity_chart(res: ExplorationResults, sens: Sensitivity,
                       outcome: str) -> dict[str, str]:
    go = _plotly()
    names = list(sens.names)
    if sens.ST is not None:
        fig = go.Figure([
            go.Bar(name="first order S1", x=names, y=sens.S1,
                   error_y={"type": "data", "array": sens.S1_conf}),
            go.Bar(name="total ST", x=names, y=sens.ST,
                   error_y={"type": "data", "array": sens.ST_conf}),
        ])
        fig.update_layout(barmode="group", yaxis_title="Sobol index",
                          title=f"Which assumptions drive {sens.label.lower()} (Sobol indices)")
    else:
        rho = screening(res, outcome)
        fig = go.Figure(go.Bar(x=names, y=rho, marker_color=np.where(rho > 0, "#c0392b",
                                                                      "#2471a3")))
        fig.update_layout(yaxis_title="Spearman rank correlation", yaxis_range=[-1, 1],
                          title=f"Which assumptions move {sens.label.lower()} "
                                "(rank correlation; Sobol needs --sampler sobol)")
    fig.update_layout(xaxis={"tickangle": -30}, height=420)
    return chart(fig, "sensitivity")


def prim_chart(res: ExplorationResults, found: Discovery) -> dict[str, str]:
    go = _plotly()
    fig = go.Figure()
    bounds = {u["name"]: (u["low"], u["high"]) for u in res.uncertainties}
    for b, box in enumerate(found.boxes):
        names, base, width, hover = [], [], [], []
        for r in box.restrictions:
            lo, hi = bounds.get(r.name, (r.data_lower, r.data_upper))
            span = (hi - lo) or 1.0
            names.append(r.name)
            base.append((r.lower - lo) / span)
            width.append((r.upper - r.lower) / span)
            hover.append(f"{r.name}: {r.lower:.3g} to {r.upper:.3g} (range {lo:g}-{hi:g})")
        fig.add_trace(go.Bar(
            name=f"box {b + 1}: coverage {_pct(box.coverage)}, density {_pct(box.density)}",
            y=names, x=width, base=base, orientation="h", hovertext=hover,
            hoverinfo="text"))
    fig.update_layout(barmode="group", xaxis={"range": [0, 1], "title": "share of the range"},
                      title=f"Where {found.label.lower()} exceeds {_pct(found.threshold)} "
                            "(PRIM boxes, limits as a share of each range)",
                      height=max(300, 50 * sum(len(b.restrictions) for b in found.boxes) + 150))
    return chart(fig, "prim")


def fan_figure(labels: Sequence[str], quantiles: np.ndarray, x: Sequence[str],
                title: str, chart_id: str, y_title: str) -> dict[str, str]:
    """Fan charts: one panel per label; ``quantiles`` is ``(panels, 5, T)`` at QUANTILES."""
    go = _plotly()
    from plotly.subplots import make_subplots

    n = len(labels)
    cols = min(3, n)
    rows = -(-n // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(labels), shared_yaxes=True,
                        vertical_spacing=0.12 / max(1, rows / 2))
    for i in range(n):
        r, c = i // cols + 1, i % cols + 1
        q = quantiles[i]
        show = i == 0
        for lo, hi, alpha, name in ((0, 4, 0.18, "5-95%"), (1, 3, 0.35, "25-75%")):
            fig.add_trace(go.Scatter(x=list(x), y=q[hi], mode="lines", line={"width": 0},
                                     showlegend=False, hoverinfo="skip"), row=r, col=c)
            fig.add_trace(go.Scatter(x=list(x), y=q[lo], mode="lines", line={"width": 0},
                                     fill="tonexty", fillcolor=f"rgba(192,57,43,{alpha})",
                                     name=name, showlegend=show, legendgroup=name),
                          row=r, col=c)
        fig.add_trace(go.Scatter(x=list(x), y=q[2], mode="lines+markers",
                                 line={"color": "#7b241c"}, name="median", showlegend=show,
                                 legendgroup="median"), row=r, col=c)
    fig.update_yaxes(range=[0, 9], title_text=y_title, col=1)
    fig.update_layout(title=title, height=260 * rows + 120)
    fig.update_annotations(font_size=10)
    return chart(fig, chart_id)


def network_figure(actors: Sequence[str], panels: Sequence[tuple[str, np.ndarray, np.ndarray]],
                    chart_id: str = "network") -> dict[str, str]:
    """Relation network panels: ``(title, relation[A, A], commitment[A, A])`` each."""
    go = _plotly()
    import networkx as nx
    from plotly.colors import sample_colorscale
    from plotly.subplots import make_subplots

    n = len(actors)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    rel0, com0 = panels[0][1], panels[0][2]
    for i in range(n):
        for j in range(i + 1, n):
            weight = (rel0[i, j] + 10.0) / 20.0 + max(com0[i, j], com0[j, i])
            graph.add_edge(i, j, weight=weight)
    pos = nx.spring_layout(graph, seed=7, weight="weight")
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[p[0] for p in panels])
    for c, (_, relation, commitment) in enumerate(panels, start=1):
        for i in range(n):
            for j in range(i + 1, n):
                rel = float(relation[i, j])
                com = max(float(commitment[i, j]), float(commitment[j, i]))
                if abs(rel) < 0.05 and com < 0.01:
                    continue
                colour = sample_colorscale("RdBu", [(rel + 10.0) / 20.0])[0]
                (x0, y0), (x1, y1) = pos[i], pos[j]
                hover = (f"{actors[i]}-{actors[j]}: relation {rel:+.1f}; commitment "
                         f"{actors[i]}>{actors[j]} {commitment[i, j]:.2f}, "
                         f"{actors[j]}>{actors[i]} {commitment[j, i]:.2f}")
                fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines",
                                         line={"color": colour, "width": 1.0 + 9.0 * com},
                                         hoverinfo="skip", showlegend=False), row=1, col=c)
                fig.add_trace(go.Scatter(x=[(x0 + x1) / 2], y=[(y0 + y1) / 2], mode="markers",
                                         marker={"size": 6, "color": colour, "opacity": 0.01},
                                         hovertext=hover, hoverinfo="text", showlegend=False),
                              row=1, col=c)
        fig.add_trace(go.Scatter(
            x=[pos[i][0] for i in range(n)], y=[pos[i][1] for i in range(n)],
            mode="markers+text", text=list(actors), textposition="middle center",
            marker={"size": 34, "color": "#f4f6f8", "line": {"color": "#1d3557", "width": 2},
                    "colorscale": "RdBu", "cmin": -10, "cmax": 10, "showscale": c == 1,
                    "colorbar": {"title": "relation", "x": 1.02}},
            hoverinfo="text", showlegend=False), row=1, col=c)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(title="Relations among the actors (colour: relation on the Goldstein "
                            "scale, red hostile, blue friendly; width: commitment)",
                      height=480)
    return chart(fig, chart_id)


# --------------------------------------------------------------------------- tables


def _robustness_rows(table: RobustnessTable, kind: str,
                     short: Mapping[str, str]) -> list[dict[str, Any]]:
    fmt = _fmt(kind) if kind else (lambda x: f"{x:.3f}")
    best = table.best("max_regret")
    return [{"highlight": rec.lever == best,
             "cells": [short.get(rec.lever, rec.lever), fmt(rec.expected), fmt(rec.worst),
                       fmt(rec.max_regret), fmt(rec.mean_regret), _pct(rec.share_near_best)]}
            for rec in table.levers]


def quarter_labels(start: str, quarters: int) -> list[str]:
    y0, m0 = (int(part) for part in start.split("-"))
    labels = []
    for q in range(quarters):
        total = y0 * 12 + (m0 - 1) + 3 * q
        labels.append(f"{total // 12}-{total % 12 + 1:02d}")
    return labels


# --------------------------------------------------------------------------- exploration


def render_exploration_report(res: ExplorationResults, *, outcome: str | None = None,
                              threshold: float = 0.05, objective: str | None = None,
                              tolerance: float = 0.01, title: str | None = None) -> str:
    """The HTML report of a stored exploration (see :func:`write_report`)."""
    outcome = outcome or res.default_outcome
    index = res.outcome_index(outcome)
    meta = res.outcomes[index]
    m = res.metadata
    rows = policy_probabilities(res)
    table = robustness_of(res, outcome=outcome, tolerance=tolerance)
    weighted = robustness_of(res, objective=objective, tolerance=tolerance) if objective else None
    sens = sensitivity(res, outcome)
    found = discover(res, outcome, threshold)
    findings = headlines(res, outcome=outcome, threshold=threshold, probabilities=rows,
                         table=table, sens=sens, found=found)

    sections: list[dict[str, Any]] = []
    sections.append({
        "id": "probabilities", "title": "Outcome probabilities per policy",
        "intro": "Each probability is the share of simulated futures in which the outcome "
                 "occurs, averaged over the sampled assumptions; the 95% interval counts "
                 "both the spread across assumptions and the finite number of futures.",
        "charts": [_probability_heatmap(res, rows), outcome_bars(res, rows, outcome)],
        "tables": [], "notes": []})
    short = dict(zip(res.policy_labels, res.policy_short, strict=True))
    robust_tables = [{
        "caption": f"{meta['label']} (lower is better; tolerance {tolerance:g})",
        "header": [f"policy ({res.lever_order})", "expected", "worst case", "max regret",
                   "mean regret", "share near best"],
        "rows": _robustness_rows(table, meta["kind"], short)}]
    if weighted is not None:
        robust_tables.append({
            "caption": f"Weighted objective {objective} (score 0..1, higher is better)",
            "header": ["policy", "expected", "worst case", "max regret", "mean regret",
                       "share near best"],
            "rows": _robustness_rows(weighted, "", short)})
    sections.append({
        "id": "robustness", "title": "Which policy holds up (robustness)",
        "intro": "Regret is how much worse a policy does than the best policy for the same "
                 "sampled assumptions and the same random draws; the highlighted row has the "
                 "smallest maximum regret.",
        "charts": [], "tables": robust_tables, "notes": []})
    sens_notes = []
    if sens.message:
        sens_notes.append(sens.message)
    if sens.noise_share is not None:
        sens_notes.append(f"About {_pct(sens.noise_share)} of the variance of this outcome "
                          "across samples is Monte Carlo noise of the finite ensembles; total "
                          "indices are inflated by roughly that much.")
    sens_tables = []
    if sens.ST is not None:
        sens_tables.append({"caption": "", "header": ["uncertainty", "S1", "S1 ±", "ST", "ST ±"],
                            "rows": [{"highlight": False,
                                      "cells": [n, f"{sens.S1[j]:.3f}", f"{sens.S1_conf[j]:.3f}",
                                                f"{sens.ST[j]:.3f}", f"{sens.ST_conf[j]:.3f}"]}
                                     for j, n in enumerate(sens.names)]})
    sections.append({
        "id": "sensitivity", "title": f"Which assumptions decide {meta['label'].lower()}",
        "intro": "Averaged over the policies.", "charts": [sensitivity_chart(res, sens, outcome)],
        "tables": sens_tables, "notes": sens_notes})
    prim_tables = []
    for b, box in enumerate(found.boxes):
        prim_tables.append({
            "caption": f"Box {b + 1}: coverage {_pct(box.coverage)}, density "
                       f"{_pct(box.density)}, mass {_pct(box.mass)}",
            "header": ["uncertainty", "from", "to", "range", "quasi-p"],
            "rows": [{"highlight": False,
                      "cells": [r.name, f"{r.lower:.3g}", f"{r.upper:.3g}",
                                f"{r.data_lower:.3g} - {r.data_upper:.3g}",
                                ", ".join(f"{p:.2g}" for p in (r.qp_lower, r.qp_upper)
                                          if p is not None)]}
                     for r in box.restrictions]})
    sections.append({
        "id": "discovery", "title": "Scenario discovery (PRIM)",
        "intro": f"Parameter regions where {meta['label'].lower()} exceeds "
                 f"{_pct(threshold)}: coverage is the share of all such experiments inside "
                 f"the box, density the share of the box's experiments that are such cases "
                 f"({found.n_of_interest:,} of {found.n_rows:,} experiments; a box must reach "
                 f"a density of {_pct(found.density)}).",
        "charts": [prim_chart(res, found)] if found.boxes else [],
        "tables": prim_tables, "notes": [found.message] if found.message else []})
    fans = fan_quantiles(res, QUANTILES)
    x = quarter_labels(m["start_month"], fans.shape[2])
    sections.append({
        "id": "escalation", "title": "Escalation over time",
        "intro": "For each sampled parameter set, the highest escalation rung held in each "
                 "quarter is averaged over its futures; the fans show how that average spreads "
                 f"across the sampled assumptions ({RUNG_LEGEND}).",
        "charts": [fan_figure(res.policy_short, fans, x, "Mean escalation rung per quarter "
                               "(quantiles across samples)", "fan", "rung")],
        "tables": [], "notes": []})
    net = network(res)
    sections.append({
        "id": "network", "title": "The relation network at the start and at the horizon",
        "intro": "Averaged over samples and policies.",
        "charts": [network_figure(net["actors"], [
            ("start", net["start"]["relation"], net["start"]["commitment"]),
            (f"after {m['months']} months", net["end"]["relation"],
             net["end"]["commitment"])])],
        "tables": [], "notes": []})
    sections.append({
        "id": "assumptions", "title": "The sampled assumptions",
        "intro": "", "charts": [],
        "tables": [{"caption": "", "header": ["name", "path", "range", "distribution",
                                              "rationale"],
                    "rows": [{"highlight": False,
                              "cells": [u["name"], u["path"], f"{u['low']:g} - {u['high']:g}",
                                        u["distribution"], u["rationale"]]}
                             for u in res.uncertainties]},
                   {"caption": "Levers", "header": ["lever", "actor", "options"],
                    "rows": [{"highlight": False,
                              "cells": [lv["label"], lv["actor"],
                                        ", ".join(o["id"] for o in lv["options"])]}
                             for lv in res.levers]}],
        "notes": []})
    provenance = [(k, m.get(k)) for k in ("scenario", "scenario_sha256", "exploration_sha256",
                                          "seed", "sampler", "samples", "futures", "months",
                                          "version", "created")]
    return _template().render(
        title=title or f"{m['scenario']}: exploration under deep uncertainty",
        subtitle=f"{m['samples']:,} samples x {len(res.policies)} policies x "
                 f"{m['futures']:,} futures, {m['months']} months from {m['start_month']}",
        findings=findings, sections=sections, provenance=provenance, version=__version__,
        plotly_js=_plotly_js())


# --------------------------------------------------------------------------- single run


def run_network(actors: Sequence[str], start_relation: np.ndarray, start_commitment: np.ndarray,
                end_relation: np.ndarray, end_commitment: np.ndarray) -> dict[str, Any]:
    """The ``network`` argument of :func:`render_run_report`, from plain arrays."""
    return {"actors": list(actors),
            "start": {"relation": np.asarray(start_relation),
                      "commitment": np.asarray(start_commitment)},
            "end": {"relation": np.asarray(end_relation), "commitment": np.asarray(end_commitment)}}


def render_run_report(summary: Mapping[str, Any], *, quarter_rung: np.ndarray | None = None,
                      network: Mapping[str, Any] | None = None,
                      start_month: str | None = None, title: str | None = None) -> str:
    """The HTML report of a single run, from plain data.

    Parameters
    ----------
    summary : mapping
        What ``peninsula run`` writes to ``summary.json``: ``metadata`` (scenario, seed,
        futures, months, ...), ``outcomes`` (``id``, ``label``, ``kind``, ``estimate`` with
        ``value``, ``low``, ``high``, and ``median_first_month``) and optionally
        ``escalation_paths`` (``path``, ``share``) and ``shocks``.
    quarter_rung : numpy.ndarray, optional
        Highest rung per future and quarter, shape ``(futures, quarters)``, for the fan chart.
    network : mapping, optional
        ``actors``, ``start`` and ``end``, each with ``relation`` and ``commitment`` ``(A, A)``
        arrays (see :func:`run_network`).
    start_month : str, optional
        ``YYYY-MM`` of the first month (for the time axis); default ``metadata.start_month``.
    title : str, optional
        Page title.

    """
    go = _plotly()
    meta = dict(summary.get("metadata", {}))
    outcomes = list(summary.get("outcomes", []))
    binary = [o for o in outcomes if o.get("kind") == "binary"]
    continuous = [o for o in outcomes if o.get("kind") != "binary"]
    findings = [f"{meta.get('futures', '?'):,} futures x {meta.get('months', '?')} months of "
                f"{meta.get('scenario', 'the scenario')} (seed {meta.get('seed', '?')})."
                if isinstance(meta.get("futures"), int) else "A single run."]
    for o in sorted(binary, key=lambda o: -o["estimate"]["value"])[:4]:
        e = o["estimate"]
        findings.append(f"{o['label']}: {_pct(e['value'])} of futures "
                        f"(95% interval {_pct(e['low'])}-{_pct(e['high'])}).")
    sections: list[dict[str, Any]] = []
    charts = []
    if binary:
        values = np.array([o["estimate"]["value"] for o in binary]) * 100
        fig = go.Figure(go.Bar(
            x=values, y=[o["label"] for o in binary], orientation="h", marker_color="#c0392b",
            error_x={"type": "data", "symmetric": False,
                     "array": np.array([o["estimate"]["high"] for o in binary]) * 100 - values,
                     "arrayminus": values - np.array([o["estimate"]["low"] for o in binary])
                     * 100}))
        fig.update_layout(title="Outcome probabilities (95% interval)",
                          xaxis_title="probability (%)", yaxis={"autorange": "reversed"},
                          height=max(320, 30 * len(binary) + 140))
        charts.append(chart(fig, "probabilities"))
    table_rows = [{"highlight": False,
                   "cells": [o["label"], _fmt(o.get("kind", "binary"))(o["estimate"]["value"]),
                             f"{_fmt(o.get('kind', 'binary'))(o['estimate']['low'])} - "
                             f"{_fmt(o.get('kind', 'binary'))(o['estimate']['high'])}"]}
                  for o in binary + continuous]
    sections.append({"id": "probabilities", "title": "Outcomes", "intro": "", "charts": charts,
                     "tables": [{"caption": "", "header": ["outcome", "estimate",
                                                           "95% interval"],
                                 "rows": table_rows}], "notes": []})
    if quarter_rung is not None and np.asarray(quarter_rung).size:
        q = np.quantile(np.asarray(quarter_rung, dtype=np.float64), QUANTILES, axis=0)
        start = start_month or meta.get("start_month")
        x = (quarter_labels(start, q.shape[1]) if start
             else [f"Q{i + 1}" for i in range(q.shape[1])])
        sections.append({
            "id": "escalation", "title": "Escalation over time",
            "intro": "Highest rung held per quarter, quantiles across futures.",
            "charts": [fan_figure(["all futures"], q[None], x,
                                   "Highest escalation rung per quarter", "fan", "rung")],
            "tables": [], "notes": []})
    paths = summary.get("escalation_paths") or []
    if paths:
        sections.append({"id": "paths", "title": "Most frequent escalation paths", "intro": "",
                         "charts": [], "notes": [],
                         "tables": [{"caption": "", "header": ["path (rung per quarter)",
                                                               "share"],
                                     "rows": [{"highlight": False,
                                               "cells": [p["path"], _pct(p["share"])]}
                                              for p in paths]}]})
    if network is not None:
        sections.append({
            "id": "network", "title": "The relation network at the start and at the horizon",
            "intro": "Horizon values are averaged over futures.",
            "charts": [network_figure(network["actors"], [
                ("start", np.asarray(network["start"]["relation"]),
                 np.asarray(network["start"]["commitment"])),
                ("horizon", np.asarray(network["end"]["relation"]),
                 np.asarray(network["end"]["commitment"]))])],
            "tables": [], "notes": []})
    keys = ("scenario", "scenario_sha256", "seed", "futures", "months", "version", "created")
    return _template().render(
        title=title or f"{meta.get('scenario', 'Peninsula')}: a single run",
        subtitle=f"seed {meta.get('seed', '?')}, {meta.get('futures', '?')} futures",
        findings=findings, sections=sections,
        provenance=[(k, meta.get(k)) for k in keys if k in meta], version=__version__,
        plotly_js=_plotly_js())
