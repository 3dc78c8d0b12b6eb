"""Invariants over many futures: bounds hold and no action is taken whose preconditions fail."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peninsula.analysis.outcomes import summarise_binary
from peninsula.engine.compiled import compile_scenario
from peninsula.experiments.ensemble import run_ensemble
from peninsula.scenario.loading import load_scenario


@pytest.fixture(scope="module")
def korea_run(korea_model):
    return run_ensemble(korea_model, 4_000, seed=21, record_events=True)


def _events(model, run, action):
    ev = run.events
    mask = ev.action == model.actions.index(action)
    return ev.future[mask], ev.month[mask], ev.source[mask], ev.target[mask]


def test_states_stay_within_bounds(korea_model, korea_run):
    assert np.all(np.abs(korea_run.final_relation) <= 10.0)
    assert np.all((korea_run.final_rung >= 0) & (korea_run.final_rung <= 9))
    assert np.all((korea_run.quarter_rung >= 0) & (korea_run.quarter_rung <= 9))
    assert np.all((korea_run.final_commitment >= 0) & (korea_run.final_commitment <= 1))
    assert np.all(korea_run.final_arms >= 0) and np.all(korea_run.final_nuclear >= 0)
    out = korea_model.outcomes
    for s in summarise_binary([out.ids[r] for r in out.binary],
                              [out.labels[r] for r in out.binary], korea_run.first_month):
        assert 0.0 <= s.estimate.low <= s.estimate.value <= s.estimate.high <= 1.0


def test_every_event_passes_the_static_preconditions(korea_model, korea_run):
    ev = korea_run.events
    domestic = ev.action == korea_model.domestic_action
    assert domestic.any()  # the South's instability is recorded ...
    assert np.all(ev.source[domestic] == ev.target[domestic])  # ... inside the actor
    chosen = ~domestic
    assert np.all(korea_model.static_ok[ev.source[chosen], ev.target[chosen], ev.action[chosen]])
    assert np.all(ev.source[chosen] != ev.target[chosen])
    assert np.all(ev.action > 0)


def test_no_dprk_talks_while_the_south_is_designated_hostile(korea_model, korea_run):
    prk, kor = korea_model.actors.index("PRK"), korea_model.actors.index("KOR")
    ev = korea_run.events
    for talk in ("consult", "negotiate", "summit"):
        k = korea_model.actions.index(talk)
        assert not np.any((ev.source == prk) & (ev.target == kor) & (ev.action == k)), talk


def test_pyongyang_summit_waits_for_the_reelection(korea_model, korea_run):
    _, month, source, target = _events(korea_model, korea_run, "summit")
    rus, prk = korea_model.actors.index("RUS"), korea_model.actors.index("PRK")
    in_pyongyang = (source == rus) & (target == prk)
    assert in_pyongyang.any()
    assert month[in_pyongyang].min() >= 1  # re-election in 2024-03, the start is 2024-02


def test_cooldowns_space_repeated_acts(korea_model, korea_run):
    """A summit waits its cooldown (12 months) in a pair, whichever side visits."""
    future, month, source, target = _events(korea_model, korea_run, "summit")
    pair = np.minimum(source, target) * 10 + np.maximum(source, target)
    order = np.lexsort((month, pair, future))
    f, p, m = future[order], pair[order], month[order].astype(int)
    same = (f[1:] == f[:-1]) & (p[1:] == p[:-1])
    gaps = (m[1:] - m[:-1])[same]
    assert gaps.size > 0  # some pairs meet twice in two years: worth checking
    assert np.all((gaps == 0) | (gaps >= 12))  # 0: both sides in one month


def test_programme_cooldown_counts_any_target(korea_model, korea_run):
    """An IRBM test (cooldown 2 months, scope ``source``) toward the US or Japan waits for the
    programme's last test toward either: same-month tests toward both, then a gap of 2 or more."""
    future, month, source, target = _events(korea_model, korea_run, "irbm_test")
    assert len(np.unique(target)) == 2  # both audiences occur: the scope is exercised
    tested = np.unique(np.stack([future, month.astype(np.int64)], 1), axis=0)
    same = tested[1:, 0] == tested[:-1, 0]
    gaps = (tested[1:, 1] - tested[:-1, 1])[same]
    assert gaps.size > 0
    assert gaps.min() >= 2
    both = np.unique(np.stack([future, month.astype(np.int64), target], 1), axis=0)
    assert len(both) > len(tested)  # some months test toward both (one launch, two audiences)


def test_once_per_pair_actions_happen_once(korea_model, korea_run):
    """Once per pair: in one month only, from each side at most once (a joint act is recorded
    from both sides, as event data records joint events)."""
    for action in ("defence_treaty",):
        future, month, source, target = _events(korea_model, korea_run, action)
        pairs = np.stack([future, np.minimum(source, target), np.maximum(source, target)], 1)
        directed = np.stack([future, source, target], 1)
        assert len(np.unique(directed, axis=0)) == len(directed), action
        with_month = np.concatenate([pairs, month[:, None].astype(pairs.dtype)], axis=1)
        assert len(np.unique(with_month, axis=0)) == len(np.unique(pairs, axis=0)), action


