"""Scoring forecast files against resolutions, checked against hand-computed values."""

from __future__ import annotations

import csv
import json
import math

import pytest

from peninsula.forecast.forecasting import ForecastFileError, read_forecasts, score_forecasts
from peninsula.forecast.questions import Question, load_questions

QUESTIONS = """\
- {id: a, question: 'A?', closes: 2024-12-31, resolution: true, community: 1.0}
- {id: b, question: 'B?', closes: 2024-12-31, resolution: false, community: 0.0}
- {id: c, question: 'C?', closes: 2024-12-31, resolution: true, community: 0.5}
- {id: d, question: 'D?', closes: 2024-12-31, resolution: false, community: 0.5}
- {id: e, question: 'E?', closes: 2026-12-31}
"""
MODEL = {"a": 0.8, "b": 0.3, "c": 0.6, "d": 0.1, "e": 0.9}


def write_csv(path, probs):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "probability", "low", "high"])
        for qid, p in probs.items():
            writer.writerow([qid, p, 0, 1])
    return path


def questions(tmp_path) -> list[Question]:
    path = tmp_path / "questions.yaml"
    path.write_text(QUESTIONS, encoding="utf-8")
    return load_questions(path).questions


def test_hand_computed_scores_from_a_forecast_file(tmp_path):
    probs = read_forecasts(write_csv(tmp_path / "model.csv", MODEL))
    report = score_forecasts({"model": probs}, questions(tmp_path), bins=10)
    assert report.ids == ["a", "b", "c", "d"] and report.outcomes == [1, 0, 1, 0]
    model, community = report.forecasters
    assert model.name == "model" and community.name == "community"
    # (0.2^2 + 0.3^2 + 0.4^2 + 0.1^2) / 4
    assert model.brier == pytest.approx(0.075)
    assert model.log == pytest.approx(-(math.log(0.8) + math.log(0.7) + math.log(0.6)
                                        + math.log(0.9)) / 4)
    d = model.decomposition
    # one forecast per bin: reliability is the Brier score, resolution = uncertainty = 0.25
    assert d.reliability == pytest.approx(0.075)
    assert d.resolution == pytest.approx(0.25) and d.uncertainty == pytest.approx(0.25)
    assert d.reliability - d.resolution + d.uncertainty + d.residual == pytest.approx(model.brier)
    assert community.brier == pytest.approx(0.125)
    assert community.log == pytest.approx(-(2 * math.log1p(-1e-6) + 2 * math.log(0.5)) / 4)
    half, base = report.baselines
    assert half.brier == pytest.approx(0.25) and half.log == pytest.approx(math.log(2))
    assert base.brier == pytest.approx(0.25) and "0.50" in base.name
    assert any("not resolved" in note for note in report.notes)
    rows = [r for r in model.calibration if r.count]
    assert [(r.mean_forecast, r.observed_frequency) for r in rows] == [
        (0.1, 0.0), (0.3, 0.0), (0.6, 1.0), (0.8, 1.0)]


def test_base_rate_baseline_and_decomposition_identity(tmp_path):
    qs = [Question(id=f"q{i}", question="?", closes="2024-12-31", resolution=bool(o))
          for i, o in enumerate([1, 0, 0, 1, 0])]
    probs = {"q0": 0.9, "q1": 0.2, "q2": 0.2, "q3": 0.4, "q4": 0.7}
    report = score_forecasts({"m": probs}, qs, bins=5)
    m = report.forecasters[0]
    assert m.brier == pytest.approx((0.01 + 0.04 + 0.04 + 0.36 + 0.49) / 5)
    base = report.baselines[1]
    assert base.brier == pytest.approx(0.4 * 0.6) and "0.40" in base.name
    d = m.decomposition
    assert d.uncertainty == pytest.approx(0.24)
    assert d.reliability - d.resolution + d.uncertainty + d.residual == pytest.approx(m.brier)


def test_side_by_side_uses_the_common_questions(tmp_path):
    qs = questions(tmp_path)
    partial = {"a": 0.5, "b": 0.5, "c": 0.5}
    report = score_forecasts({"model": MODEL, "partial": partial}, qs, community=False)
    assert report.ids == ["a", "b", "c"]
    assert [f.name for f in report.forecasters] == ["model", "partial"]
    assert report.forecasters[0].brier == pytest.approx((0.04 + 0.09 + 0.16) / 3)
    assert any("partial has no forecast for 1 resolved" in note for note in report.notes)
    with pytest.raises(ValueError, match="no resolved question"):
        score_forecasts({"m": {"e": 0.5}}, qs)


def test_json_forecast_files_and_their_errors(tmp_path):
    path = tmp_path / "f.json"
    path.write_text(json.dumps({"forecasts": [{"id": "a", "probability": 0.25}]}))
    assert read_forecasts(path) == {"a": 0.25}
    path.write_text(json.dumps([{"id": "a", "probability": 1.5}]))
    with pytest.raises(ForecastFileError, match=r"f.json entry 1 \(a\): probability 1.5 is out"):
        read_forecasts(path)
    path.write_text("{not json")
    with pytest.raises(ForecastFileError, match="cannot be read"):
        read_forecasts(path)
    bad = tmp_path / "bad.csv"
    bad.write_text("question,p\na,0.5\n")
    with pytest.raises(ForecastFileError, match="missing column"):
        read_forecasts(bad)
    bad.write_text("id,probability\na,0.5\na,0.6\n")
    with pytest.raises(ForecastFileError, match="duplicate id 'a'"):
        read_forecasts(bad)
    bad.write_text("id,probability\na,high\n")
    with pytest.raises(ForecastFileError, match="not a number"):
        read_forecasts(bad)
