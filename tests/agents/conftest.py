"""A scripted OpenAI-compatible server on loopback, one per test module, reset per test."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from scripted_llm_server import ScriptedServer

import peninsula as pn


@pytest.fixture(scope="module")
def _server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture()
def server(_server: ScriptedServer) -> ScriptedServer:
    """The module's server with the default (valid) script and no requests yet."""
    _server.reset()
    return _server


@pytest.fixture(scope="session")
def korea() -> pn.LoadedScenario:
    """The flagship scenario, loaded once."""
    return pn.load_scenario("korea-2024")


def same_results(a: pn.RunResult, b: pn.RunResult) -> bool:
    """Whether two runs' outcome arrays, final states and event streams are identical."""
    ra, rb = a.run.result, b.run.result
    names = ["first_month", "count", "value", "quarter_rung", "final_relation", "final_rung",
             "final_commitment", "final_arms", "final_nuclear", "action_totals"]
    arrays = all(np.array_equal(getattr(ra, n), getattr(rb, n)) for n in names)
    events = (ra.events is None and rb.events is None) or all(
        np.array_equal(getattr(ra.events, f), getattr(rb.events, f))
        for f in ("future", "month", "source", "target", "action"))
    return arrays and events
