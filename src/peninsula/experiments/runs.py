"""A run: a scenario, a seed and a size, simulated and described so it can be reproduced."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from peninsula._version import __version__
from peninsula.agents.play import AgentPlay
from peninsula.agents.records import AgentLog
from peninsula.engine.compiled import CompiledScenario, compile_scenario
from peninsula.engine.draws import FUTURES_PER_BLOCK
from peninsula.engine.results import SimulationResult
from peninsula.errors import UserError
from peninsula.experiments.ensemble import DEFAULT_CHUNK, run_ensemble
from peninsula.scenario.loading import LoadedScenario, Problem, ScenarioError


@dataclass(frozen=True)
class RunMetadata:
    """Everything needed to reproduce a run's numbers."""

    scenario: str
    scenario_sha256: str
    seed: int
    futures: int
    months: int
    version: str
    futures_per_block: int
    chunk_size: int
    shocks: bool
    claims_off: list[str] = field(default_factory=list)
    overrides: dict = field(default_factory=dict)
    created: str = ""
    elapsed_seconds: float = 0.0

    def as_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass
class Run:
    """A finished run: its metadata, the compiled model and the results."""

    metadata: RunMetadata
    model: CompiledScenario
    result: SimulationResult
    agents: AgentLog | None = None  # what agents did, when some actors were played by agents

    @property
    def outcome_ids(self) -> list[str]:
        """Outcome ids in the scenario's order: the columns of :meth:`outcome_matrix`."""
        return list(self.model.outcomes.ids)

    def binary_indicators(self) -> np.ndarray:
        """``(n, n_binary)`` 0/1: whether each binary outcome occurred in each future."""
        return (self.result.first_month >= 0).astype(np.float64)

    def outcome_matrix(self) -> np.ndarray:
        """``(n, n_outcomes)`` per future, columns in the order of :attr:`outcome_ids`.

        A binary outcome's column holds 0/1 (did it occur), a continuous one its value.
        """
        out = self.model.outcomes
        matrix = np.empty((self.result.n_futures, len(out.ids)), dtype=np.float64)
        matrix[:, out.binary] = self.binary_indicators()
        matrix[:, out.continuous] = self.result.value
        return matrix


def claim_overrides(loaded: LoadedScenario, claims_off: Sequence[str]) -> dict:
    """The overrides that switch the named claims off; unknown claim ids are an error."""
    known = {claim.id: claim for claim in loaded.scenario.claims}
    missing = [c for c in claims_off if c not in known]
    if missing:
        raise ScenarioError([Problem(loaded.label, None, "claims",
                                     f"unknown claim {m!r}; expected one of {sorted(known)}")
                             for m in missing])
    overrides: dict = {}
    for claim_id in claims_off:
        overrides.update(known[claim_id].when_off)
    return overrides


def prepare(loaded: LoadedScenario, *, claims_off: Sequence[str] = (), shocks: bool = True,
            overrides: dict | None = None) -> tuple[LoadedScenario, dict]:
    """Apply switched-off claims, the shocks switch and extra overrides; validate again."""
    combined = claim_overrides(loaded, claims_off)
    if not shocks:
        combined["shocks.enabled"] = False
    combined.update(overrides or {})
    return (loaded.with_overrides(combined) if combined else loaded), combined


def run_scenario(
    loaded: LoadedScenario,
    *,
    futures: int,
    seed: int,
    months: int | None = None,
    claims_off: Sequence[str] = (),
    shocks: bool = True,
    overrides: dict | None = None,
    record_events: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    on_progress: Callable[[int], None] | None = None,
    agents: Mapping[str, object] | None = None,
) -> Run:
    """Simulate a scenario and describe the run.

    ``agents`` maps actor codes to agents (:mod:`peninsula.agents`) that choose for them.
    """
    check_size(futures=futures, months=months, seed=seed, chunk_size=chunk_size)
    prepared, applied = prepare(loaded, claims_off=claims_off, shocks=shocks, overrides=overrides)
    model = compile_scenario(prepared.scenario, horizon=months)
    check_memory(model, futures, events=record_events)
    started = time.perf_counter()
    log = None
    if agents is None:
        result = run_ensemble(model, futures, seed, chunk_size=chunk_size,
                              record_events=record_events, on_progress=on_progress)
    else:
        result, log = run_with_agents(model, futures, seed, agents, chunk_size=chunk_size,
                                      record_events=record_events, on_progress=on_progress)
    metadata = describe_run(loaded, prepared, model, futures=futures, seed=seed,
                            chunk_size=chunk_size, claims_off=claims_off, overrides=applied,
                            elapsed=time.perf_counter() - started)
    return Run(metadata=metadata, model=model, result=result, agents=log)


