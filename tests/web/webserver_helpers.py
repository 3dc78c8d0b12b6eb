"""Serve the real app with uvicorn on a free loopback port in a thread; poll its jobs.

A thread (not a subprocess) keeps the tests fast: the library is imported once. Stopping the
server runs the app's shutdown, as Ctrl-C on ``peninsula serve`` does.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from peninsula.web.app import create_app
from peninsula.web.config import WebConfig

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "web"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``create_app(config)`` served by uvicorn in a background thread."""

    def __init__(self, data: Path, scenarios: Path, **options) -> None:
        self.data = data
        self.scenarios = scenarios
        self.options = options
        self.port = free_port()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base address."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        """Build the app and serve it; return once it answers."""
        config = WebConfig(data=self.data, scenarios=self.scenarios, port=self.port,
                           **self.options)
        self.app = create_app(config)
        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1",
                                                     port=self.port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/static/app.css", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        """Shut the server down (its running jobs become interrupted)."""
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=30)
            self._server = None


def make_server(tmp: Path, **options) -> Server:
    """A server (not started) with the hostile fixture scenario in its scenario folder."""
    scenarios = tmp / "scenarios"
    scenarios.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "hostile.yaml", scenarios / "hostile.yaml")
    return Server(tmp / "data", scenarios, **options)


def wait_done(client: httpx.Client, job_id: str, timeout: float = 60) -> dict:
    """Poll a job until it is final; its last status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/api/jobs/{job_id}").json()
        if status["status"] not in ("queued", "running"):
            return status
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")
