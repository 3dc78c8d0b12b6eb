"""The flagship's shipped fit: made before the vantage point, its own, and its rule kept."""

from __future__ import annotations

import pandas as pd
import pytest

from peninsula.api.explorations import plan
from peninsula.estimation.fit import IDENTIFIED, load_fit
from peninsula.scenario.loading import load_scenario, value_at

VANTAGE = pd.Timestamp("2024-02-15")


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2024")


@pytest.fixture(scope="module")
def shipped(korea):
    assert korea.fit_folder is not None and korea.fit_folder.is_dir()
    return load_fit(korea.fit_folder)


def test_fitted_on_data_before_the_vantage_point(shipped) -> None:
    window = shipped.meta["window"]
    assert pd.Timestamp(window["last"]) < VANTAGE
    assert pd.Timestamp(shipped.meta["history_cut"]) <= VANTAGE
    assert shipped.meta["method"] == "abc" and shipped.posterior.ess > 50


def test_the_flagship_explores_from_its_fit(korea, shipped) -> None:
    planned = plan(korea, samples=30, futures=10, seed=3)
    fit = planned.header["fit"]
    assert fit["folder"] == str(korea.fit_folder)
    assert fit["same_scenario"], "the shipped fit was made on another version of the scenario"
    assert fit["parameters"] == [p.id for p in shipped.params if not p.measured]
    assert "launches_per_test" not in fit["parameters"]  # the measurement's, not the design's
    names = list(planned.design.names)
    atoms = shipped.posterior.samples
    support = {p.id: {round(p.value(x), 9) for x in atoms[:, j]}
               for j, p in enumerate(shipped.params) if not p.measured}
    for name, values in support.items():  # every fitted column is a posterior atom
        column = pd.Series(planned.design.values[:, names.index(name)]).round(9)
        assert set(column) <= values, name


def test_defaults_follow_the_identification_rule(korea, shipped) -> None:
    """An identified parameter's default is its posterior median (to two significant
    digits); an unidentified one keeps its judged value inside the prior's range."""
    table = shipped.identification()
    assert set(table.columns) >= {"median", "share_of_prior", "identified"}
    assert (table["identified"] == (table["share_of_prior"] <= IDENTIFIED)).all()
    for p in shipped.params:
        if p.measured:
            continue
        default = float(value_at(korea, p.path))
        assert p.low <= default <= p.high, p.id
        if table.loc[p.id, "identified"]:
            assert default == pytest.approx(float(f"{table.loc[p.id, 'median']:.2g}")), p.id
