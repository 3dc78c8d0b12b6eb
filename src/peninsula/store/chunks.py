"""A resumable chunk store: finished chunks of a long run, committed one at a time to DuckDB.

The store holds one run (or sweep), named by an *identity*: the scenario's sha256, seed,
futures, months, chunk size, version and any other parameters that change the numbers. A
``chunks_done`` table lists finished chunks. :meth:`ChunkStore.commit` writes a chunk's rows to
its tables and marks it done in one transaction, so after a kill (SIGKILL, power loss) a chunk is
either stored whole and marked, or absent: a resumed run skips the marked ones and recomputes
the rest, with no duplicate and no missing chunk.

Every table gets two leading columns, ``chunk`` and ``row`` (the row's position within its
chunk), so rows are read back exactly in the order they were written.

Only one writer at a time: an exclusive lock file (``<store>.lock``, created with
``O_CREAT | O_EXCL``, holding the writer's PID and host) is taken before DuckDB opens the file; a
lock left by a killed process is detected (its PID is gone) and taken over. DuckDB's own file
lock backs this up across processes; both give a :class:`StoreLockedError` with a clear message.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import socket
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from peninsula.errors import UserError
from peninsula.store.database import transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_identity (
    kind VARCHAR, scenario_sha256 VARCHAR, seed BIGINT, futures BIGINT, months INTEGER,
    chunk_size INTEGER, version VARCHAR, parameters JSON, identity JSON,
    created TIMESTAMP DEFAULT current_timestamp);
CREATE TABLE IF NOT EXISTS chunks_done (
    chunk INTEGER PRIMARY KEY, tables JSON, rows BIGINT,
    committed TIMESTAMP DEFAULT current_timestamp);
"""

IDENTITY_FIELDS = ("scenario_sha256", "seed", "futures", "months", "chunk_size", "version")
"""Identity fields kept in their own columns (everything else goes to ``parameters``)."""

