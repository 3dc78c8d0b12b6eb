"""The DuckDB event store: ``events``, ``rejects`` and ``imports`` tables, and file import.

Each file is imported in one transaction, read and stored in bounded batches: its accepted rows
go to ``events``, every row it cannot accept goes to ``rejects`` with file, line, reason, the
file's resolved path and the import's id (re-importing a file replaces its old rejects), and one
row to ``imports``. A file whose every row is rejected is refused (``FormatError``).
A failing or killed import leaves the database as it was. Rows whose ``event_key`` is already
in ``events`` are counted as ``already_present`` and not added again, so importing the same file
twice adds nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from peninsula.events.countries import fips_to_iso3, name_to_iso3
from peninsula.events.formats import (
    BATCH_ROWS,
    FormatError,
    LineBatch,
    open_event_file,
    typing_sql,
)
from peninsula.events.schema import (
    EVENT_COLUMN_NAMES,
    EVENT_COLUMNS,
    IMPORT_COLUMNS,
    REJECT_COLUMNS,
    create_table_sql,
)
from peninsula.scenario.cameo import cameo_table

Progress = Callable[[str], None]

_QUAD = {"verbal_cooperation": 1, "material_cooperation": 2, "verbal_conflict": 3,
         "material_conflict": 4}


@dataclass(frozen=True)
class ImportResult:
    """What one file's import did."""

    file: str
    dataset: str
    rows_read: int
    inserted: int
    already_present: int
    rejected: int


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) an event database and make sure its tables exist."""
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        ensure_schema(con)
    return con


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``events``, ``rejects`` and ``imports`` tables if they are missing.

    Databases made before rejects were keyed by path and import get the new columns.
    """
    con.execute(create_table_sql("events", EVENT_COLUMNS))
    con.execute(create_table_sql("rejects", REJECT_COLUMNS))
    con.execute(create_table_sql("imports", IMPORT_COLUMNS))
    for table, columns in (("rejects", REJECT_COLUMNS), ("imports", IMPORT_COLUMNS)):
        for name, kind in columns:
            con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {name} {kind}")


@lru_cache(maxsize=1)
def _plover_quads() -> dict[str, int]:
    path = files("peninsula").joinpath("data", "plover_event_types.csv")
    with path.open(encoding="utf-8") as handle:
        return {row["event_type"]: _QUAD[row["quad_category"]]
                for row in csv.DictReader(handle) if not row["mode"]}


def _register_reference(con: duckdb.DuckDBPyConnection) -> None:
    """Register the CAMEO, FIPS, country-name and PLOVER lookups as relations for the queries."""
    table = cameo_table()
    codes = list(table)
    con.register("_cameo", {
        "code": np.array(codes, dtype=object),
        "root_code": np.array([table[c].root_code for c in codes], dtype=object),
        "plover_type": np.array([table[c].plover_type for c in codes], dtype=object),
        "goldstein": np.array([table[c].goldstein for c in codes]),
        "goldstein_icews": np.array([table[c].goldstein_icews for c in codes]),
        "quad_class": np.array([table[c].quad_class for c in codes], dtype=np.int8),
    })
    fips = fips_to_iso3()
    con.register("_fips", {"fips": np.array(list(fips), dtype=object),
                           "iso3": np.array(list(fips.values()), dtype=object)})
    names = name_to_iso3()
    con.register("_country_names", {"name": np.array(list(names), dtype=object),
                                    "iso3": np.array(list(names.values()), dtype=object)})
    quads = _plover_quads()
    con.register("_plover", {"event_type": np.array(list(quads), dtype=object),
                             "quad_class": np.array(list(quads.values()), dtype=np.int8)})


def import_file(con: duckdb.DuckDBPyConnection, path: str | Path, fmt: str | None = None,
                progress: Progress | None = None, batch_rows: int = BATCH_ROWS) -> ImportResult:
    """Import one event file (format named or detected) in a single transaction.

    The file is read and stored in batches of ``batch_rows`` rows, so memory does not grow with
    the file. Raises ``FormatError`` (database unchanged) when the file cannot be read or when
    every row of it is rejected.
    """
    say = progress or (lambda _msg: None)
    path = Path(path)
    say(f"reading {path.name}")
    with open_event_file(path, fmt, batch_rows) as source:
        return _store(con, source.name, source.key, source.format, source.batches(), say,
                      refuse_all_rejected=True)


