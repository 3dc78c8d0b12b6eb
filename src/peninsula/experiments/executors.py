"""Where chunks of work run: in this process, in a pool of processes, or on a Dask cluster.

Every executor is a context manager with one method, :meth:`Executor.map_unordered`, which
applies a function to items and yields ``(item, result)`` pairs as they finish, in any order.
Callers that need an order (the ensemble runner) restore it themselves, so results never depend
on the executor or the number of workers.

* :class:`LocalExecutor` runs each item in this process, one after another.
* :class:`ProcessExecutor` uses a ``spawn`` process pool (safe with threads, DuckDB and rich
  in the parent); workers ignore SIGINT, so Ctrl-C reaches only the parent, which cancels the
  queue and terminates the workers within a second. A worker hands its result back through a
  file and sends only the file's name through the pool's pipe: a message that short is written
  to the pipe in one piece, so terminating a worker can never leave half a message there (the
  pool's reader thread would wait for the rest forever and the process could not exit).
* :class:`DaskExecutor` starts a ``distributed.LocalCluster`` (one single-threaded worker
  process per worker) and shuts it down on exit, or connects to an existing scheduler
  (``tcp://host:8786``). Tasks are submitted with ``retries`` and a worker that dies mid-task
  has its task rescheduled by the scheduler, so a killed worker loses no chunk. Code that
  starts a LocalCluster must run under an ``if __name__ == "__main__":`` guard or from an
  installed entry point (its workers are spawned).

The function and items must be picklable (a module-level function, or a
:func:`functools.partial` of one) for the process and Dask executors.
"""

from __future__ import annotations

import functools
import logging
import os
import pickle
import shutil
import signal
import sys
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

EXECUTORS = ("local", "processes", "dask")
"""Names accepted by :func:`make_executor` (and ``--executor``)."""

DASK_MISSING = ("the dask executor needs Dask's distributed scheduler: "
                "pip install 'peninsula[dask]'")


class ExecutorError(RuntimeError):
    """An executor could not start or lost its workers (a one-line message)."""


class Executor(ABC):
    """Runs a function over items, yielding ``(item, result)`` as each finishes."""

    name: str = "executor"
    workers: int = 1

    def __enter__(self) -> Executor:
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(cancel=exc_type is not None)

    def start(self) -> None:  # noqa: B027 - optional hook
        """Acquire workers (called on entering the ``with`` block)."""

    def close(self, cancel: bool = False) -> None:  # noqa: B027 - optional hook
        """Release workers; with ``cancel`` drop queued work and stop running work at once."""

    @abstractmethod
    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        """Apply ``fn`` to every item; yield ``(item, result)`` pairs in completion order."""

    def describe(self) -> str:
        """A short label for messages and benchmark tables."""
        return f"{self.name} x{self.workers}"


class LocalExecutor(Executor):
    """Runs every item in this process, in order (no parallelism, no pickling)."""

    name = "local"

    def __init__(self, workers: int = 1):
        self.workers = 1

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        """Apply ``fn`` to each item in turn."""
        for item in items:
            yield item, fn(item)


