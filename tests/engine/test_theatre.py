"""An outside war's tempo: the share of forces it ties down wanders within its bounds, reverts to
its mean, and falls when partners send forces to it."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from peninsula.engine.compiled import compile_scenario
from peninsula.engine.draws import ChunkDraws
from peninsula.engine.vectorised import apply_choices, initial_state, theatre_tempo
from peninsula.experiments.ensemble import run_ensemble
from peninsula.scenario.loading import load_scenario

SCENARIO = """
name: theatre
title: theatre
start: 2024-01
horizon_months: 12
actors:
  - {code: AAA, name: A, capabilities: {military: 0.5, committed_elsewhere: 0.2},
     theatre: {name: a war, mean: 0.6, reversion: 0.2, volatility: 0.05, low: 0.1, high: 0.7}}
  - {code: BBB, name: B, capabilities: {military: 0.5}, rationality: 20.0,
     objectives: {influence: 1.0}}
dyads:
  - {source: AAA, target: BBB, relation: 8, commitment: 0.5}
shocks: {enabled: false}
actions:
  - {id: do_nothing, label: nothing, cameo: null, rung: 0}
  - {id: deploy_forces, label: send forces, cameo: "074", rung: 0, value: {influence: %(value)s},
     preconditions: {sources: [BBB], targets: [AAA]}, effects: {relieve_target: 0.05}}
outcomes:
  - {id: sent, label: forces sent, kind: action, action: deploy_forces}
"""


def model(tmp_path, value: float):
    path = tmp_path / "theatre.yaml"
    path.write_text(textwrap.dedent(SCENARIO) % {"value": value}, encoding="utf-8")
    return compile_scenario(load_scenario(path).scenario)


def test_the_share_reverts_to_its_mean_within_its_bounds(tmp_path):
    m = model(tmp_path, value=0.0)
    state = initial_state(m, 2_000)
    draws = ChunkDraws(1, m.n_actors, 2_000)
    path = []
    for _ in range(60):
        theatre_tempo(m, state, draws.next_month())
        path.append(state.elsewhere[:, 0].copy())
    path = np.array(path)
    assert path.min() >= 0.1 and path.max() <= 0.7
    assert path[0].mean() == pytest.approx(0.2 + 0.2 * 0.4, abs=0.005)  # one pull from 0.2
    assert path[-1].mean() == pytest.approx(0.6, abs=0.02)  # settled near the mean
    assert path[-1].std() > 0.01  # futures differ: the tempo is drawn per future
    assert np.all(state.elsewhere[:, 1] == 0.0)  # an actor without a theatre keeps its share


def test_forces_sent_relieve_the_war(tmp_path):
    m = model(tmp_path, value=5.0)
    state = initial_state(m, 4)
    choice = np.zeros((4, 2, 2), dtype=np.int64)
    choice[:2, 1, 0] = m.actions.index("deploy_forces")  # BBB sends forces in futures 0 and 1
    apply_choices(m, state, choice, month=0)
    assert state.elsewhere[:, 0].tolist() == pytest.approx([0.15, 0.15, 0.2, 0.2])
    # and a partner that values sending them does so nearly every month
    run = run_ensemble(m, 200, seed=2)
    assert run.action_totals[1, 1, 0] > 0.9 * 200 * 12


def test_a_theatre_mean_outside_its_bounds_is_named(tmp_path):
    from peninsula.scenario.loading import ScenarioError

    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(SCENARIO).replace("low: 0.1", "low: 0.65") % {"value": 0.0},
                    encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "expected low <= mean <= high, got 0.65 <= 0.6 <= 0.7" in str(info.value.problems[0])
