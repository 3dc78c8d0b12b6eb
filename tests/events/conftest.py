from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "northeast-asia-2024.txt"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data folder missing: {SHARED_DATA} (tests read real samples there)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.is_file():
        pytest.fail(f"seed article missing: {SEED}")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture()
def fixtures() -> Path:
    return FIXTURES
