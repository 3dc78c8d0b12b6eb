"""Random draws for a chunk of futures, identical however the ensemble is chunked.

Futures are grouped in fixed blocks of :data:`FUTURES_PER_BLOCK`; block ``b`` draws from its own
generator seeded by ``SeedSequence(seed, spawn_key=(b,))`` (the ``b``-th child that
``SeedSequence(seed).spawn`` would give). A chunk is a run of whole blocks, so running 10,000
futures as one chunk or as ten gives the same numbers, on any number of workers.
"""

from __future__ import annotations

import numpy as np

FUTURES_PER_BLOCK = 100
"""Futures per seeded block; part of the reproducibility contract, recorded with every run."""

DRAWS_PER_DYAD = 3
"""Uniforms per future, month and ordered dyad: quantal choice, shock, shock sign."""

CHOICE, SHOCK, SIGN = 0, 1, 2


def block_sizes(n_futures: int) -> list[int]:
    """Size of every block of an ensemble of ``n_futures`` (the last one may be short)."""
    full, rest = divmod(n_futures, FUTURES_PER_BLOCK)
    return [FUTURES_PER_BLOCK] * full + ([rest] if rest else [])


class ChunkDraws:
    """Month-by-month uniforms for futures ``[first, first + size)`` of an ensemble."""

    def __init__(self, seed: int, n_actors: int, n_futures: int, first: int = 0,
                 size: int | None = None):
        if first % FUTURES_PER_BLOCK:
            raise ValueError(f"a chunk must start on a block boundary ({FUTURES_PER_BLOCK})")
        size = n_futures - first if size is None else size
        if size <= 0 or first + size > n_futures:
            raise ValueError("chunk lies outside the ensemble")
        if size % FUTURES_PER_BLOCK and first + size != n_futures:
            raise ValueError(f"a chunk must hold whole blocks of {FUTURES_PER_BLOCK} futures")
        sizes = block_sizes(n_futures)
        first_block = first // FUTURES_PER_BLOCK
        last_block = -(-(first + size) // FUTURES_PER_BLOCK)
        self.n_actors = n_actors
        self.size = size
        self._blocks = [
            (np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(b,)))),
             sizes[b])
            for b in range(first_block, last_block)
        ]

    def next_month(self) -> np.ndarray:
        """Uniforms of shape ``(size, DRAWS_PER_DYAD, A, A)`` for the next month."""
        shape = (DRAWS_PER_DYAD, self.n_actors, self.n_actors)
        parts = [gen.random((rows, *shape)) for gen, rows in self._blocks]
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)
