"""docs/results-layout.md lists every table and view of a fresh run and exploration file."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

import peninsula as pn

DOC = Path(__file__).resolve().parents[2] / "docs" / "results-layout.md"


def _relations(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()}
    finally:
        con.close()


def _documented(section: str) -> set[str]:
    text = DOC.read_text()
    part = text.split(f"## {section}")[1].split("\n## ")[0]
    return set(re.findall(r"^### (\w+)$", part, flags=re.MULTILINE))


AGENT_TABLES = {"agent_players", "agent_decisions", "agent_choices", "transcripts"}


def test_every_run_table_is_documented(tmp_path):
    """A plain run has every documented table but the agents' four; a run with an agent (the
    quantal rule itself, so no model is needed) has those too."""
    folder = pn.run("south-asia-2019", futures=50, months=3, seed=1, progress=False).save(
        tmp_path / "r")
    documented = _documented("A run")
    assert AGENT_TABLES <= documented
    assert _relations(folder / "results.duckdb") == documented - AGENT_TABLES
    played = pn.run("south-asia-2019", futures=3, months=2, seed=1, progress=False,
                    agents={"IND": pn.agents.Quantal()}).save(tmp_path / "a")
    assert _relations(played / "results.duckdb") == documented


def test_every_exploration_table_is_documented(tmp_path):
    pn.explore("korea-2024", samples=2, futures=10, months=2, out=tmp_path / "x", progress=False)
    assert _relations(tmp_path / "x" / "exploration.duckdb") == _documented("An exploration")
