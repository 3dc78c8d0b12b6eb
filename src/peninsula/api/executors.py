"""Where the work of a run or an exploration happens: here, in processes, or on Dask.

These are plain descriptions (nothing starts until a run uses one), so they can be built,
passed around and printed freely::

    pn.explore(sc, samples=50, futures=100, executor=pn.executors.Processes(2), out="x/")

Results never depend on the executor or its number of workers.
"""

from __future__ import annotations

from dataclasses import dataclass

from peninsula.experiments.executors import EXECUTORS, make_executor
from peninsula.experiments.executors import Executor as _Engine

__all__ = ["Dask", "ExecutorSpec", "Local", "Processes", "resolve"]


@dataclass(frozen=True)
class ExecutorSpec:
    """An executor's kind, its number of workers and, for Dask, an existing scheduler."""

    kind: str = "local"
    workers: int = 1
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in EXECUTORS:
            raise ValueError(f"executor kind must be one of {', '.join(EXECUTORS)}, "
                             f"got {self.kind!r}")
        if self.workers < 1:
            raise ValueError(f"workers must be ≥ 1, got {self.workers}")
        if self.scheduler and self.kind != "dask":
            raise ValueError("a scheduler address needs the Dask executor")

    def build(self) -> _Engine:
        """The executor itself (not started)."""
        return make_executor(self.kind, self.workers, self.scheduler)


def Local() -> ExecutorSpec:  # noqa: N802 - reads as a type at the call site
    """Run everything in this process."""
    return ExecutorSpec("local", 1)


def Processes(workers: int = 2) -> ExecutorSpec:  # noqa: N802
    """Run on ``workers`` local worker processes.

    >>> Processes(2)
    ExecutorSpec(kind='processes', workers=2, scheduler=None)
    """
    return ExecutorSpec("processes", workers)


def Dask(workers: int = 2, scheduler: str | None = None) -> ExecutorSpec:  # noqa: N802
    """Run on a Dask ``LocalCluster`` of ``workers`` processes, or on ``scheduler`` if given."""
    return ExecutorSpec("dask", workers, scheduler)


def resolve(executor: ExecutorSpec | str | None, workers: int = 1) -> ExecutorSpec:
    """An :class:`ExecutorSpec` from a spec, a kind name or ``None`` (local)."""
    if executor is None:
        return Local()
    if isinstance(executor, ExecutorSpec):
        return executor
    return ExecutorSpec(str(executor), workers)
