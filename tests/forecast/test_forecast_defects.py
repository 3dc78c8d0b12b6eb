"""Regression tests for defects of the forecast and score commands and their readers."""

from __future__ import annotations

import json
import math

import pytest
import typer
from typer.testing import CliRunner

from peninsula.cli.forecast import score_command
from peninsula.errors import UserError
from peninsula.forecast.criteria import Vocabulary
from peninsula.forecast.forecasting import (
    MAX_BINS,
    ForecastFileError,
    read_forecasts,
    score_forecasts,
)
from peninsula.forecast.questions import (
    MAX_CRITERION_DEPTH,
    MAX_HORIZON_MONTHS,
    QuestionError,
    load_questions,
)

app = typer.Typer(add_completion=False)
app.command("score")(score_command)
app.command("noop")(lambda: None)
runner = CliRunner()
WIDE = {"COLUMNS": "200"}

QUESTIONS = """\
- id: q-one
  question: One?
  closes: 2024-12-31
  resolution: false
  community: 0.2
- id: q-two
  question: Two?
  closes: 2025-12-31
  resolution: true
  community: 0.6
"""


def invoke(*args: str):
    return runner.invoke(app, ["score", *args], env=WIDE)


@pytest.fixture
def qfile(tmp_path):
    path = tmp_path / "questions.yaml"
    path.write_text(QUESTIONS, encoding="utf-8")
    return path


def write_csv(path, rows):
    path.write_text("id,probability\n" + "".join(f"{i},{p}\n" for i, p in rows),
                    encoding="utf-8")
    return path


# 1 ------------------------------------------------------------------ JSON without NaN


