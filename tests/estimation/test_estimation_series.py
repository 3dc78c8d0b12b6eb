"""Observed series and summary statistics: exact values on the synthetic history."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from peninsula.estimation.history import read_history
from peninsula.estimation.series import (
    ObservedSeries,
    month_range,
    observed_series,
    summary_statistics,
)


@pytest.fixture()
def observed(history_dir) -> ObservedSeries:
    return observed_series(read_history(history_dir))


def test_missile_series_counts_launch_events_and_missiles(observed):
    f = observed.frames["missile_tests"]
    may = f[f["month"] == pd.Timestamp("2019-05-01")]
    assert may[["missile_class", "launches", "missiles"]].values.tolist() == [["SRBM", 2, 3]]
    # the month cut part-way by the vantage point (2024-02) is left out
    assert observed.coverage["missile_tests"] == (pd.Timestamp("2019-05-01"),
                                                  pd.Timestamp("2024-01-01"))
    assert f["month"].max() == pd.Timestamp("2020-03-01")


def test_statistics_of_the_missile_window(observed):
    s = summary_statistics(observed, start="2019-05", end="2020-04").iloc[0]
    assert s["tests_per_month[all]"] == pytest.approx(5 / 12)
    assert s["tests_per_month[SRBM]"] == pytest.approx(4 / 12)
    assert s["tests_per_month[ICBM]"] == pytest.approx(1 / 12)
    assert s["share_months_with_test"] == pytest.approx(3 / 12)
    assert s["longest_pause_months"] == 7
    assert s["tests_per_quarter_sd"] == pytest.approx(np.std([2, 0, 1, 2]))
    assert s["share_quarters_ge3"] == 0
    assert s["nuclear_tests_per_year"] == pytest.approx(1.0)
    assert s["provocations_per_month[missile]"] == pytest.approx(3 / 12)
    assert s["share_months_severity_ge4"] == pytest.approx(1 / 12)


def test_statistics_of_incidents_crises_icews_and_gdelt(observed):
    s = summary_statistics(observed, start="2019-01", end="2020-12").iloc[0]
    # incident coverage 2019-02..2020-12 (MID is yearly): 23 months
    assert s["incidents_per_month[use_of_force]"] == pytest.approx(2 / 23)
    assert s["incidents_per_month[PRK>KOR]"] == pytest.approx(2 / 23)
    assert s["share_incidents_fatal"] == pytest.approx(0.5)
    assert s["share_months_in_crisis"] == pytest.approx(12 / 22)
    assert s["quad_share[PRK>KOR,verbal_conflict]"] == pytest.approx(0.1)  # 2019 only
    assert "gdelt_score[KOR-PRK]" not in s  # GDELT coverage starts 2023-12
    full = summary_statistics(observed).iloc[0]
    assert full["quad_share[PRK>KOR,verbal_conflict]"] == pytest.approx(0.2)  # 2018, 2019
    assert full["quad_share[PRK>KOR,verbal_cooperation]"] == pytest.approx(0.6)
    assert full["quad_share[USA>PRK,verbal_cooperation]"] == 0  # no events: share 0
    assert full["gdelt_score[KOR-PRK]"] == pytest.approx(1000 * (-10 + 4 + 2) / 3000)


def test_unavailable_series_are_named_not_fatal(history_dir):
    (history_dir / "gdelt_composite_daily.csv").unlink()
    obs = observed_series(read_history(history_dir, until="2019-12"))
    assert obs.unavailable == {"gdelt": "gdelt file missing"}
    assert not any(k.startswith("gdelt") for k in summary_statistics(obs).columns)


def test_simulated_members_are_summarised_at_once_like_one_at_a_time():
    rng = np.random.default_rng(3)
    months = month_range(pd.Timestamp("2000-01-01"), pd.Timestamp("2004-12-01"))
    counts = rng.poisson(0.7, (4, len(months))) * (rng.random((4, len(months))) < 0.6)
    member, t = np.nonzero(counts)
    frame = pd.DataFrame({"member": member, "month": months[t], "missile_class": "IRBM",
                          "launches": counts[member, t], "missiles": counts[member, t]})
    cov = {"missile_tests": (months[0], months[-1])}
    together = summary_statistics(ObservedSeries({"missile_tests": frame}, cov, members=4))
    for m in range(4):
        alone = frame[frame["member"] == m].drop(columns="member")
        one = summary_statistics(ObservedSeries({"missile_tests": alone}, cov)).iloc[0]
        pd.testing.assert_series_equal(together.iloc[m], one, check_names=False)
    assert together["tests_per_month[IRBM]"].tolist() == pytest.approx(counts.mean(axis=1))
    run = [max((len(r) for r in "".join("x" if c else "0" for c in row).split("x")), default=0)
           for row in counts]
    assert together["longest_pause_months"].tolist() == run


def test_a_series_with_no_complete_month_before_the_cut_is_unavailable(history_dir):
    path = history_dir / "gdelt_composite_daily.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[-1]]) + "\n")  # only 2024-02-03
    obs = observed_series(read_history(history_dir))
    assert obs.unavailable == {"gdelt": "no complete month before 2024-02-15"}
    assert "gdelt" not in obs.frames