RESERVED = {"store_identity", "chunks_done"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class StoreError(UserError):
    """A chunk store cannot be used as asked (a one-line message)."""


class StoreLockedError(StoreError):
    """Another process is writing to the store."""


class StoreMismatchError(StoreError):
    """The store holds a different run than the one asked for."""


class StoreDamagedError(StoreError):
    """The store's file is truncated, overwritten or not a DuckDB file."""


def damaged_store(path: Path, exc: BaseException) -> StoreDamagedError:
    """The one-line error for a damaged chunk store: its chunks cannot be recovered."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return StoreDamagedError(f"{path.name} is damaged ({first}) in {path.parent}; its chunks "
                             f"cannot be recovered: delete it to start over")


class StoreExistsError(StoreError):
    """The store already holds finished chunks and ``resume`` was not asked for."""


def query_interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB's report of a query stopped by Ctrl-C (SIGINT)."""
    return isinstance(exc, duckdb.InterruptException) or (
        isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower())


def canonical(identity: dict[str, Any]) -> dict[str, Any]:
    """The identity as it reads back from JSON (tuples become lists, keys strings)."""
    return json.loads(json.dumps(identity, sort_keys=True, default=str))


def _differences(stored: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    keys = sorted(set(stored) | set(wanted))
    return [f"{k}: store has {stored.get(k)!r}, asked for {wanted.get(k)!r}"
            for k in keys if stored.get(k) != wanted.get(k)]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _LockFile:
    """An exclusive lock file holding ``pid host``; stale locks of dead local PIDs are taken."""

    def __init__(self, path: Path):
        self.path = path
        self.held = False

    def acquire(self, store: Path) -> None:
        for _attempt in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if self._stale(store):
                    with contextlib.suppress(FileNotFoundError):
                        self.path.unlink()
                    continue
                raise StoreLockedError(self._held_message(store)) from None
            with os.fdopen(fd, "w") as handle:
                handle.write(f"{os.getpid()} {socket.gethostname()}\n")
            self.held = True
            return
        raise StoreLockedError(self._held_message(store))

    def _owner(self) -> tuple[int | None, str | None]:
        try:
            text = self.path.read_text().split()
        except OSError:
            return None, None
        if len(text) >= 2 and text[0].isdigit():
            return int(text[0]), text[1]
        return None, None

    def _stale(self, store: Path) -> bool:
        pid, host = self._owner()
        if pid is None:  # empty: the writer died between creating and filling it, or is doing so
            try:
                return time.time() - self.path.stat().st_mtime > 10
            except FileNotFoundError:
                return True
        return host == socket.gethostname() and pid != os.getpid() and not _pid_alive(pid)

    def _held_message(self, store: Path) -> str:
        pid, host = self._owner()
        who = f"process {pid} on {host}" if pid is not None else "another process"
        return (f"{store} is being written by {who} (lock file {self.path}); wait for it to "
                f"finish, or delete the lock file if no such run is alive")

    def release(self) -> None:
        if self.held:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self.held = False


class ChunkStore:
    """Finished chunks of one run, in a DuckDB file; use as a context manager.

    ``identity`` names the run (see :data:`IDENTITY_FIELDS`; other keys are kept as
    parameters). A new file is created with it; an existing file must hold the same identity
    (else :class:`StoreMismatchError`) and, if it already has finished chunks, ``resume`` must be
    true (else :class:`StoreExistsError`). ``read_only`` opens an existing store for reading
    (no lock file; fails while a writer holds it) and accepts any identity if ``identity`` is
    ``None``.
    """

    def __init__(self, path: str | Path, identity: dict[str, Any] | None = None, *,
                 resume: bool = False, read_only: bool = False):
        if identity is None and not read_only:
            raise ValueError("a writable chunk store needs an identity")
        self.path = Path(path)
        self.wanted = canonical(identity) if identity is not None else None
        self.resume = resume
        self.read_only = read_only
        self.identity: dict[str, Any] = {}
        self._lock = _LockFile(self.path.with_name(self.path.name + ".lock"))
        self._con: duckdb.DuckDBPyConnection | None = None
        self._tables: set[str] = set()

    # -- opening and closing ---------------------------------------------------------------

    def __enter__(self) -> ChunkStore:
        self.open()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()

    def open(self) -> ChunkStore:
        """Take the lock, open the file, create or check the identity."""
        try:
            return self._open()
        except StoreError:
            raise
        except (duckdb.Error, ValueError, TypeError) as exc:
            self.close()
            if query_interrupted(exc):
                raise KeyboardInterrupt from None
            raise damaged_store(self.path, exc) from None

    def _open(self) -> ChunkStore:
        if self.read_only:
            if not self.path.exists():
                raise StoreError(f"no chunk store at {self.path}")
            self._con = self._connect(read_only=True)
            stored = self._stored_identity()
            if stored is None:
                raise StoreError(f"{self.path} is not a chunk store (no identity)")
            if self.wanted is not None and stored != self.wanted:
                raise StoreMismatchError(self._mismatch(stored))
            self.identity = stored
            self._tables = self._existing_tables()
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock.acquire(self.path)
        try:
            self._con = self._connect(read_only=False)
            self._con.execute(SCHEMA)
            stored = self._stored_identity()
            if stored is None:
                self._write_identity()
                stored = self.wanted
            elif stored != self.wanted:
                raise StoreMismatchError(self._mismatch(stored))
            elif self.done() and not self.resume:
                raise StoreExistsError(
                    f"{self.path} already holds {len(self.done())} finished chunks of this run; "
                    f"add --resume to finish it, or choose another output")
            self.identity = stored
            self._tables = self._existing_tables()
        except BaseException:
            self.close()
            raise
        return self

    def _connect(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" in text.lower():
                pid = re.search(r"PID (\d+)", text)
                who = f"process {pid.group(1)}" if pid else "another process"
                raise StoreLockedError(
                    f"{self.path} is in use by {who}; wait for that run to finish") from None
            if any(w in text.lower() for w in ("permission denied", "read-only", "no space",
                                               "cannot open file")):
                raise StoreError(f"cannot open {self.path}: {text.splitlines()[0]}") from None
            raise damaged_store(self.path, exc) from None
        except duckdb.Error as exc:
            raise damaged_store(self.path, exc) from None
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EROFS):
                raise StoreError(f"cannot open {self.path}: {exc.strerror}") from None
            raise

    def close(self) -> None:
        """Close the file and release the lock."""
        con, self._con = self._con, None
        if con is not None:
            con.close()
        self._lock.release()

    def _mismatch(self, stored: dict[str, Any]) -> str:
        diffs = _differences(stored, self.wanted or {})
        return (f"{self.path} holds a different run ({'; '.join(diffs)}); resume it with the "
                f"same settings, or choose another output")

    def _stored_identity(self) -> dict[str, Any] | None:
        try:
            row = self._con.execute("SELECT identity FROM store_identity LIMIT 1").fetchone()
        except duckdb.CatalogException:
            return None
        return None if row is None else json.loads(row[0])

    def _write_identity(self) -> None:
        ident = self.wanted
        parameters = {k: v for k, v in ident.items() if k not in IDENTITY_FIELDS}
        self._con.execute(
            "INSERT INTO store_identity (kind, scenario_sha256, seed, futures, months, chunk_size,"
            " version, parameters, identity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [ident.get("kind", "run"), *(ident.get(k) for k in IDENTITY_FIELDS),
             json.dumps(parameters, sort_keys=True), json.dumps(ident, sort_keys=True)])

    def _existing_tables(self) -> set[str]:
        rows = self._con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
        return {r[0] for r in rows} - RESERVED

    # -- chunks ----------------------------------------------------------------------------

    def done(self) -> set[int]:
        """Ids of the finished chunks."""
        try:
            rows = self._connection().execute("SELECT chunk FROM chunks_done").fetchall()
        except duckdb.Error as exc:
            if query_interrupted(exc):
                raise KeyboardInterrupt from None
            raise damaged_store(self.path, exc) from None
        return {int(r[0]) for r in rows}

    def _connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise StoreError("the chunk store is not open")
        return self._con

    def commit(self, chunk_id: int, tables: dict[str, dict[str, np.ndarray]]) -> None:
        """Write a finished chunk's rows and mark it done, in one transaction.

        ``tables`` maps a table name to columns of equal length (1-D NumPy arrays); a table is
        created on first use with the columns' types. Committing a chunk twice is refused.
        """
        if self.read_only:
            raise StoreError("the chunk store is open read-only")
        con = self._connection()
        checked = {name: self._check(name, columns) for name, columns in tables.items()}
        chunk_id = int(chunk_id)
        created = []
        try:
            with transaction(con):
                rows = 0
                for name, columns in checked.items():
                    n = len(next(iter(columns.values()))) if columns else 0
                    frame = {"chunk": np.full(n, chunk_id, dtype=np.int32),  # noqa: F841 - scanned
                             "row": np.arange(n, dtype=np.int64), **columns}
                    if name not in self._tables:
                        con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" AS '
                                    f"SELECT * FROM frame LIMIT 0")
                        created.append(name)
                    names = ", ".join(f'"{c}"' for c in ("chunk", "row", *columns))
                    con.execute(f'INSERT INTO "{name}" ({names}) SELECT {names} FROM frame')
                    rows += n
                con.execute("INSERT INTO chunks_done (chunk, tables, rows) VALUES (?, ?, ?)",
                            [chunk_id, json.dumps(sorted(checked)), rows])
        except duckdb.ConstraintException:
            raise StoreError(f"chunk {chunk_id} is already stored") from None
        except BaseException as exc:
            if query_interrupted(exc):
                raise KeyboardInterrupt from None
            if isinstance(exc, duckdb.IOException | OSError):
                reason = getattr(exc, "strerror", None) or str(exc).strip().splitlines()[0]
                raise StoreError(f"cannot write chunk {chunk_id} to {self.path} ({reason}); the "
                                 f"{len(self.done())} chunks stored before it are kept: free "
                                 "space and run the same command with --resume") from None
            raise
        self._tables.update(created)

    @staticmethod
    def _check(name: str, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if not _NAME.match(name) or name in RESERVED:
            raise ValueError(f"bad table name {name!r}")
        out = {}
        lengths = set()
        for column, values in columns.items():
            if not _NAME.match(column) or column in ("chunk", "row"):
                raise ValueError(f"bad column name {column!r} in table {name}")
            array = np.ascontiguousarray(values)
            if array.ndim != 1:
                raise ValueError(f"column {name}.{column} must be one-dimensional")
            out[column] = array
            lengths.add(array.size)
        if len(lengths) > 1:
            raise ValueError(f"columns of table {name} differ in length")
        return out

    def tables(self) -> set[str]:
        """Names of the data tables written so far."""
        return set(self._tables)

    def read(self, table: str, chunks: Iterable[int] | None = None) -> dict[str, np.ndarray]:
        """A table's rows (of the given chunks, default all), ordered by chunk and row."""
        if table not in self._tables:
            raise StoreError(f"no table {table!r} in {self.path}")
        con = self._connection()
        where = ""
        if chunks is not None:
            ids = sorted({int(c) for c in chunks})
            if not ids:
                return {k: v[:0] for k, v in con.execute(
                    f'SELECT * FROM "{table}" LIMIT 0').fetchnumpy().items()}
            where = "WHERE chunk IN (" + ", ".join(map(str, ids)) + ")"
        try:
            data = con.execute(f'SELECT * FROM "{table}" {where} ORDER BY chunk, row'
                               ).fetchnumpy()
        except (duckdb.Error, RuntimeError) as exc:
            if query_interrupted(exc):
                raise KeyboardInterrupt from None
            if isinstance(exc, duckdb.Error):
                raise damaged_store(self.path, exc) from None
            raise
        return {k: np.asarray(v) for k, v in data.items()}
