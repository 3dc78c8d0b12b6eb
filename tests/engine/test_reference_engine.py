"""The vectorised engine equals the plain-Python reference engine on the same draws."""

from __future__ import annotations

import numpy as np
import pytest

from peninsula.engine import vectorised
from peninsula.engine.compiled import compile_scenario
from peninsula.engine.reference import simulate_reference, start_state, why_ruled_out
from peninsula.experiments.ensemble import run_ensemble
from peninsula.scenario.loading import load_scenario


def _run_vectorised(model, n, seed):
    """The vectorised ensemble and its final dependence, which its result does not carry.

    Each chunk's state is kept as the engine creates it; the engine updates it in place, so
    after the run it holds the chunk's final state.
    """
    states = []
    create = vectorised.initial_state

    def kept_state(*args, **kwargs):
        states.append(create(*args, **kwargs))
        return states[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(vectorised, "initial_state", kept_state)
        result = run_ensemble(model, n, seed, chunk_size=100, record_events=True)
    assert len(states) == -(-n // 100)  # one state per chunk, in future order
    final_relation = np.concatenate([s.relation for s in states])
    assert np.array_equal(final_relation, result.final_relation)  # they are the final states
    return result, np.concatenate([s.dependence for s in states])


def _compare(model, n, seed):
    reference = simulate_reference(model, n, seed)
    vectorised_result, final_dependence = _run_vectorised(model, n, seed)
    ev = vectorised_result.events
    fast = sorted(zip(ev.future.tolist(), ev.month.tolist(), ev.source.tolist(),
                      ev.target.tolist(), ev.action.tolist(), strict=True))
    slow = sorted((f, *event) for f, record in enumerate(reference) for event in record.events)
    assert len(fast) > 10 * n  # the futures are eventful, so the comparison means something
    assert fast == slow
    assert not np.allclose(final_dependence, model.dependence)  # it moved: worth comparing
    finals = {"relation": vectorised_result.final_relation,
              "rung": vectorised_result.final_rung,
              "commitment": vectorised_result.final_commitment,
              "dependence": final_dependence,
              "arms": vectorised_result.final_arms,
              "nuclear": vectorised_result.final_nuclear}
    for name, fast_values in finals.items():
        slow_values = np.array([getattr(r.state, name) for r in reference])
        assert fast_values.shape == slow_values.shape, name
        np.testing.assert_allclose(fast_values, slow_values, rtol=0, atol=1e-9, err_msg=name)


def test_flagship_equals_reference():
    """The full 24-month horizon: cooldowns, event windows and late unlocks all come into play."""
    loaded = load_scenario("korea-2024")
    model = compile_scenario(loaded.scenario)
    assert model.horizon >= 24
    _compare(model, 120, seed=7)


@pytest.mark.parametrize("claims", [["S1", "S6"], ["S3", "S7", "S8"]])
def test_counterfactual_variants_equal_reference(claims):
    loaded = load_scenario("korea-2024")
    overrides = {}
    for claim in loaded.scenario.claims:
        if claim.id in claims:
            overrides.update(claim.when_off)
    model = compile_scenario(loaded.with_overrides(overrides).scenario, horizon=24)
    _compare(model, 50, seed=8)


def test_second_scenario_equals_reference(south_asia_model):
    _compare(south_asia_model, 200, seed=9)


def test_reasons_name_the_hostile_designation(korea_model):
    state = start_state(korea_model)
    prk, kor = korea_model.actors.index("PRK"), korea_model.actors.index("KOR")
    reasons = why_ruled_out(korea_model, state, prk, kor, month=0)
    for talk in ("consult", "negotiate", "summit"):
        assert any("hostile" in r for r in reasons[talk]), reasons[talk]
    assert any("above the current" in r for r in reasons["full_scale_war"])
    rus = korea_model.actors.index("RUS")
    assert any("event" in r for r in why_ruled_out(korea_model, state, rus, prk, 0)["summit"])
    assert "summit" not in why_ruled_out(korea_model, state, rus, prk, 1)


def test_declared_moratoria_equal_reference():
    """A warmer PRK-USA relation and a cheap moratorium make Pyongyang declare it often; the
    engines agree on when it does and on the tests it then forgoes."""
    loaded = load_scenario("korea-2024").with_overrides({
        "dyads.PRK>USA.relation": 0, "actions.test_moratorium.cost": 0.0,
        "actions.test_moratorium.value.influence": 3.0,
        "actions.test_moratorium.preconditions.cooldown_months": 3,
        "actions.test_moratorium.pauses.months": 2})
    model = compile_scenario(loaded.scenario, horizon=24)
    reference = simulate_reference(model, 40, seed=5)
    k = model.actions.index("test_moratorium")
    assert sum(event[3] == k for r in reference for event in r.events) > 10
    _compare(model, 40, seed=5)


def test_moratoria_of_both_sides_equal_reference():
    """Either side may declare: each actor's own declaration pauses only its own tests."""
    loaded = load_scenario("korea-2024").with_overrides({
        "actions.test_moratorium.preconditions.sources": ["PRK", "USA"],
        "actions.test_moratorium.preconditions.targets": ["PRK", "USA"],
        "actions.icbm_test.preconditions.sources": ["PRK", "USA"],
        "actions.icbm_test.preconditions.targets": ["PRK", "USA"],
        "actions.test_moratorium.preconditions.min_relation": -10,
        "actions.test_moratorium.cost": 0.0, "actions.test_moratorium.value.influence": 3.0})
    model = compile_scenario(loaded.scenario, horizon=24)
    _compare(model, 40, seed=6)
