"""Store an exploration in a DuckDB file, streamed batch by batch.

Tables (one file holds one exploration):

``exploration``
    one row: scenario, scenario hash, seed, sampler, sizes, package version, status, and the
    full specification as JSON.
``uncertainties``, ``levers``, ``policies``, ``actors``, ``outcome_defs``
    what the experiments vary and measure.
``experiments``
    one row per (sample, policy): ``experiment``, ``sample``, ``policy``, ``seed``, one typed
    column per uncertainty and one text column per lever (its option id) — the EMA Workbench
    experiments table.
``outcomes``
    per experiment and outcome: ``value`` (probability of a binary outcome, mean of a continuous
    one), ``hits`` (futures where a binary outcome occurred) and ``sd`` (standard deviation of a
    continuous outcome over futures).
``paths``
    per experiment and quarter: the mean over futures of the highest escalation rung.
``dyads``
    per experiment and ordered pair: relation and commitment at the start and, averaged over
    futures, at the horizon.

Rows are committed batch by batch, so memory stays flat whatever the size of the exploration;
``exploration.status`` is ``running`` until the last batch is in, then ``complete``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

FILE_NAME = "exploration.duckdb"

_FIXED_SCHEMA = """
CREATE TABLE exploration (
    scenario VARCHAR, scenario_sha256 VARCHAR, seed BIGINT, sampler VARCHAR,
    samples INTEGER, futures INTEGER, months INTEGER, policies INTEGER, experiments INTEGER,
    version VARCHAR, start_month VARCHAR, n_base INTEGER, calc_second_order BOOLEAN,
    status VARCHAR, created VARCHAR, elapsed_seconds DOUBLE, metadata JSON);
CREATE TABLE uncertainties (position SMALLINT, name VARCHAR, path VARCHAR,
    distribution VARCHAR, low DOUBLE, high DOUBLE, rationale VARCHAR);
CREATE TABLE levers (lever VARCHAR, position SMALLINT, label VARCHAR, actor VARCHAR,
    option VARCHAR, option_position SMALLINT, option_label VARCHAR, overrides JSON);
CREATE TABLE actors (position SMALLINT, code VARCHAR);
CREATE TABLE outcome_defs (position SMALLINT, outcome VARCHAR, label VARCHAR, kind VARCHAR);
CREATE TABLE outcomes (experiment INTEGER, outcome VARCHAR, value DOUBLE, hits INTEGER,
    sd DOUBLE);
CREATE TABLE paths (experiment INTEGER, quarter SMALLINT, mean_rung DOUBLE);
CREATE TABLE dyads (experiment INTEGER, source SMALLINT, target SMALLINT,
    relation_start DOUBLE, commitment_start DOUBLE, relation_end DOUBLE,
    commitment_end DOUBLE);
