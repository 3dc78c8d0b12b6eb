"""Reading questions files: the shipped file, and a clear error for each kind of mistake."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from peninsula.engine.compiled import compile_scenario
from peninsula.forecast.criteria import Vocabulary
from peninsula.forecast.questions import (
    QuestionError,
    builtin_question_files,
    load_questions,
)
from peninsula.scenario.loading import load_scenario

GOOD = """\
- id: q-one
  question: Will AAA do it?
  opens: 2024-02-15
  closes: 2024-12-31
  resolution: true
  community: 0.4
  criterion: {kind: outcome, outcome: dprk_nuclear_test}
"""


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary.from_model(compile_scenario(load_scenario("korea-2024").scenario))


def write(tmp_path, text: str, name: str = "q.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(tmp_path, text: str, vocab: Vocabulary | None = None) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(QuestionError) as info:
        qfile = load_questions(path)
        if vocab is not None:
            qfile.prepare(vocab)
    return [str(p) for p in info.value.problems]


def test_shipped_questions_load_and_resolve(vocab):
    assert "korea-2024-questions.yaml" in builtin_question_files()
    qfile = load_questions("korea-2024-questions")
    prepared, skipped = qfile.prepare(vocab)
    assert len(prepared) == len(qfile.questions) >= 10 and skipped == []
    assert all(q.resolution is not None for q in qfile.questions)


@pytest.mark.shared
def test_shipped_questions_copy_the_dev_set(shared_dir):
    dev_path = shared_dir / "data" / "questions-dev.yaml"
    if not dev_path.is_file():
        pytest.fail(f"required shared file is missing: {dev_path}", pytrace=False)
    dev = {q["id"]: q for q in yaml.safe_load(dev_path.read_text(encoding="utf-8"))}
    for q in load_questions("korea-2024-questions").questions:
        original = dev[q.id]
        assert q.question == original["question"]
        assert q.closes == original["closes"] and q.resolution == original["resolution"]


def test_good_file_and_mapping_form(tmp_path):
    qfile = load_questions(write(tmp_path, GOOD))
    q = qfile.questions[0]
    assert q.closing_month == "2024-12" and q.community == 0.4 and q.resolution is True
    mapping = "description: test\nquestions:\n" + textwrap.indent(GOOD, "  ")
    assert load_questions(write(tmp_path, mapping, "m.yaml")).questions[0].id == "q-one"


def test_missing_closes(tmp_path):
    found = problems(tmp_path, GOOD.replace("  closes: 2024-12-31\n", ""))
    assert found == ["q.yaml:1 question q-one closes: required field is missing"]


def test_bad_date(tmp_path):
    found = problems(tmp_path, GOOD.replace("closes: 2024-12-31", "closes: 2024-13-01"))
    assert found == ["q.yaml:4 question q-one closes: expected a date YYYY-MM-DD, "
                     "got '2024-13-01'"]
    found = problems(tmp_path, GOOD.replace("closes: 2024-12-31", "closes: next year"))
    assert "expected a date YYYY-MM-DD" in found[0]


def test_opens_after_closes(tmp_path):
    found = problems(tmp_path, GOOD.replace("opens: 2024-02-15", "opens: 2025-02-15"))
    assert found == ["q.yaml:1 question q-one: opens (2025-02-15) is after closes (2024-12-31)"]


def test_unknown_criterion_kind(tmp_path):
    found = problems(tmp_path, GOOD.replace("kind: outcome", "kind: event"))
    assert found == ["q.yaml:7 question q-one criterion: unknown criterion kind 'event'; "
                     "expected one of action, outcome, state, all, any, not"]
    found = problems(tmp_path, GOOD.replace("kind: outcome, ", ""))
    assert "needs a 'kind'" in found[0]


def test_nested_criterion_errors_name_the_field(tmp_path):
    text = GOOD.replace(
        "criterion: {kind: outcome, outcome: dprk_nuclear_test}",
        "criterion:\n    kind: all\n    of:\n      - {kind: outcome, outcome: x}\n"
        "      - {kind: action, action: summit, cameo: '042'}\n"
        "      - {kind: state, variable: arms, dyad: [PRK, KOR], op: '>=', value: 1}\n"
        "      - {kind: action, action: summit, min_count: 0}\n"
        "      - {kind: state, variable: rung, dyad: [PRK, KOR], op: '=', value: 1}\n")
    found = problems(tmp_path, text)
    assert found == [
        "q.yaml:11 question q-one criterion.of[1]: name the action by exactly one of "
        "'action', 'cameo' or 'plover', or select it by 'attributes' (got action, cameo)",
        "q.yaml:12 question q-one criterion.of[2]: 'arms' belongs to an actor: give "
        "'actor: ABC' and no 'dyad'",
        "q.yaml:13 question q-one criterion.of[3].min_count: expected a number ≥ 1, got 0",
        "q.yaml:14 question q-one criterion.of[4].op: expected one of '>=', '<=', '>' or '<', "
        "got \"=\"",
    ]


def test_probability_outside_unit_interval(tmp_path):
    found = problems(tmp_path, GOOD.replace("community: 0.4", "community: 1.5"))
    assert found == ["q.yaml:6 question q-one community: expected a probability in [0, 1], "
                     "got 1.5"]
    found = problems(tmp_path, GOOD.replace("community: 0.4", "community: -0.1"))
    assert found == ["q.yaml:6 question q-one community: expected a probability in [0, 1], "
                     "got -0.1"]


def test_other_mistakes(tmp_path):
    assert problems(tmp_path, GOOD.replace("resolution: true", "resolution: maybe"))[0].endswith(
        "resolution: expected true or false, got \"maybe\"")
    (tmp_path / "extra.yaml").write_text(GOOD + "  closing: 2024-12-31\n", encoding="utf-8")
    assert "ignored unknown field(s) closing" in load_questions(tmp_path / "extra.yaml").warnings[0]
    assert "duplicate id" in problems(tmp_path, GOOD + GOOD)[0]
    assert "YAML syntax error" in problems(tmp_path, GOOD + "- id: [unclosed\n")[0]
    assert "non-empty list" in problems(tmp_path, "")[0]
    assert "unknown top-level field(s) id" in problems(tmp_path, "id: q\n")[0]
    with pytest.raises(QuestionError, match="file not found"):
        load_questions(tmp_path / "missing.yaml")


def test_unknown_names_need_the_scenario(tmp_path, vocab):
    text = GOOD.replace(
        "criterion: {kind: outcome, outcome: dprk_nuclear_test}",
        "criterion:\n    kind: any\n    of:\n      - {kind: outcome, outcome: invasion}\n"
        "      - {kind: action, action: summit, sources: [PRK, XXX]}\n"
        "      - {kind: action, action: parade}\n")
    found = problems(tmp_path, text, vocab)
    assert found[0].startswith("q.yaml:10 question q-one criterion.of[0].outcome: unknown "
                               "outcome 'invasion'; expected one of war_on_peninsula")
    assert found[1].startswith("q.yaml:11 question q-one criterion.of[1].sources[1]: unknown "
                               "actor 'XXX'; expected one of PRK, KOR, CHN, RUS, USA, JPN")
    assert found[2].startswith("q.yaml:12 question q-one criterion.of[2].action: unknown action "
                               "'parade'")
    before = GOOD.replace("opens: 2024-02-15", "opens: 2023-02-15").replace(
        "closes: 2024-12-31", "closes: 2023-12-31")
    assert problems(tmp_path, before, vocab) == [
        "q.yaml:4 question q-one closes: closes (2023-12-31) before the scenario starts "
        "(2024-02)"]
