"""Defects of event import, calibrate and export-sim (streaming, encodings, rejects, CLI)."""

from __future__ import annotations

import bz2
import gzip

import duckdb
import pytest
import typer
from typer.testing import CliRunner

from peninsula.cli import events as cli_events
from peninsula.cli.events import calibrate_command, code_command, events_app
from peninsula.events import database
from peninsula.events.database import connect, import_file
from peninsula.events.formats import FormatError, open_event_file
from peninsula.events.synthetic import write_gdelt1

runner = CliRunner(env={"COLUMNS": "200"})


def app() -> typer.Typer:
    root = typer.Typer()
    root.add_typer(events_app, name="events")
    root.command("code")(code_command)
    root.command("calibrate")(calibrate_command)
    return root


def _line(fixtures, name="gdelt1_58.tsv", index=0) -> str:
    return (fixtures / name).read_text(encoding="utf-8").splitlines()[index]


# 1. streaming in bounded batches, still one transaction per file

def test_import_streams_in_bounded_batches(tmp_path):
    path = write_gdelt1(tmp_path / "g.tsv", 2_500, seed=2)
    with open_event_file(path, batch_rows=1_000) as source:
        sizes = [b.rows for b in source.batches()]
    assert sizes == [1_000, 1_000, 500]
    con = connect(tmp_path / "e.duckdb")
    assert import_file(con, path, batch_rows=1_000).inserted == 2_500


def test_failure_in_a_later_batch_leaves_database_unchanged(tmp_path, monkeypatch):
    path = write_gdelt1(tmp_path / "g.tsv", 3_000, seed=6)
    db = tmp_path / "e.duckdb"
    con = connect(db)
    calls = []
    original = database._store_batch

    def third_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(database, "_store_batch", third_fails)
    with pytest.raises(KeyboardInterrupt):
        import_file(con, path, batch_rows=1_000)
    assert con.execute("SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM imports)"
                       ).fetchone()[0] == 0


def test_duplicates_across_batches_are_rejected(tmp_path, fixtures):
    row = _line(fixtures)
    path = tmp_path / "dup.tsv"
    path.write_text("\n".join([row] * 5) + "\n", encoding="utf-8")
    con = connect(tmp_path / "e.duckdb")
    result = import_file(con, path, batch_rows=2)
    assert (result.inserted, result.rejected) == (1, 4)
    reasons = [r[0] for r in con.execute("SELECT reason FROM rejects").fetchall()]
    assert all("(first on line 1)" in r for r in reasons)


# 2. BOM

def test_bom_before_headerless_gdelt_and_icews_header(tmp_path, fixtures):
    gdelt = tmp_path / "bom.tsv"
    gdelt.write_bytes(b"\xef\xbb\xbf" + (fixtures / "gdelt1_58.tsv").read_bytes())
    icews = tmp_path / "bom_icews.tsv"
    icews.write_bytes(b"\xef\xbb\xbf" + (fixtures / "icews.tsv").read_bytes())
    con = connect(tmp_path / "e.duckdb")
    assert import_file(con, gdelt).rejected == 0
    assert import_file(con, icews).rejected == 0
    assert import_file(con, icews, "icews").rejected == 0


# 3. rejects keyed by resolved path and import

def test_rejects_keyed_by_path_and_replaced_on_reimport(tmp_path, fixtures):
    bad = (fixtures / "gdelt1_bad.tsv").read_bytes()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "x.tsv", tmp_path / "b" / "x.tsv"
    first.write_bytes(bad)
    second.write_bytes(bad)
    con = connect(tmp_path / "e.duckdb")
    n = import_file(con, first).rejected
    import_file(con, second)
    by_path = dict(con.execute("SELECT source_path, count(*) FROM rejects GROUP BY 1").fetchall())
    assert by_path == {str(first.resolve()): n, str(second.resolve()): n}
    # re-imported with fewer bad rows: the old rejects of that file go
    first.write_text(_line(fixtures) + "\nnot\ta\tgdelt\trow\n", encoding="utf-8")
    import_file(con, first, "gdelt1")
    rows = con.execute("SELECT source_line, import_id FROM rejects WHERE source_path = ?",
                       [str(first.resolve())]).fetchall()
    ids = [r[0] for r in con.execute("SELECT import_id FROM imports ORDER BY 1").fetchall()]
    assert [r[0] for r in rows] == [2] and rows[0][1] == ids[-1] == 3


# 4. encodings

def test_undecodable_bytes_are_rejected_with_a_reason(tmp_path, fixtures):
    path = tmp_path / "latin.tsv"
    good = _line(fixtures).encode()
    path.write_bytes(good + b"\n" + good.replace(b"1001", b"1002").replace(b"PRK", b"P\xe9K")
                     + b"\n")
    con = connect(tmp_path / "e.duckdb")
    result = import_file(con, path)
    assert (result.inserted, result.rejected) == (1, 1)
    line, reason = con.execute("SELECT source_line, reason FROM rejects").fetchone()
    assert line == 2 and "not valid UTF-8: byte 0xe9" in reason


