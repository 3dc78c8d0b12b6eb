"""Hostile or careless scenario files are refused cleanly, with file, line and field.

Duplicate keys, YAML 1.1 surprises (``1:30``, ``on``), nesting bombs, exploration sections that
would only fail at run time, unbounded counts, bad text, long names, catalogue paths and
non-scenario files: each is a :class:`ScenarioError` naming where and what was expected. The
last tests are properties: whatever bytes, text or structure the file holds, loading raises
:class:`ScenarioError` or returns a valid scenario, never another exception.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peninsula.scenario.loading import (
    MAX_PROBLEMS,
    LoadedScenario,
    ScenarioError,
    _builtin_path,
    load_scenario,
)

BASE = _builtin_path("scenarios", "south-asia-2019").read_text(encoding="utf-8")


def edited(*pairs: tuple[str, str]) -> str:
    text = BASE
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def refused(tmp_path: Path, text: str | bytes, name: str = "bad.yaml") -> ScenarioError:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    for problem in info.value.problems:
        str(problem).encode("utf-8")  # printable on any terminal
    return info.value


def line_of(text: str, anchor: str, nth: int = 0) -> int:
    start = -1
    for _ in range(nth + 1):
        start = text.index(anchor, start + 1)
    return text.count("\n", 0, start) + 1


# --------------------------------------------------------------------------- 2. duplicate keys


def test_duplicate_key_names_both_lines(tmp_path):
    text = edited(("relation: -6, rationale", "relation: -7, relation: 7, rationale"))
    error = refused(tmp_path, text)
    line = line_of(text, "relation: -7")
    assert any(p.line == line and "duplicate key" in p.message and f"line {line}" in p.message
               and p.field == "relation" for p in error.problems), error.problems


def test_duplicate_top_level_key_is_refused(tmp_path):
    text = edited(("horizon_months: 12\n", "horizon_months: 12\nhorizon_months: 24\n"))
    error = refused(tmp_path, text)
    first, second = line_of(text, "horizon_months"), line_of(text, "horizon_months", 1)
    assert [(p.line, p.field) for p in error.problems] == [(second, "horizon_months")]
    assert f"line {first}" in error.problems[0].message


# --------------------------------------------------------------------------- 3. YAML 1.1 forms


def test_sexagesimal_is_text_not_ninety(tmp_path):
    text = edited(("horizon_months: 12", "horizon_months: 1:30"))
    error = refused(tmp_path, text)
    assert [(p.field, p.line) for p in error.problems] == [("horizon_months", 10)]
    assert "expected a whole number" in error.problems[0].message


def test_on_off_yes_no_are_text(tmp_path):
    path = tmp_path / "names.yaml"
    path.write_text(edited(("    name: India\n", "    name: on\n"),
                           ("    name: Pakistan\n", "    name: no\n")), encoding="utf-8")
    loaded = load_scenario(path)
    assert [a.name for a in loaded.scenario.actors][:2] == ["on", "no"]


# --------------------------------------------------------------------------- 4. nesting bombs


@pytest.mark.parametrize("text", [
    "[" * 5000,
    "a: " + "[" * 5000 + "]" * 5000,
    "".join(f"{' ' * i}k{i}:\n" for i in range(3000)) + " " * 3000 + "v",
    "a: " + "{b: " * 3000 + "1" + "}" * 3000,
])
def test_deep_nesting_is_refused_before_building(tmp_path, text):
    error = refused(tmp_path, text)
    assert any("nested more than" in p.message for p in error.problems), error.problems


# --------------------------------------------------------------------------- 5. validate = run

UNCERTAIN = """
uncertainties:
  - id: ind_war_aversion
    path: actors.IND.objectives.war_aversion
    low: 1.0
    high: 3.0
    rationale: judgement
"""


@pytest.mark.parametrize(("section", "says"), [
    (UNCERTAIN.replace("actors.IND.", "actors.XYZ."), "not a valid override"),
    (UNCERTAIN.replace("objectives.war_aversion", "objectives.bogus"), "not a valid override"),
    (UNCERTAIN + UNCERTAIN.replace("uncertainties:\n", "").replace(
        "actors.IND", "actors.PAK"), "ind_war_aversion"),
    (UNCERTAIN.replace("id: ind_war_aversion", "id: seed"), "reserved"),
    (UNCERTAIN.replace("actors.IND.objectives.war_aversion", "dynamics.max_rung_step"),
     "distribution: integer"),
    (UNCERTAIN.replace("low: 1.0", "low: -.inf").replace("high: 3.0", "high: .inf"),
     "finite"),
    (UNCERTAIN.replace("high: 3.0", "high: .inf"), "finite"),
    ("""
levers:
  - id: india_stance
    label: India's stance
    actor: XYZ
    options:
      - id: hard
        overrides: {actors.IND.objectives.war_aversion: 1.0}
""", "unknown actor code"),
    ("""
levers:
  - id: india_stance
    label: India's stance
    actor: IND
    options:
      - id: hard
        overrides: {actors.IND.objectives.nonsense: 1.0}
""", "unknown or invalid field"),
    ("""
levers:
  - {id: a, label: A, actor: IND, options: [{id: x, overrides: {dynamics.effort: 1.0}}]}
  - {id: a, label: B, actor: PAK, options: [{id: y, overrides: {dynamics.affinity: 1.0}}]}
