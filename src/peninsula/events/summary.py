"""Monthly summaries of a dyad: event counts, mean Goldstein per direction, top actions.

The functions take any DuckDB table, view or relation with the common columns ``source``,
``target``, ``cameo``, ``goldstein`` and either ``date`` or ``month``, so real event data and
the engine's simulated event streams are summarised by the same code, and return plain data.

Joint events
------------
Event data record "A and B met" twice, once in each direction, and a story repeated by several
outlets or sentences may yield the same directed event more than once. ``weighted_events``
therefore gives each row a weight ``1 / n``, where ``n`` is the number of rows sharing the
same day, document (``doc_id``; rows without one are never grouped), CAMEO code and *unordered*
pair of actors. One joint meeting thus counts as one event in total, half in each direction;
a mirrored pair from one document never counts twice. Summaries report both the raw row count
(``rows``) and this weighted count (``events``), and the mean Goldstein value is weighted the
same way. Relations without ``doc_id`` get weight 1 for every row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from peninsula.scenario.cameo import cameo_table


@dataclass(frozen=True)
class MonthRow:
    """Events of one month in one direction of a dyad."""

    month: str
    source: str
    target: str
    rows: int
    events: float
    mean_goldstein: float | None


@dataclass(frozen=True)
class ActionRow:
    """One of the most frequent actions in one direction."""

    source: str
    target: str
    cameo: str
    description: str
    events: float


@dataclass(frozen=True)
class DyadSummary:
    """Monthly counts and mean Goldstein per direction, and the top actions."""

    dyad: tuple[str, str]
    start: str
    end: str
    months: list[MonthRow] = field(default_factory=list)
    top_actions: list[ActionRow] = field(default_factory=list)


def parse_dyad(text: str) -> tuple[str, str]:
    """``"PRK-KOR"`` → ``("PRK", "KOR")``; raise ``ValueError`` naming what was expected."""
    parts = text.strip().upper().split("-")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"dyad {text!r}: expected two actor codes joined by '-', e.g. PRK-KOR")
    return parts[0], parts[1]


def parse_month(text: str) -> date:
    """``"2023-01"`` → first day of that month; raise ``ValueError`` naming what was expected."""
    try:
        year, month = text.strip().split("-")
        return date(int(year), int(month), 1)
    except ValueError as exc:
        raise ValueError(f"month {text!r}: expected YYYY-MM, e.g. 2023-01") from exc


def _months(start: date, end: date) -> list[date]:
    out = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _source_sql(con: duckdb.DuckDBPyConnection,
                relation: str | duckdb.DuckDBPyRelation) -> tuple[str, set[str]]:
    """Return a FROM-able name for the relation, and its column names."""
    if isinstance(relation, duckdb.DuckDBPyRelation):
        relation.create_view("_summary_input", replace=True)
        name = "_summary_input"
    else:
        name = relation
    columns = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {name}").fetchall()}
    missing = {"source", "target", "cameo", "goldstein"} - columns
    if missing or not ({"date", "month"} & columns):
        need = sorted(missing | ({"date or month"} if not ({"date", "month"} & columns) else set()))
        raise ValueError(f"{name}: missing event columns {', '.join(need)}")
    return name, columns


def weighted_events_sql(name: str, columns: set[str]) -> str:
    """Query adding ``month`` and the joint-event ``weight`` (see module notes) to a relation."""
    month = ("date_trunc('month', date)::DATE" if "date" in columns
             else "date_trunc('month', CAST(month AS DATE))::DATE")
    day = "date" if "date" in columns else "month"
    if "doc_id" in columns:
        key = "coalesce(doc_id, event_key)" if "event_key" in columns else "doc_id"
        weight = (f"CASE WHEN {key} IS NULL THEN 1.0 ELSE 1.0 / count(*) OVER (PARTITION BY "
                  f"{day}, {key}, cameo, least(source, target), greatest(source, target)) END")
    else:
        weight = "1.0"
    return f"SELECT *, {month} AS _month, {weight} AS weight FROM {name}"


def summarise_dyad(con: duckdb.DuckDBPyConnection, dyad: tuple[str, str] | str,
                   start: str, end: str, relation: str | duckdb.DuckDBPyRelation = "events",
                   top: int = 0) -> DyadSummary:
    """Monthly event counts and mean Goldstein in both directions of ``dyad``, months inclusive.

    ``top`` > 0 also lists the ``top`` most frequent CAMEO codes in each direction.
    """
    pair = parse_dyad(dyad) if isinstance(dyad, str) else dyad
    first, last = parse_month(start), parse_month(end)
    if last < first:
        raise ValueError(f"the last month {end} is before the first month {start}")
    name, columns = _source_sql(con, relation)
    a, b = pair
    base = f"""
        WITH w AS ({weighted_events_sql(name, columns)})
        SELECT * FROM w
        WHERE ((source = $a AND target = $b) OR (source = $b AND target = $a))
          AND _month BETWEEN $first AND $last
    """
    params = {"a": a, "b": b, "first": first, "last": last}
    found = con.execute(f"""
        SELECT _month, source, target, count(*) AS rows, sum(weight) AS events,
               sum(weight * goldstein) FILTER (WHERE goldstein IS NOT NULL)
                 / sum(weight) FILTER (WHERE goldstein IS NOT NULL) AS mean_goldstein
        FROM ({base}) GROUP BY ALL
    """, params).fetchall()
    by_key = {(row[0], row[1], row[2]): row for row in found}
    months: list[MonthRow] = []
    for month in _months(first, last):
        for src, tgt in ((a, b), (b, a)):
            row = by_key.get((month, src, tgt))
            months.append(MonthRow(
                month=month.strftime("%Y-%m"), source=src, target=tgt,
                rows=int(row[3]) if row else 0, events=float(row[4]) if row else 0.0,
                mean_goldstein=None if row is None or row[5] is None else float(row[5]),
            ))
    actions: list[ActionRow] = []
    if top > 0:
        table = cameo_table()
        ranked = con.execute(f"""
            SELECT source, target, cameo, events FROM (
                SELECT source, target, cameo, sum(weight) AS events FROM ({base})
                GROUP BY source, target, cameo)
            QUALIFY row_number() OVER (PARTITION BY source, target
                                       ORDER BY events DESC, cameo) <= $top
            ORDER BY source = $b, events DESC, cameo
        """, {**params, "top": top}).fetchall()
        for src, tgt, code, events in ranked:
            entry = table.get(code) if code is not None else None
            actions.append(ActionRow(src, tgt, code or "", entry.description if entry else "",
                                     float(events)))
    return DyadSummary(pair, first.strftime("%Y-%m"), last.strftime("%Y-%m"), months, actions)


def plot_summary(summary: DyadSummary, path: str | Path) -> Path:
    """Write a PNG: weighted monthly counts (bars) and mean Goldstein (lines) per direction."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a, b = summary.dyad
    months = sorted({row.month for row in summary.months})
    fig, (top_ax, bottom_ax) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    width = 0.4
    xs = range(len(months))
    for offset, (src, tgt) in ((-width / 2, (a, b)), (width / 2, (b, a))):
        rows = {r.month: r for r in summary.months if r.source == src and r.target == tgt}
        counts = [rows[m].events if m in rows else 0.0 for m in months]
        means = [rows[m].mean_goldstein if m in rows else None for m in months]
        label = f"{src}→{tgt}"
        top_ax.bar([x + offset for x in xs], counts, width=width, label=label)
        bottom_ax.plot(list(xs), [float("nan") if v is None else v for v in means],
                       marker="o", label=label)
    top_ax.set_ylabel("events (joint-weighted)")
    top_ax.legend()
    bottom_ax.axhline(0.0, color="grey", linewidth=0.8)
    bottom_ax.set_ylabel("mean Goldstein")
    bottom_ax.set_ylim(-10, 10)
    bottom_ax.set_xticks(list(xs), months, rotation=45, ha="right")
    fig.suptitle(f"{a}–{b} events {summary.start} to {summary.end}")
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
