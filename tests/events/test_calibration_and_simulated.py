"""Calibrating a scenario from real events, and simulated events in the real-event schema."""

from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

from peninsula.cli import app
from peninsula.events.calibration import calibrate_relations, write_calibrated
from peninsula.events.database import connect
from peninsula.events.schema import EVENT_COLUMN_NAMES
from peninsula.events.summary import summarise_dyad
from peninsula.experiments.runs import run_scenario
from peninsula.scenario.loading import load_scenario
from peninsula.store.runs import write_run

runner = CliRunner()


def _fixture_db(path):
    """40 PRK->KOR events at -5 in 2023 (separate documents), 10 RUS-PRK at +6, one too early."""
    con = connect(path)
    rows = []
    for i in range(40):
        rows.append((f"k{i}", "test", f"2023-{(i % 12) + 1:02d}-15", "PRK", "KOR", "111", -5.0,
                     f"doc{i}"))
    for i in range(10):
        rows.append((f"r{i}", "test", "2023-11-02", "RUS", "PRK", "042", 6.0, f"rdoc{i}"))
    rows.append(("old", "test", "2022-12-31", "PRK", "KOR", "190", -10.0, "old"))
    con.executemany(
        "INSERT INTO events (event_key, dataset, date, source, target, cameo, goldstein, doc_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.close()


def test_calibration_shrinks_the_event_mean_toward_the_prior(tmp_path):
    db = tmp_path / "events.duckdb"
    _fixture_db(db)
    loaded = load_scenario("korea-2024")
    con = duckdb.connect(str(db), read_only=True)
    cals = {(c.source, c.target): c for c in
            calibrate_relations(con, loaded, window=12, shrinkage=30.0)}
    con.close()
    kor = cals[("PRK", "KOR")]
    assert (kor.first_month, kor.last_month) == ("2023-02", "2024-01")
    assert kor.weight == pytest.approx(40 - 4)  # January 2023 is outside the window
    assert kor.mean_goldstein == pytest.approx(-5.0)
    assert kor.relation == pytest.approx((36 * -5.0 + 30 * -7.0) / 66)
    rus = cals[("PRK", "RUS")]
    assert rus.relation == pytest.approx((10 * 6.0 + 30 * 4.0) / 40)
    assert cals[("PRK", "CHN")].mean_goldstein is None
    assert cals[("PRK", "CHN")].relation == 4.0
    out = write_calibrated("korea-2024", list(cals.values()), 30.0, tmp_path / "k.yaml")
    calibrated = load_scenario(out).scenario
    dyad = next(d for d in calibrated.dyads if {d.source, d.target} == {"PRK", "KOR"}
                and d.relation is not None)
    assert dyad.relation == pytest.approx(kor.relation, abs=1e-3)
    assert "36 events" in dyad.rationale
    assert "2023-02..2024-01" in dyad.rationale and "-5.00" in dyad.rationale
    assert calibrated.name == "korea-2024-calibrated"


def test_calibrate_command_and_bad_input(tmp_path):
    db = tmp_path / "events.duckdb"
    _fixture_db(db)
    out = tmp_path / "cal.yaml"
    ok = runner.invoke(app, ["calibrate", "korea-2024", "--db", str(db), "-o", str(out)])
    assert ok.exit_code == 0, ok.output
    assert out.exists() and "PRK-KOR" in ok.output
    missing = runner.invoke(app, ["calibrate", "korea-2024", "--db", str(tmp_path / "no.duckdb"),
                                  "-o", str(out)])
    assert missing.exit_code == 2 and "no such database" in missing.output
    bad = runner.invoke(app, ["calibrate", "korea-2024", "--db", str(db), "-o", str(out),
                              "--window", "0"])
    assert bad.exit_code == 2 and "--window" in bad.output


def test_simulated_events_share_the_real_schema_and_summary(tmp_path):
    run = run_scenario(load_scenario("korea-2024"), futures=100, seed=4, months=6,
                       record_events=True)
    results = tmp_path / "results.duckdb"
    write_run(results, run.metadata.as_dict(), run.model, run.result)
    con = duckdb.connect(str(results), read_only=True)
    columns = [row[0] for row in con.execute("DESCRIBE simulated_events").fetchall()]
    assert set(EVENT_COLUMN_NAMES) <= set(columns)
    future0 = "(SELECT * FROM simulated_events WHERE future = 0)"
    summary = summarise_dyad(con, "PRK-KOR", "2024-02", "2024-07", relation=future0)
    ev = run.result.events
    prk, kor = run.model.actors.index("PRK"), run.model.actors.index("KOR")
    expected = int(((ev.future == 0) & (ev.source == prk) & (ev.target == kor)).sum())
    assert sum(r.events for r in summary.months if r.source == "PRK") == expected
    con.close()
    db = tmp_path / "events.duckdb"
    first = runner.invoke(app, ["events", "export-sim", str(results), "--db", str(db),
                                "--future", "0"])
    again = runner.invoke(app, ["events", "export-sim", str(results), "--db", str(db),
                                "--future", "0"])
    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    assert "added 0 " in again.output
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute("SELECT count(*) FROM events WHERE dataset = 'simulated'").fetchone()[0]
    assert stored == int((ev.future == 0).sum())
    con.close()
    shown = runner.invoke(app, ["events", "summary", "--db", str(db), "--dataset", "simulated",
                                "--dyad", "PRK-KOR", "--from", "2024-02", "--to", "2024-07"])
    assert shown.exit_code == 0, shown.output
