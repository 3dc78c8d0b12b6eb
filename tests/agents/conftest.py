"""A scripted OpenAI-compatible server on loopback, one per test module, reset per test.

Helpers the tests import live in :mod:`agent_helpers` (a uniquely named module): ``from
conftest import …`` would find another folder's ``conftest`` when several folders run together.
"""

from __future__ import annotations

from collections.abc import Iterator

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