def run_with_agents(model: CompiledScenario, futures: int, seed: int,
                    agents: Mapping[str, object], *, chunk_size: int = DEFAULT_CHUNK,
                    record_events: bool = False,
                    on_progress: Callable[[int], None] | None = None
                    ) -> tuple[SimulationResult, AgentLog]:
    """Simulate with agents choosing for some actors; the same draws as without them."""
    play = AgentPlay(model, agents)
    play.check_size(futures)
    try:
        result = run_ensemble(model, futures, seed, chunk_size=chunk_size,
                              record_events=record_events, on_progress=on_progress,
                              decide_for=play.hook)
    finally:
        play.close()
    return result, play.log


MAX_FUTURES = 2**31 - 1
"""Most futures in one run or experiment: future indices are stored as 32-bit integers."""
MAX_MONTHS = 240
"""Most months a run can simulate (20 years, the scenario file's own limit)."""
MAX_SEED = 2**63 - 1
"""Largest root seed: seeds are stored as signed 64-bit integers."""
FALLBACK_MEMORY = 16 * 2**30
"""Memory assumed available where the system does not say (16 GiB)."""


class SizeError(UserError):
    """A run or exploration is too large, or a size is out of range (one line)."""


def check_size(*, futures: int, months: int | None = None, seed: int = 0,
               chunk_size: int = DEFAULT_CHUNK) -> None:
    """Refuse sizes a run cannot have, in the library's words (``futures must be ≥ 1``)."""
    if futures < 1:
        raise SizeError(f"futures must be ≥ 1, got {futures}")
    if futures > MAX_FUTURES:
        raise SizeError(f"futures must be ≤ {MAX_FUTURES:,} (a 32-bit count), got {futures:,}")
    if months is not None and not 1 <= months <= MAX_MONTHS:
        raise SizeError(f"months must be between 1 and {MAX_MONTHS} (20 years), got "
                        f"{months:,}")
    if seed < 0:
        raise SizeError(f"seed must be ≥ 0, got {seed}")
    if seed > MAX_SEED:
        raise SizeError(f"seed must be < 2**63 (a signed 64-bit integer), got {seed}")
    if chunk_size < 1:
        raise SizeError(f"chunk_size must be ≥ 1, got {chunk_size}")
    if chunk_size > MAX_FUTURES:
        raise SizeError(f"chunk_size must be ≤ {MAX_FUTURES:,}, got {chunk_size:,}")


def available_memory() -> int:
    """Bytes of memory this process can use: physical memory, or a smaller cgroup limit.

    Physical memory rather than what is free at this instant, so that a run is not refused
    because of a passing peak of other processes; 16 GiB where the system does not say.
    """
    try:
        total = int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        total = FALLBACK_MEMORY
    for limit_file in ("/sys/fs/cgroup/memory.max",
                       "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return total


def run_bytes(*, futures: int, n_actors: int, n_binary: int, n_continuous: int, months: int,
              events: bool) -> int:
    """An estimate of the peak memory of a run held in memory and then stored.

    Per future: the result arrays (first month, count, value, quarter rungs, final dyads and
    actors) twice (chunks, then their concatenation), the rows written to the store, and, when
    events are recorded, one 10-byte event per ordered pair of actors per month at most.
    """
    quarters = -(-months // 3)
    pairs = n_actors * max(n_actors - 1, 0)
    arrays = (6 * n_binary + 8 * n_continuous + quarters + 24 * n_actors * n_actors
              + 16 * n_actors)
    stored = 40 * (n_binary + n_continuous + quarters + pairs + n_actors)
    per_future = 2 * arrays + stored + (20 * pairs * months if events else 0)
    return futures * per_future


def _gib(n: float) -> str:
    return f"{n / 2**30:,.1f} GiB"


def check_memory(model: CompiledScenario, futures: int, *, events: bool = False,
                 what: str = "this run") -> int:
    """Refuse a run whose estimated memory (:func:`run_bytes`) exceeds the memory available."""
    need = run_bytes(futures=futures, n_actors=model.n_actors,
                     n_binary=len(model.outcomes.binary),
                     n_continuous=len(model.outcomes.continuous), months=model.horizon,
                     events=events)
    have = available_memory()
    if need > have:
        hint = "; run with --no-events, or" if events else "; run"
        raise SizeError(f"{what} needs about {_gib(need)} of memory for {futures:,} futures x "
                        f"{model.horizon} months, more than the {_gib(have)} of memory here{hint} "
                        "fewer futures")
    return need


def describe_run(loaded: LoadedScenario, prepared: LoadedScenario, model: CompiledScenario, *,
                 futures: int, seed: int, chunk_size: int, claims_off: Sequence[str] = (),
                 overrides: dict | None = None, elapsed: float = 0.0) -> RunMetadata:
    """The metadata of a finished run (the only place a :class:`RunMetadata` is built)."""
    return RunMetadata(
        scenario=loaded.scenario.name,
        scenario_sha256=prepared.sha256,
        seed=seed,
        futures=futures,
        months=model.horizon,
        version=__version__,
        futures_per_block=FUTURES_PER_BLOCK,
        chunk_size=chunk_size,
        shocks=model.shocks_enabled,
        claims_off=list(claims_off),
        overrides=dict(overrides or {}),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        elapsed_seconds=round(elapsed, 3),
    )