def test_score_json_is_valid_json_without_nan(tmp_path, qfile):
    forecasts = write_csv(tmp_path / "mine.csv", [("q-one", 0.1), ("q-two", 0.9)])
    out = tmp_path / "scores.json"
    result = invoke(str(forecasts), str(qfile), "--json", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text

    def strict(token):
        raise AssertionError(f"non-standard JSON constant {token}")

    data = json.loads(text, parse_constant=strict)
    calibration = data["forecasters"][0]["calibration"]
    assert any(row["mean_forecast"] is None for row in calibration)  # empty bins


def test_report_as_dict_never_holds_nan():
    from peninsula.forecast.questions import Question

    questions = [Question(id="a", question="?", closes="2024-01-01", resolution=True)]
    report = score_forecasts({"x": {"a": 0.7}}, questions)
    json.dumps(report.as_dict(), allow_nan=False)


# 2 ------------------------------------------------- a file named community.json


def test_file_named_community_is_not_replaced(tmp_path, qfile):
    forecasts = tmp_path / "community.json"
    forecasts.write_text(json.dumps([{"id": "q-one", "probability": 0.9},
                                     {"id": "q-two", "probability": 0.1}]), encoding="utf-8")
    result = invoke(str(forecasts), str(qfile))
    assert result.exit_code == 0, result.output
    assert "community.json" in " ".join(result.output.split())  # labelled by its path
    assert "90.0%" in result.output and "20.0%" in result.output  # both forecasters shown


def test_library_refuses_forecaster_named_community(qfile):
    questions = load_questions(qfile).questions
    with pytest.raises(UserError, match="community"):
        score_forecasts({"community": {"q-one": 0.9, "q-two": 0.1}}, questions)
    report = score_forecasts({"community": {"q-one": 0.9, "q-two": 0.1}}, questions,
                             community=False)
    assert [f.name for f in report.forecasters] == ["community"]


# 3 ------------------------------------------------------------- probabilities


@pytest.mark.parametrize("value", [True, False, "0.5", None, [0.5], 1.5, -0.1])
def test_json_probability_must_be_a_number_in_range(tmp_path, value):
    path = tmp_path / "f.json"
    path.write_text(json.dumps([{"id": "q", "probability": 0.5},
                                {"id": "r", "probability": value}]), encoding="utf-8")
    with pytest.raises(ForecastFileError, match=r"f\.json entry 2 .*probability"):
        read_forecasts(path)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_json_probability_non_finite(tmp_path, literal):
    path = tmp_path / "f.json"
    path.write_text(f'[{{"id": "q", "probability": {literal}}}]', encoding="utf-8")
    with pytest.raises(ForecastFileError, match=r"f\.json"):
        read_forecasts(path)


@pytest.mark.parametrize("value", ["nan", "inf", "true", "", "2", "1e999"])
def test_csv_probability_must_be_a_finite_number_in_range(tmp_path, value):
    path = write_csv(tmp_path / "f.csv", [("q", 0.5), ("r", value)])
    with pytest.raises(ForecastFileError, match=r"f\.csv line 3 .*probability"):
        read_forecasts(path)


# 4 ------------------------------------------------------------- --compare same file


def test_compare_with_the_same_file_keeps_both(tmp_path, qfile):
    forecasts = write_csv(tmp_path / "mine.csv", [("q-one", 0.1), ("q-two", 0.9)])
    result = invoke(str(forecasts), str(qfile), "--compare", str(forecasts), "--json",
                    str(tmp_path / "s.json"))
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    names = [f["name"] for f in data["forecasters"]]
    assert len(names) == 3 and len(set(names)) == 3  # two files and the community column


# 5 ------------------------------------------------------------------ --plot path


def test_plot_reports_the_path_written(tmp_path, qfile):
    pytest.importorskip("matplotlib")
    forecasts = write_csv(tmp_path / "mine.csv", [("q-one", 0.1), ("q-two", 0.9)])
    target = tmp_path / "adir"
    result = invoke(str(forecasts), str(qfile), "--plot", str(target))
    assert result.exit_code == 0, result.output
    written = tmp_path / "adir.png"
    assert written.is_file()
    assert f"Wrote {written}" in result.output.replace("\n", "")


# 6 ------------------------------------------------------------------------- BOM


def test_bom_prefixed_csv_and_json(tmp_path):
    csv_path = tmp_path / "f.csv"
    csv_path.write_bytes(b"\xef\xbb\xbfid,probability\nq,0.25\n")
    assert read_forecasts(csv_path) == {"q": 0.25}
    json_path = tmp_path / "f.json"
    json_path.write_bytes(b'\xef\xbb\xbf[{"id": "q", "probability": 0.25}]')
    assert read_forecasts(json_path) == {"q": 0.25}


# 7 ------------------------------------------------------------- extra fields


def test_extra_question_fields_are_one_warning(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text(QUESTIONS.replace("  community: 0.2\n",
                                      "  community: 0.2\n  tags: [x]\n  author: me\n")
                    .replace("  community: 0.6\n", "  community: 0.6\n  tags: [y]\n"),
                    encoding="utf-8")
    qfile = load_questions(path)
    assert len(qfile.questions) == 2
    assert len(qfile.warnings) == 1
    assert "q.yaml" in qfile.warnings[0] and "author, tags" in qfile.warnings[0]


def test_extra_fields_warning_in_the_cli(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text(QUESTIONS.replace("  community: 0.2\n", "  community: 0.2\n  tags: [x]\n"),
                    encoding="utf-8")
    forecasts = write_csv(tmp_path / "mine.csv", [("q-one", 0.1), ("q-two", 0.9)])
    result = runner.invoke(app, ["score", str(forecasts), str(path)], env=WIDE)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "warning" in line]
    assert len(lines) == 1 and "tags" in lines[0] and "q.yaml" in lines[0]


def test_unknown_criterion_fields_are_still_errors(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text("- id: a\n  question: A?\n  closes: 2024-12-31\n"
                    "  criterion: {kind: outcome, outcome: x, extra: 1}\n", encoding="utf-8")
    with pytest.raises(QuestionError, match="extra"):
        load_questions(path)


# 8 ------------------------------------------------------------- depth and sizes


def test_deeply_nested_criterion_is_a_clean_error(tmp_path):
    crit = "{kind: outcome, outcome: x}"
    for _ in range(2000):
        crit = "{kind: not, of: " + crit + "}"
    path = tmp_path / "deep.yaml"
    path.write_text(f"- id: a\n  question: A?\n  closes: 2024-12-31\n  criterion: {crit}\n",
                    encoding="utf-8")
    with pytest.raises(QuestionError, match=r"deep\.yaml.*(deep|nest)"):
        load_questions(path)


def test_criterion_depth_limit_names_the_question(tmp_path):
    crit = "{kind: outcome, outcome: x}"
    for _ in range(MAX_CRITERION_DEPTH + 1):
        crit = "{kind: not, of: " + crit + "}"
    path = tmp_path / "deep.yaml"
    path.write_text(f"- id: a\n  question: A?\n  closes: 2024-12-31\n  criterion: {crit}\n",
                    encoding="utf-8")
    with pytest.raises(QuestionError, match=rf"question a criterion.*{MAX_CRITERION_DEPTH}"):
        load_questions(path)


def test_recursive_yaml_alias_is_a_clean_error(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("- id: a\n  question: A?\n  closes: 2024-12-31\n"
                    "  criterion: &c {kind: not, of: *c}\n", encoding="utf-8")
    with pytest.raises(QuestionError, match=r"loop\.yaml"):
        load_questions(path)


def test_deeply_nested_json_forecasts(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(ForecastFileError, match=r"deep\.json.*nest"):
        read_forecasts(path)


def test_huge_csv_field(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("id,probability\n" + "x" * 200_000 + ",0.5\n", encoding="utf-8")
    with pytest.raises(ForecastFileError, match=r"big\.csv line 2"):
        read_forecasts(path)


def test_deep_json_forecasts_in_the_cli(tmp_path, qfile):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = invoke(str(path), str(qfile))
    assert result.exit_code == 2
    assert "deep.json" in result.output and "Traceback" not in result.output


# 9 ------------------------------------------------------------- far closing dates


def vocab() -> Vocabulary:
    return Vocabulary(start="2024-01", actors=["AAA", "BBB"], actions=["do_nothing", "talk"],
                      cameo=[None, "010"], outcome_columns={"won": 0})


def test_question_closing_beyond_the_horizon_limit(tmp_path):
    path = tmp_path / "far.yaml"
    path.write_text("- id: far\n  question: Far?\n  closes: 2999-12-31\n"
                    "  criterion: {kind: outcome, outcome: won}\n"
                    "- id: near\n  question: Near?\n  closes: 2043-12-31\n"
                    "  criterion: {kind: outcome, outcome: won}\n", encoding="utf-8")
    qfile = load_questions(path)
    with pytest.raises(QuestionError, match=rf"far\.yaml:3 question far closes.*"
                                            rf"{MAX_HORIZON_MONTHS}") as info:
        qfile.prepare(vocab())
    assert len(info.value.problems) == 1  # 2043-12 is month 239: allowed


# 10 ----------------------------------------------------------------------- bins


@pytest.mark.parametrize("bins", [0, -1, MAX_BINS + 1, 10**9])
def test_bins_are_bounded_in_the_library(bins):
    from peninsula.forecast.questions import Question

    questions = [Question(id="a", question="?", closes="2024-01-01", resolution=True)]
    with pytest.raises(UserError, match=rf"bins.*1.*{MAX_BINS}"):
        score_forecasts({"x": {"a": 0.7}}, questions, bins=bins)


def test_bins_are_bounded_in_the_cli(tmp_path, qfile):
    forecasts = write_csv(tmp_path / "mine.csv", [("q-one", 0.1), ("q-two", 0.9)])
    result = invoke(str(forecasts), str(qfile), "--bins", str(10**9))
    assert result.exit_code == 2
    assert "bins" in result.output and str(MAX_BINS) in result.output


def test_finite_sanity():
    assert math.isfinite(MAX_BINS)
