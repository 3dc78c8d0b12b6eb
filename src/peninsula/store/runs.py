"""Store runs in a DuckDB file: metadata, per-future outcomes, escalation paths, events.

One transaction per run: a run is either stored whole or not at all. Event actions and actors
are stored as small integers with lookup tables; the ``events_coded`` view joins them back to
action ids, CAMEO codes, PLOVER types and Goldstein values (the catalogue is the only source),
and the ``simulated_events`` view gives them the columns of the real-event table
(:mod:`peninsula.events.schema`), dated the first of each month, each its own document.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import numpy as np

from peninsula.engine.compiled import CompiledScenario
from peninsula.engine.results import SimulationResult
from peninsula.errors import UserError
from peninsula.events.schema import EVENT_COLUMNS
from peninsula.scenario.cameo import cameo_table, plover_type_for
from peninsula.scenario.model import month_label
from peninsula.store.database import transaction

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
"""

SIMULATED_EVENT_SQL: dict[str, str] = {
    "event_key": "'sim:' || e.run_id || ':' || e.future || ':' || e.month || ':' || s.code "
                 "|| ':' || t.code || ':' || a.id",
    "dataset": "'simulated'",
    "date": "CAST(CAST(r.start_month || '-01' AS DATE) + to_months(e.month) AS DATE)",
    "source": "s.code",
    "target": "t.code",
    "source_actor": "s.code",
    "target_actor": "t.code",
    "cameo": "a.cameo",
    "root_code": "substr(a.cameo, 1, 2)",
    "plover_type": "a.plover",
    "goldstein": "a.goldstein",
    "quad_class": "a.quad_class",
    "mentions": "1",
    "action_country": "CAST(NULL AS VARCHAR)",
    "doc_id": "CAST(NULL AS VARCHAR)",
    "source_file": "CAST(NULL AS VARCHAR)",
    "source_line": "CAST(NULL AS BIGINT)",
    "raw": "a.id",
}
"""SQL expression of each column of the real-event table (:data:`EVENT_COLUMNS`) for a simulated
event, over ``events e``, ``runs r``, ``actors s`` / ``t`` (source / target) and ``actions a``."""


def _simulated_events_view() -> str:
    """The ``simulated_events`` view: ``run_id``, ``future``, then the real-event columns.

    Built from :data:`peninsula.events.schema.EVENT_COLUMNS`, in its order, so the view cannot
    drift from the real-event table: a column with no expression in
    :data:`SIMULATED_EVENT_SQL` (or an expression for no column) fails at import.
    """
    names = [name for name, _, _ in EVENT_COLUMNS]
    problems = []
    missing = [n for n in names if n not in SIMULATED_EVENT_SQL]
    if missing:
        problems.append(f"no SQL expression for {', '.join(missing)}")
    extra = [n for n in SIMULATED_EVENT_SQL if n not in names]
    if extra:
        problems.append(f"an expression for unknown columns {', '.join(extra)}")
    if problems:
        raise RuntimeError("simulated_events is out of step with "
                           f"peninsula.events.schema.EVENT_COLUMNS: {'; '.join(problems)}")
    select = ",\n           ".join(f"{SIMULATED_EVENT_SQL[n]} AS {n}" for n in names)
    return f"""
CREATE OR REPLACE VIEW simulated_events AS
    SELECT e.run_id, e.future,
           {select}
    FROM events e
    JOIN runs r ON r.run_id = e.run_id
    JOIN actors s ON s.run_id = e.run_id AND s.actor = e.source
    JOIN actors t ON t.run_id = e.run_id AND t.actor = e.target
    JOIN actions a ON a.run_id = e.run_id AND a.action = e.action;
"""


SCHEMA += _simulated_events_view()


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, np.ndarray]) -> None:
    frame = dict(columns)  # DuckDB scans a dict of NumPy arrays by its Python name
    names = ", ".join(frame)
    con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM frame")


