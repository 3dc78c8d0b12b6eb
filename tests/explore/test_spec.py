"""Uncertainties and levers: the flagship's, and every bad input caught before anything runs."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peninsula.scenario.exploration import load_exploration
from peninsula.scenario.loading import ScenarioError, load_scenario

runner = CliRunner()

GOOD_UNCERTAINTY = """\
uncertainties:
  - path: actors.CHN.objectives.war_aversion
    low: 1.5
    high: 4.5
    rationale: S7
"""


def _scenario_with(tmp_path: Path, exploration: str) -> Path:
    """A copy of korea-2024, without its own exploration sections, with a side file beside it."""
    src = Path(str(files("peninsula").joinpath("scenarios", "korea-2024.yaml")))
    target = tmp_path / "korea.yaml"
    text = src.read_text()
    target.write_text(text[: text.index("\n# Exploration")] + "\n")
    (tmp_path / "korea.exploration.yaml").write_text(exploration)
    return target


def _problems(tmp_path: Path, exploration: str) -> list[str]:
    path = _scenario_with(tmp_path, exploration)
    with pytest.raises(ScenarioError) as info:
        load_exploration(path, load_scenario(path))
    return [str(p) for p in info.value.problems]


def test_flagship_declares_eight_or_more_uncertainties_and_the_two_levers(korea_spec):
    assert len(korea_spec.uncertainties) >= 8
    assert all(u.rationale.strip() for u in korea_spec.uncertainties)
    levers = {lever.id: lever for lever in korea_spec.levers}
    assert levers["china_answer"].actor == "CHN"
    assert levers["china_answer"].option_ids == ["distance", "mediate", "economic_lifeline",
                                                 "military_guarantee"]
    assert levers["us_posture"].option_ids == ["pressure", "deter", "engage"]
    assert len(korea_spec.policies()) == 12


def test_a_good_side_file_loads(tmp_path):
    path = _scenario_with(tmp_path, GOOD_UNCERTAINTY)
    spec = load_exploration(path, load_scenario(path))
    assert spec.names == ["actors_chn_objectives_war_aversion"] and spec.levers == []


def test_unknown_path_is_an_error_naming_file_line_and_field(tmp_path):
    problems = _problems(tmp_path, GOOD_UNCERTAINTY.replace("war_aversion", "war_appetite"))
    assert len(problems) == 1
    assert problems[0].startswith("korea.exploration.yaml:2 uncertainties[0].path:")
    assert "war_appetite" in problems[0] and "unknown field" in problems[0]


def test_unknown_actor_in_a_path_is_an_error(tmp_path):
    problems = _problems(tmp_path, GOOD_UNCERTAINTY.replace("actors.CHN", "actors.XYZ"))
    assert "no element 'XYZ'" in problems[0]


def test_empty_range_is_an_error(tmp_path):
    problems = _problems(tmp_path, GOOD_UNCERTAINTY.replace("high: 4.5", "high: 1.5"))
    assert problems == ["korea.exploration.yaml:2 uncertainties[0]: empty range: low (1.5) "
                        "must be below high (1.5)"]


def test_range_beyond_what_the_field_allows_is_an_error(tmp_path):
    text = GOOD_UNCERTAINTY.replace("objectives.war_aversion", "risk_attitude")
    problems = _problems(tmp_path, text.replace("low: 1.5", "low: 0.5"))
    assert "expected a number ≤ 1" in problems[0]


def test_missing_rationale_is_an_error(tmp_path):
    problems = _problems(tmp_path, GOOD_UNCERTAINTY.replace("    rationale: S7\n", ""))
    assert problems == ["korea.exploration.yaml:2 uncertainties[0].rationale: required field "
                        "is missing"]


LEVER = """\
levers:
  - id: china_answer
    label: China's answer
    actor: CHN
    options:
      - id: distance
        overrides: {dyads.CHN>PRK.commitment: 0.2}
      - id: guarantee
        overrides: {dyads.CHN>PRK.loyalty: 0.9}
"""


def test_lever_overriding_an_unknown_field_is_an_error(tmp_path):
    problems = _problems(tmp_path, LEVER)
    assert len(problems) == 1
    assert problems[0].startswith("korea.exploration.yaml:9 levers[0].options[1].overrides:")
    assert "'guarantee'" in problems[0] and "loyalty" in problems[0]


def test_lever_on_an_unknown_actor_is_an_error(tmp_path):
    problems = _problems(tmp_path, LEVER.replace("actor: CHN", "actor: ZZZ").replace(
        "loyalty", "commitment"))
    assert problems[0].startswith("korea.exploration.yaml:4 levers[0].actor: unknown actor")


def test_a_path_both_uncertain_and_a_lever_is_an_error(tmp_path):
    text = GOOD_UNCERTAINTY.replace("actors.CHN.objectives.war_aversion",
                                    "dyads.CHN>PRK.commitment").replace("low: 1.5", "low: 0.1"
                                    ).replace("high: 4.5", "high: 0.9")
    problems = _problems(tmp_path, text + LEVER.replace("loyalty", "commitment"))
    assert any("either uncertain or a lever" in p for p in problems)


def test_unknown_section_in_the_side_file_is_an_error(tmp_path):
    problems = _problems(tmp_path, GOOD_UNCERTAINTY + "policies: []\n")
    assert problems == ["korea.exploration.yaml:6 policies: unknown field; expected "
                        "'uncertainties' or 'levers'"]


def test_cli_reports_bad_input_in_one_line_with_exit_code_2_before_running(tmp_path):
    import typer

    from peninsula.cli.explore import explore_command

    app = typer.Typer()
    app.command()(explore_command)
    path = _scenario_with(tmp_path, GOOD_UNCERTAINTY.replace("high: 4.5", "high: 1.0"))
    result = runner.invoke(app, [str(path), "--samples", "4", "--futures", "10",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "empty range" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
