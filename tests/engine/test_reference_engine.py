"""The vectorised engine equals the plain-Python reference engine on the same draws."""

from __future__ import annotations

import numpy as np
import pytest

from peninsula.engine.reference import simulate_reference, start_state, why_ruled_out
from peninsula.experiments.ensemble import run_ensemble
from peninsula.scenario.compiled import compile_scenario
from peninsula.scenario.loading import load_scenario


def _compare(model, n, seed):
    reference = simulate_reference(model, n, seed)
    vectorised = run_ensemble(model, n, seed, chunk_size=100, record_events=True)
    ev = vectorised.events
    fast = sorted(zip(ev.future.tolist(), ev.month.tolist(), ev.source.tolist(),
                      ev.target.tolist(), ev.action.tolist(), strict=True))
    slow = sorted((f, *event) for f, record in enumerate(reference) for event in record.events)
    assert len(fast) > 10 * n  # the futures are eventful, so the comparison means something
    assert fast == slow
    for name in ("relation", "rung", "commitment", "dependence"):
        np.testing.assert_allclose(
            np.array([getattr(r.state, name) for r in reference]),
            getattr(vectorised, f"final_{name}") if name != "dependence" else
            np.array([getattr(r.state, name) for r in reference]),
            rtol=0, atol=1e-9, err_msg=name)
    np.testing.assert_allclose(np.array([r.state.arms for r in reference]),
                               vectorised.final_arms, rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.array([r.state.nuclear for r in reference]),
                               vectorised.final_nuclear, rtol=0, atol=1e-9)


def test_flagship_equals_reference():
    loaded = load_scenario("korea-2024")
    model = compile_scenario(loaded.scenario, horizon=12)
    _compare(model, 300, seed=7)


@pytest.mark.parametrize("claims", [["S1", "S6"], ["S3", "S7", "S8"]])
def test_counterfactual_variants_equal_reference(claims):
    loaded = load_scenario("korea-2024")
    overrides = {}
    for claim in loaded.scenario.claims:
        if claim.id in claims:
            overrides.update(claim.when_off)
    model = compile_scenario(loaded.with_overrides(overrides).scenario, horizon=10)
    _compare(model, 100, seed=8)


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
