"""What ``peninsula serve`` was started with: address, folders, workers, token, queue limit."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from peninsula.errors import UserError

__all__ = ["DEFAULT_QUEUE_LIMIT", "ConfigError", "WebConfig", "is_loopback"]

DEFAULT_QUEUE_LIMIT = 16
"""Jobs that may wait for a free worker; one more is answered with 429 Too Many Requests."""


class ConfigError(UserError):
    """The server cannot start as asked (a bad folder, a public address without a token)."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class WebConfig:
    """Settings of one app instance; ``data`` holds the catalogue, runs and uploads."""

    data: Path
    scenarios: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8765
    workers: int = 2
    scheduler: str | None = None
    token: str | None = None
    queue_limit: int = DEFAULT_QUEUE_LIMIT
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data = Path(self.data).resolve()
        self.scenarios = None if self.scenarios is None else Path(self.scenarios).resolve()
        problems = []
        if self.workers < 1:
            problems.append(f"--workers must be ≥ 1, got {self.workers}")
        if self.queue_limit < 0:
            problems.append(f"queue limit must be ≥ 0, got {self.queue_limit}")
        if not 0 <= self.port <= 65535:
            problems.append(f"--port must be within 0 ... 65535, got {self.port}")
        if self.scenarios is not None and not self.scenarios.is_dir():
            problems.append(f"--scenarios {self.scenarios}: not a folder")
        if self.token is not None and len(self.token) < 8:
            problems.append("--token must be at least 8 characters long")
        if not is_loopback(self.host) and not self.token:
            problems.append(f"refusing to serve on {self.host} without a token: anyone who can "
                            "reach it could run jobs; pass --token (or set PENINSULA_TOKEN), "
                            "or bind to 127.0.0.1")
        if problems:
            raise ConfigError("\n".join(problems))

    @property
    def runs_dir(self) -> Path:
        """Where every job's output folder goes."""
        return self.data / "runs"

    @property
    def uploads_dir(self) -> Path:
        """Where uploaded scenarios that passed validation are kept."""
        return self.data / "uploads"

    @property
    def explorations_dir(self) -> Path:
        """Folders of ``peninsula explore --out`` put here are offered for reopening."""
        return self.data / "explorations"

    @property
    def catalogue_path(self) -> Path:
        """The DuckDB catalogue of runs and explorations."""
        return self.data / "catalogue.duckdb"

    def prepare(self) -> None:
        """Create the data folders (refusing a data path that is a file)."""
        if self.data.exists() and not self.data.is_dir():
            raise ConfigError(f"--data {self.data}: exists and is not a folder")
        for folder in (self.data, self.runs_dir, self.uploads_dir, self.explorations_dir):
            folder.mkdir(parents=True, exist_ok=True)
