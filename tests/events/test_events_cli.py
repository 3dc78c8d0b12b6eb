from __future__ import annotations

import typer
from typer.testing import CliRunner

from peninsula.cli.events import code_command, events_app

runner = CliRunner(env={"COLUMNS": "200"})


def app() -> typer.Typer:
    root = typer.Typer()
    root.add_typer(events_app, name="events")
    root.command("code")(code_command)
    return root


def test_import_then_summary(tmp_path, fixtures):
    db = tmp_path / "e.duckdb"
    result = runner.invoke(app(), ["events", "import", str(fixtures / "gdelt1_58.tsv"),
                                   str(fixtures / "gdelt1_bad.tsv"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "5 rows rejected" in result.output
    png = tmp_path / "out.png"
    result = runner.invoke(app(), ["events", "summary", "--db", str(db), "--dyad", "PRK-KOR",
                                   "--from", "2023-01", "--to", "2023-03", "--top", "2",
                                   "--png", str(png)])
    assert result.exit_code == 0, result.output
    assert "-3.67" in result.output and "Criticize or denounce" in result.output
    assert png.stat().st_size > 1000


def test_bad_input_exits_2_with_one_line(tmp_path, fixtures):
    db = tmp_path / "e.duckdb"
    bad = tmp_path / "notes.csv"
    bad.write_text("a,b,c\n")
    result = runner.invoke(app(), ["events", "import", str(bad), "--db", str(db)])
    assert result.exit_code == 2
    assert "notes.csv, line 1: cannot detect the format" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app(), ["events", "import", str(fixtures / "icews.tsv"), "--db",
                                   str(db), "--format", "xml"])
    assert result.exit_code == 2 and "expected one of gdelt1" in result.output
    result = runner.invoke(app(), ["events", "summary", "--db", str(tmp_path / "none.duckdb"),
                                   "--dyad", "PRK-KOR", "--from", "2023-01", "--to", "2023-02"])
    assert result.exit_code == 2 and "no such database" in result.output


def test_code_command(tmp_path, seed_text):
    article = tmp_path / "article.txt"
    article.write_text(seed_text, encoding="utf-8")
    db = tmp_path / "e.duckdb"
    result = runner.invoke(app(), ["code", str(article), "--date", "2024-02-01", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "PRKGOV" in result.output and "events stored" in result.output
    result = runner.invoke(app(), ["code", str(article), "--date", "1 Feb 2024"])
    assert result.exit_code == 2 and "expected YYYY-MM-DD" in result.output
