"""The criterion language on small hand-built event streams (no engine)."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter

from peninsula.forecast.criteria import (
    Criterion,
    Evidence,
    FinalState,
    Vocabulary,
    action_counts,
    compare,
    outcome_by,
    resolve,
)

ADAPTER = TypeAdapter(Criterion)
# actors 0 AAA, 1 BBB, 2 CCC; actions 0 do_nothing, 1 consult (040), 2 summit (042),
# 3 missile_test (150), 4 border_clash (193)
VOCAB = Vocabulary(start="2024-02", actors=["AAA", "BBB", "CCC"],
                   actions=["do_nothing", "consult", "summit", "missile_test", "border_clash"],
                   cameo=[None, "040", "042", "150", "193"],
                   outcome_columns={"war": 0, "talks": 1, "growth": None})

# (future, month, source, target, action)
EVENTS = np.array([
    (0, 0, 0, 1, 2),   # f0: AAA summit BBB in month 0
    (0, 3, 0, 1, 3),   # f0: AAA missile BBB in month 3
    (1, 4, 0, 1, 3),   # f1: missile in month 4 (one month after a month-3 close)
    (1, 4, 1, 0, 1),   # f1: BBB consult AAA in month 4
    (2, 1, 0, 2, 3),   # f2: missile to CCC
    (2, 2, 0, 1, 3),   # f2: missile to BBB twice
    (2, 3, 0, 1, 3),
    (3, 2, 2, 1, 4),   # f3: CCC clash BBB
])
FIRST_MONTH = np.array([[-1, 0], [3, -1], [4, 2], [-1, -1]], dtype=np.int16)


def evidence(last_month: int = 5, state: FinalState | None = None) -> Evidence:
    f, m, s, t, a = EVENTS.T
    return Evidence(n_futures=4, n_actors=3, n_actions=5, last_month=last_month,
                    future=f.astype(np.int32), month=m.astype(np.int16),
                    source=s.astype(np.int8), target=t.astype(np.int8),
                    action=a.astype(np.int16), first_month=FIRST_MONTH, state=state)


def holds(spec: dict, last: int, ev: Evidence | None = None) -> list[bool]:
    compiled, problems = resolve(ADAPTER.validate_python(spec), VOCAB, last)
    assert problems == []
    return compiled.evaluate(ev or evidence()).tolist()


def problems_of(spec: dict, last: int = 3) -> list[tuple]:
    _, problems = resolve(ADAPTER.validate_python(spec), VOCAB, last)
    return [(p.loc, p.message) for p in problems]


def test_plain_array_functions():
    f, m, s, t, a = EVENTS.T
    key = (a * 3 + s) * 3 + t
    table = np.zeros((5, 3, 3), dtype=bool)
    table[3, 0, 1] = True
    assert action_counts(f, m, key, table, 0, 3, 4).tolist() == [1, 0, 2, 0]
    assert action_counts(f, m, key, table, 0, 4, 4).tolist() == [1, 1, 2, 0]
    assert action_counts(f, m, key, table, 3, 4, 4).tolist() == [1, 1, 1, 0]
    assert outcome_by(np.array([-1, 0, 3, 4]), 3).tolist() == [False, True, True, False]
    values = np.array([-1.0, 0.0, 1.0])
    assert compare(values, ">=", 0).tolist() == [False, True, True]
    assert compare(values, ">", 0).tolist() == [False, False, True]
    assert compare(values, "<=", 0).tolist() == [True, True, False]
    assert compare(values, "<", 0).tolist() == [True, False, False]


def test_action_by_id_with_sources_and_targets():
    spec = {"kind": "action", "action": "missile_test", "sources": ["AAA"], "targets": ["BBB"]}
    assert holds(spec, 5) == [True, True, True, False]
    spec_ccc = {**spec, "targets": ["CCC"]}
    assert holds(spec_ccc, 5) == [False, False, True, False]
    any_actor = {"kind": "action", "action": "missile_test"}
    assert holds(any_actor, 5) == [True, True, True, False]
    wrong_way = {**spec, "sources": ["BBB"], "targets": ["AAA"]}
    assert holds(wrong_way, 5) == [False, False, False, False]


def test_off_by_one_at_the_closing_month():
    spec = {"kind": "action", "action": "missile_test", "sources": ["AAA"], "targets": ["BBB"]}
    # f1's only missile is in month 4: it counts for a question closing in month 4, not month 3
    assert holds(spec, 3) == [True, False, True, False]
    assert holds(spec, 4) == [True, True, True, False]
    # f0's missile is in month 3: counts when closing in month 3, not month 2
    assert holds(spec, 2)[0] is False and holds(spec, 3)[0] is True
    # outcomes: f1's war first occurs in month 3, f2's in month 4
    war = {"kind": "outcome", "outcome": "war"}
    assert holds(war, 2) == [False, False, False, False]
    assert holds(war, 3) == [False, True, False, False]
    assert holds(war, 4) == [False, True, True, False]


def test_min_count_and_since():
    spec = {"kind": "action", "action": "missile_test", "sources": ["AAA"], "targets": ["BBB"],
            "min_count": 2}
    assert holds(spec, 5) == [False, False, True, False]
    assert holds(spec, 2) == [False, False, False, False]  # f2's second is in month 3
    assert holds(spec, 3) == [False, False, True, False]
    since = {"kind": "action", "action": "missile_test", "targets": ["BBB"], "since": "2024-06"}
    assert holds(since, 5) == [False, True, False, False]  # 2024-06 is month 4
    since_may = {**since, "since": "2024-05"}  # month 3: f0 and f2 had one there
    assert holds(since_may, 5) == [True, True, True, False]


def test_action_by_cameo_and_plover():
    assert holds({"kind": "action", "cameo": "042"}, 5) == [True, False, False, False]
    # a CAMEO code matches its sub-codes: 04 covers consult (040) and summit (042)
    assert holds({"kind": "action", "cameo": "04"}, 5) == [True, True, False, False]
    assert holds({"kind": "action", "cameo": ["193", "042"]}, 5) == [True, False, False, True]
    assert holds({"kind": "action", "plover": "CONSULT"}, 5) == [True, True, False, False]
    assert holds({"kind": "action", "plover": "ASSAULT"}, 5) == [False, False, False, True]
    assert holds({"kind": "action", "action": ["summit", "border_clash"]}, 5) == [
        True, False, False, True]


def test_state_thresholds_at_the_last_month():
    rel = np.zeros((4, 3, 3))
    rel[:, 0, 1] = rel[:, 1, 0] = [-5.0, -2.0, 0.0, 3.0]
    arms = np.array([[0.1, 0, 0], [0.5, 0, 0], [0.9, 0, 0], [0.5, 0, 0]])
    state = FinalState(relation=rel, commitment=np.zeros((4, 3, 3)), rung=np.zeros((4, 3, 3)),
                       arms=arms, nuclear=np.zeros((4, 3)))
    ev = evidence(last_month=5, state=state)
    spec = {"kind": "state", "variable": "relation", "dyad": ["AAA", "BBB"], "op": "<=",
            "value": -2}
    assert holds(spec, 5, ev) == [True, True, False, False]
    assert holds({**spec, "op": "<"}, 5, ev) == [True, False, False, False]
    assert holds({**spec, "op": ">"}, 5, ev) == [False, False, True, True]
    arms_spec = {"kind": "state", "variable": "arms", "actor": "AAA", "op": ">=", "value": 0.5}
    assert holds(arms_spec, 5, ev) == [False, True, True, True]
    # the state is only known at the run's last month
    compiled, _ = resolve(ADAPTER.validate_python(spec), VOCAB, 4)
    assert compiled.state_months() == {4}
    with pytest.raises(ValueError, match="ends in month 5"):
        compiled.evaluate(ev)


def test_all_any_not():
    summit = {"kind": "action", "action": "summit"}
    missile = {"kind": "action", "action": "missile_test", "targets": ["BBB"]}
    assert holds(summit, 5) == [True, False, False, False]
    assert holds(missile, 5) == [True, True, True, False]
    assert holds({"kind": "all", "of": [summit, missile]}, 5) == [True, False, False, False]
    assert holds({"kind": "any", "of": [summit, missile]}, 5) == [True, True, True, False]
    assert holds({"kind": "not", "of": missile}, 5) == [False, False, False, True]
    talks = {"kind": "outcome", "outcome": "talks"}
    nested = {"kind": "all", "of": [{"kind": "not", "of": summit},
                                    {"kind": "any", "of": [missile, talks]}]}
    assert holds(nested, 3) == [False, False, True, False]
    assert holds(nested, 4) == [False, True, True, False]


def test_closing_after_the_run_is_an_error():
    compiled, _ = resolve(ADAPTER.validate_python({"kind": "action", "action": "summit"}),
                          VOCAB, 6)
    with pytest.raises(ValueError, match="simulate more months"):
        compiled.evaluate(evidence(last_month=5))


def test_unknown_names_are_reported_with_their_field():
    assert problems_of({"kind": "action", "action": "invade", "sources": ["AAA", "ZZZ"]}) == [
        (("action",), "unknown action 'invade'; expected one of consult, summit, missile_test, "
                      "border_clash"),
        (("sources", 1), "unknown actor 'ZZZ'; expected one of AAA, BBB, CCC"),
    ]
    assert problems_of({"kind": "action", "action": ["summit", "do_nothing"]})[0][0] == (
        "action", 1)
    assert "CAMEO code '204'" in problems_of({"kind": "action", "cameo": "204"})[0][1]
    assert "unknown PLOVER type 'PARTY'" in problems_of({"kind": "action", "plover": "PARTY"})[0][1]
    assert "no action of the scenario has PLOVER type 'AID'" in problems_of(
        {"kind": "action", "plover": "AID"})[0][1]
    assert problems_of({"kind": "outcome", "outcome": "peace"})[0] == (
        ("outcome",), "unknown outcome 'peace'; expected one of war, talks")
    assert "is a number" in problems_of({"kind": "outcome", "outcome": "growth"})[0][1]
    nested = {"kind": "any", "of": [{"kind": "outcome", "outcome": "war"},
                                    {"kind": "not", "of": {"kind": "state", "variable": "arms",
                                                           "actor": "XYZ", "op": ">",
                                                           "value": 1}}]}
    assert problems_of(nested)[0][0] == ("of", 1, "of", "actor")
    assert problems_of({"kind": "state", "variable": "rung", "dyad": ["AAA", "AAA"], "op": ">",
                        "value": 1})[0][1] == "a dyad needs two different actors"
    late = {"kind": "action", "action": "summit", "since": "2025-01"}
    assert "'since'" in problems_of(late)[0][1]


def test_vectorised_over_many_futures():
    rng = np.random.default_rng(0)
    n, events = 50_000, 400_000
    future = np.sort(rng.integers(0, n, events)).astype(np.int32)
    month = rng.integers(0, 24, events).astype(np.int16)
    source = rng.integers(0, 3, events).astype(np.int8)
    target = ((source + rng.integers(1, 3, events)) % 3).astype(np.int8)
    action = rng.integers(1, 5, events).astype(np.int16)
    ev = Evidence(n_futures=n, n_actors=3, n_actions=5, last_month=23, future=future,
                  month=month, source=source, target=target, action=action)
    spec = {"kind": "action", "action": "summit", "sources": ["AAA"], "min_count": 2}
    compiled, _ = resolve(ADAPTER.validate_python(spec), VOCAB, 11)
    got = compiled.evaluate(ev)
    chosen = (action == 2) & (source == 0) & (month <= 11)
    expected = np.bincount(future[chosen], minlength=n) >= 2
    assert np.array_equal(got, expected)


ATTRS_VOCAB = Vocabulary(
    start="2024-02", actors=["AAA", "BBB", "CCC"],
    actions=["do_nothing", "consult", "summit", "missile_test", "border_clash"],
    cameo=[None, "040", "042", "150", "193"],
    outcome_columns={"war": 0, "talks": 1, "growth": None},
    attributes=[{}, {"level": "ministers"}, {"level": "leaders", "venue": "target_capital"},
                {"class": "intercontinental"}, {}])


def test_attributes_select_actions_alone_or_with_a_name():
    def attr_holds(spec: dict) -> list[bool]:
        compiled, problems = resolve(ADAPTER.validate_python(spec), ATTRS_VOCAB, 5)
        assert problems == []
        return compiled.evaluate(evidence()).tolist()

    # by class: the missile tests of f0, f1, f2
    assert attr_holds({"kind": "action", "attributes": {"class": "intercontinental"}}) == [
        True, True, True, False]
    # leaders at any listed venue: only f0's summit; ministers: f1's consultation
    assert attr_holds({"kind": "action", "attributes": {
        "level": ["leaders", "ministers"], "venue": ["target_capital"]}}) == [
        True, False, False, False]
    assert attr_holds({"kind": "action", "attributes": {"level": "ministers"}}) == [
        False, True, False, False]
    # a name narrowed by attributes: consult is not at leaders' level, so nothing matches
    assert attr_holds({"kind": "action", "action": "consult",
                       "attributes": {"level": "leaders"}}) == [False] * 4


def test_unknown_attributes_are_named():
    spec = {"kind": "action", "attributes": {"colour": "red", "level": "emperor"}}
    _, found = resolve(ADAPTER.validate_python(spec), ATTRS_VOCAB, 3)
    messages = [p.message for p in found]
    assert any("no action of the scenario has attribute 'colour'" in m for m in messages)
    assert any("no action has level 'emperor'; expected one of leaders, ministers" in m
               for m in messages)
    with pytest.raises(ValueError, match="select it by 'attributes'"):
        ADAPTER.validate_python({"kind": "action"})


def test_a_domestic_action_counts_inside_its_source():
    vocab = Vocabulary(start="2024-02", actors=["AAA", "BBB", "CCC"],
                       actions=["do_nothing", "consult", "crisis"], cameo=[None, "040", "1724"],
                       outcome_columns={}, domestic=[False, False, True])
    f = np.array([0, 1, 2], dtype=np.int32)
    ev = Evidence(n_futures=3, n_actors=3, n_actions=3, last_month=5, future=f,
                  month=np.zeros(3, dtype=np.int16), source=np.array([1, 0, 0], dtype=np.int8),
                  target=np.array([1, 0, 1], dtype=np.int8),
                  action=np.array([2, 2, 1], dtype=np.int16),
                  first_month=np.zeros((3, 0), dtype=np.int16))
    compiled, problems = resolve(ADAPTER.validate_python(
        {"kind": "action", "action": "crisis", "sources": ["BBB"]}), vocab, 5)
    assert problems == []
    assert compiled.evaluate(ev).tolist() == [True, False, False]  # BBB's own crisis only
    anyone, _ = resolve(ADAPTER.validate_python({"kind": "action", "action": "crisis"}), vocab, 5)
    assert anyone.evaluate(ev).tolist() == [True, True, False]