def insert_batch(con: duckdb.DuckDBPyConnection, batch: LineBatch,
                 progress: Progress | None = None, key: str | None = None) -> ImportResult:
    """Type, check and store one batch of lines in a single transaction.

    ``key`` identifies the file for its rejects (default: the batch's name).
    """
    return _store(con, batch.name, key or batch.name, batch.dataset, iter([batch]),
                  progress or (lambda _msg: None), refuse_all_rejected=False)


def _store(con: duckdb.DuckDBPyConnection, name: str, key: str, dataset: str,
           batches: Iterator[LineBatch], say: Progress, *,
           refuse_all_rejected: bool) -> ImportResult:
    """Store a file's batches in one transaction; see the module notes."""
    ensure_schema(con)
    _register_reference(con)
    totals = {"rows": 0, "inserted": 0, "accepted": 0, "rejected": 0}
    first_reject: tuple[int, str] | None = None
    previous_limit = _limit_memory(con)
    con.execute("BEGIN TRANSACTION")
    try:
        import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports"
                                ).fetchall()[0][0]
        con.execute("DELETE FROM rejects WHERE source_path = ?", [key])
        con.execute("CREATE OR REPLACE TEMP TABLE _seen (event_key VARCHAR, first_line BIGINT)")
        # into an empty table no row can already be there: only keys repeated within this file
        # (``_seen``) are duplicates, and the check against ``events`` is skipped
        existing = bool(con.execute("SELECT EXISTS (SELECT 1 FROM events)").fetchall()[0][0])
        for batch in batches:
            dataset = batch.dataset
            counts = _store_batch(con, batch, key, import_id, say, existing=existing)
            for field_name, value in counts.items():
                totals[field_name] += value
            if first_reject is None and counts["rejected"]:
                first_reject = con.execute(
                    "SELECT source_line, reason FROM rejects WHERE import_id = ? "
                    "ORDER BY source_line LIMIT 1", [import_id]).fetchall()[0]
        if refuse_all_rejected and totals["rows"] and totals["rejected"] == totals["rows"]:
            line, reason = first_reject or (0, "")
            raise FormatError(
                f"{name}: all {totals['rows']:,} rows rejected (first: line {line}: {reason}); "
                f"is it a {dataset} file? Database unchanged for this file")
        result = ImportResult(name, dataset, totals["rows"], totals["inserted"],
                              totals["accepted"] - totals["inserted"], totals["rejected"])
        _record_import(con, result)
        con.execute("UPDATE imports SET source_path = ?, import_id = ? "
                    "WHERE import_id IS NULL AND source_file = ?", [key, import_id, name])
        con.execute("DROP TABLE IF EXISTS _seen")
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        raise
    finally:
        if previous_limit is not None:
            _restore_memory_limit(con, previous_limit)
    return result


IMPORT_MEMORY_LIMIT = "128MB"
"""DuckDB's memory limit while a file is imported into a database on disk. An import is one
transaction, and DuckDB keeps every table written inside a transaction until it ends, dropped
ones included: the seen-keys table ``_seen`` and each batch's ``_stage`` (250 to 300 bytes a row
in all). Without a limit they stay in memory, so memory grows with the file; with it, DuckDB
spills them to its temporary folder beside the database (disk, removed at the commit) and the
peak stays flat. With 64 MB, one of two 800,000-row imports ran out of memory while inserting
into ``events``; 128 MB never did in these runs, with rows of 200 and of 900 bytes."""


def _limit_memory(con: duckdb.DuckDBPyConnection) -> str | None:
    """Cap DuckDB's memory for an import into a file database; the previous limit, if capped."""
    on_disk = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = "
                          "current_database()").fetchall()
    if not on_disk or not on_disk[0][0]:
        return None  # an in-memory database has nowhere to spill to
    previous = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    con.execute(f"SET memory_limit = '{IMPORT_MEMORY_LIMIT}'")
    return str(previous)


def _restore_memory_limit(con: duckdb.DuckDBPyConnection, previous: str) -> None:
    """Put back the connection's memory limit: its default, or the value it was set to.

    A value set by hand comes back as DuckDB shows it (to 0.1 of its unit: ``1GB`` shows as
    ``953.6 MiB`` and comes back 0.1 MiB lower).
    """
    con.execute("RESET memory_limit")
    if con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] != previous:
        con.execute(f"SET memory_limit = '{previous}'")


def _query_frame(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, np.ndarray],
                 sql: str) -> None:
    """Run ``sql`` (a statement) with the NumPy ``columns`` readable as relation ``name``.

    Not ``con.register``: a view registered and unregistered inside a transaction keeps its
    Python objects alive until the transaction ends, so every batch's line strings (about 250
    bytes a row) stayed in memory until the commit. A relation's ``query`` holds them only while
    the statement runs, and copies nothing into a table of its own.
    """
    con.from_df(pd.DataFrame(columns, copy=False)).query(name, sql)