def test_nuclear_tests_only_by_the_dprk(korea_model, korea_run):
    _, _, source, target = _events(korea_model, korea_run, "nuclear_test")
    assert source.size > 0
    assert set(source.tolist()) == {korea_model.actors.index("PRK")}
    assert set(target.tolist()) == {korea_model.actors.index("USA")}


def test_war_and_nuclear_use_climb_the_ladder(korea_model, korea_run):
    """War needs the pair at a clash rung (6) before; nuclear use needs it at war (8) before.

    Only actions raise a rung and it then decays by ``rung_decay`` a month, so some earlier act
    in the pair, of rung ``r`` at month ``m``, must satisfy ``r - decay * (t - m - 1) >= needed``.
    """
    ev = korea_run.events
    decay = korea_model.rung_decay
    pair = np.minimum(ev.source, ev.target) * 10 + np.maximum(ev.source, ev.target)
    rung = korea_model.rung[ev.action]
    by_pair: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for f, p, m, r in zip(ev.future.tolist(), pair.tolist(), ev.month.tolist(), rung.tolist(),
                          strict=True):
        by_pair.setdefault((f, p), []).append((m, r))
    checked = 0
    for action, needed in (("full_scale_war", 6), ("nuclear_use", 8)):
        k = korea_model.actions.index(action)
        for f, p, t in zip(ev.future[ev.action == k].tolist(), pair[ev.action == k].tolist(),
                           ev.month[ev.action == k].tolist(), strict=True):
            history = by_pair[(f, p)]
            assert any(m < t and r - decay * (t - m - 1) >= needed for m, r in history), action
            checked += 1
    assert checked > 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    affinity=st.floats(0.0, 4.0),
    reciprocity=st.floats(0.0, 3.0),
    rationality=st.floats(0.1, 8.0),
    relation=st.floats(-10.0, 10.0),
    shock=st.floats(0.0, 1.0),
    magnitude=st.floats(0.0, 10.0),
)
def test_bounds_hold_for_any_parameters(affinity, reciprocity, rationality, relation, shock,
                                         magnitude):
    loaded = load_scenario("south-asia-2019").with_overrides({
        "dynamics.affinity": affinity, "dynamics.reciprocity": reciprocity,
        "actors.IND.rationality": rationality, "dyads.IND>PAK.relation": relation,
        "shocks.probability": shock, "shocks.magnitude": magnitude,
    })
    model = compile_scenario(loaded.scenario)
    run = run_ensemble(model, 100, seed=1, record_events=True)
    assert np.all(np.abs(run.final_relation) <= 10.0)
    assert np.all((run.final_rung >= 0) & (run.final_rung <= 9))
    assert np.all((run.first_month >= -1) & (run.first_month < model.horizon))
    ev = run.events
    assert np.all(model.static_ok[ev.source, ev.target, ev.action])


def test_a_declared_moratorium_pauses_nuclear_and_icbm_tests():
    """After Pyongyang declares a moratorium, no nuclear or ICBM test by it for a year."""
    loaded = load_scenario("korea-2024").with_overrides({
        "dyads.PRK>USA.relation": 0, "actions.test_moratorium.cost": 0.0,
        "actions.test_moratorium.value.influence": 3.0})
    model = compile_scenario(loaded.scenario)
    run = run_ensemble(model, 2_000, seed=4, record_events=True)
    ev = run.events
    prk = model.actors.index("PRK")
    declared = (ev.source == prk) & (ev.action == model.actions.index("test_moratorium"))
    assert declared.sum() > 100  # declared in many futures: the check means something
    first = np.full(2_000, 10**6)
    np.minimum.at(first, ev.future[declared], ev.month[declared].astype(np.int64))
    paused = [model.actions.index("nuclear_test"), model.actions.index("icbm_test")]
    tests = (ev.source == prk) & np.isin(ev.action, paused)
    gap = ev.month[tests].astype(np.int64) - first[ev.future[tests]]
    assert tests.any() and not np.any((gap >= 0) & (gap < 12))
    assert np.any(gap >= 12) or np.any(gap < 0)  # tests still happen outside the pause


def test_a_moratorium_binds_only_the_actor_that_declared_it():
    """A US declaration does not pause Pyongyang's tests: pauses and programme cooldowns read
    each actor's own last use, not the pair's (which either side may have made)."""
    loaded = load_scenario("korea-2024").with_overrides({
        "actions.test_moratorium.preconditions.sources": ["USA"],
        "actions.test_moratorium.preconditions.targets": ["PRK"],
        "actions.test_moratorium.preconditions.min_relation": -10,
        "actions.test_moratorium.cost": 0.0, "actions.test_moratorium.value.influence": 5.0})
    model = compile_scenario(loaded.scenario)
    run = run_ensemble(model, 1_000, seed=6, record_events=True)
    ev = run.events
    usa, prk = model.actors.index("USA"), model.actors.index("PRK")
    declared = (ev.source == usa) & (ev.action == model.actions.index("test_moratorium"))
    assert declared.sum() > 100
    first = np.full(1_000, 10**6)
    np.minimum.at(first, ev.future[declared], ev.month[declared].astype(np.int64))
    icbm = (ev.source == prk) & (ev.action == model.actions.index("icbm_test"))
    gap = ev.month[icbm].astype(np.int64) - first[ev.future[icbm]]
    assert np.any((gap >= 1) & (gap < 11))  # Pyongyang tests on inside Washington's pause
