"""No number in a scenario can make the engine produce NaN or infinity.

Every number a scenario states must be finite and within its field's range; whatever passes
must run to finite results. The property: for any float (NaN and infinities included) written
into the numeric fields of ``south-asia-2019``, loading raises :class:`ScenarioError` or the
engine runs a few futures and every output array is finite.
"""

from __future__ import annotations

import math
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peninsula.engine.compiled import compile_scenario
from peninsula.engine.draws import ChunkDraws
from peninsula.engine.vectorised import simulate_chunk
from peninsula.scenario.loading import ScenarioError, _builtin_path, load_scenario

BASE = _builtin_path("scenarios", "south-asia-2019").read_text(encoding="utf-8")

# field -> (text in the shipped file, replacement with {x} for the number)
FIELDS: dict[str, tuple[str, str]] = {
    "military": ("capabilities: {military: 0.45,", "capabilities: {military: {x},"),
    "nuclear": ("capabilities: {military: 0.2, nuclear: 0.2,",
                "capabilities: {military: 0.2, nuclear: {x},"),
    "arms_reactivity": ("    arms_reactivity: 0.3\n", "    arms_reactivity: {x}\n"),
    "arms_grievance": ("    arms_reactivity: 0.5\n",
                       "    arms_reactivity: 0.5\n    arms_grievance: {x}\n"),
    "rationality": ("    risk_attitude: 0.1\n    rationality: 3.0\n",
                    "    risk_attitude: 0.1\n    rationality: {x}\n"),
    "war_aversion": ("war_aversion: 3.0}", "war_aversion: {x}}"),
    "relation": ("relation: -6,", "relation: {x},"),
    "arms_rate": ("  arms_rate: 0.01", "  arms_rate: {x}"),
    "hostility_bias": ("  affinity: 2.0", "  hostility_bias: {x}\n  affinity: 2.0"),
    "affinity": ("  affinity: 2.0", "  affinity: {x}"),
    "deterrence_weight": ("  deterrence_weight: 5.0", "  deterrence_weight: {x}"),
}


def yaml_number(x: float) -> str:
    if math.isnan(x):
        return ".nan"
    if math.isinf(x):
        return ".inf" if x > 0 else "-.inf"
    return repr(x)


def scenario_text(values: dict[str, float], horizon: int = 3) -> str:
    text = BASE.replace("horizon_months: 12", f"horizon_months: {horizon}")
    # dynamics fields that share an anchor are applied one after the other
    for name, x in values.items():
        old, new = FIELDS[name]
        assert text.count(old) == 1, name
        text = text.replace(old, new.replace("{x}", yaml_number(x)))
    return text


def run_is_finite(path: Path, n_futures: int = 20) -> None:
    loaded = load_scenario(path)
    model = compile_scenario(loaded.scenario)
    result = simulate_chunk(model, ChunkDraws(7, model.n_actors, n_futures))
    for item in fields(result):
        value = getattr(result, item.name)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            assert np.isfinite(value).all(), item.name


@pytest.mark.parametrize(("values", "field"), [
    ({"arms_grievance": math.nan}, "actors[1].arms_grievance"),
    ({"military": math.inf}, "actors[0].capabilities.military"),
    ({"military": 1e308}, "actors[0].capabilities.military"),
    ({"arms_reactivity": 1e30}, "actors[0].arms_reactivity"),
    ({"arms_reactivity": -math.inf}, "actors[0].arms_reactivity"),
    ({"arms_rate": math.inf}, "dynamics.arms_rate"),
    ({"hostility_bias": 1e30}, "dynamics.hostility_bias"),
    ({"relation": math.nan}, "dyads[0].relation"),
    ({"rationality": 1e308}, "actors[2].rationality"),
])
def test_non_finite_or_absurd_numbers_are_refused(tmp_path, values, field):
    path = tmp_path / "bad.yaml"
    path.write_text(scenario_text(values), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert any(p.field == field and p.line is not None for p in info.value.problems), (
        info.value.problems)


def test_all_zero_militaries_of_an_arms_growth_outcome_are_refused(tmp_path):
    text = scenario_text({})
    text = text.replace("{military: 0.45,", "{military: 0,").replace(
        "{military: 0.2,", "{military: 0.0,")
    path = tmp_path / "zero.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match="arms_growth"):
        load_scenario(path)


def test_runaway_arms_race_at_the_bounds_stays_finite(tmp_path):
    """The largest reactivity and rate allowed, over two years: capped, not overflowing."""
    text = scenario_text({"arms_reactivity": 10.0, "arms_rate": 1.0, "hostility_bias": 20.0},
                         horizon=24)
    text = text.replace("    arms_reactivity: 0.5\n", "    arms_reactivity: 10\n")
    path = tmp_path / "race.yaml"
    path.write_text(text, encoding="utf-8")
    run_is_finite(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.dictionaries(
    st.sampled_from(sorted(set(FIELDS) - {"affinity", "nuclear"})),
    st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=4))
def test_any_float_is_refused_or_runs_finite(tmp_path_factory, values):
    path = tmp_path_factory.mktemp("nonfinite") / "any.yaml"
    path.write_text(scenario_text(values), encoding="utf-8")
    try:
        load_scenario(path)
    except ScenarioError:
        return
    run_is_finite(path)
