"""The v2 decision rule, term by term, on a three-actor scenario (utilities, no random draws).

Each test changes one input and checks the direction of the one utility term it should move;
both engines compute the same utilities (tests/engine/test_reference_engine.py).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from peninsula.engine.compiled import compile_scenario
from peninsula.engine.vectorised import initial_state, utilities
from peninsula.scenario.loading import load_scenario

SCENARIO = """
name: rule
title: decision rule
start: 2024-01
horizon_months: 6
actors:
  - {code: AAA, name: A, capabilities: {military: 0.5, nuclear: 0.2},
     objectives: {security: 1.0, economy: 1.0, war_aversion: 1.0, alliance_credibility: 1.0}}
  - {code: BBB, name: B, capabilities: {military: 0.5},
     objectives: {security: 1.0, war_aversion: %(b_aversion)s}}
  - {code: CCC, name: C, capabilities: {military: 0.5}}
dyads:
  - {source: AAA, target: BBB, relation: -8}
  - {source: AAA, target: CCC, relation: 2, commitment: 0.5, dependence: %(dependence)s}
dynamics: {tone_cap: %(tone_cap)s, reply_restraint: %(restraint)s, affinity: 2.0}
shocks: {enabled: false}
outcomes:
  - {id: clash, label: clash, kind: action, action: border_clash}
actions:
  - {id: do_nothing, label: nothing, cameo: null, rung: 0}
  - {id: military_exercise, label: drill, cameo: "150", rung: 4}
  - {id: border_clash, label: clash, cameo: "193", rung: 6}
  - {id: nuclear_test, label: test, cameo: "150", rung: 5, patron_cost: 1.0}
  - {id: military_intervention, label: intervene, cameo: "190", rung: 8, defends_ally: true,
     preconditions: {ladder: false}}
"""


def model(tmp_path, *, tone_cap=10.0, restraint=0.0, b_aversion=1.0, dependence=0.0):
    text = textwrap.dedent(SCENARIO) % {"tone_cap": tone_cap, "restraint": restraint,
                                        "b_aversion": b_aversion, "dependence": dependence}
    path = tmp_path / "rule.yaml"
    path.write_text(text, encoding="utf-8")
    return compile_scenario(load_scenario(path).scenario)


def utility(m, source: str, target: str, action: str, edit=None) -> float:
    state = initial_state(m, 1)
    if edit is not None:
        edit(m, state)
    u = utilities(m, state)
    return float(u[0, m.actors.index(source), m.actors.index(target), m.actions.index(action)])


def test_the_tone_cap_removes_the_reward_for_violence(tmp_path):
    # v1 (no cap): in a hostile pair the harsher act earns more tone; with a cap of 5 the drill
    # (-7.2) and the clash (-10) say the same, so the clash's extra utility from tone vanishes
    def tone_gain(cap):
        m = model(tmp_path, tone_cap=cap)
        return (utility(m, "AAA", "BBB", "border_clash")
                - utility(m, "AAA", "BBB", "military_exercise"))
    uncapped, capped = tone_gain(10.0), tone_gain(5.0)
    # relation -8, affinity 2: the tone term is -1.6 x Goldstein / 10
    assert uncapped - capped == pytest.approx(1.6 * (10.0 - 7.2) / 10.0, rel=1e-9)


def test_a_war_averse_target_is_expected_to_reply_less(tmp_path):
    # the reply expected from BBB shrinks with BBB's war aversion once restraint is on
    def clash(aversion, restraint):
        return utility(model(tmp_path, b_aversion=aversion, restraint=restraint),
                       "AAA", "BBB", "border_clash")
    assert clash(3.0, 0.0) == pytest.approx(clash(0.5, 0.0))  # v1: the target's mind is ignored
    assert clash(3.0, 0.5) > clash(0.5, 0.5)


def test_patrons_make_an_act_they_punish_costlier(tmp_path):
    free = utility(model(tmp_path, dependence=0.0), "AAA", "BBB", "nuclear_test")
    dependent = utility(model(tmp_path, dependence=0.8), "AAA", "BBB", "nuclear_test")
    # economy weight 1 x patron cost 1 x total dependence 0.8
    assert free - dependent == pytest.approx(0.8, rel=1e-9)


def test_defending_an_ally_climbs_from_the_war_it_joins(tmp_path):
    m = model(tmp_path)
    a, b, c = (m.actors.index(x) for x in ("AAA", "BBB", "CCC"))

    def ally_at_war(_m, state):
        state.rung[:, c, b] = state.rung[:, b, c] = 8.0  # CCC, which AAA is committed to, fights

    calm = utility(m, "AAA", "BBB", "military_intervention")
    joined = utility(m, "AAA", "BBB", "military_intervention", ally_at_war)
    assert joined > calm + 1.0  # the climb from rung 0 to 8 is no longer charged
    # an act that does not defend an ally still climbs from AAA's own pair
    assert utility(m, "AAA", "BBB", "border_clash", ally_at_war) == pytest.approx(
        utility(m, "AAA", "BBB", "border_clash"), rel=1e-12)
    assert np.isfinite(joined)
