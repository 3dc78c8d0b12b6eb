"""Worked rule cases as data: ``tests/cases/NAME.yaml`` checked against both engines.

Each case is a tiny scenario (``NAME.yaml``, loaded as is by ``load_scenario``) and its
expectation (``NAME.expect.yaml``, a top-level ``case:`` block): for a (source, target, month)
and an optional state, the exact admissible action ids and, for every ruled-out id, substrings
of the reasons the reference engine's ``why_ruled_out`` gives. The vectorised engine's
``admissible`` must give the same set. See ``tests/cases/README.md``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
import yaml

from peninsula.engine.compiled import CompiledScenario, compile_scenario
from peninsula.engine.reference import FutureState, start_state, why_ruled_out
from peninsula.engine.vectorised import EnsembleState, admissible, initial_state
from peninsula.scenario.loading import load_scenario

CASES_DIR = Path(__file__).resolve().parents[1] / "cases"
EXPECT_SUFFIX = ".expect.yaml"
ENGINES = ("reference", "vectorised")
N_FUTURES = 3
STATE_KEYS = {"relation", "rung", "commitment", "nuclear", "done"}
REQUIRED_CHECK_KEYS = {"source", "target", "month", "admissible", "ruled_out"}
CHECK_KEYS = REQUIRED_CHECK_KEYS | {"state"}


def _scenario_files() -> list[Path]:
    return sorted(p for p in CASES_DIR.glob("*.yaml") if not p.name.endswith(EXPECT_SUFFIX))


def _expect_path(path: Path) -> Path:
    return path.with_name(path.stem + EXPECT_SUFFIX)


@functools.cache
def _case(path: Path) -> dict:
    data = yaml.safe_load(_expect_path(path).read_text(encoding="utf-8"))
    assert isinstance(data, dict) and set(data) == {"case"}, f"{path.stem}: expected `case:` only"
    case = data["case"]
    assert set(case) <= {"rule", "xfail", "checks"}, f"{path.stem}: unknown fields {set(case)}"
    assert case.get("rule") and case.get("checks"), f"{path.stem}: needs `rule` and `checks`"
    for check in case["checks"]:
        assert REQUIRED_CHECK_KEYS <= set(check) <= CHECK_KEYS, \
            f"{path.stem}: a check has {sorted(check)}; needs {sorted(REQUIRED_CHECK_KEYS)}"
    return case


@functools.cache
def _model(path: Path) -> CompiledScenario:
    return compile_scenario(load_scenario(path).scenario)


def _params(engine: str) -> list:
    params = []
    for path in _scenario_files():
        if not _expect_path(path).exists():  # reported by test_every_case_has_its_expectation
            continue
        reason = (_case(path).get("xfail") or {}).get(engine)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


# --------------------------------------------------------------------------- state set-up


def _actor(model: CompiledScenario, code: str) -> int:
    assert code in model.actors, f"unknown actor {code!r} in the case's state"
    return model.actors.index(code)


def _pair(model: CompiledScenario, key: str, sep: str) -> tuple[int, int]:
    """``"AAA-BBB"`` (a symmetric pair) or ``"AAA>BBB"`` (directed) as actor indices."""
    parts = key.split(sep)
    assert len(parts) == 2, f"expected SOURCE{sep}TARGET, got {key!r}"
    return _actor(model, parts[0]), _actor(model, parts[1])


def _edits(model: CompiledScenario, spec: dict | None) -> list[tuple[str, tuple, object]]:
    """The case's state block as ``(field, index, value)`` edits both engines can apply."""
    spec = spec or {}
    assert set(spec) <= STATE_KEYS, f"unknown state fields {set(spec) - STATE_KEYS}"
    edits: list[tuple[str, tuple, object]] = []
    for name in ("relation", "rung"):  # symmetric: AAA-BBB
        for key, value in (spec.get(name) or {}).items():
            i, j = _pair(model, key, "-")
            edits += [(name, (i, j), float(value)), (name, (j, i), float(value))]
    for key, value in (spec.get("commitment") or {}).items():  # directed: AAA>BBB
        edits.append(("commitment", _pair(model, key, ">"), float(value)))
    for code, value in (spec.get("nuclear") or {}).items():
        edits.append(("nuclear", (_actor(model, code),), float(value)))
    for entry in spec.get("done") or []:  # [action, AAA, BBB] (at month 0) or [..., month]
        action, first, second = entry[:3]
        month = int(entry[3]) if len(entry) > 3 else 0
        assert action in model.actions, f"unknown action {action!r} in the case's state"
        edits.append(("done", (action, _actor(model, first), _actor(model, second)), month))
    return edits


