from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from peninsula.events import database
from peninsula.events.database import connect, import_file
from peninsula.events.formats import FormatError, detect_format, read_batch
from peninsula.events.synthetic import write_gdelt1


def counts(db: Path) -> tuple[int, int, int]:
    con = connect(db)
    try:
        return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("events", "rejects", "imports"))
    finally:
        con.close()


@pytest.mark.parametrize(("name", "fmt", "rows"), [
    ("gdelt1_58.tsv", "gdelt1", 6), ("gdelt1_57.tsv", "gdelt1", 2),
    ("gdelt2_61.tsv", "gdelt2", 3), ("icews.tsv", "icews", 4), ("plover.jsonl", "plover", 3),
])
def test_fixture_imports_with_detected_format(tmp_path, fixtures, name, fmt, rows):
    con = connect(tmp_path / "e.duckdb")
    result = import_file(con, fixtures / name)
    assert (result.dataset, result.inserted, result.rejected) == (fmt, rows, 0)
    named = import_file(con, fixtures / name, fmt)
    assert (named.inserted, named.already_present) == (0, rows)
    assert con.execute("SELECT count(*) FROM events WHERE raw IS NULL OR source_line IS NULL"
                       ).fetchone()[0] == 0


def test_gdelt1_columns_and_fips_mapping(tmp_path, fixtures):
    con = connect(tmp_path / "e.duckdb")
    import_file(con, fixtures / "gdelt1_58.tsv")
    row = con.execute("""SELECT event_key, date::VARCHAR, source, target, source_actor, cameo,
                                root_code, plover_type, goldstein, quad_class, mentions,
                                action_country, doc_id, source_file, source_line
                         FROM events ORDER BY source_line LIMIT 1""").fetchone()
    assert row == ("gdelt1:1001", "2023-01-15", "PRK", "KOR", "PRKGOV", "111", "11", "ACCUSE",
                   -2.0, 3, 5, "PRK", "https://news.example/a", "gdelt1_58.tsv", 1)
    import_file(con, fixtures / "gdelt1_57.tsv")
    r57 = con.execute("SELECT cameo, action_country, doc_id FROM events "
                      "WHERE event_key = 'gdelt1:2002'").fetchone()
    assert r57 == ("0871", "RUS", None)


def test_gdelt2_zip_and_icews_and_plover_columns(tmp_path, fixtures):
    archive = tmp_path / "20240116.export.CSV.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(fixtures / "gdelt2_61.tsv", "20240116.export.CSV")
    con = connect(tmp_path / "e.duckdb")
    result = import_file(con, archive)
    assert (result.dataset, result.inserted, result.file) == (
        "gdelt2", 3, "20240116.export.CSV.zip:20240116.export.CSV")
    assert con.execute("SELECT action_country, doc_id FROM events WHERE cameo = '062'"
                       ).fetchone() == ("RUS", "https://news.example/r2")
    import_file(con, fixtures / "icews.tsv")
    icews = con.execute("SELECT event_key, source, target, goldstein, doc_id FROM events "
                        "WHERE dataset = 'icews' ORDER BY source_line").fetchall()
    # Event id 501 appears on two dates: unique only together with the date.
    assert icews[0] == ("icews:501:2018-06-01", "PRK", "KOR", 1.0, "77#1")
    assert icews[2][:3] == ("icews:501:2018-06-02", "RUS", "PRK")
    import_file(con, fixtures / "plover.jsonl")
    plover = con.execute("SELECT event_key, source, target, plover_type, cameo, goldstein, "
                         "quad_class FROM events WHERE dataset = 'plover' ORDER BY source_line"
                         ).fetchall()
    assert plover[0] == ("plover:p1", "PRK", "RUS", "CONSULT", None, None, 1)
    assert plover[1] == ("plover:p2", "RUS", "UKR", "ASSAULT", "190", -10.0, 4)
    assert plover[2] == ("plover:p3", "KOR", "PRK", "ACCUSE", None, -2.5, 3)


