"""The DuckDB event store: ``events``, ``rejects`` and ``imports`` tables, and file import.

Each file is imported in one transaction: its accepted rows go to ``events``, every row it
cannot accept goes to ``rejects`` with file, line and reason, and one row to ``imports``.
A failing or killed import leaves the database as it was. Rows whose ``event_key`` is already
in ``events`` are counted as ``already_present`` and not added again, so importing the same file
twice adds nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import duckdb
import numpy as np

from peninsula.events.countries import fips_to_iso3, name_to_iso3
from peninsula.events.formats import LineBatch, read_batch, typing_sql
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
    """Create the ``events``, ``rejects`` and ``imports`` tables if they are missing."""
    con.execute(create_table_sql("events", EVENT_COLUMNS))
    con.execute(create_table_sql("rejects", REJECT_COLUMNS))
    con.execute(create_table_sql("imports", IMPORT_COLUMNS))


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
                progress: Progress | None = None) -> ImportResult:
    """Import one event file (format named or detected) in a single transaction."""
    say = progress or (lambda _msg: None)
    path = Path(path)
    say(f"reading {path.name}")
    batch = read_batch(path, fmt)
    return insert_batch(con, batch, progress=say)


def insert_batch(con: duckdb.DuckDBPyConnection, batch: LineBatch,
                 progress: Progress | None = None) -> ImportResult:
    """Type, check and store one batch of lines in a single transaction."""
    say = progress or (lambda _msg: None)
    ensure_schema(con)
    _register_reference(con)
    columns: dict[str, np.ndarray] = {"line": batch.line, "raw": batch.raw}
    if batch.fields is not None:
        columns["fields"] = batch.fields
    con.register("_batch", columns)
    cols = ", ".join(EVENT_COLUMN_NAMES)
    say(f"typing {len(batch.line):,} rows of {batch.name}")
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DROP TABLE IF EXISTS _stage")
        con.execute(f"CREATE TEMP TABLE _stage AS SELECT * FROM ({typing_sql(batch)})")
        # Keys seen twice in the same file: the first row stays, later ones are rejected.
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _dups AS
            SELECT event_key, min(source_line) AS first_line FROM _stage
            WHERE reason IS NULL GROUP BY event_key HAVING count(*) > 1
        """)
        con.execute("""
            UPDATE _stage SET reason = 'duplicate event key ' || _stage.event_key
                || ' (first on line ' || d.first_line || ')'
            FROM _dups d
            WHERE _stage.event_key = d.event_key AND _stage.source_line > d.first_line
              AND _stage.reason IS NULL
        """)
        say(f"storing {batch.name}")
        if batch.rejects:
            con.register("_pyrejects", {
                "line": np.array([r[0] for r in batch.rejects], dtype=np.int64),
                "reason": np.array([r[1] for r in batch.rejects], dtype=object),
                "raw": np.array([r[2] for r in batch.rejects], dtype=object),
            })
            con.execute("""
                INSERT INTO rejects SELECT ?, line, ?, reason, raw FROM _pyrejects p
                WHERE NOT EXISTS (SELECT 1 FROM rejects r
                                  WHERE r.source_file = ? AND r.source_line = p.line)
            """, [batch.name, batch.dataset, batch.name])
        con.execute("""
            INSERT INTO rejects SELECT ?, source_line, ?, reason, raw FROM _stage s
            WHERE reason IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM rejects r WHERE r.source_file = ? AND r.source_line = s.source_line)
        """, [batch.name, batch.dataset, batch.name])
        rejected = con.execute("SELECT count(*) FROM _stage WHERE reason IS NOT NULL"
                               ).fetchone()[0] + len(batch.rejects)
        select_cols = ", ".join("? AS source_file" if c == "source_file" else f"s.{c}"
                                for c in EVENT_COLUMN_NAMES)
        before = con.execute("SELECT count(*) FROM events").fetchone()[0]
        con.execute(f"""
            INSERT INTO events ({cols})
            SELECT {select_cols} FROM _stage s
            WHERE s.reason IS NULL
              AND NOT EXISTS (SELECT 1 FROM events e WHERE e.event_key = s.event_key)
        """, [batch.name])
        inserted = con.execute("SELECT count(*) FROM events").fetchone()[0] - before
        accepted = con.execute("SELECT count(*) FROM _stage WHERE reason IS NULL").fetchone()[0]
        result = ImportResult(batch.name, batch.dataset, batch.rows, inserted,
                              accepted - inserted, rejected)
        _record_import(con, result)
        con.execute("DROP TABLE IF EXISTS _stage")
        con.execute("DROP TABLE IF EXISTS _dups")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("_batch", "_pyrejects"):
            try:
                con.unregister(name)
            except duckdb.Error:
                pass
    return result


def _record_import(con: duckdb.DuckDBPyConnection, result: ImportResult) -> None:
    """Add the ``imports`` row of a finished file (inside the file's transaction)."""
    con.execute("INSERT INTO imports VALUES (?, ?, current_timestamp, ?, ?, ?, ?)",
                [result.file, result.dataset, result.rows_read, result.inserted,
                 result.already_present, result.rejected])
