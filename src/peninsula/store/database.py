"""What every DuckDB file of the store shares: one way to run statements in a transaction."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb

__all__ = ["transaction"]


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the ``with`` block in one transaction: all of it is stored, or none of it.

    ``BEGIN TRANSACTION`` on entry, ``COMMIT`` when the block ends normally. On any exception,
    ``KeyboardInterrupt`` and ``SystemExit`` included, the transaction is rolled back and the
    exception re-raised unchanged (also when ``COMMIT`` itself fails); a failure of the rollback
    itself (the connection may already be unusable) does not hide it.

    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE t (x INTEGER)")
    >>> with transaction(con):
    ...     _ = con.execute("INSERT INTO t VALUES (1)")
    >>> con.execute("SELECT count(*) FROM t").fetchone()[0]
    1
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(Exception):
            con.execute("ROLLBACK")
        raise
