"""Each claim of the seed analysis must matter by at least the effect its argument implies.

Every test runs korea-2024 with and without one claim on the same 6,000 futures (same seed,
same random draws). For each effect the test states a minimum size (a judgement from the seed's
argument, set as a round threshold, never fitted to the measured value), and asks that the 95%
interval of the paired difference (with minus without the claim) exclude zero and its point
estimate reach the minimum. Effects marked ``by construction`` follow from how the claim is
encoded (a designation that removes an option, an event that unlocks one); the others emerge
from the decision rule. The README's claims table reports the measured sizes.
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


def assert_effect(with_claim: np.ndarray, without: np.ndarray, minimum: float, what: str
                  ) -> None:
    """With the claim minus without: beyond zero and at least ``minimum`` (signed)."""
    d = paired_difference(with_claim, without)
    if minimum > 0:
        assert d.low > 0 and d.value >= minimum, (
            f"{what}: expected at least {minimum:+.3f} with the claim, got {d}")
    else:
        assert d.high < 0 and d.value <= minimum, (
            f"{what}: expected at most {minimum:+.3f} with the claim, got {d}")


def test_s1_designation_separates_and_pressures(korea, baseline):
    off = _without(korea, "S1")
    # by construction: the designation removes talks from Pyongyang's options toward Seoul
    assert occurred(baseline, "inter_korean_talks").sum() == 0
    assert_effect(occurred(baseline, "inter_korean_talks"), occurred(off, "inter_korean_talks"),
                  -0.02, "inter-Korean talks")
    # emergent: "two hostile states" means separation and grey-zone pressure (>= 5 points each)
    assert_effect(occurred(baseline, "dprk_grey_zone"), occurred(off, "dprk_grey_zone"),
                  0.05, "grey-zone harassment of the South")
    assert_effect(occurred(baseline, "dprk_severs_links"), occurred(off, "dprk_severs_links"),
                  0.05, "severed inter-Korean links")


def test_s2_robust_deterrent_drives_the_arms_race(korea, baseline):
    off = _without(korea, "S2")
    # emergent (Richardson): at least half a point of regional arms growth over two years
    assert_effect(value(baseline, "arms_race_intensity"), value(off, "arms_race_intensity"),
                  0.005, "arms-race intensity")


def test_s3_interdependence_gives_china_leverage(korea, baseline):
    off = _without(korea, "S3")
    # by construction: without China's commitment Pyongyang has no patron to ask
    assert requests(off, "PRK", "CHN") == 0 < requests(baseline, "PRK", "CHN")
    # emergent: a client that depends on Beijing pays for a nuclear test (>= 2 points less likely)
    assert_effect(occurred(baseline, "dprk_nuclear_test"), occurred(off, "dprk_nuclear_test"),
                  -0.02, "DPRK nuclear test")


def test_s4_arms_for_technology_arms_pyongyang_and_binds_the_pair(korea, baseline):
    off = _without(korea, "S4")
    # emergent: PRK arms at least 5% higher after two years of the exchange
    assert_effect(arms_growth(baseline, "PRK"), arms_growth(off, "PRK"), 0.05, "PRK arms growth")
    # emergent: the trade builds the commitment a treaty needs (>= 20 points more likely)
    assert_effect(occurred(baseline, "russia_dprk_treaty"), occurred(off, "russia_dprk_treaty"),
                  0.20, "Russia-DPRK treaty")


def deals(run: Run) -> int:
    m = run.model
    return int(run.result.action_totals[m.actors.index("RUS"),
                                        m.actions.index("arms_for_technology"),
                                        m.actors.index("PRK")])


def test_s5_russia_tied_down_seeks_dprk_munitions(korea, baseline):
    off = _without(korea, "S5")
    # emergent: forces tied down in Ukraine make munitions worth half as much again to Moscow
    assert deals(baseline) >= 1.5 * deals(off)
    assert_effect(occurred(baseline, "russia_dprk_treaty"), occurred(off, "russia_dprk_treaty"),
                  0.20, "Russia-DPRK treaty")


def test_s6_reelection_unlocks_the_pyongyang_summit_and_the_treaty(korea, baseline):
    off = _without(korea, "S6")
    # by construction: the dated event unlocks both; without it neither can happen
    assert occurred(off, "putin_kim_summit_pyongyang").sum() == 0
    assert occurred(off, "russia_dprk_treaty").sum() == 0
    # emergent: once unlocked, the visit is chosen in at least one future in ten (no bonus)
    assert_effect(occurred(baseline, "putin_kim_summit_pyongyang"),
                  occurred(off, "putin_kim_summit_pyongyang"), 0.10, "summit in Pyongyang")


def test_s7_chinas_war_aversion_keeps_it_out_of_a_korean_war(korea, baseline):
    off = _without(korea, "S7")
    # emergent: intervention is rare either way (an ally must already be fighting), but with
    # China's high war aversion it is at least a third less likely than without it
    with_claim = occurred(baseline, "chinese_intervention")
    without = occurred(off, "chinese_intervention")
    assert paired_difference(with_claim, without).high < 0
    assert with_claim.mean() <= (2 / 3) * without.mean()


def test_s8_us_pressure_without_war_keeps_strikes_and_clashes_down(korea, baseline):
    off = _without(korea, "S8")
    # emergent: a war-averse Washington strikes less (>= 2 points) and, since its adversaries
    # expect a restrained reply but it does not escalate, deadly clashes are rarer (>= 5 points)
    assert_effect(occurred(baseline, "us_strike_on_dprk"), occurred(off, "us_strike_on_dprk"),
                  -0.02, "US strike on the DPRK")
    assert_effect(occurred(baseline, "limited_clash"), occurred(off, "limited_clash"),
                  -0.05, "limited clash")
    assert_effect(occurred(baseline, "war_on_peninsula"), occurred(off, "war_on_peninsula"),
                  -0.01, "war on the peninsula")
