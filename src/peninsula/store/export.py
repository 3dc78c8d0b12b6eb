"""Export stored results (a run's ``results.duckdb`` or an ``exploration.duckdb``) as files.

Every table, and the views that decode stored integers back to codes, is written as one CSV or
Parquet file by DuckDB itself (no pandas or pyarrow needed). Files appear complete or not at
all: each is written under a temporary name and renamed.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from peninsula.errors import UserError

FORMATS = ("csv", "parquet")
RESULT_FILES = ("results.duckdb", "exploration.duckdb")


class ExportError(UserError):
    """The results cannot be exported as asked."""


@dataclass(frozen=True)
class ExportedTable:
    """One exported table: its name, the file written and its number of rows."""

    table: str
    path: Path
    rows: int


def results_file(results: str | Path) -> Path:
    """The DuckDB file of a results folder (``results.duckdb`` or ``exploration.duckdb``)."""
    path = Path(results)
    if path.is_dir():
        for name in RESULT_FILES:
            if (path / name).is_file():
                return path / name
        raise ExportError(f"{path}: no {' or '.join(RESULT_FILES)} in this folder")
    if not path.exists():
        raise ExportError(f"{path}: no such file or folder")
    return path


def _check_out(out: Path) -> None:
    for parent in [out, *out.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise ExportError(f"{parent} is a file, not a folder: choose another --out")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise ExportError(f"{parent} is not writable: choose another --out")
            return


def _relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "ORDER BY table_type, table_name").fetchall()
    return [r[0] for r in rows]


def export_results(results: str | Path, out_dir: str | Path, fmt: str = "csv"
                   ) -> list[ExportedTable]:
    """Write every table and view of stored results into ``out_dir`` as ``fmt`` files."""
    if fmt not in FORMATS:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    path = results_file(results)
    out = Path(out_dir)
    _check_out(out)
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise ExportError(f"{path}: not a readable DuckDB file "
                          f"({str(exc).splitlines()[0]})") from None
    written: list[ExportedTable] = []
    partial = out
    try:
        names = _relations(con)
        if not names:
            raise ExportError(f"{path}: holds no tables")
        out.mkdir(parents=True, exist_ok=True)
        option = "(FORMAT parquet)" if fmt == "parquet" else "(FORMAT csv, HEADER true)"
        for name in names:
            target = out / f"{name}.{fmt}"
            partial = out / f".{name}.{fmt}.partial"
            quoted = '"' + name.replace('"', '""') + '"'
            con.execute(f"COPY (SELECT * FROM {quoted}) TO '{_sql_path(partial)}' {option}")
            os.replace(partial, target)
            rows = con.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]
            written.append(ExportedTable(name, target, int(rows)))
        return written
    except KeyboardInterrupt:
        if partial != out:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
        raise
    except (duckdb.Error, OSError) as exc:
        if isinstance(exc, duckdb.InterruptException):
            if partial != out:
                with contextlib.suppress(OSError):
                    partial.unlink(missing_ok=True)
            raise KeyboardInterrupt from None
        if partial != out:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
        reason = getattr(exc, "strerror", None) or (str(exc).strip().splitlines() or [""])[0]
        kept = (f"the {len(written)} files written before are kept in {out}" if written
                else "no file was written")
        if isinstance(exc, duckdb.Error) and (str(path) in str(exc)
                                              or not isinstance(exc, duckdb.IOException)):
            raise ExportError(f"{path} is damaged ({reason}); {kept}") from None
        raise ExportError(f"cannot write in {out} ({reason}); {kept}") from None
    finally:
        con.close()


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