""", "duplicate lever id"),
])
def test_exploration_sections_are_checked_when_loading(tmp_path, section, says):
    text = BASE + section
    error = refused(tmp_path, text)
    first = section.strip().splitlines()[0].rstrip(":")
    low = line_of(text, f"\n{first}:") + 1
    assert any(says in p.message and p.line is not None and p.line >= low
               for p in error.problems), error.problems


def test_min_count_is_bounded(tmp_path):
    text = edited(("action: nuclear_use}", "action: nuclear_use, min_count: " + "1" + "0" * 30
                   + "}"))
    error = refused(tmp_path, text)
    assert [p.field for p in error.problems] == ["outcomes[3].min_count"]
    assert "≤ 1000000" in error.problems[0].message


@pytest.mark.parametrize("bad", ['"\\ud800"', '"bell \\a"', '"nul \\0"', '"esc \\e"'])
def test_text_that_cannot_be_stored_is_refused(tmp_path, bad):
    error = refused(tmp_path, edited(("    name: India\n", f"    name: {bad}\n")))
    assert [p.field for p in error.problems] == ["actors[0].name"]
    assert "character" in error.problems[0].message or "surrogate" in error.problems[0].message


def test_surrogate_in_an_unknown_key_is_escaped(tmp_path):
    error = refused(tmp_path, edited(("horizon_months: 12", '"\\ud800x": 12')))
    assert "\\ud800" in str(error)


def test_long_name_is_refused(tmp_path):
    error = refused(tmp_path, edited(("name: south-asia-2019", "name: s" + "x" * 299)))
    assert [p.field for p in error.problems] == ["name"]
    assert "at most 64" in error.problems[0].message


# --------------------------------------------------------------------------- 6. catalogue paths


@pytest.mark.parametrize("name", ["../../../../elsewhere/x", "/etc/passwd", "standard.yaml",
                                  "../catalogues/standard", "Standard", "[1]"])
def test_catalogue_must_be_a_builtin_name(tmp_path, name):
    (tmp_path / "x.yaml").write_text("actions: []\n", encoding="utf-8")
    error = refused(tmp_path, edited(("catalogue: standard", f"catalogue: {name}")))
    assert [(p.field, p.line) for p in error.problems] == [("catalogue", 11)]
    assert "built-in catalogue" in error.problems[0].message


def test_unknown_catalogue_name(tmp_path):
    error = refused(tmp_path, edited(("catalogue: standard", "catalogue: nosuch")))
    assert "unknown catalogue" in error.problems[0].message


# --------------------------------------------------------------------------- 7. capped echo


def test_non_scenario_text_is_not_echoed_back(tmp_path):
    secret = "\n".join(f"user{i}:$6$saltsaltsalt${'h' * 80}:19000:0:99999:7:::"
                       for i in range(200))
    error = refused(tmp_path, secret, name="shadow")
    assert len(error.problems) == MAX_PROBLEMS + 1
    assert error.problems[-1].message == f"and {200 + 6 - MAX_PROBLEMS} more problems" or (
        error.problems[-1].message.startswith("and "))
    assert "h" * 41 not in str(error)


def test_long_bad_value_is_quoted_short(tmp_path):
    error = refused(tmp_path, edited(("horizon_months: 12", "horizon_months: " + "z" * 500)))
    assert len(error.problems[0].message) < 100


# --------------------------------------------------------------------------- 8. properties


def _check(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "any.yaml"
    path.write_bytes(data)
    try:
        result = load_scenario(path)
    except ScenarioError as error:
        for problem in error.problems:
            str(problem).encode("utf-8")
        assert len(error.problems) <= MAX_PROBLEMS + 1
        return
    assert isinstance(result, LoadedScenario)


FAST = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@FAST
@given(st.binary(max_size=400))
def test_any_bytes(tmp_path_factory, data):
    _check(tmp_path_factory.mktemp("bytes"), data)


@FAST
@given(st.text(max_size=400))
def test_any_text(tmp_path_factory, text):
    _check(tmp_path_factory.mktemp("text"), text.encode("utf-8", "surrogatepass"))


_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20))
_tree = st.recursive(_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=30)


@FAST
@given(st.dictionaries(st.sampled_from(["name", "actors", "dyads", "outcomes", "dynamics",
                                        "shocks", "uncertainties", "levers", "catalogue",
                                        "overrides", "horizon_months", "claims", "events"]),
                       _tree, max_size=4))
def test_any_structure_in_place_of_sections(tmp_path_factory, sections):
    data = yaml.safe_load(BASE)
    data.update(sections)
    try:
        text = yaml.safe_dump(data, allow_unicode=False)
    except (yaml.YAMLError, ValueError):
        return
    _check(tmp_path_factory.mktemp("tree"), text.encode("utf-8"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(anchor=st.sampled_from(["horizon_months: 12", "  arms_rate: 0.01", "relation: -6,",
                               "    risk_attitude: 0.3\n    rationality: 3.0\n    arms_"
                               "reactivity: 0.3", "  probability: 0.05", "min_rung: 8,"]),
       x=st.one_of(st.floats(), st.integers(min_value=-10**400, max_value=10**400)))
def test_any_number_written_into_a_valid_scenario(tmp_path_factory, anchor, x):
    if anchor not in BASE:
        return
    head, _, tail = anchor.rpartition(":")
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        number = ".nan" if math.isnan(x) else (".inf" if x > 0 else "-.inf")
    else:
        number = repr(x)
    text = BASE.replace(anchor, f"{head}: {number}{',' if tail.endswith(',') else ''}")
    _check(tmp_path_factory.mktemp("num"), text.encode("utf-8"))
