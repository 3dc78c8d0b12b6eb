from __future__ import annotations

from pathlib import Path

import pytest

from peninsula.scenario.loading import _builtin_path

SHARED = Path(__file__).resolve().parents[3] / "shared"
SEED = SHARED / "seed" / "northeast-asia-2024.txt"
SHARED_GOLDSTEIN = SHARED / "data" / "cameo_goldstein.csv"


def _require(path: Path) -> Path:
    if not path.is_file():
        pytest.fail(f"required shared file is missing: {path}")
    return path


@pytest.fixture(scope="session")
def korea_text() -> str:
    """The text of the shipped flagship scenario, the base every broken file is made from."""
    return _builtin_path("scenarios", "korea-2024").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return _require(SEED)


@pytest.fixture(scope="session")
def shared_goldstein_path() -> Path:
    return _require(SHARED_GOLDSTEIN)
