"""``peninsula export``: every table of stored results as CSV or Parquet, read back by DuckDB."""

from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

import peninsula as pn
from peninsula.cli import app
from peninsula.store.export import ExportError, export_results

runner = CliRunner()


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export") / "run"
    pn.run("korea-2024", futures=120, months=6, seed=4, progress=False).save(folder)
    return folder


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_every_table_round_trips(run_folder, tmp_path, fmt):
    written = export_results(run_folder, tmp_path / fmt, fmt)
    names = {w.table for w in written}
    assert {"runs", "outcomes", "events", "paths", "final_dyads", "events_coded"} <= names
    con = duckdb.connect(str(run_folder / "results.duckdb"), read_only=True)
    try:
        for item in written:
            reader = "read_parquet" if fmt == "parquet" else "read_csv_auto"
            back = duckdb.execute(f"SELECT count(*) FROM {reader}('{item.path}')").fetchone()[0]
            stored = con.execute(f'SELECT count(*) FROM "{item.table}"').fetchone()[0]
            assert back == stored == item.rows, item.table
        total = con.execute("SELECT sum(value) FROM outcomes").fetchone()[0]
    finally:
        con.close()
    reader = "read_parquet" if fmt == "parquet" else "read_csv_auto"
    path = tmp_path / fmt / f"outcomes.{fmt}"
    assert duckdb.execute(f"SELECT sum(value) FROM {reader}('{path}')").fetchone()[0] == (
        pytest.approx(total))
    assert not list((tmp_path / fmt).glob(".*partial"))


def test_export_command_and_its_errors(run_folder, tmp_path):
    done = runner.invoke(app, ["export", str(run_folder), "--format", "parquet", "--out",
                               str(tmp_path / "p")])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "p" / "events.parquet").exists()
    bad = runner.invoke(app, ["export", str(run_folder), "--format", "xlsx"])
    assert bad.exit_code == 2 and "format must be one of csv, parquet" in bad.output
    empty = runner.invoke(app, ["export", str(tmp_path)])
    assert empty.exit_code == 2 and "no results.duckdb or exploration.duckdb" in empty.output
    junk = tmp_path / "junk.duckdb"
    junk.write_text("not a database")
    broken = runner.invoke(app, ["export", str(junk), "--out", str(tmp_path / "j")])
    assert broken.exit_code == 2 and "not a readable DuckDB file" in broken.output
    assert "Traceback" not in broken.output
    with pytest.raises(ExportError, match="no such file"):
        export_results(tmp_path / "missing", tmp_path / "m")
