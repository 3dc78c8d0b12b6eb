"""Store runs in a DuckDB file: metadata, per-future outcomes, escalation paths, events.

One transaction per run: a run is either stored whole or not at all. Event actions and actors
are stored as small integers with lookup tables; the ``events_coded`` view joins them back to
action ids, CAMEO codes, PLOVER types and Goldstein values (the catalogue is the only source),
and the ``simulated_events`` view gives them the columns of the real-event table
(:mod:`peninsula.events.schema`), dated the first of each month, each its own document.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import duckdb
import numpy as np

from peninsula.engine.results import SimulationResult
from peninsula.scenario.cameo import cameo_table, plover_type_for
from peninsula.scenario.compiled import CompiledScenario
from peninsula.scenario.model import month_label

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, scenario VARCHAR, scenario_sha256 VARCHAR, seed BIGINT,
    futures INTEGER, months INTEGER, version VARCHAR, start_month VARCHAR,
    metadata JSON, created TIMESTAMP DEFAULT current_timestamp);
CREATE TABLE IF NOT EXISTS actors (run_id VARCHAR, actor SMALLINT, code VARCHAR);
CREATE TABLE IF NOT EXISTS actions (run_id VARCHAR, action SMALLINT, id VARCHAR,
    cameo VARCHAR, plover VARCHAR, goldstein DOUBLE, rung SMALLINT, quad_class TINYINT);
CREATE TABLE IF NOT EXISTS outcome_defs (run_id VARCHAR, outcome VARCHAR, label VARCHAR,
    kind VARCHAR);
CREATE TABLE IF NOT EXISTS outcomes (run_id VARCHAR, future INTEGER, outcome VARCHAR,
    first_month SMALLINT, count INTEGER, value DOUBLE);
CREATE TABLE IF NOT EXISTS paths (run_id VARCHAR, future INTEGER, quarter SMALLINT,
    rung SMALLINT);
CREATE TABLE IF NOT EXISTS final_dyads (run_id VARCHAR, future INTEGER, source SMALLINT,
    target SMALLINT, relation DOUBLE, rung DOUBLE, commitment DOUBLE);
CREATE TABLE IF NOT EXISTS final_actors (run_id VARCHAR, future INTEGER, actor SMALLINT,
    arms DOUBLE, nuclear DOUBLE);
CREATE TABLE IF NOT EXISTS events (run_id VARCHAR, future INTEGER, month SMALLINT,
    source SMALLINT, target SMALLINT, action SMALLINT);
CREATE OR REPLACE VIEW events_coded AS
    SELECT e.run_id, e.future, e.month, s.code AS source, t.code AS target, a.id AS action,
           a.cameo, a.plover, a.goldstein, a.rung
    FROM events e
    JOIN actors s ON s.run_id = e.run_id AND s.actor = e.source
    JOIN actors t ON t.run_id = e.run_id AND t.actor = e.target
    JOIN actions a ON a.run_id = e.run_id AND a.action = e.action;
CREATE OR REPLACE VIEW simulated_events AS
    SELECT e.run_id, e.future,
           'sim:' || e.run_id || ':' || e.future || ':' || e.month || ':' || s.code || ':'
               || t.code || ':' || a.id AS event_key,
           'simulated' AS dataset,
           CAST(CAST(r.start_month || '-01' AS DATE) + to_months(e.month) AS DATE) AS date,
           s.code AS source, t.code AS target, s.code AS source_actor, t.code AS target_actor,
           a.cameo, substr(a.cameo, 1, 2) AS root_code, a.plover AS plover_type, a.goldstein,
           a.quad_class, 1 AS mentions, CAST(NULL AS VARCHAR) AS action_country,
           CAST(NULL AS VARCHAR) AS doc_id, CAST(NULL AS VARCHAR) AS source_file,
           CAST(NULL AS BIGINT) AS source_line, a.id AS raw
    FROM events e
    JOIN runs r ON r.run_id = e.run_id
    JOIN actors s ON s.run_id = e.run_id AND s.actor = e.source
    JOIN actors t ON t.run_id = e.run_id AND t.actor = e.target
    JOIN actions a ON a.run_id = e.run_id AND a.action = e.action;
"""


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, np.ndarray]) -> None:
    frame = dict(columns)  # DuckDB scans a dict of NumPy arrays by its Python name
    names = ", ".join(frame)
    con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM frame")