RESULTS_FILE = "results.duckdb"
SUMMARY_FILE = "summary.json"


class RunFolderError(UserError):
    """A run's results cannot be written where asked."""


LOCK_FILE = ".peninsula-run.lock"
"""The lock file a run holds in its output folder while it runs."""


def check_output_folder(folder: Path) -> None:
    """Refuse a folder that is a file, lies below a file, or cannot be written."""
    folder = Path(folder)
    for parent in [folder, *folder.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise RunFolderError(f"{parent} is a file, not a folder: choose another output "
                                     "folder")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise RunFolderError(f"{parent} is not writable: choose another output folder")
            break


def check_run_folder(folder: Path, *, overwrite: bool = False) -> None:
    """Refuse, before anything is simulated, a folder that cannot take a run's results."""
    folder = Path(folder)
    check_output_folder(folder)
    if (folder / RESULTS_FILE).exists() and not overwrite:
        raise RunFolderError(f"{folder / RESULTS_FILE} already exists: choose another output "
                             "folder, or overwrite it explicitly")


@contextlib.contextmanager
def reserve_run_folder(folder: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Check ``folder`` and hold its lock file while the ``with`` block runs.

    A second run into the same folder is refused at once (the lock names the process holding
    it; a lock left by a dead process is taken over). A folder created here and left empty is
    removed on exit.
    """
    from peninsula.store.chunks import StoreLockedError, _LockFile

    folder = Path(folder)
    check_run_folder(folder, overwrite=overwrite)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunFolderError(f"cannot create {folder}: {exc.strerror or exc}") from None
    lock = _LockFile(folder / LOCK_FILE)
    try:
        try:
            lock.acquire(folder)
        except StoreLockedError as exc:
            raise RunFolderError(str(exc)) from None
        except OSError as exc:
            raise RunFolderError(f"cannot write in {folder}: {exc.strerror or exc}") from None
        check_run_folder(folder, overwrite=overwrite)  # another run may have just finished
        yield folder
    finally:
        lock.release()
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty


def save_run_folder(folder: Path, metadata: dict, model: CompiledScenario,
                    result: SimulationResult, summarise: Callable[[str], dict]) -> str:
    """Write ``results.duckdb`` and ``summary.json`` into ``folder``, each atomically.

    ``summarise(run_id)`` builds the JSON summary once the run id is known. Both files are
    written under temporary names first and then renamed, so a failure (a full disk) leaves the
    folder as it was: :class:`RunFolderError` says so. Returns the run id.
    """
    folder = Path(folder)
    partial = folder / (RESULTS_FILE + ".partial")
    tmp = folder / (SUMMARY_FILE + ".partial")
    leftovers = (partial, partial.with_name(partial.name + ".wal"), tmp)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in leftovers:
            stale.unlink(missing_ok=True)
        run_id = write_run(partial, metadata, model, result)
        text = json.dumps(summarise(run_id), indent=2, allow_nan=False)
        tmp.write_text(text)
    except (OSError, duckdb.Error) as exc:
        for stale in leftovers:
            with contextlib.suppress(OSError):
                stale.unlink(missing_ok=True)
        reason = getattr(exc, "strerror", None) or str(exc).strip().splitlines()[0]
        kept = ("the results already there are kept" if (folder / RESULTS_FILE).exists()
                else "nothing was written")
        raise RunFolderError(f"cannot write the results in {folder} ({reason}); {kept}"
                             ) from None
    os.replace(partial, folder / RESULTS_FILE)
    os.replace(tmp, folder / SUMMARY_FILE)
    return run_id


def write_run(path: Path, metadata: dict, model: CompiledScenario,
              result: SimulationResult) -> str:
    """Store one run in the DuckDB file at ``path``; returns its run id."""
    run_id = uuid.uuid4().hex[:12]
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        with transaction(con):
            con.execute(SCHEMA)
            _write(con, run_id, metadata, model, result)
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