def _check_spawnable() -> None:
    """Spawned workers re-import ``__main__`` by its path: it must be a real file (or none)."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    if path is not None and not Path(path).exists():
        raise ExecutorError(f"worker processes cannot start from {path}: run a script file or "
                            f"the installed 'peninsula' command")


def _ignore_sigint() -> None:
    """Pool worker initialiser: Ctrl-C is handled by the parent, which stops the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _through_file(fn: Callable[[T], R], folder: str, item: T) -> str:
    """Pool task: ``fn(item)`` pickled into a new file of ``folder``; return the file's path."""
    result = fn(item)
    handle, path = tempfile.mkstemp(suffix=".pickle", dir=folder)
    with os.fdopen(handle, "wb") as file:
        pickle.dump(result, file, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _read_result(path: str) -> Any:
    """Load a result written by :func:`_through_file` and remove its file."""
    try:
        with open(path, "rb") as file:
            return pickle.load(file)  # noqa: S301 - written by our own worker a moment ago
    finally:
        os.unlink(path)


def _in_flight_limit(workers: int, in_flight: int | None) -> int:
    return max(1, in_flight if in_flight is not None else 2 * workers)


class ProcessExecutor(Executor):
    """A pool of ``workers`` spawned processes (``concurrent.futures``).

    At most ``in_flight`` items (default twice the workers) are queued at a time, so memory stays
    flat and an interruption has little to cancel.
    """

    name = "processes"

    def __init__(self, workers: int = 2, *, in_flight: int | None = None):
        if workers < 1:
            raise ValueError(f"workers must be ≥ 1, got {workers}")
        self.workers = workers
        self.in_flight = _in_flight_limit(workers, in_flight)
        self._pool: ProcessPoolExecutor | None = None
        self._results: str | None = None  # the folder where workers leave their results

    def start(self) -> None:
        """Start the pool (workers are spawned lazily, on first use)."""
        _check_spawnable()
        self._results = tempfile.mkdtemp(prefix="peninsula-results-")
        try:
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             mp_context=get_context("spawn"),
                                             initializer=_ignore_sigint)
        except BaseException:
            shutil.rmtree(self._results, ignore_errors=True)
            self._results = None
            raise

    def close(self, cancel: bool = False) -> None:
        """Shut the pool down; with ``cancel``, terminate the workers instead of waiting."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            self._stop(pool, cancel)
        finally:
            results, self._results = self._results, None
            if results is not None:
                shutil.rmtree(results, ignore_errors=True)

    @staticmethod
    def _stop(pool: ProcessPoolExecutor, cancel: bool) -> None:
        if not cancel:
            pool.shutdown(wait=True)
            return
        # The pool has no public way to stop a running task: terminate our own workers.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=2)

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        """Submit items a few at a time; yield each result as it arrives."""
        if self._pool is None:
            raise ExecutorError("use the executor in a 'with' block")

        queue = iter(items)
        pending: dict[Future, Any] = {}
        task = functools.partial(_through_file, fn, self._results)

        def top_up() -> None:
            while len(pending) < self.in_flight:
                item = next(queue, _END)
                if item is _END:
                    return
                pending[self._pool.submit(task, item)] = item

        top_up()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                item = pending.pop(future)
                try:
                    path = future.result()
                except BrokenProcessPool:
                    raise ExecutorError("a worker process died; finished chunks are kept, "
                                        "run again with --resume") from None
                yield item, _read_result(path)
            top_up()


_END = object()


WORKER_ENVIRON = {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1}
"""Environment of LocalCluster workers: Dask's default without ``MALLOC_TRIM_THRESHOLD_``.

