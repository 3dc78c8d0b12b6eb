"""Tiny explorations shared by the tests of this folder (run once per session)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from peninsula.experiments.explore import explore
from peninsula.scenario.exploration import ExplorationSpec, load_exploration
from peninsula.scenario.loading import load_scenario

TINY = {"samples": 8, "futures": 50, "months": 6, "seed": 11}


@pytest.fixture(scope="session")
def korea():
    return load_scenario("korea-2024")


@pytest.fixture(scope="session")
def korea_spec(korea):
    return load_exploration("korea-2024", korea)


@pytest.fixture(scope="session")
def tiny_results(tmp_path_factory, korea, korea_spec) -> Path:
    """8 LHS samples x 12 policies x 50 futures x 6 months of korea-2024."""
    folder = tmp_path_factory.mktemp("tiny")
    explore(korea, korea_spec, folder, sampler="lhs", **TINY)
    return folder


@pytest.fixture(scope="session")
def small_sobol_spec() -> ExplorationSpec:
    """Two uncertainties and one two-option lever: a Sobol design that runs in seconds."""
    return ExplorationSpec.model_validate({
        "uncertainties": [
            {"id": "prk_risk", "path": "actors.PRK.risk_attitude", "low": 0.1, "high": 0.8,
             "rationale": "test"},
            {"id": "kor_war_aversion", "path": "actors.KOR.objectives.war_aversion",
             "low": 0.5, "high": 3.0, "rationale": "test"},
        ],
        "levers": [{"id": "us_posture", "label": "US posture", "actor": "USA", "options": [
            {"id": "pressure", "overrides": {"actors.USA.objectives.war_aversion": 1.5}},
            {"id": "engage", "overrides": {"actors.USA.objectives.war_aversion": 3.5}}]}],
    })


@pytest.fixture(scope="session")
def sobol_results(tmp_path_factory, korea, small_sobol_spec) -> Path:
    folder = tmp_path_factory.mktemp("sobol")
    explore(korea, small_sobol_spec, folder, samples=64, futures=100, months=9, seed=5,
            sampler="sobol")
    return folder


def copy_results(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy(src / "exploration.duckdb", dst / "exploration.duckdb")
    return dst
