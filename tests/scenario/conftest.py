from __future__ import annotations

from pathlib import Path

import pytest

from peninsula.scenario.loading import _builtin_path


def _require(path: Path) -> Path:
    if not path.is_file():
        pytest.fail(f"required shared file is missing: {path}", pytrace=False)
    return path


@pytest.fixture(scope="session")
def korea_text() -> str:
    """The text of the shipped flagship scenario, the base every broken file is made from."""
    return _builtin_path("scenarios", "korea-2024").read_text(encoding="utf-8")


@pytest.fixture()
def seed_path(shared_dir: Path) -> Path:
    """The seed article in ``../shared`` (tests marked ``shared``)."""
    return _require(shared_dir / "seed" / "northeast-asia-2024.txt")


@pytest.fixture()
def shared_goldstein_path(shared_dir: Path) -> Path:
    """The CAMEO/Goldstein table in ``../shared`` (tests marked ``shared``)."""
    return _require(shared_dir / "data" / "cameo_goldstein.csv")