def test_utf16_file_is_refused_up_front(tmp_path, fixtures):
    path = tmp_path / "u16.tsv"
    path.write_bytes((fixtures / "gdelt1_58.tsv").read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(FormatError, match="UTF-16"):
        import_file(connect(tmp_path / "e.duckdb"), path, "gdelt1")
    path.write_bytes("abc\tdef\n".encode("utf-16-le"))
    with pytest.raises(FormatError, match="NUL byte"):
        import_file(connect(tmp_path / "e.duckdb"), path, "gdelt1")


def test_all_rows_rejected_exits_2_database_unchanged(tmp_path, fixtures):
    path = tmp_path / "icews_as_gdelt.tsv"
    path.write_text(_line(fixtures, "icews.tsv", 1) + "\n", encoding="utf-8")
    db = tmp_path / "e.duckdb"
    connect(db).close()
    result = runner.invoke(app(), ["events", "import", str(path), "--db", str(db),
                                   "--format", "gdelt1"])
    assert result.exit_code == 2, result.output
    assert "all 1 rows rejected" in result.output and "Traceback" not in result.output
    con = connect(db)
    assert con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0


# 5. compression sniffing, directories, no stray database

@pytest.mark.parametrize("packer", [gzip.compress, bz2.compress])
def test_compressed_data_without_suffix_is_read(tmp_path, fixtures, packer):
    path = tmp_path / "export.tsv"
    path.write_bytes(packer((fixtures / "gdelt1_58.tsv").read_bytes()))
    assert import_file(connect(tmp_path / "e.duckdb"), path).inserted == 6


def test_unread_compression_directory_and_no_stray_database(tmp_path):
    xz = tmp_path / "data.tsv"
    xz.write_bytes(b"\xfd7zXZ\x00" + b"\x00" * 20)
    with pytest.raises(FormatError, match="compressed file: xz"):
        open_event_file(xz)
    db = tmp_path / "new.duckdb"
    result = runner.invoke(app(), ["events", "import", str(tmp_path), "--db", str(db)])
    assert result.exit_code == 2 and "is a directory" in result.output
    assert not db.exists()


# 6. calibrate

def test_calibrate_empty_window_and_datasets(tmp_path):
    db = tmp_path / "e.duckdb"
    con = connect(db)
    con.executemany(
        "INSERT INTO events (event_key, dataset, date, source, target, cameo, goldstein, doc_id)"
        " VALUES (?, ?, '2023-06-15', 'PRK', 'KOR', '111', ?, ?)",
        [(f"s{i}", "simulated", -5.0, f"d{i}") for i in range(3)]
        + [(f"g{i}", "gdelt1", 2.0, f"g{i}") for i in range(2)])
    con.close()
    out = tmp_path / "k.yaml"
    empty = runner.invoke(app(), ["calibrate", "korea-2024", "--db", str(db), "-o", str(out),
                                  "--end", "2020-12"])
    assert empty.exit_code == 2 and "2020-01..2020-12" in empty.output
    ok = runner.invoke(app(), ["calibrate", "korea-2024", "--db", str(db), "-o", str(out)])
    assert ok.exit_code == 0, ok.output
    assert "calibrated from 2 events" in out.read_text()
    assert "+2.00" in ok.output and "-5.00" not in ok.output
    sim = runner.invoke(app(), ["calibrate", "korea-2024", "--db", str(db), "-o", str(out),
                                "--dataset", "simulated"])
    assert sim.exit_code == 0 and "calibrated from 3 events" in out.read_text()
    row = next(line for line in sim.output.splitlines() if "KOR" in line and "PRK" in line)
    assert " 3 " in row
    missing = runner.invoke(app(), ["calibrate", "korea-2024", "--db", str(db), "-o",
                                    str(tmp_path / "no" / "k.yaml")])
    assert missing.exit_code == 2 and "does not exist" in missing.output


# 7. export-sim and --db checks

def test_export_sim_future_out_of_range_and_bad_db(tmp_path, monkeypatch):
    results = tmp_path / "results.duckdb"
    con = duckdb.connect(str(results))
    con.execute("CREATE TABLE simulated_events AS SELECT range AS future, "
                "'simulated:' || range AS event_key FROM range(2000)")
    con.close()
    db = tmp_path / "e.duckdb"
    result = runner.invoke(app(), ["events", "export-sim", str(results), "--db", str(db),
                                   "--future", "99999"])
    assert result.exit_code == 2 and "expected a future from 0 to 1999" in result.output
    readme = tmp_path / "README.md"
    readme.write_text("# not a database\n")
    result = runner.invoke(app(), ["events", "export-sim", str(results), "--db", str(readme)])
    assert result.exit_code == 2 and "cannot open as a DuckDB" in result.output
    assert readme.read_text() == "# not a database\n"
    result = runner.invoke(app(), ["code", str(readme), "--date", "2024-01-01", "--db",
                                   str(tmp_path)])
    assert result.exit_code == 2 and "is a directory" in result.output
    result = runner.invoke(app(), ["events", "summary", "--db", str(db), "--dyad", "PRK-KOR",
                                   "--from", "2023-01", "--to", "2023-02", "--png",
                                   str(tmp_path / "no" / "x.png")])
    assert result.exit_code == 2 and "does not exist" in result.output


# 8. Ctrl-C

def test_ctrl_c_during_import(tmp_path, fixtures, monkeypatch):
    def interrupted(*args, **kwargs):
        raise duckdb.InterruptException("Query interrupted")

    monkeypatch.setattr(database, "_store_batch", interrupted)
    db = tmp_path / "e.duckdb"
    connect(db).close()
    result = runner.invoke(app(), ["events", "import", str(fixtures / "icews.tsv"), "--db",
                                   str(db)])
    assert result.exit_code == 130
    assert "interrupted: database unchanged for" in result.output
    assert "Traceback" not in result.output
    assert cli_events is not None
