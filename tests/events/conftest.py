from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def seed_text(fixtures_dir: Path) -> str:
    """The sentences of the seed article the coder tests need (tests/fixtures/README.md)."""
    return (fixtures_dir / "northeast-asia-2024_excerpt.txt").read_text(encoding="utf-8")


@pytest.fixture()
def shared_samples(shared_dir: Path) -> Path:
    """``../shared/data``, holding the full GDELT and ICEWS samples (tests marked ``shared``)."""
    data = shared_dir / "data"
    for name in ("gdelt1_events_2012-08_georgia_sample.csv",
                 "icews_events_2018-06-01_02_sample.tsv"):
        if not (data / name).is_file():
            pytest.fail(f"required shared file is missing: {data / name}", pytrace=False)
    return data


@pytest.fixture()
def fixtures() -> Path:
    return FIXTURES
