"""The forecast and score commands, registered on a tiny Typer app."""

from __future__ import annotations

import csv
import json

import pytest
import typer
from typer.testing import CliRunner

from peninsula.cli.forecast import forecast_command, score_command
from peninsula.forecast.forecasting import FORECAST_COLUMNS

app = typer.Typer(add_completion=False)
app.command("forecast")(forecast_command)
app.command("score")(score_command)
runner = CliRunner()
WIDE = {"COLUMNS": "200"}

QUESTIONS = """\
- id: q-one
  question: Will the DPRK test a nuclear weapon in 2024?
  closes: 2024-12-31
  resolution: false
  community: 0.2
  criterion: {kind: outcome, outcome: dprk_nuclear_test}
- id: q-two
  question: Will Russia and the DPRK sign a treaty by 2025?
  closes: 2025-12-31
  resolution: true
  community: 0.6
  criterion: {kind: action, action: defence_treaty, sources: [RUS, PRK], targets: [RUS, PRK]}
"""


def invoke(*args: str):
    return runner.invoke(app, list(args), env=WIDE)


@pytest.fixture(scope="module")
def forecast_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forecast")
    result = invoke("forecast", "korea-2024", "korea-2024-questions", "--futures", "200",
                    "--seed", "5", "--out", str(folder))
    assert result.exit_code == 0, result.output
    assert "putin-visits-dprk-2024" in result.output and "95% interval" in result.output
    return folder


def test_forecast_writes_csv_and_json(forecast_dir):
    with (forecast_dir / "forecasts.csv").open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == FORECAST_COLUMNS
        rows = list(reader)
    assert len(rows) == 15
    assert {r["seed"] for r in rows} == {"5"} and {r["futures"] for r in rows} == {"200"}
    assert all(len(r["scenario_sha256"]) == 64 and r["version"] for r in rows)
    assert all(float(r["low"]) <= float(r["probability"]) <= float(r["high"]) for r in rows)
    data = json.loads((forecast_dir / "forecasts.json").read_text())
    assert data["metadata"]["futures"] == 200 and data["metadata"]["scenario"] == "korea-2024"
    assert [r["id"] for r in data["forecasts"]] == [r["id"] for r in rows]
    assert data["forecasts"][0]["probability"] == pytest.approx(float(rows[0]["probability"]))


def test_score_with_compare_plot_and_json(forecast_dir, tmp_path):
    other = tmp_path / "half.json"
    other.write_text(json.dumps([{"id": r, "probability": 0.5} for r in
                                 ("putin-visits-dprk-2024", "ru-dprk-mutual-defence-2024",
                                  "xi-kim-meet-2024", "dprk-nuclear-test-2024", "dprk-icbm-2024",
                                  "interkorean-talks-2025", "korean-war-2025",
                                  "trump-kim-meet-2025", "mdl-warning-shots-2024",
                                  "chinese-premier-visits-dprk-2025",
                                  "kim-moscow-victory-day-2025",
                                  "nk-destroys-interkorean-roads-2024", "nk-balloons-2024",
                                  "poe-renewed-2024", "rok-martial-law-2025")]))
    plot, scores = tmp_path / "calibration.png", tmp_path / "scores.json"
    result = invoke("score", str(forecast_dir / "forecasts.csv"), "korea-2024-questions",
                    "--compare", str(other), "--plot", str(plot), "--json", str(scores))
    assert result.exit_code == 0, result.output
    assert "always 0.5" in result.output and "base rate" in result.output
    assert "Calibration of forecasts" in result.output
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = json.loads(scores.read_text())
    names = [f["name"] for f in report["forecasters"]]
    assert names == ["forecasts", "half"] and len(report["questions"]) == 15
    assert report["forecasters"][1]["brier"] == pytest.approx(0.25)
    assert report["baselines"][0]["brier"] == pytest.approx(0.25)


