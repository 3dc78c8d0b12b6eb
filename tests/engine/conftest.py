from __future__ import annotations

import pytest

from peninsula.engine.compiled import compile_scenario
from peninsula.scenario.loading import load_scenario


@pytest.fixture(scope="session")
def korea_model():
    return compile_scenario(load_scenario("korea-2024").scenario)


@pytest.fixture(scope="session")
def south_asia_model():
    return compile_scenario(load_scenario("south-asia-2019").scenario)