def reference_state(model: CompiledScenario, spec: dict | None) -> FutureState:
    state = start_state(model)
    for name, index, value in _edits(model, spec):
        if name == "done":
            action, i, j = index
            state.last[(action, min(i, j), max(i, j))] = int(value)
        elif name == "nuclear":
            state.nuclear[index[0]] = value
        else:
            getattr(state, name)[index[0]][index[1]] = value
    return state


def ensemble_state(model: CompiledScenario, spec: dict | None, n: int) -> EnsembleState:
    state = initial_state(model, n)
    for name, index, value in _edits(model, spec):
        if name == "done":
            action, i, j = index
            slot = model.tracked_slot[model.actions.index(action)]
            assert slot >= 0, f"{action} is not remembered (once, cooldown or a requires_prior)"
            state.last[:, slot, i, j] = state.last[:, slot, j, i] = int(value)
        else:
            getattr(state, name)[(slice(None), *index)] = value
    return state


def _where(path: Path, n: int, check: dict) -> str:
    return (f"{path.stem} check {n}: {check['source']}->{check['target']} "
            f"month {check['month']} state {check.get('state') or {}}")


# --------------------------------------------------------------------------- tests


def test_every_case_has_its_expectation():
    scenarios = {p.stem for p in _scenario_files()}
    expectations = {p.name[: -len(EXPECT_SUFFIX)] for p in CASES_DIR.glob("*" + EXPECT_SUFFIX)}
    assert len(scenarios) >= 12
    assert scenarios == expectations


@pytest.mark.parametrize("path", _params("reference"))
def test_reference_engine(path):
    model = _model(path)
    for n, check in enumerate(_case(path)["checks"]):
        where = _where(path, n, check)
        allowed, ruled_out = list(check["admissible"]), dict(check["ruled_out"] or {})
        # the case itself must split the catalogue exactly into the two lists
        assert sorted(allowed + list(ruled_out)) == sorted(model.actions), where
        state = reference_state(model, check.get("state"))
        i, j = _actor(model, check["source"]), _actor(model, check["target"])
        reasons = why_ruled_out(model, state, i, j, check["month"])
        got = [a for a in model.actions if a not in reasons]
        assert got == [a for a in model.actions if a in allowed], where
        assert set(reasons) == set(ruled_out), where
        for action, expected in ruled_out.items():
            for text in [expected] if isinstance(expected, str) else expected:
                assert any(text in reason for reason in reasons[action]), \
                    f"{where}: {action}: {text!r} not in {reasons[action]}"


@pytest.mark.parametrize("path", _params("vectorised"))
def test_vectorised_engine(path):
    model = _model(path)
    for n, check in enumerate(_case(path)["checks"]):
        where = _where(path, n, check)
        state = ensemble_state(model, check.get("state"), N_FUTURES)
        ok = admissible(model, state, check["month"])
        i, j = _actor(model, check["source"]), _actor(model, check["target"])
        expected = [a for a in model.actions if a in check["admissible"]]
        for future in range(N_FUTURES):
            got = [a for k, a in enumerate(model.actions) if ok[future, i, j, k]]
            assert got == expected, f"{where} future {future}"


@pytest.mark.parametrize("path", _params("vectorised"))
def test_engines_agree_on_every_pair(path):
    """Beyond the checked pair: both engines give the same set for every source and target."""
    model = _model(path)
    a = model.n_actors
    for n, check in enumerate(_case(path)["checks"]):
        where = _where(path, n, check)
        month = check["month"]
        reference = reference_state(model, check.get("state"))
        ok = admissible(model, ensemble_state(model, check.get("state"), N_FUTURES), month)
        slow = np.array([[[a_id not in why_ruled_out(model, reference, i, j, month)
                           for a_id in model.actions] for j in range(a)] for i in range(a)])
        for future in range(N_FUTURES):
            differ = np.argwhere(ok[future] != slow)
            assert not differ.size, f"{where} future {future}: " + ", ".join(
                f"{model.actors[i]}->{model.actors[j]} {model.actions[k]} "
                f"(reference {slow[i, j, k]}, vectorised {ok[future, i, j, k]})"
                for i, j, k in differ)