def test_score_hand_computed_through_the_command(tmp_path):
    (tmp_path / "q.yaml").write_text(QUESTIONS, encoding="utf-8")
    (tmp_path / "f.csv").write_text("id,probability\nq-one,0.1\nq-two,0.7\n", encoding="utf-8")
    result = invoke("score", str(tmp_path / "f.csv"), str(tmp_path / "q.yaml"), "--json",
                    str(tmp_path / "s.json"), "--bins", "5")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "s.json").read_text())
    model, community = report["forecasters"]
    assert model["brier"] == pytest.approx((0.01 + 0.09) / 2)
    assert community["name"] == "community"
    assert community["brier"] == pytest.approx((0.04 + 0.16) / 2)
    assert report["baselines"][1]["brier"] == pytest.approx(0.25)  # base rate 0.5


def test_forecast_small_question_file(tmp_path):
    (tmp_path / "q.yaml").write_text(QUESTIONS, encoding="utf-8")
    result = invoke("forecast", "korea-2024", str(tmp_path / "q.yaml"), "--futures", "100",
                    "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "q-one" in result.output and "q-two" in result.output
    assert (tmp_path / "out" / "forecasts.json").exists()


@pytest.mark.parametrize(("change", "expected"), [
    ("sources: [RUS, PRK]", "question q-two criterion.sources[1]: unknown actor 'PRX'"),
    ("action: defence_treaty", "question q-two criterion.action: unknown action 'alliance'"),
    ("outcome: dprk_nuclear_test", "question q-one criterion.outcome: unknown outcome 'test'"),
])
def test_unknown_names_are_one_line_errors(tmp_path, change, expected):
    replacement = {"sources: [RUS, PRK]": "sources: [RUS, PRX]",
                   "action: defence_treaty": "action: alliance",
                   "outcome: dprk_nuclear_test": "outcome: test"}[change]
    (tmp_path / "q.yaml").write_text(QUESTIONS.replace(change, replacement), encoding="utf-8")
    result = invoke("forecast", "korea-2024", str(tmp_path / "q.yaml"), "--futures", "50",
                    "--out", str(tmp_path))
    assert result.exit_code == 2
    assert expected in result.output and "Traceback" not in result.output
    assert not (tmp_path / "forecasts.csv").exists()


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("  closes: 2024-12-31\n", "", "question q-one closes: required field is missing"),
    ("closes: 2024-12-31", "closes: 2024-02-30", "expected a date YYYY-MM-DD, got '2024-02-30'"),
    ("kind: outcome", "kind: happens", "unknown criterion kind 'happens'"),
    ("community: 0.2", "community: 2", "community: expected a probability in [0, 1], got 2"),
])
def test_malformed_question_files_are_one_line_errors(tmp_path, old, new, expected):
    (tmp_path / "q.yaml").write_text(QUESTIONS.replace(old, new), encoding="utf-8")
    (tmp_path / "f.csv").write_text("id,probability\nq-one,0.1\n", encoding="utf-8")
    for args in (["forecast", "korea-2024", str(tmp_path / "q.yaml"), "--futures", "10"],
                 ["score", str(tmp_path / "f.csv"), str(tmp_path / "q.yaml")]):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        assert expected in result.output and "Traceback" not in result.output
        assert result.output.count("error:") == 1


def test_bad_forecast_files_and_scenarios(tmp_path):
    (tmp_path / "q.yaml").write_text(QUESTIONS, encoding="utf-8")
    (tmp_path / "f.csv").write_text("id,probability\nq-one,1.2\n", encoding="utf-8")
    result = invoke("score", str(tmp_path / "f.csv"), str(tmp_path / "q.yaml"))
    assert result.exit_code == 2 and "probability 1.2 is outside [0, 1]" in result.output
    result = invoke("score", str(tmp_path / "missing.csv"), str(tmp_path / "q.yaml"))
    assert result.exit_code == 2 and "file not found" in result.output
    result = invoke("forecast", "no-such-scenario", str(tmp_path / "q.yaml"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    result = invoke("forecast", "korea-2024", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2 and "missing.yaml: file not found" in result.output