def _store_batch(con: duckdb.DuckDBPyConnection, batch: LineBatch, key: str, import_id: int,
                 say: Progress, *, existing: bool = True) -> dict[str, int]:
    """Type one batch and add its rows to ``events`` and ``rejects`` (inside the transaction)."""
    columns: dict[str, np.ndarray] = {"line": batch.line, "raw": batch.raw}
    if batch.fields is not None:
        columns["fields"] = batch.fields
    say(f"typing {len(batch.line):,} rows of {batch.name}")
    _query_frame(con, "_batch", columns,
                 f"CREATE OR REPLACE TEMP TABLE _stage AS SELECT * FROM ({typing_sql(batch)})")
    # Keys seen twice in the same file: the first row stays, later ones are rejected,
    # whether the first was in this batch or in an earlier one (``_seen``).
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _dups AS
        SELECT event_key, min(first_line) AS first_line FROM (
            SELECT event_key, min(source_line) AS first_line FROM _stage
            WHERE reason IS NULL GROUP BY event_key HAVING count(*) > 1
            UNION ALL
            SELECT s.event_key, s.first_line FROM _seen s
            WHERE s.event_key IN (SELECT event_key FROM _stage WHERE reason IS NULL)
        ) GROUP BY event_key
    """)
    con.execute("""
        UPDATE _stage SET reason = 'duplicate event key ' || _stage.event_key
            || ' (first on line ' || d.first_line || ')'
        FROM _dups d
        WHERE _stage.event_key = d.event_key AND _stage.source_line > d.first_line
          AND _stage.reason IS NULL
    """)
    con.execute("INSERT INTO _seen SELECT event_key, source_line FROM _stage "
                "WHERE reason IS NULL")
    say(f"storing {batch.name}")
    reject_cols = "source_file, source_line, dataset, reason, raw, source_path, import_id"
    if batch.rejects:
        count = len(batch.rejects)
        _query_frame(con, "_pyrejects", {
            "source_file": np.full(count, batch.name, dtype=object),
            "source_line": np.array([r[0] for r in batch.rejects], dtype=np.int64),
            "dataset": np.full(count, batch.dataset, dtype=object),
            "reason": np.array([r[1] for r in batch.rejects], dtype=object),
            "raw": np.array([r[2] for r in batch.rejects], dtype=object),
            "source_path": np.full(count, key, dtype=object),
            "import_id": np.full(count, import_id, dtype=np.int64),
        }, f"INSERT INTO rejects ({reject_cols}) SELECT {reject_cols} FROM _pyrejects")
    con.execute(f"INSERT INTO rejects ({reject_cols}) "
                "SELECT ?, source_line, ?, reason, raw, ?, ? FROM _stage "
                "WHERE reason IS NOT NULL", [batch.name, batch.dataset, key, import_id])
    rejected, accepted = con.execute(
        "SELECT count(*) FILTER (reason IS NOT NULL), count(*) FILTER (reason IS NULL) "
        "FROM _stage").fetchall()[0]
    select_cols = ", ".join("? AS source_file" if c == "source_file" else f"s.{c}"
                            for c in EVENT_COLUMN_NAMES)
    cols = ", ".join(EVENT_COLUMN_NAMES)
    already = ("AND NOT EXISTS (SELECT 1 FROM events e WHERE e.event_key = s.event_key)"
               if existing else "")
    inserted = con.execute(f"""
        INSERT INTO events ({cols})
        SELECT {select_cols} FROM _stage s
        WHERE s.reason IS NULL {already}
    """, [batch.name]).fetchall()[0][0]
    con.execute("DROP TABLE IF EXISTS _stage")
    con.execute("DROP TABLE IF EXISTS _dups")
    return {"rows": batch.rows, "inserted": inserted, "accepted": accepted,
            "rejected": rejected + len(batch.rejects)}


def _record_import(con: duckdb.DuckDBPyConnection, result: ImportResult) -> None:
    """Add the ``imports`` row of a finished file (inside the file's transaction)."""
    con.execute("INSERT INTO imports (source_file, dataset, imported_at, rows_read, inserted, "
                "already_present, rejected) VALUES (?, ?, current_timestamp, ?, ?, ?, ?)",
                [result.file, result.dataset, result.rows_read, result.inserted,
                 result.already_present, result.rejected])
