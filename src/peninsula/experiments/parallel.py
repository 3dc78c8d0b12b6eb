"""Run an ensemble's chunks on any executor, committing each finished chunk to a chunk store.

Chunks are runs of whole seeded blocks (:mod:`peninsula.engine.draws`), so a chunk's numbers do
not depend on which worker runs it or when: :func:`run_ensemble_parallel` returns, bit for bit,
what :func:`peninsula.experiments.ensemble.run_ensemble` returns, on any executor and any number
of workers. With a :class:`~peninsula.store.chunks.ChunkStore`, each chunk is committed as it
arrives; a resumed run reads the finished chunks back and computes only the rest. Ctrl-C stops
the executor, keeps what was committed and raises :class:`Interrupted`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from peninsula._version import __version__
from peninsula.engine.compiled import CompiledScenario
from peninsula.engine.draws import FUTURES_PER_BLOCK, ChunkDraws
from peninsula.engine.results import EventStream, SimulationResult
from peninsula.engine.vectorised import simulate_chunk
from peninsula.experiments.ensemble import DEFAULT_CHUNK, Chunk, plan_chunks
from peninsula.experiments.executors import Executor

PER_FUTURE = ("first_month", "count", "value", "quarter_rung", "final_relation", "final_rung",
              "final_commitment", "final_arms", "final_nuclear")
"""Per-future arrays of a :class:`SimulationResult`, stored in the ``futures`` table."""

EVENT_FIELDS = ("future", "month", "source", "target", "action")


class Interrupted(Exception):
    """The run was stopped by Ctrl-C; finished chunks are kept (the message says how to resume)."""

    def __init__(self, message: str, done: int = 0, total: int = 0):
        super().__init__(message)
        self.done = done
        self.total = total


def run_identity(*, scenario_sha256: str, seed: int, futures: int, months: int,
                 chunk_size: int, record_events: bool, parameters: dict | None = None,
                 kind: str = "run") -> dict[str, Any]:
    """The identity of a chunked run, as a :class:`ChunkStore` records and checks it."""
    return {"kind": kind, "scenario_sha256": scenario_sha256, "seed": int(seed),
            "futures": int(futures), "months": int(months), "chunk_size": int(chunk_size),
            "version": __version__, "futures_per_block": FUTURES_PER_BLOCK,
            "record_events": bool(record_events), "parameters": parameters or {}}


def simulate_one_chunk(model: CompiledScenario, n_futures: int, seed: int, record_events: bool,
                       chunk: Chunk) -> SimulationResult:
    """Simulate one chunk of an ensemble (the task each worker runs)."""
    draws = ChunkDraws(seed, model.n_actors, n_futures, chunk.first, chunk.size)
    return simulate_chunk(model, draws, first_future=chunk.first, record_events=record_events)


# -- a chunk's result as table columns, and back ---------------------------------------------

def _column_names(name: str, shape: tuple[int, ...]) -> list[str]:
    return [f"{name}_" + "_".join(map(str, index)) for index in np.ndindex(*shape)]


def result_tables(result: SimulationResult, first: int) -> dict[str, dict[str, np.ndarray]]:
    """A chunk's result as store tables (1-D columns), read back by :func:`load_chunks`.

    ``futures``: one wide row per future (``first_month_3``, ``final_relation_0_1``, ...);
    ``totals``: action counts, one row per (source, action, target); ``shocks``: one row;
    ``events``: one row per event, when the run records them.
    """
    n = result.n_futures
    futures: dict[str, np.ndarray] = {"future": np.arange(first, first + n, dtype=np.int32)}
    for name in PER_FUTURE:
        array = getattr(result, name)
        flat = array.reshape(n, -1)
        for c, column in enumerate(_column_names(name, array.shape[1:])):
            futures[column] = flat[:, c]
    totals = result.action_totals
    tables = {
        "futures": futures,
        "totals": {"count": totals.ravel()},
        "shocks": {"inflame": np.array([result.shocks_inflame], dtype=np.int64),
                   "calm": np.array([result.shocks_calm], dtype=np.int64)},
    }
    if result.events is not None:
        tables["events"] = {f: getattr(result.events, f) for f in EVENT_FIELDS}
    return tables


def _layout(model: CompiledScenario) -> dict[str, tuple[tuple[int, ...], type]]:
    out, a = model.outcomes, model.n_actors
    quarters = -(-model.horizon // 3)
    return {
        "first_month": ((len(out.binary),), np.int16),
        "count": ((len(out.binary),), np.int32),
        "value": ((len(out.continuous),), np.float64),
        "quarter_rung": ((quarters,), np.int8),
        "final_relation": ((a, a), np.float64),
        "final_rung": ((a, a), np.float64),
        "final_commitment": ((a, a), np.float64),
        "final_arms": ((a,), np.float64),
        "final_nuclear": ((a,), np.float64),
    }


def _split(columns: dict[str, np.ndarray], chunk_ids: list[int]) -> list[dict[str, np.ndarray]]:
    """Rows ordered by chunk, split into one column dict per chunk id (in ``chunk_ids`` order)."""
    chunk = columns["chunk"]
    starts = np.searchsorted(chunk, chunk_ids, side="left")
    ends = np.searchsorted(chunk, chunk_ids, side="right")
    return [{k: v[start:end] for k, v in columns.items()}
            for start, end in zip(starts, ends, strict=True)]


def load_chunks(store, model: CompiledScenario, chunk_ids: list[int],
                record_events: bool) -> dict[int, SimulationResult]:
    """Read finished chunks back from the store as results, exactly as they were computed."""
    if not chunk_ids:
        return {}
    ids = sorted(chunk_ids)
    a, k = model.n_actors, model.n_actions
    layout = _layout(model)
    futures = _split(store.read("futures", ids), ids)
    totals = _split(store.read("totals", ids), ids)
    shocks = _split(store.read("shocks", ids), ids)
    events = (_split(store.read("events", ids), ids) if record_events and "events" in
              store.tables() else [None] * len(ids))
    loaded = {}
    for i, chunk_id in enumerate(ids):
        rows = futures[i]
        n = rows["future"].size
        arrays = {}
        for name, (shape, dtype) in layout.items():
            cols = _column_names(name, shape)
            stacked = (np.stack([rows[c] for c in cols], axis=1) if cols
                       else np.zeros((n, 0)))
            arrays[name] = stacked.astype(dtype, copy=False).reshape(n, *shape)
        ev = None
        if record_events:
            if events[i] is None:
                ev = EventStream.empty()
            else:
                empty = EventStream.empty()
                ev = EventStream(*(events[i][f].astype(getattr(empty, f).dtype, copy=False)
                                   for f in EVENT_FIELDS))
        loaded[chunk_id] = SimulationResult(
            **arrays,
            action_totals=totals[i]["count"].astype(np.int64, copy=False).reshape(a, k, a),
            shocks_inflame=int(shocks[i]["inflame"][0]),
            shocks_calm=int(shocks[i]["calm"][0]),
            events=ev,
        )
    return loaded


# -- the runner ---------------------------------------------------------------------------------

def _check_store(store, model: CompiledScenario, n_futures: int, seed: int, chunk_size: int,
                 record_events: bool) -> None:
    ident = store.identity
    expected = {"futures": n_futures, "seed": seed, "months": model.horizon,
                "chunk_size": chunk_size, "record_events": record_events}
    wrong = [f"{k} (store {ident.get(k)!r}, run {v!r})" for k, v in expected.items()
             if ident.get(k) != v]
    if wrong:
        raise ValueError(f"the chunk store {store.path} was made for another run: "
                         + ", ".join(wrong))


def run_ensemble_parallel(
    model: CompiledScenario,
    n_futures: int,
    seed: int,
    *,
    executor: Executor,
    chunk_size: int = DEFAULT_CHUNK,
    store=None,
    record_events: bool = False,
    on_chunk: Callable[[Chunk, int, int], None] | None = None,
) -> SimulationResult:
    """Simulate ``n_futures`` futures, chunk by chunk, on ``executor`` (already entered).

    With ``store`` (an open :class:`~peninsula.store.chunks.ChunkStore` for this run), every
    finished chunk is committed as it arrives and chunks already in the store are read back, not
    recomputed. ``on_chunk(chunk, done, total)`` is called after each chunk computed now (and
    committed), with the number of chunks done so far, earlier sessions included. Returns the
    whole ensemble in future order, identical to :func:`run_ensemble`. Ctrl-C raises
    :class:`Interrupted` within a second or two, with the finished chunks kept in the store.
    """
    chunks = plan_chunks(n_futures, chunk_size)
    finished: set[int] = set()
    if store is not None:
        _check_store(store, model, n_futures, seed, chunk_size, record_events)
        finished = store.done() & set(range(len(chunks)))
    todo = [i for i in range(len(chunks)) if i not in finished]
    results: dict[int, SimulationResult] = {}
    task = functools.partial(simulate_one_chunk, model, n_futures, seed, record_events)
    index = {chunks[i]: i for i in todo}
    done = len(finished)
    stream = executor.map_unordered(task, [chunks[i] for i in todo])
    try:
        for chunk, result in stream:
            chunk_id = index[chunk]
            if store is not None:
                store.commit(chunk_id, result_tables(result, chunk.first))
            results[chunk_id] = result
            done += 1
            if on_chunk is not None:
                on_chunk(chunk, done, len(chunks))
    except KeyboardInterrupt:
        stream.close()
        executor.close(cancel=True)
        if store is not None:
            # count what the store holds: Ctrl-C may land between a commit and the tally
            done = len(store.done() & set(range(len(chunks))))
            where = f"the {done} finished chunks of {len(chunks)} are kept in {store.path}"
            how = "run the same command again with --resume to finish"
        else:
            where = f"{done} of {len(chunks)} chunks had finished; nothing was stored"
            how = "give an output store to be able to resume"
        raise Interrupted(f"interrupted: {where}; {how}", done, len(chunks)) from None
    if finished:
        results.update(load_chunks(store, model, sorted(finished), record_events))
    return SimulationResult.concatenate([results[i] for i in range(len(chunks))])
