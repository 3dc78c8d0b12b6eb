"""Property-based tests: the readers end in a result or a clean user error, never a crash."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peninsula.forecast.criteria import Vocabulary
from peninsula.forecast.forecasting import ForecastFileError, read_forecasts
from peninsula.forecast.questions import QuestionError, load_questions

FAST = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

HEAD = "- id: q\n  question: Q?\n  closes: 2024-12-31\n  criterion: "
LEAVES = ["{kind: outcome, outcome: won}",
          "{kind: action, action: talk, sources: [AAA]}",
          "{kind: state, variable: arms, actor: BBB, op: '>=', value: 1}"]


def vocab() -> Vocabulary:
    return Vocabulary(start="2024-01", actors=["AAA", "BBB"], actions=["do_nothing", "talk"],
                      cameo=[None, "010"], outcome_columns={"won": 0})


def criteria(depth: int) -> st.SearchStrategy[str]:
    """Criterion text nested up to ``depth`` deep (deeper than the limit too)."""
    return st.recursive(
        st.sampled_from(LEAVES),
        lambda inner: st.one_of(
            inner.map(lambda c: "{kind: not, of: " + c + "}"),
            st.lists(inner, min_size=1, max_size=3).map(
                lambda cs: "{kind: all, of: [" + ", ".join(cs) + "]}"),
            st.lists(inner, min_size=1, max_size=3).map(
                lambda cs: "{kind: any, of: [" + ", ".join(cs) + "]}")),
        max_leaves=depth)


def load_or_clean_error(path):
    try:
        return load_questions(path)
    except QuestionError as exc:
        assert exc.problems and all(str(p).startswith(path.name) for p in exc.problems)
        return None


@FAST
@given(text=st.text(max_size=300))
def test_question_loader_arbitrary_text(tmp_path, text):
    path = tmp_path / "q.yaml"
    path.write_bytes(text.encode("utf-8", errors="replace"))
    load_or_clean_error(path)


@FAST
@given(data=st.binary(max_size=200))
def test_question_loader_arbitrary_bytes(tmp_path, data):
    path = tmp_path / "q.yaml"
    path.write_bytes(data)
    load_or_clean_error(path)


@settings(FAST, max_examples=25)
@given(crit=criteria(24), nots=st.integers(0, 40), extra=st.booleans())
def test_criteria_parser_any_depth(tmp_path, crit, nots, extra):
    path = tmp_path / "q.yaml"
    text = HEAD + "{kind: not, of: " * nots + crit + "}" * nots + "\n"
    path.write_text(text + ("  tag: x\n" if extra else ""), encoding="utf-8")
    qfile = load_or_clean_error(path)
    if qfile is None:
        return
    assert len(qfile.warnings) == int(extra)
    prepared, skipped = qfile.prepare(vocab())
    assert len(prepared) == 1 and not skipped


@FAST
@given(line=st.text(max_size=80))
def test_criteria_parser_arbitrary_criterion_text(tmp_path, line):
    path = tmp_path / "q.yaml"
    path.write_bytes((HEAD + line + "\n").encode("utf-8", errors="replace"))
    qfile = load_or_clean_error(path)
    if qfile is not None:
        try:
            qfile.prepare(vocab())
        except QuestionError:
            pass


@FAST
@given(depth=st.integers(0, 5000), opener=st.sampled_from(["[", "{\"a\": "]))
def test_json_forecasts_any_depth(tmp_path, depth, opener):
    path = tmp_path / "f.json"
    closer = "]" if opener == "[" else "}"
    path.write_text(opener * depth + "[]" + closer * depth, encoding="utf-8")
    try:
        read_forecasts(path)
    except ForecastFileError as exc:
        assert str(exc).startswith("f.json")


probabilities = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                          st.integers(), st.text(max_size=5), st.none())


@FAST
@given(rows=st.lists(st.tuples(st.one_of(st.text(max_size=8), st.integers()), probabilities),
                     max_size=6))
def test_json_forecasts_arbitrary_rows(tmp_path, rows):
    path = tmp_path / "f.json"
    path.write_text(json.dumps([{"id": i, "probability": p} for i, p in rows]),
                    encoding="utf-8")
    try:
        result = read_forecasts(path)
    except ForecastFileError as exc:
        assert str(exc).startswith("f.json")
        return
    assert len(result) == len(rows)
    for qid, p in rows:
        assert not isinstance(p, bool) and isinstance(p, int | float)
        assert math.isfinite(p) and 0 <= p <= 1 and result[str(qid)] == p


@FAST
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".json"]))
def test_forecasts_arbitrary_bytes(tmp_path, data, suffix):
    path = tmp_path / f"f{suffix}"
    path.write_bytes(data)
    try:
        result = read_forecasts(path)
    except ForecastFileError as exc:
        assert str(exc).startswith(path.name)
        return
    assert result and all(0 <= p <= 1 for p in result.values())


@FAST
@given(cells=st.lists(st.tuples(st.text(max_size=10), st.text(max_size=10)), max_size=5),
       bom=st.booleans())
def test_csv_forecasts_arbitrary_cells(tmp_path, cells, bom):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "probability"])
    writer.writerows(cells)
    path = tmp_path / "f.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"")
                     + buffer.getvalue().encode("utf-8", errors="replace"))
    try:
        result = read_forecasts(path)
    except ForecastFileError as exc:
        assert str(exc).startswith("f.csv")
        return
    assert all(math.isfinite(p) and 0 <= p <= 1 for p in result.values())