@pytest.mark.parametrize(("name", "good", "reasons"), [
    ("gdelt1_bad.tsv", 1, {2: "expected 57 or 58 tab-separated columns, found 40",
                           3: "SQLDATE is not a YYYYMMDD date", 4: "not a CAMEO code: '999'",
                           5: "duplicate event key gdelt1:3001 (first on line 1)",
                           6: "GLOBALEVENTID is not an integer"}),
    ("gdelt2_bad.tsv", 1, {2: "expected 61 tab-separated columns, found 58",
                           3: "SQLDATE is not a YYYYMMDD date",
                           4: "GoldsteinScale is not a number: 'high'"}),
    ("icews_bad.tsv", 1, {3: "expected 20 tab-separated columns, found 12",
                          4: "Event Date is not a YYYY-MM-DD date",
                          5: "CAMEO Code is not a CAMEO code: 'ABC'"}),
    ("plover_bad.jsonl", 1, {2: "not valid JSON", 3: "missing event date",
                             4: "not a PLOVER event type: 'DANCE'",
                             5: "expected a JSON object", 6: "date is not a YYYY-MM-DD date"}),
])
def test_malformed_rows_go_to_rejects(tmp_path, fixtures, name, good, reasons):
    con = connect(tmp_path / "e.duckdb")
    result = import_file(con, fixtures / name)
    assert result.inserted == good
    assert result.rejected == len(reasons)
    rows = dict(con.execute("SELECT source_line, reason FROM rejects WHERE source_file = ?",
                            [name]).fetchall())
    assert set(rows) == set(reasons)
    for line, expected in reasons.items():
        assert expected in rows[line], (line, rows[line])
    again = import_file(con, fixtures / name)
    assert again.inserted == 0
    assert con.execute("SELECT count(*) FROM rejects").fetchone()[0] == len(reasons)


def test_undetectable_file_names_file_and_line(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("\n\nhello, world\n")
    with pytest.raises(FormatError, match=r"notes.txt, line 3: cannot detect the format"):
        read_batch(path)
    assert detect_format(["a\t" * 60 + "b"], "x") == "gdelt2"


def test_real_samples_import_without_rejects(tmp_path, shared_data):
    con = connect(tmp_path / "e.duckdb")
    gdelt = import_file(con, shared_data / "gdelt1_events_2012-08_georgia_sample.csv")
    icews = import_file(con, shared_data / "icews_events_2018-06-01_02_sample.tsv")
    assert (gdelt.dataset, gdelt.inserted, gdelt.rejected) == ("gdelt1", 1255, 0)
    assert (icews.dataset, icews.inserted, icews.rejected) == ("icews", 3705, 0)
    korea = con.execute("SELECT count(*) FROM events WHERE dataset = 'icews' AND "
                        "(source IN ('PRK', 'KOR') OR target IN ('PRK', 'KOR'))").fetchone()[0]
    assert korea == 559
    # GDELT ActionGeo FIPS codes are mapped to ISO-3: GG (Georgia) -> GEO, RS -> RUS.
    geo = dict(con.execute("SELECT action_country, count(*) FROM events WHERE dataset='gdelt1' "
                           "GROUP BY 1").fetchall())
    assert geo["GEO"] > 1000 and "GG" not in geo
    assert import_file(con, shared_data / "icews_events_2018-06-01_02_sample.tsv").inserted == 0


def test_failed_import_leaves_database_unchanged(tmp_path, fixtures, monkeypatch):
    db = tmp_path / "e.duckdb"
    con = connect(db)
    import_file(con, fixtures / "icews.tsv")
    con.close()
    before = counts(db)

    def explode(con, result):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(database, "_record_import", explode)
    con = connect(db)
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_file(con, fixtures / "gdelt1_bad.tsv")
    con.close()
    assert counts(db) == before


def test_killed_import_leaves_database_unchanged(tmp_path, fixtures):
    db = tmp_path / "e.duckdb"
    con = connect(db)
    import_file(con, fixtures / "icews.tsv")
    con.close()
    before = counts(db)
    big = write_gdelt1(tmp_path / "big.tsv", 20_000, seed=3)
    marker = tmp_path / "inside-transaction"
    script = textwrap.dedent("""
        import sys, time, pathlib
        from peninsula.events import database
        original = database._record_import
        def stall(con, result):
            original(con, result)
            pathlib.Path(sys.argv[3]).write_text("ready")
            time.sleep(120)
        database._record_import = stall
        con = database.connect(sys.argv[1])
        database.import_file(con, sys.argv[2])
    """)
    proc = subprocess.Popen([sys.executable, "-c", script, str(db), str(big), str(marker)])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "importer exited before reaching the transaction"
            assert time.monotonic() < deadline, "importer never reached the commit point"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert counts(db) == before
