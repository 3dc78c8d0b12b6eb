"""One real ``peninsula serve`` per test module (see :mod:`webserver_helpers`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from webserver_helpers import Server, make_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per test module."""
    srv = make_server(tmp_path_factory.mktemp("web")).start()
    try:
        yield srv
    finally:
        srv.stop()
