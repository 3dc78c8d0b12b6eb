"""Broken scenario files are refused with every problem listed: file, line, field, expectation.

Each broken file is the shipped korea-2024.yaml with one textual edit, so the line of the
problem is known: it is the line of an ``anchor`` text in the broken file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import pytest

from peninsula.engine.compiled import compile_scenario
from peninsula.scenario import loading
from peninsula.scenario.loading import Problem, ScenarioError, load_scenario
from peninsula.scenario.model import normalise_quote

FILE_NAME = "broken-korea.yaml"

Make = Callable[[str, Path], str]


def replace(*pairs: tuple[str, str]) -> Make:
    """Edit the base text: each ``old`` must occur exactly once."""

    def make(base: str, tmp_path: Path) -> str:
        text = base
        for old, new in pairs:
            count = text.count(old)
            assert count == 1, f"korea-2024.yaml changed: {old!r} occurs {count} times, not once"
            text = text.replace(old, new)
        return text

    return make


def whole(content: str) -> Make:
    """Ignore the base text: the file is exactly ``content``."""
    return lambda base, tmp_path: content


# An action of the scenario's own ``actions:`` list, merged after the standard catalogue.
OWN_ACTIONS_AT = "\noverrides:\n"


def own_actions(block: str) -> Make:
    return replace((OWN_ACTIONS_AT, f"\nactions:\n{block}\noverrides:\n"))


@dataclass(frozen=True)
class Expect:
    """One problem that must be reported.

    ``field``: the field path; ``[*]`` stands for any list index. ``anchor``: text occurring once
    in the broken file, the problem is on its (first) line plus ``line_offset``; ``None`` means
    the problem has no line. ``says``: fragments of the message; ``{anchor_line}`` is replaced.
    """

    field: str
    says: tuple[str, ...]
    anchor: str | None
    line_offset: int = 0


@dataclass(frozen=True)
class Case:
    make: Make
    expected: tuple[Expect, ...]


CASES: dict[str, Case] = {
    # 1. wrong type
    "wrong-type-nuclear-many": Case(
        replace(("capabilities: {military: 0.6, nuclear: 0.3,",
                 "capabilities: {military: 0.6, nuclear: many,")),
        (Expect("actors[2].capabilities.nuclear", ("expected a number", '"many"'),
                "nuclear: many"),),
    ),
    "wrong-type-rung-text": Case(
        own_actions('  - id: extra_action\n    label: Extra\n    cameo: "040"\n'
                    "    rung: high\n"),
        (Expect("actions[*].rung", ("expected a whole number", '"high"'), "rung: high"),),
    ),
    # 2. unknown actor code in a dyad
    "unknown-actor-in-dyad": Case(
        replace(("- {source: RUS, target: JPN, relation: -4}",
                 "- {source: RUS, target: XYZ, relation: -4}")),
        (Expect("dyads[*].target", ("unknown actor code", "'XYZ'"), "target: XYZ"),),
    ),
    "self-dyad-with-unknown-actor": Case(
        replace(("- {source: RUS, target: JPN, relation: -4}",
                 "- {source: XYZ, target: XYZ, relation: -4}")),
        (Expect("dyads[*].source", ("unknown actor code", "'XYZ'"), "source: XYZ"),
         Expect("dyads[*].target", ("unknown actor code", "'XYZ'"), "source: XYZ"),
         Expect("dyads[*].target", ("two different actors",), "source: XYZ")),
    ),
    "malformed-actor-code": Case(
        replace(("  - code: JPN\n", "  - code: jp\n")),
        (Expect("actors[5].code", ("expected text matching", '"jp"'), "code: jp"),),
    ),
    # 3. an action whose effects name a field that does not exist
    "unknown-effect-field": Case(
        own_actions('  - id: extra_action\n    label: Extra\n    cameo: "040"\n    rung: 0\n'
                    "    effects:\n      bogus_field: 1\n"),
        (Expect("actions[*].effects.bogus_field", ("unknown field",), "bogus_field: 1"),),
    ),
    "unknown-cameo-code": Case(
        own_actions('  - id: extra_action\n    label: Extra\n    cameo: "9999"\n    rung: 0\n'),
        (Expect("actions[*].cameo", ("unknown CAMEO code", "'9999'"), 'cameo: "9999"'),),
    ),
    # 4. out-of-range numbers
    "negative-shock-probability": Case(
        replace(("  probability: 0.02", "  probability: -0.1")),
        (Expect("shocks.probability", ("expected a number ≥ 0", "-0.1"), "probability: -0.1"),),
    ),
    "probability-above-one": Case(
        replace(("{source: CHN, target: PRK, relation: 4, commitment: 0.5,",
                 "{source: CHN, target: PRK, relation: 4, commitment: 1.5,")),
        (Expect("dyads[*].commitment", ("expected a number ≤ 1", "1.5"), "commitment: 1.5"),),
    ),
    # 5. duplicate ids
    "duplicate-outcome-id": Case(
        replace(("{id: limited_clash,", "{id: war_on_peninsula,")),
        (Expect("outcomes[1].id", ("duplicate id", "'war_on_peninsula'"),
                "{id: war_on_peninsula, label: Limited clash"),),
    ),
    "duplicate-actor-code": Case(
        replace(("  - code: JPN\n    name: Japan", "  - code: KOR\n    name: Japan")),
        (Expect("actors[5].code", ("duplicate actor code", "'KOR'"),
                "code: KOR\n    name: Japan"),),
    ),
    "duplicate-action-id": Case(
        own_actions('  - id: extra_action\n    label: First\n    cameo: "040"\n    rung: 0\n'
                    '  - id: extra_action\n    label: Second\n    cameo: "040"\n    rung: 0\n'),
        (Expect("actions[*].id", ("duplicate action id", "'extra_action'"),
                "extra_action\n    label: Second"),),
    ),
    "duplicate-dyad": Case(
        replace(("- {source: RUS, target: JPN, relation: -4}",
                 "- {source: RUS, target: KOR, relation: -4}")),
        (Expect("dyads[*]", ("duplicate dyad", "RUS>KOR"),
                "- {source: RUS, target: KOR, relation: -4}"),),
    ),
    # 6. YAML syntax errors
    "yaml-mismatched-bracket": Case(
        replace(("pairs: [[PRK, KOR], [PRK, USA]]}", "pairs: [[PRK, KOR], [PRK, USA]}")),
        (Expect("", ("YAML syntax",), "pairs: [[PRK, KOR], [PRK, USA]}"),),
    ),
    "yaml-unclosed-bracket": Case(
        replace(("horizon_months: 24\n", "horizon_months: [24\n")),
        # the parser notices on the next line; the message says where the bracket was opened
        (Expect("", ("YAML syntax", "started on line {anchor_line}"), "horizon_months: [24",
                line_offset=1),),
    ),
    "yaml-unclosed-bracket-at-end": Case(
        lambda base, tmp_path: base + "extra: [1, 2\n",
        (Expect("", ("YAML syntax", "started on line {anchor_line}"), "extra: [1, 2",
                line_offset=1),),
    ),
    "yaml-bad-indentation": Case(
        replace(("  enabled: true\n  probability: 0.02", "  enabled: true\n probability: 0.02")),
        (Expect("", ("YAML syntax",), " probability: 0.02"),),
    ),
    # 7. empty files
    "empty-file": Case(whole(""), (Expect("", ("empty",), None),)),
    "only-comments": Case(whole("# nothing here\n\n"), (Expect("", ("empty",), None),)),
    # 13. not a mapping
    "top-level-list": Case(
        whole("- PRK\n- KOR\n"), (Expect("", ("expected a mapping", "list"), "- PRK"),)
    ),
    "top-level-text": Case(
        whole("korea\n"), (Expect("", ("expected a mapping", "str"), "korea"),)
    ),
    "section-not-a-list": Case(
        replace(("\ndyads:\n  - {source: PRK, target: KOR,",
                 "\ndyads: none\nformer_dyads:\n  - {source: PRK, target: KOR,")),
        (Expect("dyads", ("expected a list",), "dyads: none"),
         Expect("former_dyads", ("unknown field",), "former_dyads:")),
    ),
    "own-actions-not-a-list": Case(
        replace((OWN_ACTIONS_AT, "\nactions: {extra: 1}\noverrides:\n")),
        (Expect("actions", ("expected a list",), "actions: {extra: 1}"),),
    ),
    # 10. several problems in one file: all of them are listed
    "several-value-problems": Case(
        replace(("capabilities: {military: 0.6, nuclear: 0.3,",
                 "capabilities: {military: 0.6, nuclear: many,"),
                ("  probability: 0.02", "  probability: -0.1"),
                ("  risk_attitude: 0.3\n", "  risk_attitude: 3\n")),
        (Expect("actors[2].capabilities.nuclear", ("expected a number",), "nuclear: many"),
         Expect("actors[3].risk_attitude", ("≤ 1", "3"), "risk_attitude: 3"),
         Expect("shocks.probability", ("≥ 0",), "probability: -0.1")),
    ),
    "several-reference-problems": Case(
        replace(("- {source: RUS, target: JPN, relation: -4}",
                 "- {source: RUS, target: XYZ, relation: -4}"),
                ("{id: limited_clash,", "{id: war_on_peninsula,"),
                ("action: nuclear_use}", "action: no_such_action}")),
        (Expect("dyads[*].target", ("unknown actor code", "'XYZ'"), "target: XYZ"),
         Expect("outcomes[1].id", ("duplicate id",), "{id: war_on_peninsula, label: Limited"),
         Expect("outcomes[*].action", ("unknown action", "'no_such_action'"),
                "action: no_such_action}")),
    ),
    # 11. dangling references
    "unknown-outcome-action": Case(
        replace(("action: nuclear_use}", "action: no_such_action}")),
        (Expect("outcomes[*].action", ("unknown action", "'no_such_action'"),
                "action: no_such_action}"),),
    ),
    "event-unlocks-unknown-action": Case(
        replace(("{action: summit, source: RUS", "{action: no_such_action, source: RUS")),
        (Expect("events[0].unlocks[0].action", ("unknown action", "'no_such_action'"),
                "{action: no_such_action"),),
    ),
    "event-unlocks-unknown-actor": Case(
        replace(("{action: summit, source: RUS", "{action: summit, source: XYZ")),
        (Expect("events[0].unlocks[0].source", ("unknown actor code", "'XYZ'"),
                "{action: summit, source: XYZ"),),
    ),
    "claim-switches-off-missing-dyad": Case(
        replace(("when_off: {actions.arms_for_technology.enabled: false}",
                 "when_off: {dyads.AAA>BBB.commitment: 0.0}")),
        (Expect("claims[3].when_off", ("S4", "dyads.AAA>BBB.commitment", "'AAA>BBB'"),
                "when_off: {dyads.AAA>BBB"),),
    ),
    "claim-switches-off-unknown-field": Case(
        replace(("when_off: {actors.USA.objectives.war_aversion: 0.8}",
                 "when_off: {actors.USA.objectives.no_such_weight: 0.8}")),
        (Expect("claims[7].when_off", ("S8", "objectives.no_such_weight", "unknown field"),
                "when_off: {actors.USA.objectives.no_such_weight"),),
    ),
    "claim-with-two-bad-paths": Case(
        replace(("when_off: {actions.arms_for_technology.enabled: false}",
                 "when_off: {dyads.AAA>BBB.commitment: 0.0, actors.ZZZ.risk_attitude: 0.1}")),
        (Expect("claims[3].when_off", ("S4", "'AAA>BBB'"), "when_off: {dyads.AAA>BBB"),
         Expect("claims[3].when_off", ("S4", "'ZZZ'"), "when_off: {dyads.AAA>BBB")),
    ),
    "file-override-unknown-action": Case(
        replace(("  actions.nuclear_test.preconditions.targets: [USA]",
                 "  actions.no_such_test.preconditions.targets: [USA]")),
        (Expect("overrides.actions.no_such_test.preconditions.targets", ("'no_such_test'",),
                "actions.no_such_test"),),
    ),
    "unknown-catalogue": Case(
        replace(("catalogue: standard", "catalogue: no_such_catalogue")),
        (Expect("catalogue", ("unknown catalogue", "no_such_catalogue"),
                "catalogue: no_such_catalogue"),),
    ),
}


def _pattern(field: str) -> re.Pattern[str]:
    return re.compile(re.escape(field).replace(re.escape("[*]"), r"\[\d+\]"))


def _line_of(text: str, anchor: str) -> int:
    count = text.count(anchor)
    assert count == 1, f"anchor {anchor!r} occurs {count} times in the broken file, not once"
    return text.count("\n", 0, text.index(anchor)) + 1


def _listing(problems: list[Problem]) -> str:
    return "\n".join(f"  {problem!r}" for problem in problems)


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_broken_scenario_is_refused_with_where_and_what(
    case: Case, korea_text: str, tmp_path: Path
) -> None:
    text = case.make(korea_text, tmp_path)
    path = tmp_path / FILE_NAME
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    problems = caught.value.problems
    assert problems, "ScenarioError without problems"

    for expect in case.expected:
        line = None
        says = expect.says
        if expect.anchor is not None:
            anchor_line = _line_of(text, expect.anchor)
            line = anchor_line + expect.line_offset
            says = tuple(part.replace("{anchor_line}", str(anchor_line)) for part in says)
        wanted = _pattern(expect.field)
        same_field = [p for p in problems if wanted.fullmatch(p.field)]
        assert same_field, (
            f"no problem on field {expect.field!r}; reported:\n{_listing(problems)}"
        )
        hits = [
            p for p in same_field
            if p.file == FILE_NAME and p.line == line and all(part in p.message for part in says)
        ]
        assert hits, (
            f"expected {FILE_NAME}:{line} {expect.field}: message with {says}; "
            f"reported on that field:\n{_listing(same_field)}"
        )
        printed = str(hits[0])  # "korea.yaml:41 actors[2].capabilities.nuclear: expected ..."
        where = FILE_NAME if line is None else f"{FILE_NAME}:{line}"
        assert printed.startswith(f"{where} {hits[0].field}: " if hits[0].field else f"{where}: ")
    assert len(set(problems)) == len(problems), f"problems repeated:\n{_listing(problems)}"
    if not any(expect.field.startswith("claims") for expect in case.expected):
        # a problem of the scenario itself is not blamed on every claim as well
        blamed = [p for p in problems if p.field.startswith("claims[")]
        assert not blamed, f"problems blamed on claims:\n{_listing(blamed)}"
    # the exception's text lists every problem
    assert str(caught.value).splitlines() == [str(p) for p in problems]


def test_several_problems_are_reported_at_once(korea_text: str, tmp_path: Path) -> None:
    text = replace(("capabilities: {military: 0.6, nuclear: 0.3,",
                    "capabilities: {military: 0.6, nuclear: many,"),
                   ("  probability: 0.02", "  probability: -0.1"))(korea_text, tmp_path)
    path = tmp_path / FILE_NAME
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    fields = {p.field for p in caught.value.problems}
    assert {"actors[2].capabilities.nuclear", "shocks.probability"} <= fields


# --------------------------------------------------------------------------- refused unread


def test_huge_file_is_refused_by_size_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.yaml"
    line = b"# " + b"x" * 1021 + b"\n"  # 1 KiB
    with path.open("wb") as handle:
        handle.write(line * (50 * 1024))  # 50 MiB
    assert path.stat().st_size == 50 * 1024 * 1024

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file over the size limit was parsed")

    monkeypatch.setattr(loading, "_parse_yaml", no_parsing)
    monkeypatch.setattr(loading.Path, "read_text", no_parsing)  # not even read: size first
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)

    (problem,) = caught.value.problems
    assert problem.file == "huge.yaml"
    assert problem.line is None
    assert "MB" in problem.message and "must be under" in problem.message


@pytest.mark.parametrize(
    "where", ["whole-document", "inside-korea", "nested-value"]
)
def test_python_object_tag_is_refused_and_nothing_runs(
    where: str, korea_text: str, tmp_path: Path
) -> None:
    pwned = tmp_path / "pwned"
    tag = f'!!python/object/apply:os.system ["touch {pwned}"]'
    if where == "whole-document":
        text = f"{tag}\n"
        anchor = tag
    elif where == "inside-korea":
        text = replace(("name: korea-2024\n", f"name: {tag}\n"))(korea_text, tmp_path)
        anchor = f"name: {tag}"
    else:
        text = replace(("  magnitude: 1.5", f"  magnitude: {tag}"))(korea_text, tmp_path)
        anchor = f"magnitude: {tag}"
    path = tmp_path / FILE_NAME
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)

    assert not pwned.exists(), "a YAML tag executed a command"
    (problem,) = caught.value.problems
    assert problem.file == FILE_NAME
    assert problem.line == _line_of(text, anchor)
    assert "python/object/apply" in problem.message


def test_missing_file_and_directory_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "absent.yaml")
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    with pytest.raises(ScenarioError, match="not a file"):
        load_scenario(folder)


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Corée\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(path)


def test_own_actions_not_iterable_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    # a scenario with a catalogue whose own ``actions`` is a number
    path = tmp_path / FILE_NAME
    path.write_text("name: tiny\ntitle: Tiny\nstart: 2024-01\ncatalogue: standard\nactions: 5\n",
                    encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    hits = [p for p in caught.value.problems if p.field == "actions"]
    assert hits and hits[0].line == 5 and "expected a list" in hits[0].message


# --------------------------------------------------------------------------- overrides


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2024")


@pytest.mark.parametrize(
    ("path", "value", "says"),
    [
        ("actors.CHN.objectives.no_such_weight", 1.0,
         ("objectives.no_such_weight", "unknown field")),
        ("actors.XYZ.objectives.war_aversion", 1.0,
         ("actors.XYZ.objectives.war_aversion", "'XYZ'")),
        ("dyads.AAA>BBB.commitment", 0.1, ("dyads.AAA>BBB.commitment", "'AAA>BBB'")),
        ("actions.no_such_action.enabled", False, ("actions.no_such_action.enabled",
                                                   "'no_such_action'")),
        ("events.no_such_event.happens", False, ("events.no_such_event.happens",
                                                 "'no_such_event'")),
        ("actors.CHN.objectives.war_aversion", -1.0, ("objectives.war_aversion", "≥ 0")),
        ("actors.CHN.name.first", "x", ("actors.CHN.name.first", "not a section")),
        ("dyads.PRK>KOR.target", "XYZ", ("dyads[0].target", "unknown actor code")),
    ],
    ids=["unknown-field", "unknown-actor", "unknown-dyad", "unknown-action", "unknown-event",
         "out-of-range", "through-a-value", "dangling-reference"],
)
def test_bad_override_is_refused_naming_the_path(korea, path, value, says) -> None:
    with pytest.raises(ScenarioError) as caught:
        korea.with_overrides({path: value})
    messages = [p.message for p in caught.value.problems]
    assert any(all(part in message for part in says) for message in messages), messages
    assert all(p.file == "korea-2024.yaml" and p.field == "override"
               for p in caught.value.problems)


def test_good_override_applies_and_leaves_the_original_alone(korea) -> None:
    changed = korea.with_overrides({"actors.CHN.objectives.war_aversion": 1.0,
                                    "dyads.CHN>PRK.commitment": 0.0,
                                    "actions.summit.enabled": False})
    chn = changed.scenario.actors[changed.scenario.actor_codes.index("CHN")]
    assert chn.objectives.war_aversion == 1.0
    assert korea.scenario.actors[2].objectives.war_aversion == 3.0
    summit = changed.scenario.actions[changed.scenario.action_ids.index("summit")]
    assert summit.enabled is False
    assert changed.sha256 != korea.sha256


# --------------------------------------------------------------------------- the flagship


def test_korea_loads_with_its_actors_and_claims(korea) -> None:
    assert korea.scenario.actor_codes == ["PRK", "KOR", "CHN", "RUS", "USA", "JPN"]
    assert [claim.id for claim in korea.scenario.claims] == [f"S{i}" for i in range(1, 9)]


@pytest.mark.shared
def test_every_claim_quote_is_in_the_seed(korea, seed_path: Path) -> None:
    seed = normalise_quote(seed_path.read_text(encoding="utf-8"))
    missing = [claim.id for claim in korea.scenario.claims
               if normalise_quote(claim.source) not in seed]
    assert not missing, f"claims whose source quote is not verbatim in {seed_path}: {missing}"


def _goldstein_csv(path: Traversable) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}  # codes stay strings


def test_goldstein_values_come_from_the_shipped_table(korea) -> None:
    """The compiled Goldstein values are the package's table (itself the shared one, below)."""
    table = _goldstein_csv(files("peninsula").joinpath("data", "cameo_goldstein.csv"))
    assert table["010"]["code"] == "010" and table["10"]["code"] == "10"  # not numbers
    column = "goldstein" if korea.scenario.goldstein_table == "gdelt" else "goldstein_icews"
    compiled = compile_scenario(korea.scenario)
    assert len(compiled.goldstein) == len(korea.scenario.actions)
    for action, value in zip(korea.scenario.actions, compiled.goldstein, strict=True):
        if action.cameo is None:
            assert action.id == "do_nothing" and value == 0.0
            continue
        assert isinstance(action.cameo, str)
        assert action.cameo in table, f"{action.id}: CAMEO {action.cameo!r} not in the table"
        assert value == float(table[action.cameo][column]), (
            f"{action.id} (CAMEO {action.cameo}): {value} != {table[action.cameo][column]}"
        )


@pytest.mark.shared
def test_shipped_goldstein_table_is_the_shared_one(shared_goldstein_path: Path) -> None:
    shipped = files("peninsula").joinpath("data", "cameo_goldstein.csv").read_bytes()
    assert shipped == shared_goldstein_path.read_bytes()


def test_an_alias_bomb_is_refused_before_it_is_expanded(tmp_path, monkeypatch):
    import yaml

    from peninsula.scenario import loading
    from peninsula.scenario.loading import ScenarioError, load_scenario

    def no_expansion(*args: object, **kwargs: object) -> None:
        raise AssertionError("an alias bomb was expanded")

    monkeypatch.setattr(loading.yaml, "safe_load", no_expansion)
    monkeypatch.setattr(loading.yaml, "compose", no_expansion)
    assert loading.yaml is yaml

    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    with pytest.raises(ScenarioError, match="aliases"):
        load_scenario(bomb)
