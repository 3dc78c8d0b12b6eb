"""Each claim of the seed analysis must visibly matter, in the direction the seed argues.

Every test runs korea-2024 with and without one claim on the same 6,000 futures (same seed,
same random draws) and asks that the 95% interval of the paired difference exclude zero.
"""

from __future__ import annotations

import numpy as np
import pytest

from peninsula.analysis.intervals import paired_difference
from peninsula.experiments.runs import Run, run_scenario
from peninsula.scenario.loading import load_scenario

FUTURES = 6_000
SEED = 11


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2024")


_RUNS: dict[tuple[str, ...], Run] = {}


def _without(korea, *claims: str) -> Run:
    """A run with the claims switched off; cached, as several tests share runs."""
    key = tuple(sorted(claims))
    if key not in _RUNS:
        _RUNS[key] = run_scenario(korea, futures=FUTURES, seed=SEED, claims_off=list(key))
    return _RUNS[key]


@pytest.fixture(scope="module")
def baseline(korea) -> Run:
    return _without(korea)


def requests(run: Run, source: str, target: str) -> int:
    m = run.model
    k = m.actions.index("request_support")
    return int(run.result.action_totals[m.actors.index(source), k, m.actors.index(target)])


def occurred(run: Run, outcome: str) -> np.ndarray:
    out = run.model.outcomes
    column = out.binary.index(out.ids.index(outcome))
    return (run.result.first_month[:, column] >= 0).astype(float)


def value(run: Run, outcome: str) -> np.ndarray:
    out = run.model.outcomes
    return run.result.value[:, out.continuous.index(out.ids.index(outcome))]


def arms_growth(run: Run, actor: str) -> np.ndarray:
    i = run.model.actors.index(actor)
    return run.result.final_arms[:, i] / run.model.military[i] - 1.0


def assert_lower(without: np.ndarray, with_claim: np.ndarray, what: str) -> None:
    d = paired_difference(without, with_claim)
    assert d.high < 0, f"{what}: expected lower without the claim, got {d}"


def assert_higher(without: np.ndarray, with_claim: np.ndarray, what: str) -> None:
    d = paired_difference(without, with_claim)
    assert d.low > 0, f"{what}: expected higher without the claim, got {d}"


def test_s1_hostile_designation_blocks_talks_and_raises_war(korea, baseline):
    off = _without(korea, "S1")
    assert occurred(baseline, "inter_korean_talks").sum() == 0
    assert_higher(occurred(off, "inter_korean_talks"), occurred(baseline, "inter_korean_talks"),
                  "inter-Korean talks")
    assert_lower(occurred(off, "war_on_peninsula"), occurred(baseline, "war_on_peninsula"),
                 "war on the peninsula")


def test_s2_robust_deterrent_drives_the_arms_race(korea, baseline):
    off = _without(korea, "S2")
    assert_lower(value(off, "arms_race_intensity"), value(baseline, "arms_race_intensity"),
                 "arms-race intensity")


def test_s3_china_commitment_makes_requests_and_intervention_possible(korea, baseline):
    off = _without(korea, "S3")
    assert requests(off, "PRK", "CHN") < 0.5 * requests(baseline, "PRK", "CHN")
    lowered_aversion = _without(korea, "S7")
    both = _without(korea, "S3", "S7")
    # China's commitment is what makes intervention possible once war aversion is lower
    assert_lower(occurred(both, "chinese_intervention"),
                 occurred(lowered_aversion, "chinese_intervention"), "Chinese intervention")


def test_s4_arms_for_technology_raises_dprk_arms_and_the_treaty(korea, baseline):
    off = _without(korea, "S4")
    assert_lower(arms_growth(off, "PRK"), arms_growth(baseline, "PRK"), "PRK arms growth")
    assert_lower(occurred(off, "russia_dprk_treaty"), occurred(baseline, "russia_dprk_treaty"),
                 "Russia-DPRK treaty")


def test_s5_russia_tied_down_seeks_dprk_munitions(korea, baseline):
    off = _without(korea, "S5")
    deals_off = off.result.action_totals[off.model.actors.index("RUS"),
                                         off.model.actions.index("arms_for_technology"),
                                         off.model.actors.index("PRK")]
    deals_on = baseline.result.action_totals[baseline.model.actors.index("RUS"),
                                             baseline.model.actions.index("arms_for_technology"),
                                             baseline.model.actors.index("PRK")]
    assert deals_off < deals_on
    assert_lower(occurred(off, "russia_dprk_treaty"), occurred(baseline, "russia_dprk_treaty"),
                 "Russia-DPRK treaty")


def test_s6_reelection_unlocks_the_pyongyang_summit_and_the_treaty(korea, baseline):
    off = _without(korea, "S6")
    assert occurred(off, "putin_kim_summit_pyongyang").sum() == 0
    assert_lower(occurred(off, "putin_kim_summit_pyongyang"),
                 occurred(baseline, "putin_kim_summit_pyongyang"), "summit in Pyongyang")
    assert_lower(occurred(off, "russia_dprk_treaty"), occurred(baseline, "russia_dprk_treaty"),
                 "Russia-DPRK treaty")


def test_s7_lower_chinese_war_aversion_makes_intervention_likelier(korea, baseline):
    off = _without(korea, "S7")
    assert_higher(occurred(off, "chinese_intervention"), occurred(baseline, "chinese_intervention"),
                  "Chinese intervention")


def test_s8_us_pressure_without_war_keeps_strikes_and_war_down(korea, baseline):
    off = _without(korea, "S8")
    assert_higher(occurred(off, "us_strike_on_dprk"), occurred(baseline, "us_strike_on_dprk"),
                  "US strike on the DPRK")
    assert_higher(occurred(off, "war_on_peninsula"), occurred(baseline, "war_on_peninsula"),
                  "war on the peninsula")
