"""Scenario authoring tools: the JSON Schema, the generated reference, unknown-field suggestions,
the new-scenario template, and scenarios whose outcomes are of one kind only."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import yaml

from peninsula.experiments.runs import run_scenario
from peninsula.scenario import loading
from peninsula.scenario.loading import (
    ScenarioError,
    _builtin_path,
    builtin_scenarios,
    load_scenario,
)
from peninsula.scenario.model import Scenario
from peninsula.scenario.reference import (
    REFERENCE_PATH,
    REGENERATE,
    _meaning,
    _sections,
    reference_markdown,
    scenario_json_schema,
)
from peninsula.scenario.templates import new_scenario_yaml

# --------------------------------------------------------------------------- reference


def test_committed_reference_is_current():
    assert REFERENCE_PATH.is_file(), f"{REFERENCE_PATH} is missing; create it with:\n{REGENERATE}"
    committed = REFERENCE_PATH.read_text(encoding="utf-8")
    assert committed == reference_markdown(), (
        f"{REFERENCE_PATH.name} is out of date with the scenario schema; regenerate it with:\n"
        f"{REGENERATE}"
    )


def test_every_section_and_field_is_documented():
    text = reference_markdown()
    sections = dict(_sections())
    for name in ("Scenario", "Actor", "Capabilities", "Objectives", "Dyad", "Action",
                 "Preconditions", "Effects", "ActorDelta", "ExogenousEvent", "Unlock", "Claim",
                 "Outcome", "Dynamics", "Shocks", "Uncertainty", "Lever", "LeverOption"):
        assert f"\n## {name}\n" in text
    for model in sections:
        body = text.split(f"\n## {model.__name__}\n", 1)[1].split("\n## ", 1)[0]
        for field, info in model.model_fields.items():
            assert _meaning(model, field, info), f"{model.__name__}.{field} has no meaning"
            assert f"| `{field}` |" in body, f"{model.__name__}.{field} missing from its table"
    assert "| `catalogue` |" in text


def test_model_fields_carry_their_own_descriptions():
    from peninsula.scenario import model as model_module

    for model in dict(_sections()):
        if model.__module__ != model_module.__name__:
            continue
        for field, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{field}: give it Field(description=...)"


def test_descriptions_are_not_hashed():
    """The scenario hash covers values only: descriptions must never reach the dump."""
    loaded = load_scenario("korea-2024")
    dumped = json.dumps(loaded.scenario.model_dump(mode="json"), sort_keys=True)
    for model in dict(_sections()):
        for info in model.model_fields.values():
            if info.description and len(info.description) > 30:
                assert info.description not in dumped
    assert len(loaded.sha256) == 64


# --------------------------------------------------------------------------- JSON Schema


def test_json_schema_is_valid_and_accepts_the_shipped_scenarios(tmp_path):
    schema = scenario_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = [_builtin_path("scenarios", name) for name in builtin_scenarios()]
    template = tmp_path / "fresh.yaml"
    template.write_text(new_scenario_yaml("fresh"), encoding="utf-8")
    for path in [*files, template]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        errors = [error.message for error in validator.iter_errors(data)]
        assert not errors, f"{path.name}: {errors[:3]}"


def test_json_schema_knows_the_catalogue_and_refuses_unknown_keys():
    schema = scenario_json_schema()
    assert schema["properties"]["catalogue"]["enum"] == ["standard"]
    assert set(Scenario.model_fields) < set(schema["properties"])
    data = yaml.safe_load(new_scenario_yaml("fresh"))
    validator = jsonschema.Draft202012Validator(schema)
    assert not list(validator.iter_errors(data))
    assert list(validator.iter_errors({**data, "months": 12}))
    without = {key: value for key, value in data.items() if key != "catalogue"}
    assert list(validator.iter_errors(without)), "no catalogue and no actions must be refused"


# --------------------------------------------------------------------------- unknown fields


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "typo.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("horizon_months: 12", "months: 12",
         "typo.yaml:9 months: unknown field; did you mean 'horizon_months'?"),
        ("catalogue: standard", "catalog: standard",
         "catalog: unknown field; did you mean 'catalogue'?"),
        ("    risk_attitude: 0.3", "    risk_atitude: 0.3",
         "actors[0].risk_atitude: unknown field; did you mean 'risk_attitude'?"),
        ("relation: -4, rationale", "relation: -4, military_tie: false, rationale",
         "dyads[0].military_tie: unknown field; did you mean 'military_ties'?"),
        ("kind: rung, min_rung: 8", "kind: rung, minimum_rung: 8",
         "outcomes[0].minimum_rung: unknown field; did you mean 'min_rung'?"),
        ("salience: 0.5}", "salince: 0.5}",
         "events[0].unlocks[0].salince: unknown field; did you mean 'salience'?"),
        ("  probability: 0.02", "  probabilty: 0.02",
         "shocks.probabilty: unknown field; did you mean 'probability'?"),
    ],
    ids=["top-level", "catalogue", "actor", "dyad", "outcome", "nested-list", "section"],
)
def test_unknown_field_suggests_the_nearest(tmp_path, old, new, expected):
    base = new_scenario_yaml("typo")
    assert base.count(old) == 1
    problems = _problems(tmp_path, base.replace(old, new))
    assert any(problem.endswith(expected) for problem in problems), problems


def test_unknown_field_with_nothing_close_lists_the_section(tmp_path):
    base = new_scenario_yaml("typo")
    text = base.replace("{military: 0.3}", "{military: 0.3, zzz: 1}")
    [problem] = _problems(tmp_path, text)
    assert problem.endswith("actors[1].capabilities.zzz: unknown field; valid fields here: "
                            "military, nuclear, economic, second_strike, committed_elsewhere")


def test_unknown_field_in_an_action_merged_with_the_catalogue(tmp_path):
    own = ('actions:\n  - id: extra_talks\n    label: Extra talks\n    cameo: "040"\n'
           "    rung: 0\n    preconditions: {min_relations: 2}\n    effects: {arm: {source: 1}}\n")
    text = new_scenario_yaml("typo").replace("\ndyads:\n", f"\n{own}\ndyads:\n")
    problems = _problems(tmp_path, text)
    assert any("preconditions.min_relations: unknown field; did you mean 'min_relation'?" in p
               for p in problems), problems
    assert any("effects.arm: unknown field; did you mean 'arms'?" in p for p in problems), problems


def test_unknown_field_in_an_override_suggests_too(tmp_path):
    path = tmp_path / "fresh.yaml"
    path.write_text(new_scenario_yaml("fresh"), encoding="utf-8")
    loaded = load_scenario(path)
    with pytest.raises(ScenarioError) as caught:
        loaded.with_overrides({"actors.RED.objectives.war_avers": 1.0})
    assert "objectives.war_avers: unknown field; did you mean 'war_aversion'?" in str(caught.value)


def test_message_without_a_root_model_is_unchanged():
    error = {"type": "extra_forbidden", "loc": ("months",), "msg": "Extra inputs", "input": 12}
    assert loading._message(error) == "unknown field, got 12"


# --------------------------------------------------------------------------- template


def test_new_scenario_loads_and_runs(tmp_path):
    path = tmp_path / "baltic-2025.yaml"
    path.write_text(new_scenario_yaml("baltic-2025"), encoding="utf-8")
    loaded = load_scenario(path)
    assert loaded.scenario.name == "baltic-2025"
    assert len(loaded.scenario.actors) == 3
    assert loaded.scenario.action_ids[0] == "do_nothing"
    run = run_scenario(loaded, futures=50, seed=1)
    matrix = run.outcome_matrix()
    assert run.outcome_ids == ["war", "talks", "arms_growth"]
    assert matrix.shape == (50, 3) and np.isfinite(matrix).all()


@pytest.mark.parametrize("name", ["", "Korea", "1st", "my crisis", "a:b", "x\ny", "abc\n",
                                  "-lead", "name'quote"])
def test_new_scenario_refuses_a_bad_name(name):
    with pytest.raises(ValueError, match="invalid scenario name"):
        new_scenario_yaml(name)


# --------------------------------------------------------------------------- outcome kinds

TEMPLATE_OUTCOMES = {
    "war": {"id": "war", "label": "War", "kind": "rung", "min_rung": 8, "pairs": [["RED", "BLU"]]},
    "clash": {"id": "clash", "label": "Clash", "kind": "rung", "min_rung": 6,
              "pairs": [["RED", "BLU"], ["RED", "GRN"]]},
    "talks": {"id": "talks", "label": "Talks", "kind": "action", "action": "negotiate"},
    "growth": {"id": "growth", "label": "Arms growth", "kind": "arms_growth"},
}


def _with_outcomes(tmp_path: Path, ids: list[str]):
    data = yaml.safe_load(new_scenario_yaml("kinds"))
    data["outcomes"] = [TEMPLATE_OUTCOMES[i] for i in ids]
    data.pop("default_outcome")
    path = tmp_path / f"kinds-{'-'.join(ids)}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_scenario(path)


@pytest.fixture(scope="module")
def all_kinds(tmp_path_factory):
    loaded = _with_outcomes(tmp_path_factory.mktemp("kinds"), list(TEMPLATE_OUTCOMES))
    run = run_scenario(loaded, futures=50, seed=1, months=6)
    return dict(zip(run.outcome_ids, run.outcome_matrix().T, strict=True))


@pytest.mark.parametrize(
    "ids",
    [["war"], ["war", "clash"], ["war", "growth"], ["growth"], ["talks"], ["talks", "growth"]],
    ids=["rung", "two-rungs", "rung-and-growth", "growth-only", "action-only",
         "action-and-growth"],
)
def test_a_scenario_that_validates_runs_whatever_its_outcome_kinds(tmp_path, all_kinds, ids):
    """A scenario without an ``action`` outcome used to crash the engine ("cannot reshape")."""
    run = run_scenario(_with_outcomes(tmp_path, ids), futures=50, seed=1, months=6, chunk_size=16)
    matrix = run.outcome_matrix()
    assert run.outcome_ids == [TEMPLATE_OUTCOMES[i]["id"] for i in ids]
    assert matrix.shape == (50, len(ids))
    # outcomes only observe a future: each column is the same whatever else is measured
    for column, outcome_id in zip(matrix.T, run.outcome_ids, strict=True):
        np.testing.assert_array_equal(column, all_kinds[outcome_id])
