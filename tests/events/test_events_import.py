from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
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


GDELT_EXCERPT = "gdelt1_events_2012-08_georgia_excerpt.csv"
ICEWS_EXCERPT = "icews_events_2018-06-01_02_excerpt.tsv"
SEED_EXCERPT = "northeast-asia-2024_excerpt.txt"


def test_real_samples_import_without_rejects(tmp_path, fixtures_dir):
    """Excerpts of the real GDELT and ICEWS samples (tests/fixtures/README.md)."""
    con = connect(tmp_path / "e.duckdb")
    gdelt = import_file(con, fixtures_dir / GDELT_EXCERPT)
    icews = import_file(con, fixtures_dir / ICEWS_EXCERPT)
    assert (gdelt.dataset, gdelt.inserted, gdelt.rejected) == ("gdelt1", 16, 0)
    assert (icews.dataset, icews.inserted, icews.rejected) == ("icews", 25, 0)
    korea = con.execute("SELECT count(*) FROM events WHERE dataset = 'icews' AND "
                        "(source IN ('PRK', 'KOR') OR target IN ('PRK', 'KOR'))").fetchone()[0]
    assert korea == 16
    # ICEWS country names become ISO-3 codes, 'NA' becomes NULL; names keep their accents;
    # four-digit CAMEO codes and the story#sentence document id are kept.
    rows = {r[-1]: r[:-1] for r in con.execute(
        "SELECT source, target, source_actor, target_actor, cameo, goldstein, action_country, "
        "doc_id FROM events WHERE dataset = 'icews'").fetchall()}
    assert rows["47400374#1"] == ("PRK", "KOR", "North Korea", "South Korea", "020", 3.0, "KOR")
    assert rows["47400391#5"] == ("TUR", "TUR", "Recep Tayyip Erdoğan", "Turkey", "010", 0.0,
                                  "TUR")
    assert rows["47400664#4"][4:6] == ("0311", 5.2)
    assert rows["47400707#2"][:2] == (None, "LUX")
    # GDELT ActionGeo FIPS codes are mapped to ISO-3: GG (Georgia) -> GEO; R's NA is empty.
    geo = dict(con.execute("SELECT action_country, count(*) FROM events WHERE dataset='gdelt1' "
                           "GROUP BY 1").fetchall())
    assert geo == {"GEO": 16}
    first = con.execute("SELECT source, target, target_actor, cameo, goldstein FROM events "
                        "WHERE dataset = 'gdelt1' AND source_line = 2").fetchone()
    assert first == (None, "AFG", "AFG", "130", -4.4)
    assert import_file(con, fixtures_dir / ICEWS_EXCERPT).inserted == 0


@pytest.mark.shared
def test_full_shared_samples_import_without_rejects(tmp_path, shared_samples):
    con = connect(tmp_path / "e.duckdb")
    gdelt = import_file(con, shared_samples / "gdelt1_events_2012-08_georgia_sample.csv")
    icews = import_file(con, shared_samples / "icews_events_2018-06-01_02_sample.tsv")
    assert (gdelt.dataset, gdelt.inserted, gdelt.rejected) == ("gdelt1", 1255, 0)
    assert (icews.dataset, icews.inserted, icews.rejected) == ("icews", 3705, 0)
    korea = con.execute("SELECT count(*) FROM events WHERE dataset = 'icews' AND "
                        "(source IN ('PRK', 'KOR') OR target IN ('PRK', 'KOR'))").fetchone()[0]
    assert korea == 559
    geo = dict(con.execute("SELECT action_country, count(*) FROM events WHERE dataset='gdelt1' "
                           "GROUP BY 1").fetchall())
    assert geo["GEO"] > 1000 and "GG" not in geo
    assert import_file(con, shared_samples / "icews_events_2018-06-01_02_sample.tsv"
                       ).inserted == 0


@pytest.mark.shared
def test_shipped_excerpts_are_verbatim_rows_of_the_shared_files(fixtures_dir, shared_dir):
    """Every line of an excerpt is a line of its source, in order (tests/fixtures/README.md)."""
    sources = {GDELT_EXCERPT: "data/gdelt1_events_2012-08_georgia_sample.csv",
               ICEWS_EXCERPT: "data/icews_events_2018-06-01_02_sample.tsv",
               SEED_EXCERPT: "seed/northeast-asia-2024.txt"}
    for excerpt, source in sources.items():
        if not (shared_dir / source).is_file():
            pytest.fail(f"required shared file is missing: {shared_dir / source}")
        full = (shared_dir / source).read_text(encoding="utf-8")
        lines = (fixtures_dir / excerpt).read_text(encoding="utf-8").splitlines()
        if excerpt == SEED_EXCERPT:  # whole sentences of the article, in its order
            sentences = [s for line in lines for s in line.split(". ")]
            positions = [full.find(s) for s in sentences]
            assert -1 not in positions and positions == sorted(positions), excerpt
            continue
        rows = full.splitlines()
        assert lines[0] == rows[0], f"{excerpt}: not the header of {source}"
        positions = [rows.index(line) for line in lines[1:]]  # ValueError: not a source row
        assert positions == sorted(set(positions)), excerpt


@pytest.mark.shared
def test_seed_excerpt_codes_as_in_the_full_article(shared_dir, seed_text):
    """The coder tests read an excerpt: it holds every event the full article yields."""
    from datetime import date

    from peninsula.events.coder import DictionaryCoder

    article = shared_dir / "seed" / "northeast-asia-2024.txt"
    if not article.is_file():
        pytest.fail(f"required shared file is missing: {article}")
    coder = DictionaryCoder()

    def coded(text):
        return sorted(repr((e.source, e.target, e.source_actor, e.target_actor, e.cameo,
                            e.sentence, e.words)) for e in coder.code(text, date(2024, 2, 1)))

    assert coded(seed_text) == coded(article.read_text(encoding="utf-8"))


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
    # the importer kills itself inside its transaction, once every row is written and the
    # import recorded, just before the commit: a deterministic point, not a timer
    script = textwrap.dedent("""
        import os, signal, sys
        from peninsula.events import database
        original = database._record_import
        def die(con, result):
            original(con, result)
            os.kill(os.getpid(), signal.SIGKILL)
        database._record_import = die
        con = database.connect(sys.argv[1])
        database.import_file(con, sys.argv[2])
    """)
    proc = subprocess.run([sys.executable, "-c", script, str(db), str(big)], timeout=300,
                          capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert counts(db) == before
    con = connect(db)  # the file is usable, and the killed import had rows to lose
    try:
        assert import_file(con, big).inserted > 0
    finally:
        con.close()