"""


def results_path(results: str | Path) -> Path:
    """The DuckDB file of an exploration: ``results`` itself, or ``exploration.duckdb`` in it."""
    path = Path(results)
    if path.is_dir():
        path = path / FILE_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{results}: no exploration results here (expected a folder "
                                f"holding {FILE_NAME}, or the file itself)")
    return path


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: Mapping[str, np.ndarray]) -> None:
    frame = dict(columns)  # DuckDB scans a dict of NumPy arrays by its Python name
    names = ", ".join(_quote(name) for name in frame)
    con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM frame")


IDENTITY = ("scenario", "scenario_sha256", "exploration_sha256", "seed", "sampler", "samples",
            "futures", "months", "policies", "experiments", "version")
"""Header fields that must match for an interrupted exploration to be resumed."""


class ExplorationLocked(RuntimeError):
    """Another process is writing to the exploration file."""


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise ExplorationLocked(f"{path} is being written by another process; wait for it "
                                    "or choose another --out folder") from None
        raise


def finished_samples(path: Path, header: Mapping[str, Any]) -> set[int]:
    """Samples already stored in an interrupted exploration, after checking it is the same one.

    Batches are committed whole, so every stored sample has all its policies.
    """
    con = _connect(path)
    try:
        status, stored = con.execute("SELECT status, metadata FROM exploration").fetchone()
        meta = json.loads(stored)
        different = [f for f in IDENTITY if meta.get(f) != header.get(f)]
        if different:
            raise ValueError(f"{path} holds another exploration (different {', '.join(different)})"
                             "; resume only with the same scenario, seed, sampler and sizes")
        if status == "complete":
            raise ValueError(f"{path} is already complete; nothing to resume")
        return {int(row[0]) for row in
                con.execute("SELECT DISTINCT sample FROM experiments").fetchall()}
    finally:
        con.close()


class ExplorationWriter:
    """Create an exploration file and append experiments to it in batches.

    Use as a context manager: the file is closed on exit, and ``finish`` marks it complete.
    With ``resume=True`` an interrupted file is reopened and appended to instead.
    """

    def __init__(self, path: Path, header: Mapping[str, Any], *,
                 uncertainties: Sequence[Mapping[str, Any]],
                 integer_columns: Sequence[str],
                 levers: Sequence[Mapping[str, Any]],
                 policies: Sequence[Mapping[str, str]],
                 actors: Sequence[str],
                 outcomes: Sequence[Mapping[str, str]],
                 resume: bool = False):
        self.path = path
        self.names = [u["name"] for u in uncertainties]
        self.lever_ids = [lever["id"] for lever in levers]
        if resume and path.exists():
            self.con = _connect(path)
            return
        if path.exists():
            raise FileExistsError(f"{path} already exists; choose another output folder, or "
                                  "add --resume to finish an interrupted exploration")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.con = _connect(path)
        con = self.con
        con.execute("BEGIN TRANSACTION")
        con.execute(_FIXED_SCHEMA)
        typed = [f"{_quote(n)} {'BIGINT' if n in integer_columns else 'DOUBLE'}"
                 for n in self.names]
        lever_cols = [f"{_quote(i)} VARCHAR" for i in self.lever_ids]
        con.execute("CREATE TABLE experiments (experiment INTEGER, sample INTEGER, "
                    "policy INTEGER, seed BIGINT" + "".join(", " + c for c in typed + lever_cols)
                    + ")")
        con.execute("CREATE TABLE policies (policy INTEGER, label VARCHAR"
                    + "".join(", " + c for c in lever_cols) + ")")
        fields = ("scenario", "scenario_sha256", "seed", "sampler", "samples", "futures",
                  "months", "policies", "experiments", "version", "start_month", "n_base",
                  "calc_second_order")
        con.execute(f"INSERT INTO exploration ({', '.join(fields)}, status, created, metadata) "
                    f"VALUES ({', '.join('?' * len(fields))}, 'running', ?, ?)",
                    [header[f] for f in fields] + [header.get("created", ""),
                                                   json.dumps(header, default=str)])
        con.executemany("INSERT INTO uncertainties VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [[i, u["name"], u["path"], u["distribution"], u["low"], u["high"],
                          u["rationale"]] for i, u in enumerate(uncertainties)])
        lever_rows = [[lever["id"], i, lever["label"], lever["actor"], option["id"], j,
                       option.get("label") or option["id"], json.dumps(option["overrides"])]
                      for i, lever in enumerate(levers)
                      for j, option in enumerate(lever["options"])]
        if lever_rows:
            con.executemany("INSERT INTO levers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", lever_rows)
        con.executemany(
            f"INSERT INTO policies VALUES ({', '.join('?' * (2 + len(self.lever_ids)))})",
            [[p, ", ".join(f"{k}={v}" for k, v in policy.items()) or "as written",
              *[policy[i] for i in self.lever_ids]] for p, policy in enumerate(policies)])
        con.executemany("INSERT INTO actors VALUES (?, ?)", list(enumerate(actors)))
        con.executemany("INSERT INTO outcome_defs VALUES (?, ?, ?, ?)",
                        [[i, o["id"], o["label"], o["kind"]] for i, o in enumerate(outcomes)])
        con.execute("COMMIT")

    def append(self, experiments: Mapping[str, np.ndarray], outcomes: Mapping[str, np.ndarray],
               paths: Mapping[str, np.ndarray], dyads: Mapping[str, np.ndarray]) -> None:
        """Append one batch of experiments (plain column arrays) in one transaction."""
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            _insert(con, "experiments", experiments)
            _insert(con, "outcomes", outcomes)
            _insert(con, "paths", paths)
            _insert(con, "dyads", dyads)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def finish(self, elapsed_seconds: float) -> None:
        """Mark the exploration complete."""
        self.con.execute("UPDATE exploration SET status = 'complete', elapsed_seconds = ?",
                         [float(elapsed_seconds)])

    def close(self) -> None:
        """Close the file."""
        self.con.close()

    def __enter__(self) -> ExplorationWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
