"""Model responses cached on disk, so that rerunning a command replays them without a request.

One DuckDB file (``llm.duckdb``) in the cache folder. An entry is keyed by the endpoint, the
model, the SHA-256 of the prompt, the sampling parameters, the future and the month; it holds
the answer text and its token counts. Only the thread that runs the simulation reads and
writes it: requests run concurrently, their answers are stored afterwards in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from peninsula.agents.protocol import AgentError
from peninsula.store.database import transaction

CACHE_FILE = "llm.duckdb"

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key VARCHAR PRIMARY KEY, endpoint VARCHAR, model VARCHAR, future INTEGER, month INTEGER,
    prompt_sha256 VARCHAR, params JSON, answer VARCHAR, prompt_tokens INTEGER,
    completion_tokens INTEGER, created TIMESTAMP DEFAULT current_timestamp);
"""


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/peninsula``, or ``~/.cache/peninsula``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "peninsula"


def prompt_sha256(messages: Sequence[dict[str, str]]) -> str:
    """The SHA-256 of a conversation, in canonical JSON."""
    text = json.dumps(list(messages), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def cache_key(*, endpoint: str, model: str, prompt: str, params: dict[str, Any], future: int,
              month: int) -> str:
    """The key of one response: endpoint, model, prompt hash, sampling, future and month."""
    text = json.dumps({"endpoint": endpoint, "model": model, "prompt": prompt, "params": params,
                       "future": future, "month": month}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Cached:
    """A stored response."""

    answer: str
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class Entry:
    """A response to store, with what it was keyed by."""

    key: str
    endpoint: str
    model: str
    future: int
    month: int
    prompt: str
    params: dict[str, Any]
    answer: str
    prompt_tokens: int
    completion_tokens: int


class ResponseCache:
    """The cache file in ``folder``, opened on first use and held until :meth:`close`."""

    def __init__(self, folder: str | Path):
        self.path = Path(folder).expanduser() / CACHE_FILE
        self._con: duckdb.DuckDBPyConnection | None = None

    def _connect(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                con = duckdb.connect(str(self.path))
                con.execute(SCHEMA)
            except OSError as exc:
                raise AgentError(f"cannot use the response cache {self.path}: "
                                 f"{exc.strerror or exc}; pass another folder or 'off'"
                                 ) from None
            except duckdb.Error as exc:
                reason = str(exc).strip().splitlines()[0]
                raise AgentError(f"cannot open the response cache {self.path} ({reason}); "
                                 "another run may be using it: pass another folder or 'off'"
                                 ) from None
            self._con = con
        return self._con

    def get_many(self, keys: Iterable[str]) -> dict[str, Cached]:
        """The stored responses among ``keys``."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        rows = self._connect().execute(
            "SELECT key, answer, prompt_tokens, completion_tokens FROM responses "
            "WHERE key IN (SELECT unnest(?))", [wanted]).fetchall()
        return {key: Cached(answer, int(p or 0), int(c or 0)) for key, answer, p, c in rows}

    def put_many(self, entries: Sequence[Entry]) -> None:
        """Store responses, all or none."""
        if not entries:
            return
        con = self._connect()
        with transaction(con):
            con.executemany(
                "INSERT OR REPLACE INTO responses (key, endpoint, model, future, month, "
                "prompt_sha256, params, answer, prompt_tokens, completion_tokens) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[e.key, e.endpoint, e.model, e.future, e.month, e.prompt,
                  json.dumps(e.params, sort_keys=True), e.answer, e.prompt_tokens,
                  e.completion_tokens] for e in entries])

    def __len__(self) -> int:
        return int(self._connect().execute("SELECT count(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        """Close the file (it is opened again on next use)."""
        if self._con is not None:
            self._con.close()
            self._con = None
