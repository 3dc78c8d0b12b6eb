"""What every test folder shares: the small fixtures shipped with the tests, and ``../shared``.

The default test run needs nothing beside the checkout: tests read their data from
``tests/fixtures/`` (see its README for sources and licences). A few tests check the project
against the reference material in ``../shared`` itself (the shipped Goldstein table is the shared
one, the claims quote the seed article verbatim, …). Those carry ``@pytest.mark.shared``, are
deselected by default (``-m 'not shared'`` in ``addopts``) and run with ``pytest -m shared``;
the ``shared_dir`` fixture then fails loudly if the folder is missing, rather than skipping.
"""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture()
def shared_dir(request: pytest.FixtureRequest) -> Path:
    """The ``../shared`` folder beside the checkout, for tests marked ``shared``.

    Fails (never skips) when the folder is missing, and when the test is not marked ``shared``:
    a default run must need nothing beside the checkout.
    """
    if request.node.get_closest_marker("shared") is None:
        pytest.fail(f"{request.node.nodeid} reads ../shared but is not marked "
                    "@pytest.mark.shared; ship a small fixture in tests/fixtures instead",
                    pytrace=False)
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: tests marked 'shared' need the shared folder beside "
                    "the checkout (run them with `pytest -m shared` only where it exists)",
                    pytrace=False)
    return SHARED


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """``tests/fixtures``: small excerpts of real data, shipped with the tests."""
    return FIXTURES
