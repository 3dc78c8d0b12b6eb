"""Jobs run in worker processes, at most ``workers`` at a time, behind a bounded queue.

The server never simulates in its own process: each job gets a fresh process (from a fork
server that has the library imported already), so a job can be cancelled by ending its process
and one job's crash cannot take the server down. Beyond ``workers`` running and ``queue_limit``
waiting, :meth:`JobManager.submit` raises :class:`QueueFull` (the app answers 429).
"""

from __future__ import annotations

import multiprocessing as mp
import queue as queue_module
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from peninsula.errors import UserError
from peninsula.web.catalogue import Catalogue
from peninsula.web.worker import execute

__all__ = ["JobManager", "Progress", "QueueFull"]

POLL_SECONDS = 0.05


class QueueFull(UserError):
    """Every worker is busy and the waiting queue is full."""

    status = 429


@dataclass
class Progress:
    """Work done and to do for one job (futures x months)."""

    done: int = 0
    total: int = 0

    @property
    def fraction(self) -> float:
        """Share done, 0 ... 1."""
        return min(1.0, self.done / self.total) if self.total else 0.0


def _noop() -> None:
    """Nothing: started once so that the fork server is ready before the first job."""


def _context() -> Any:
    ctx = mp.get_context("forkserver")
    # "__main__": the fork server imports the main script once, so that each job's process
    # does not import it again (for `peninsula serve`, the whole command-line app)
    ctx.set_forkserver_preload(["__main__", "peninsula.web.worker"])
    return ctx


class JobManager:
    """Start, follow and cancel jobs; keep the catalogue's status up to date."""

    def __init__(self, catalogue: Catalogue, runs_dir: Path, *, workers: int, queue_limit: int,
                 scheduler: str | None = None) -> None:
        self.catalogue = catalogue
        self.runs_dir = runs_dir
        self.workers = workers
        self.queue_limit = queue_limit
        self.scheduler = scheduler
        self._ctx = _context()
        self._messages = self._ctx.Queue()
        self._waiting: deque[tuple[str, str, dict[str, Any]]] = deque()
        self._running: dict[str, Any] = {}
        self._reported: set[str] = set()
        self.progress: dict[str, Progress] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="peninsula-jobs", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ requests

    def submit(self, kind: str, *, scenario: str, scenario_ref: str, scenario_sha256: str,
               seed: int, params: dict[str, Any]) -> str:
        """Queue a job and return its id; raises :class:`QueueFull` when no room is left."""
        with self._lock:
            if len(self._waiting) >= self.queue_limit and len(self._running) >= self.workers:
                raise QueueFull(f"busy: {len(self._running)} jobs running and "
                                f"{len(self._waiting)} waiting (the limit is {self.queue_limit}"
                                "); try again when one has finished")
            job_id = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:8]
            folder = self.runs_dir / job_id
            folder.mkdir(parents=True)
            params = {**params, "scenario_ref": scenario_ref, "scheduler": self.scheduler}
            self.catalogue.add(job_id=job_id, kind=kind, scenario=scenario,
                               scenario_ref=scenario_ref, scenario_sha256=scenario_sha256,
                               seed=seed, parameters=params, folder=str(folder))
            self.progress[job_id] = Progress()
            self._waiting.append((job_id, kind, params))
            self._start_waiting()
        return job_id

    def register_exploration(self, source: Path, metadata: dict[str, Any]) -> str:
        """Catalogue a finished exploration found on disk (linked, not copied) as done."""
        with self._lock:
            job_id = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:8]
            folder = self.runs_dir / job_id
            folder.mkdir(parents=True)
            (folder / "exploration").symlink_to(source, target_is_directory=True)
            params = {k: metadata.get(k) for k in ("samples", "futures", "months", "sampler")}
            self.catalogue.add(job_id=job_id, kind="exploration",
                               scenario=str(metadata.get("scenario", "?")),
                               scenario_ref=f"explorations/{source.name}",
                               scenario_sha256=str(metadata.get("scenario_sha256", "")),
                               seed=int(metadata.get("seed") or 0),
                               parameters={**params, "reopened": source.name},
                               folder=str(folder))
            self.catalogue.set_status(job_id, "done", f"reopened from {source.name}/")
        return job_id

    def cancel(self, job_id: str) -> bool:
        """Stop a waiting or running job; False when it had already finished."""
        with self._lock:
            for item in list(self._waiting):
                if item[0] == job_id:
                    self._waiting.remove(item)
                    self.catalogue.set_status(job_id, "cancelled", "cancelled before it started")
                    return True
            process = self._running.pop(job_id, None)
            if process is None:
                return False
            process.terminate()
            process.join(timeout=5)
            self._reported.add(job_id)
            self.catalogue.set_status(job_id, "cancelled", "cancelled while running")
            self._start_waiting()
            return True

    def counts(self) -> tuple[int, int]:
        """Jobs running and waiting now."""
        with self._lock:
            return len(self._running), len(self._waiting)

    def close(self) -> None:
        """Stop the follower thread and every worker (their jobs become interrupted)."""
        self._stop.set()
        self._thread.join(timeout=5)
        with self._lock:
            for job_id, process in list(self._running.items()):
                process.terminate()
                process.join(timeout=5)
                self.catalogue.set_status(job_id, "interrupted", "the server stopped")
            for job_id, _, _ in self._waiting:
                self.catalogue.set_status(job_id, "interrupted", "the server stopped")
            self._running.clear()
            self._waiting.clear()

    # ------------------------------------------------------------------ follow-up

    def _start_waiting(self) -> None:
        while self._waiting and len(self._running) < self.workers:
            job_id, kind, params = self._waiting.popleft()
            folder = str(self.runs_dir / job_id)
            process = self._ctx.Process(target=execute, name=f"peninsula-job-{job_id}",
                                        args=(job_id, kind, params, folder, self._messages),
                                        daemon=True)
            process.start()
            self._running[job_id] = process
            self.catalogue.set_status(job_id, "running")

    def _handle(self, job_id: str, what: str, payload: Any) -> None:
        progress = self.progress.setdefault(job_id, Progress())
        if what == "total":
            progress.total = int(payload)
        elif what == "progress":
            progress.done = int(payload)
        elif job_id not in self._reported:
            self._reported.add(job_id)
            if what == "done":
                progress.done = progress.total
                self.catalogue.set_status(job_id, "done")
            else:
                self.catalogue.set_status(job_id, "failed", str(payload))

    def _reap(self) -> None:
        for job_id, process in list(self._running.items()):
            if process.is_alive():
                continue
            process.join()
            del self._running[job_id]
            if job_id not in self._reported:
                self._drain()
            if job_id not in self._reported:
                self._reported.add(job_id)
                self.catalogue.set_status(job_id, "failed", f"the worker process ended with "
                                          f"exit code {process.exitcode} before finishing")

    def _drain(self) -> None:
        while True:
            try:
                job_id, what, payload = self._messages.get_nowait()
            except queue_module.Empty:
                return
            if job_id in self._reported and what in ("done", "failed"):
                continue
            self._handle(job_id, what, payload)

    def _loop(self) -> None:
        warm = self._ctx.Process(target=_noop, name="peninsula-warm-up", daemon=True)
        warm.start()  # starts the fork server, which imports the library once for all jobs
        warm.join()
        while not self._stop.is_set():
            try:
                job_id, what, payload = self._messages.get(timeout=POLL_SECONDS)
            except queue_module.Empty:
                pass
            else:
                with self._lock:
                    self._handle(job_id, what, payload)
            with self._lock:
                self._drain()
                self._reap()
                self._start_waiting()
