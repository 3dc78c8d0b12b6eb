"""Memory of ``events import``: each batch is let go before the next, settings are put back.

No timing or RSS here (see ``benchmarks/bench_import_memory.py``): these tests check the causes
that made memory grow with the file.
"""

from __future__ import annotations

import gc
import weakref

import pytest

from peninsula.events import database
from peninsula.events.database import connect, import_file
from peninsula.events.synthetic import write_gdelt1


def test_each_batch_is_released_inside_the_transaction(tmp_path, monkeypatch):
    """A batch's line strings must not live until the commit (``con.register`` kept them)."""
    path = write_gdelt1(tmp_path / "g.tsv", 5_000, seed=4)
    con = connect(tmp_path / "e.duckdb")
    original = database._store_batch
    stored: list[weakref.ref] = []
    alive: list[int] = []

    def watch(con, batch, *args, **kwargs):
        gc.collect()
        alive.append(sum(ref() is not None for ref in stored))
        counts = original(con, batch, *args, **kwargs)
        stored.extend(weakref.ref(column) for column in (batch.line, batch.raw))
        return counts

    monkeypatch.setattr(database, "_store_batch", watch)
    assert import_file(con, path, batch_rows=1_000).inserted == 5_000
    assert alive == [0, 0, 0, 0, 0]


def test_import_leaves_no_temporary_tables_or_views(tmp_path, fixtures):
    con = connect(tmp_path / "e.duckdb")
    import_file(con, write_gdelt1(tmp_path / "g.tsv", 2_500, seed=5), batch_rows=1_000)
    import_file(con, fixtures / "gdelt1_bad.tsv")  # rows rejected in Python and in SQL
    assert con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall() == []
    views = {row[0] for row in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert not views & {"_batch", "_pyrejects", "_stage", "_dups", "_seen"}


def _limit(con) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


@pytest.mark.parametrize("setting", [None, "1GiB"])
def test_memory_limit_is_capped_during_the_import_and_restored(tmp_path, monkeypatch, setting):
    con = connect(tmp_path / "e.duckdb")
    if setting:
        con.execute(f"SET memory_limit = '{setting}'")
    before = _limit(con)
    during = []
    original = database._store_batch

    def watch(con, *args, **kwargs):
        during.append(_limit(con))
        return original(con, *args, **kwargs)

    monkeypatch.setattr(database, "_store_batch", watch)
    path = write_gdelt1(tmp_path / "g.tsv", 1_500, seed=6)
    import_file(con, path, batch_rows=1_000)
    assert during == ["122.0 MiB"] * 2  # 128 MB
    assert _limit(con) == before

    def explode(con, result):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(database, "_record_import", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_file(con, write_gdelt1(tmp_path / "h.tsv", 10, seed=7, first_id=9_000))
    assert _limit(con) == before
