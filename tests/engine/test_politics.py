"""Elections and domestic crises: drawn per future, reproducible, and felt only when due."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from peninsula.engine.compiled import compile_scenario
from peninsula.engine.reference import simulate_reference
from peninsula.experiments.ensemble import run_ensemble
from peninsula.scenario.loading import ScenarioError, load_scenario

SCENARIO = """
name: politics
title: politics
start: 2024-01
horizon_months: 8
actors:
  - {code: AAA, name: A, capabilities: {military: 0.5}, rationality: 20.0, instability: 0.1,
     objectives: {security: 1.0, influence: 0.0}}
  - {code: BBB, name: B, capabilities: {military: 0.5}, rationality: 20.0}
dyads:
  - {source: AAA, target: BBB, relation: 3}
shocks: {enabled: false}
dynamics: {effort: 1.0}
elections:
  - id: vote
    actor: AAA
    month: 2024-05
    label: A vote in AAA
    candidates:
      - {id: hawk, label: Hawk, probability: 0.3}
      - {id: dove, label: Dove, probability: 0.7, objectives: {influence: 10.0}}
actions:
  - {id: do_nothing, label: nothing, cameo: null, rung: 0}
  - {id: consult, label: talk, cameo: "040", rung: 0, value: {influence: 0.5}}
  - {id: domestic_crisis, label: crisis, cameo: "1724", rung: 0, domestic: true}
outcomes:
  - {id: dove_wins, label: the dove wins, kind: election, election: vote, candidate: dove}
  - {id: talks, label: AAA talks, kind: action, action: consult, sources: [AAA]}
  - {id: crisis, label: a crisis in AAA, kind: action, action: domestic_crisis, sources: [AAA]}
"""


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("politics") / "politics.yaml"
    path.write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    return compile_scenario(load_scenario(path).scenario)


def test_winners_follow_their_probabilities_and_govern_from_their_month(model):
    run = run_ensemble(model, 4_000, seed=3, record_events=True)
    out = model.outcomes
    won = run.first_month[:, out.binary.index(out.ids.index("dove_wins"))]
    assert set(np.unique(won)) == {-1, 4}  # decided in 2024-05 (month 4), nowhere else
    share = (won == 4).mean()
    assert abs(share - 0.7) < 0.03  # 4,000 draws: sd of the share ~0.007
    ev = run.events
    a, talk = model.actors.index("AAA"), model.actions.index("consult")
    talks = (ev.source == a) & (ev.action == talk)
    # before the election AAA does not value talks; after it, only where the dove governs
    assert not np.any(talks & (ev.month < 4))
    doves = np.flatnonzero(won == 4)
    talkers = np.unique(ev.future[talks])
    assert set(talkers) <= set(doves) and len(talkers) > 0.9 * len(doves)


def test_domestic_crises_are_recorded_at_their_rate_and_change_nothing(model):
    run = run_ensemble(model, 4_000, seed=3, record_events=True)
    ev = run.events
    k = model.actions.index("domestic_crisis")
    crises = ev.action == k
    assert np.all(ev.source[crises] == ev.target[crises])  # inside the actor
    assert np.all(ev.source[crises] == model.actors.index("AAA"))  # only the unstable one
    rate = crises.sum() / (4_000 * model.horizon)
    assert abs(rate - 0.1) < 0.01
    out = model.outcomes
    first = run.first_month[:, out.binary.index(out.ids.index("crisis"))]
    assert abs((first >= 0).mean() - (1 - 0.9 ** model.horizon)) < 0.03
    # the same futures without instability choose exactly the same acts
    calm = compile_scenario(model.scenario.model_copy(update={"actors": [
        a.model_copy(update={"instability": 0.0}) for a in model.scenario.actors]}))
    other = run_ensemble(calm, 4_000, seed=3, record_events=True)
    keep = ~crises
    assert np.array_equal(ev.action[keep], other.events.action)
    assert np.array_equal(ev.future[keep], other.events.future)


def test_the_reference_engine_draws_the_same_winners_and_crises(model):
    reference = simulate_reference(model, 60, seed=5)
    fast = run_ensemble(model, 60, seed=5, record_events=True, chunk_size=25)
    ev = fast.events
    mine = sorted(zip(ev.future.tolist(), ev.month.tolist(), ev.source.tolist(),
                      ev.target.tolist(), ev.action.tolist(), strict=True))
    theirs = sorted((f, *e) for f, record in enumerate(reference) for e in record.events)
    assert mine == theirs
    out = model.outcomes
    won = fast.first_month[:, out.binary.index(out.ids.index("dove_wins"))] == 4
    assert won.tolist() == [r.winners == (1,) for r in reference]


def test_bad_elections_are_named(tmp_path):
    text = textwrap.dedent(SCENARIO).replace("probability: 0.7", "probability: 0.6")
    text = text.replace("month: 2024-05", "month: 2023-05")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    messages = "\n".join(str(p) for p in info.value.problems)
    assert "candidate probabilities sum to 0.9, expected 1" in messages
    assert "2023-05 is before the scenario's start 2024-01" in messages