def write_run(path: Path, metadata: dict, model: CompiledScenario,
              result: SimulationResult) -> str:
    """Store one run in the DuckDB file at ``path``; returns its run id."""
    run_id = uuid.uuid4().hex[:12]
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute(SCHEMA)
        _write(con, run_id, metadata, model, result)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    return run_id


def _write(con: duckdb.DuckDBPyConnection, run_id: str, metadata: dict,
           model: CompiledScenario, result: SimulationResult) -> None:
    scenario = model.scenario
    con.execute(
        "INSERT INTO runs (run_id, scenario, scenario_sha256, seed, futures, months, version, "
        "start_month, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, metadata["scenario"], metadata["scenario_sha256"], metadata["seed"],
         metadata["futures"], metadata["months"], metadata["version"], scenario.start,
         json.dumps(metadata)],
    )
    n, a = result.n_futures, model.n_actors
    con.executemany("INSERT INTO actors VALUES (?, ?, ?)",
                    [[run_id, i, code] for i, code in enumerate(model.actors)])
    table = cameo_table()
    con.executemany(
        "INSERT INTO actions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [[run_id, k, action.id, action.cameo,
          plover_type_for(action.cameo) if action.cameo else None,
          float(model.goldstein[k]), int(action.rung),
          table[action.cameo].quad_class if action.cameo else None]
         for k, action in enumerate(scenario.actions)],
    )
    out = model.outcomes
    con.executemany("INSERT INTO outcome_defs VALUES (?, ?, ?, ?)",
                    [[run_id, out.ids[row], out.labels[row], out.kinds[row]]
                     for row in range(len(out.ids))])
    futures = np.arange(n, dtype=np.int32)
    for c, row in enumerate(out.binary):
        first = result.first_month[:, c]
        _insert(con, "outcomes", {
            "run_id": np.full(n, run_id), "future": futures,
            "outcome": np.full(n, out.ids[row]),
            "first_month": np.where(first >= 0, first, np.nan),
            "count": result.count[:, c], "value": (first >= 0).astype(np.float64)})
    for c, row in enumerate(out.continuous):
        _insert(con, "outcomes", {
            "run_id": np.full(n, run_id), "future": futures,
            "outcome": np.full(n, out.ids[row]), "first_month": np.full(n, np.nan),
            "count": np.zeros(n, dtype=np.int32), "value": result.value[:, c]})
    q = result.quarter_rung.shape[1]
    _insert(con, "paths", {
        "run_id": np.full(n * q, run_id), "future": np.repeat(futures, q),
        "quarter": np.tile(np.arange(q, dtype=np.int16), n),
        "rung": result.quarter_rung.ravel().astype(np.int16)})
    src, tgt = np.nonzero(~np.eye(a, dtype=bool))
    pairs = src.size
    _insert(con, "final_dyads", {
        "run_id": np.full(n * pairs, run_id), "future": np.repeat(futures, pairs),
        "source": np.tile(src, n).astype(np.int16), "target": np.tile(tgt, n).astype(np.int16),
        "relation": result.final_relation[:, src, tgt].ravel(),
        "rung": result.final_rung[:, src, tgt].ravel(),
        "commitment": result.final_commitment[:, src, tgt].ravel()})
    _insert(con, "final_actors", {
        "run_id": np.full(n * a, run_id), "future": np.repeat(futures, a),
        "actor": np.tile(np.arange(a, dtype=np.int16), n),
        "arms": result.final_arms.ravel(), "nuclear": result.final_nuclear.ravel()})
    if result.events is not None and len(result.events):
        ev = result.events
        _insert(con, "events", {
            "run_id": np.full(len(ev), run_id), "future": ev.future, "month": ev.month,
            "source": ev.source.astype(np.int16), "target": ev.target.astype(np.int16),
            "action": ev.action})


def month_labels(start: str, months: int) -> list[str]:
    """``YYYY-MM`` labels of a run's months."""
    return [month_label(start, m) for m in range(months)]
