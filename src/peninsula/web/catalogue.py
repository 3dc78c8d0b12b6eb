"""The catalogue: one DuckDB file listing every run, counterfactual and exploration.

Each job has a row with its kind, scenario (name and sha256), seed, parameters (JSON), status
and output folder. Only the server process writes it (worker processes report through a
queue), behind one lock. Opened after a restart, rows still ``queued`` or ``running`` are marked
``interrupted``: the job was lost with the server, and the page says so.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

__all__ = ["FINAL", "STATUSES", "Catalogue", "Job"]

STATUSES = ("queued", "running", "done", "cancelled", "interrupted", "failed")
FINAL = frozenset({"done", "cancelled", "interrupted", "failed"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    scenario VARCHAR NOT NULL,
    scenario_ref VARCHAR NOT NULL,
    scenario_sha256 VARCHAR NOT NULL,
    seed BIGINT NOT NULL,
    parameters VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    message VARCHAR,
    folder VARCHAR NOT NULL,
    created TIMESTAMP NOT NULL,
    finished TIMESTAMP
)
"""

_COLUMNS = ("id", "kind", "scenario", "scenario_ref", "scenario_sha256", "seed", "parameters",
            "status", "message", "folder", "created", "finished")


@dataclass(frozen=True)
class Job:
    """One row of the catalogue."""

    id: str
    kind: str
    scenario: str
    scenario_ref: str
    scenario_sha256: str
    seed: int
    parameters: dict[str, Any]
    status: str
    message: str | None
    folder: str
    created: datetime
    finished: datetime | None

    @property
    def final(self) -> bool:
        """True once the job will not change any more."""
        return self.status in FINAL


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Catalogue:
    """Read and write the job rows of ``path`` (created when missing)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con = duckdb.connect(str(self.path))
        self._con.execute(_SCHEMA)
        self.interrupted = self._mark_interrupted()

    def _mark_interrupted(self) -> int:
        with self._lock:
            rows = self._con.execute(
                "UPDATE jobs SET status = 'interrupted', finished = ?, message = "
                "'the server stopped before this job finished' "
                "WHERE status IN ('queued', 'running') RETURNING id", [_now()]).fetchall()
        return len(rows)

    def close(self) -> None:
        """Close the DuckDB connection."""
        with self._lock:
            self._con.close()

    def add(self, *, job_id: str, kind: str, scenario: str, scenario_ref: str,
            scenario_sha256: str, seed: int, parameters: dict[str, Any], folder: str) -> None:
        """Insert a new ``queued`` job."""
        with self._lock:
            self._con.execute(
                "INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', NULL, ?, ?, NULL)",
                [job_id, kind, scenario, scenario_ref, scenario_sha256, seed,
                 json.dumps(parameters, sort_keys=True), folder, _now()])

    def set_status(self, job_id: str, status: str, message: str | None = None) -> None:
        """Move a job to ``status`` (a final status also records the time)."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        finished = _now() if status in FINAL else None
        with self._lock:
            self._con.execute("UPDATE jobs SET status = ?, message = ?, finished = ? "
                              "WHERE id = ?", [status, message, finished, job_id])

    def get(self, job_id: str) -> Job | None:
        """The job ``job_id``, or None."""
        with self._lock:
            row = self._con.execute(f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE id = ?",
                                    [job_id]).fetchone()
        return None if row is None else _job(row)

    def list(self, kind: str | None = None, status: str | None = None,
             limit: int = 500) -> list[Job]:
        """Jobs, newest first, optionally of one kind or status."""
        where, args = [], []
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        if status is not None:
            where.append("status = ?")
            args.append(status)
        sql = (f"SELECT {', '.join(_COLUMNS)} FROM jobs"
               + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY created DESC, id DESC LIMIT ?")
        with self._lock:
            rows = self._con.execute(sql, [*args, limit]).fetchall()
        return [_job(r) for r in rows]


def _job(row: tuple) -> Job:
    values = dict(zip(_COLUMNS, row, strict=True))
    values["parameters"] = json.loads(values["parameters"])
    return Job(**values)
