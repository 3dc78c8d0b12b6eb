"""Run an ensemble of futures in chunks of whole seeded blocks.

How futures are split into chunks never changes the numbers (see :mod:`peninsula.engine.draws`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from peninsula.engine.compiled import CompiledScenario
from peninsula.engine.draws import FUTURES_PER_BLOCK, ChunkDraws
from peninsula.engine.results import SimulationResult
from peninsula.engine.vectorised import simulate_chunk

DEFAULT_CHUNK = 2000
"""Futures per chunk: large enough to amortise NumPy overhead, small enough to stay in cache."""


@dataclass(frozen=True)
class Chunk:
    """A run of whole blocks: futures ``[first, first + size)``."""

    first: int
    size: int


def plan_chunks(n_futures: int, chunk_size: int = DEFAULT_CHUNK) -> list[Chunk]:
    """Split ``n_futures`` into chunks of whole blocks."""
    if n_futures < 1:
        raise ValueError("the number of futures must be at least 1")
    step = max(FUTURES_PER_BLOCK, (chunk_size // FUTURES_PER_BLOCK) * FUTURES_PER_BLOCK)
    return [Chunk(first, min(step, n_futures - first)) for first in range(0, n_futures, step)]


def run_ensemble(
    model: CompiledScenario,
    n_futures: int,
    seed: int,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    record_events: bool = False,
    on_progress: Callable[[int], None] | None = None,
    decide_for: Callable[[int], Callable] | None = None,
) -> SimulationResult:
    """Simulate ``n_futures`` futures; ``on_progress`` gets the number of futures x months done.

    ``decide_for(first_future)``, when given, returns each chunk's ``decide`` hook of
    :func:`~peninsula.engine.vectorised.simulate_chunk` (agents playing some actors).
    """
    parts = []
    for chunk in plan_chunks(n_futures, chunk_size):
        draws = ChunkDraws(seed, model.n_actors, n_futures, chunk.first, chunk.size)

        def tick(_month: int, size: int = chunk.size) -> None:
            if on_progress is not None:
                on_progress(size)

        parts.append(simulate_chunk(
            model, draws, first_future=chunk.first, record_events=record_events, on_month=tick,
            decide=None if decide_for is None else decide_for(chunk.first)))
    return SimulationResult.concatenate(parts)
