"""The measurement model on hand-built event streams (no engine run)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from peninsula.estimation.measurement import (
    MeasurementError,
    measure,
    measurement_for,
    simulated_counts,
)
from peninsula.estimation.series import summary_statistics


def _action(id_: str, **attrs: str) -> SimpleNamespace:
    return SimpleNamespace(id=id_, attributes=attrs)


# catalogue order deliberately unlike the standard one: nothing may depend on positions
ACTIONS = [_action("do_nothing"), _action("harassment", kind="harassment"),
           _action("long_range", **{"class": "intercontinental"}),
           _action("border_clash"), _action("short", **{"class": "short_range"}),
           _action("boom", **{"class": "nuclear_device"}), _action("hack", kind="cyber"),
           _action("summit", level="leaders")]
SCENARIO = SimpleNamespace(name="toy", actor_codes=["USA", "PRK", "KOR"],
                           action_ids=[a.id for a in ACTIONS], actions=ACTIONS)
A = {a.id: k for k, a in enumerate(ACTIONS)}
USA, PRK, KOR = 0, 1, 2


def _events(rows: list[tuple[int, int, int, int, str]]) -> SimpleNamespace:
    """(future, month, source, target, action id) rows as an event stream."""
    f, m, s, t, a = zip(*rows, strict=True)
    return SimpleNamespace(future=np.array(f), month=np.array(m), source=np.array(s),
                           target=np.array(t), action=np.array([A[x] for x in a]))


STREAM = _events([
    (0, 0, PRK, USA, "short"), (0, 0, PRK, KOR, "short"),  # one class, one month: one launch
    (0, 0, KOR, PRK, "short"),  # not DPRK: not observed
    (0, 2, PRK, USA, "long_range"), (0, 2, PRK, USA, "boom"),
    (0, 3, PRK, KOR, "harassment"), (0, 3, PRK, KOR, "border_clash"),
    (0, 5, PRK, KOR, "short"),  # after the window of 4 months: ignored
    (1, 1, PRK, KOR, "hack"), (1, 1, PRK, KOR, "summit"),
    (1, 1, USA, PRK, "border_clash"),
])


def test_mapping_by_attributes_and_ids() -> None:
    m = measurement_for(SCENARIO)
    table = m.table().set_index("action")
    assert table.loc["short", "missile_class"] == "SRBM"
    assert table.loc["long_range", "missile_class"] == "ICBM"
    assert table.loc["boom", "nuclear_test"] and table.loc["boom", "provocation"] == "nuclear_test"
    assert table.loc["harassment", "provocation"] == "hybrid"
    assert table.loc["hack", "provocation"] == "cyber"
    assert table.loc["border_clash", "provocation"] == "conventional"
    assert table.loc["border_clash", "fatal_incident"]
    assert "summit" not in table.index and m.actor == PRK


def test_measure_builds_the_series_contract() -> None:
    s = measure(STREAM, measurement_for(SCENARIO), members=2, first_month="2022-02", months=4)
    assert s.members == 2
    missiles = s.frames["missile_tests"].sort_values(["member", "month"]).reset_index(drop=True)
    assert missiles.to_dict("records") == [
        {"member": 0, "month": pd.Timestamp("2022-02-01"), "missile_class": "SRBM",
         "launches": 1, "missiles": 1},
        {"member": 0, "month": pd.Timestamp("2022-04-01"), "missile_class": "ICBM",
         "launches": 1, "missiles": 1}]
    nuclear = s.frames["nuclear_tests"]
    assert nuclear[["member", "tests"]].values.tolist() == [[0, 1]]
    prov = s.frames["provocations"].groupby(["member", "category"])["events"].sum()
    assert prov.to_dict() == {(0, "missile"): 3, (0, "nuclear_test"): 1, (0, "hybrid"): 1,
                              (0, "conventional"): 1, (1, "cyber"): 1}
    assert s.coverage["missile_tests"] == (pd.Timestamp("2022-02-01"),
                                           pd.Timestamp("2022-05-01"))
    assert "icews" in s.unavailable and "gdelt" not in s.unavailable


def test_gdelt_dyad_scores_sum_goldstein_both_ways() -> None:
    """Acts between the two actors of a GDELT dyad add their Goldstein values, either way."""
    codes = {"short": "138", "border_clash": "190", "praise": "051"}
    actions = [SimpleNamespace(id=a.id, attributes=a.attributes, cameo=codes.get(a.id))
               for a in ACTIONS] + [SimpleNamespace(id="praise", attributes={}, cameo="051")]
    scenario = SimpleNamespace(name="toy", actor_codes=["USA", "PRK", "KOR"],
                               action_ids=[a.id for a in actions], actions=actions,
                               goldstein_table="gdelt")
    m = measurement_for(scenario)
    k = {a.id: i for i, a in enumerate(actions)}
    ev = SimpleNamespace(future=np.array([0, 0, 0, 1]), month=np.array([0, 0, 1, 0]),
                         source=np.array([PRK, KOR, PRK, USA]),
                         target=np.array([KOR, PRK, USA, PRK]),
                         action=np.array([k["short"], k["praise"], k["praise"], k["short"]]))
    g = measure(ev, m, members=2, first_month="2022-02", months=2).frames["gdelt"]
    rows = {(r.member, f"{r.month:%Y-%m}", r.dyad): r.score for r in g.itertuples()}
    short, praise = m.goldstein[k["short"]], m.goldstein[k["praise"]]
    assert short < 0 < praise
    assert rows == {(0, "2022-02", "KOR-PRK"): pytest.approx(short + praise),
                    (0, "2022-03", "PRK-USA"): pytest.approx(praise),
                    (1, "2022-02", "PRK-USA"): pytest.approx(short)}
    stats = summary_statistics(measure(ev, m, members=2, first_month="2022-02", months=2))
    # of the months with acts between the two: a month without any does not count
    assert stats["gdelt_negative_share[PRK-USA]"].tolist() == [0.0, 1.0]
    assert stats["gdelt_negative_share[KOR-PRK]"].tolist() == [
        1.0 if short + praise < 0 else 0.0, 0.0]
    assert stats["gdelt_score[PRK-USA]"].isna().all()  # no news volume in a simulation


def test_statistics_of_measured_members() -> None:
    s = measure(STREAM, measurement_for(SCENARIO), members=3, first_month="2022-02", months=4)
    stats = summary_statistics(s)
    assert stats["tests_per_month[all]"].tolist() == [0.5, 0.0, 0.0]
    assert stats["tests_per_month[ICBM]"].tolist() == [0.25, 0.0, 0.0]
    assert stats["nuclear_tests_per_year"].tolist() == [3.0, 0.0, 0.0]
    assert stats["provocations_per_month[cyber]"].tolist() == [0.0, 0.25, 0.0]
    assert stats["longest_pause_months"].tolist() == [1.0, 4.0, 4.0]


def test_member_map_and_counts() -> None:
    m = measurement_for(SCENARIO)
    member = np.where(STREAM.future == 0, 1, 0)  # swap the two futures
    counts = simulated_counts(STREAM, m, members=2, months=4, member=member)
    assert counts["launches"].tolist() == [[0, 0, 0, 0], [1, 0, 1, 0]]
    assert counts["icbm_launches"].sum() == 1 and counts["nuclear_tests"][1, 2] == 1
    # fatal incidents count acts between any two actors, not only DPRK's
    assert counts["fatal_incidents"].tolist() == [[0, 1, 0, 0], [0, 0, 0, 1]]


def test_empty_stream_and_bad_scenarios() -> None:
    m = measurement_for(SCENARIO)
    empty = _events([(0, 0, USA, PRK, "summit")])
    stats = summary_statistics(measure(empty, m, members=1, first_month="2020-01", months=3))
    assert stats["tests_per_month[all]"].iloc[0] == 0.0
    with pytest.raises(MeasurementError, match="actor 'XXX'"):
        measurement_for(SCENARIO, actor="XXX")
    no_missiles = SimpleNamespace(name="none", actor_codes=["PRK"], action_ids=["do_nothing"],
                                  actions=[_action("do_nothing")])
    with pytest.raises(MeasurementError, match="missile class"):
        measurement_for(no_missiles)


def test_flagship_catalogue_has_every_class(korea) -> None:
    table = measurement_for(korea.scenario).table()
    assert set(table["missile_class"]) - {""} == {"SRBM", "IRBM", "ICBM", "SLBM", "SLV"}
    assert table["nuclear_test"].sum() == 1


def test_campaign_sizes_are_geometric_with_the_given_mean() -> None:
    from peninsula.estimation.measurement import campaign_sizes

    assert (campaign_sizes(np.ones(1000), seed=1) == 1).all()  # mean 1: one launch per act
    k = campaign_sizes(np.full(20_000, 3.0), seed=1)
    assert k.min() == 1 and abs(k.mean() - 3.0) < 0.1
    assert k.var() > k.mean()  # overdispersed, unlike a Poisson count
    assert np.array_equal(k, campaign_sizes(np.full(20_000, 3.0), seed=1))
    assert not np.array_equal(k, campaign_sizes(np.full(20_000, 3.0), seed=2))


def test_campaigns_size_launches_and_nothing_else() -> None:
    m = measurement_for(SCENARIO)
    plain = measure(STREAM, m, members=2, first_month="2020-01", months=4)
    ones = measure(STREAM, m, members=2, first_month="2020-01", months=4,
                   launches_per_test=np.ones(2), seed=3)
    big = measure(STREAM, m, members=2, first_month="2020-01", months=4,
                  launches_per_test=np.array([50.0, 1.0]), seed=3)
    for name in plain.frames:
        pd.testing.assert_frame_equal(plain.frames[name], ones.frames[name])
    launches = big.frames["missile_tests"].groupby("member")["launches"].sum()
    assert launches[0] > 3  # member 0's three test acts stand for many launch events
    pd.testing.assert_frame_equal(plain.frames["provocations"], big.frames["provocations"])
    pd.testing.assert_frame_equal(plain.frames["nuclear_tests"], big.frames["nuclear_tests"])
    counts = simulated_counts(STREAM, m, members=2, months=4,
                              launches_per_test=np.array([50.0, 1.0]), seed=3)
    assert counts["launches"][0].sum() == launches[0]  # the same draws in both readings
    assert counts["icbm_launches"][0, 2] == counts["launches"][0, 2] >= 1
    assert counts["nuclear_tests"][0].sum() == 1


def test_fit_parameters_include_the_campaign_size(korea) -> None:
    from peninsula.estimation.fit import fit_parameters

    params = fit_parameters(korea)
    campaign = [p for p in params if p.measured]
    assert [p.id for p in campaign] == ["launches_per_test"]
    assert not any(p.measured for p in params if p.path.startswith("actors."))
    assert [p.id for p in fit_parameters(korea, ["launches_per_test"])] == ["launches_per_test"]


def test_simulated_launches_grow_with_the_campaign_size(korea) -> None:
    """Through the fit's simulator: the same engine runs, more launch events per test act."""
    from peninsula.estimation.fit import ModelSimulator, Window, fit_parameters

    params = fit_parameters(korea, ["effort", "launches_per_test"])
    sim = ModelSimulator(korea, params, window=Window.of("2023-12", months=6),
                         stat_names=("tests_per_month[all]",), replicates=4)
    low, high = sim(np.array([[1.0, 1.0], [1.0, 4.0]]), seed=2)[:, 0]
    assert high > 1.5 * low > 0


def test_one_launch_per_class_month_and_member() -> None:
    """Acts of one class in one month toward several targets are one launch; others are not."""
    stream = _events([
        (0, 0, PRK, USA, "short"), (0, 0, PRK, KOR, "short"),  # one SRBM launch
        (0, 0, PRK, USA, "long_range"),  # another class: its own launch
        (0, 1, PRK, KOR, "short"),  # another month
        (1, 0, PRK, USA, "short"), (1, 0, PRK, KOR, "short"),  # another member: its own
        (1, 1, PRK, USA, "boom"), (1, 1, PRK, KOR, "boom"),  # one nuclear test, two audiences
    ])
    counts = simulated_counts(stream, measurement_for(SCENARIO), members=2, months=2)
    assert counts["launches"].tolist() == [[2, 1], [1, 0]]
    assert counts["icbm_launches"].tolist() == [[1, 0], [0, 0]]
    assert counts["nuclear_tests"].tolist() == [[0, 0], [0, 1]]
    series = measure(stream, measurement_for(SCENARIO), members=2, first_month="2022-02",
                     months=2)
    assert int(series.frames["missile_tests"]["launches"].sum()) == 4
    assert int(series.frames["nuclear_tests"]["tests"].sum()) == 1
