"""Tiny worked scenarios that pin what the engine must do (in the spirit of adjudicator cases)."""

from __future__ import annotations

import textwrap

import numpy as np

from peninsula.engine.compiled import compile_scenario
from peninsula.experiments.ensemble import run_ensemble
from peninsula.scenario.loading import load_scenario

BASE = """
name: golden
title: golden case
start: 2024-01
horizon_months: {months}
actors:
  - {{code: AAA, name: A, capabilities: {{military: 0.5}}, rationality: {rationality}}}
  - {{code: BBB, name: B, capabilities: {{military: 0.5}}, rationality: {rationality}}}
dyads:
  - {{source: AAA, target: BBB, relation: {relation}, hostile: {hostile}}}
shocks: {{enabled: false}}
dynamics: {{affinity: 0.0}}
outcomes:
  - {{id: first, label: first action, kind: action, action: {first}}}
actions:
  - {{id: do_nothing, label: nothing, cameo: null, rung: 0}}
"""


def build(tmp_path, actions: str, *, first: str, months: int = 6, rationality: float = 20.0,
          relation: float = 0.0, hostile: str = "false", events: str = ""):
    text = (BASE.format(months=months, rationality=rationality, relation=relation,
                        hostile=hostile, first=first)
            + textwrap.indent(textwrap.dedent(actions).strip("\n"), "  ") + "\n" + events)
    path = tmp_path / "golden.yaml"
    path.write_text(text)
    return compile_scenario(load_scenario(path).scenario)


def counts(model, run, action):
    ev = run.events
    k = model.actions.index(action)
    return np.bincount(ev.month[ev.action == k], minlength=model.horizon)


def test_a_clearly_best_option_is_taken(tmp_path):
    model = build(tmp_path, """
      - {id: consult, label: talk, cameo: "040", rung: 0, value: {security: 5.0}}
    """, first="consult")
    run = run_ensemble(model, 200, seed=1, record_events=True)
    assert counts(model, run, "consult").sum() == 200 * 6 * 2  # both actors, every month


def test_low_rationality_spreads_choices(tmp_path):
    model = build(tmp_path, """
      - {id: consult, label: talk, cameo: "040", rung: 0, value: {security: 5.0}}
    """, first="consult", rationality=0.01)
    run = run_ensemble(model, 500, seed=1, record_events=True)
    share = counts(model, run, "consult").sum() / (500 * 6 * 2)
    assert 0.4 < share < 0.6


def test_a_hostile_designation_removes_talks(tmp_path):
    model = build(tmp_path, """
      - {id: consult, label: talk, cameo: "040", rung: 0, value: {security: 5.0},
         preconditions: {blocked_by_hostile_designation: true}}
    """, first="consult", hostile="true")
    run = run_ensemble(model, 200, seed=1, record_events=True)
    a = model.actors.index("AAA")
    assert not np.any((run.events.source == a) & (run.events.action == 1))
    assert np.any(run.events.source != a)  # B, not designated, still talks


def test_an_event_unlocks_an_option_in_its_month(tmp_path):
    model = build(tmp_path, """
      - {id: summit, label: summit, cameo: "042", rung: 0, value: {security: 5.0}}
    """, first="summit", events="""
events:
  - id: election
    month: 2024-04
    label: an election
    unlocks: [{action: summit, source: AAA, target: BBB}]
""")
    run = run_ensemble(model, 100, seed=2, record_events=True)
    a = model.actors.index("AAA")
    from_a = run.events.month[run.events.source == a]
    assert from_a.min() == 3 and np.all(from_a >= 3)


def test_the_ladder_keeps_war_out_of_reach_of_threats(tmp_path):
    model = build(tmp_path, """
      - {id: threaten, label: threat, cameo: "138", rung: 3, value: {security: 1.0}}
      - {id: full_scale_war, label: war, cameo: "190", rung: 8, value: {security: 50.0}}
    """, first="full_scale_war", months=12, relation=-9)
    run = run_ensemble(model, 200, seed=3, record_events=True)
    assert counts(model, run, "full_scale_war").sum() == 0
    assert counts(model, run, "threaten").sum() > 0


def test_a_prior_action_is_required(tmp_path):
    model = build(tmp_path, """
      - {id: summit, label: summit, cameo: "042", rung: 0, value: {influence: 0.1}}
      - {id: treaty, label: treaty, cameo: "057", rung: 0, value: {security: 5.0},
         preconditions: {requires_prior: [summit], once_per_pair: true}}
    """, first="treaty", months=12, rationality=1.0)
    run = run_ensemble(model, 300, seed=4, record_events=True)
    ev = run.events
    summit, treaty = model.actions.index("summit"), model.actions.index("treaty")
    first_summit = np.full(300, 99)
    np.minimum.at(first_summit, ev.future[ev.action == summit], ev.month[ev.action == summit])
    t_future, t_month = ev.future[ev.action == treaty], ev.month[ev.action == treaty]
    assert t_future.size > 0
    assert np.all(t_month > first_summit[t_future])
    # once per pair: one month per future (both sides may sign in that month: a joint act)
    assert len(np.unique(np.stack([t_future, t_month], 1), axis=0)) == len(np.unique(t_future))