Dask sets ``MALLOC_TRIM_THRESHOLD_=65536`` in its workers to hand memory back to the system;
setting it switches off glibc's adaptive mmap threshold, so every large NumPy temporary is
mmapped afresh, and the engine ran 1.6x slower in a worker (2.1 s against 1.3 s a chunk of
2,000 futures x 24 months). For an existing cluster, start the workers without it (e.g.
``distributed.nanny.pre-spawn-environ`` in the workers' Dask configuration).
"""


class DaskExecutor(Executor):
    """Dask ``distributed``: a LocalCluster of ``workers`` processes, or an existing scheduler.

    ``retries`` is passed to every ``submit``: a task that raises is retried that many times; a
    task whose worker dies is rescheduled by the scheduler (up to its ``allowed-failures``).
    """

    name = "dask"

    def __init__(self, workers: int = 2, scheduler: str | None = None, *, retries: int = 3,
                 in_flight: int | None = None, memory_limit: str | int | None = "auto",
                 connect_timeout: str = "20s"):
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ExecutorError(DASK_MISSING) from None
        if workers < 1:
            raise ValueError(f"workers must be ≥ 1, got {workers}")
        self.workers = workers
        self.scheduler = scheduler
        self.retries = retries
        self._in_flight = in_flight
        self.memory_limit = memory_limit
        self.connect_timeout = connect_timeout
        self.cluster: Any = None
        self.client: Any = None

    @property
    def in_flight(self) -> int:
        """Tasks queued at once: twice the cluster's worker threads (at least twice ``workers``)."""
        threads = self.workers
        if self.client is not None and self.scheduler is not None:
            threads = max(threads, sum(self.client.nthreads().values()))
        return _in_flight_limit(threads, self._in_flight)

    def start(self) -> None:
        """Start a LocalCluster (or connect to the scheduler) and a client."""
        from distributed import Client, LocalCluster

        try:
            if self.scheduler:
                self.client = Client(self.scheduler, timeout=self.connect_timeout)
                if not self.client.nthreads():
                    self.client.wait_for_workers(1, timeout=60)
            else:
                import dask

                _check_spawnable()
                with dask.config.set({"distributed.nanny.pre-spawn-environ": WORKER_ENVIRON}):
                    self.cluster = LocalCluster(
                        n_workers=self.workers, threads_per_worker=1, processes=True,
                        dashboard_address=None, memory_limit=self.memory_limit,
                        silence_logs=logging.ERROR)
                self.client = Client(self.cluster)
        except OSError as exc:
            self.close(cancel=True)
            where = self.scheduler or "a local cluster"
            raise ExecutorError(f"could not reach Dask scheduler {where}: {exc}") from None

    def close(self, cancel: bool = False) -> None:
        """Close the client and, if we started it, the LocalCluster."""
        client, cluster = self.client, self.cluster
        self.client = self.cluster = None
        if client is not None:
            try:
                client.close(timeout=5)
            except Exception:  # noqa: BLE001 - closing must not hide the real error
                pass
        if cluster is not None:
            try:
                cluster.close(timeout=10)
            except Exception:  # noqa: BLE001
                pass

    def worker_pids(self) -> dict[str, int]:
        """Process id of every worker, by address (used by the tests to kill one)."""
        return self.client.run(os.getpid)

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        """Submit items a few at a time (with retries); yield each result as it arrives."""
        if self.client is None:
            raise ExecutorError("use the executor in a 'with' block")
        from distributed import KilledWorker, as_completed

        queue = iter(items)
        pending: dict[Any, Any] = {}
        completed = as_completed()
        limit = self.in_flight  # asks a remote scheduler once, not on every submission

        def top_up() -> None:
            while len(pending) < limit:
                item = next(queue, _END)
                if item is _END:
                    return
                future = self.client.submit(fn, item, pure=False, retries=self.retries)
                pending[future.key] = (future, item)
                completed.add(future)

        top_up()
        try:
            while pending:
                future = next(completed)
                _, item = pending.pop(future.key)
                try:
                    result = future.result()
                except KilledWorker:
                    raise ExecutorError("Dask workers kept dying on a chunk (out of memory?); "
                                        "finished chunks are kept, run again with --resume"
                                        ) from None
                future.release()
                yield item, result
                top_up()
        finally:
            if pending and self.client is not None:
                self.client.cancel([f for f, _ in pending.values()])


def make_executor(kind: str, workers: int = 1, scheduler: str | None = None) -> Executor:
    """The executor named ``kind`` (``local``, ``processes`` or ``dask``)."""
    if kind not in EXECUTORS:
        raise ValueError(f"unknown executor {kind!r}; expected one of {', '.join(EXECUTORS)}")
    if workers < 1:
        raise ValueError(f"workers must be ≥ 1, got {workers}")
    if scheduler and kind != "dask":
        raise ValueError("a scheduler address needs the Dask executor")
    if kind == "local":
        return LocalExecutor()
    if kind == "processes":
        return ProcessExecutor(workers)
    return DaskExecutor(workers, scheduler)
