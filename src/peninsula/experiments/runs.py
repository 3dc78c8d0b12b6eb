"""A run: a scenario, a seed and a size, simulated and described so it can be reproduced."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import numpy as np

from peninsula._version import __version__
from peninsula.engine.compiled import CompiledScenario, compile_scenario
from peninsula.engine.draws import FUTURES_PER_BLOCK
from peninsula.engine.results import SimulationResult
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
) -> Run:
    """Simulate a scenario and describe the run."""
    check_size(futures=futures, months=months, seed=seed, chunk_size=chunk_size)
    prepared, applied = prepare(loaded, claims_off=claims_off, shocks=shocks, overrides=overrides)
    model = compile_scenario(prepared.scenario, horizon=months)
    started = time.perf_counter()
    result = run_ensemble(model, futures, seed, chunk_size=chunk_size,
                          record_events=record_events, on_progress=on_progress)
    metadata = describe_run(loaded, prepared, model, futures=futures, seed=seed,
                            chunk_size=chunk_size, claims_off=claims_off, overrides=applied,
                            elapsed=time.perf_counter() - started)
    return Run(metadata=metadata, model=model, result=result)


def check_size(*, futures: int, months: int | None = None, seed: int = 0,
               chunk_size: int = DEFAULT_CHUNK) -> None:
    """Refuse sizes a run cannot have, in the library's words (``futures must be ≥ 1``)."""
    if futures < 1:
        raise ValueError(f"futures must be ≥ 1, got {futures}")
    if months is not None and months < 1:
        raise ValueError(f"months must be ≥ 1, got {months}")
    if seed < 0:
        raise ValueError(f"seed must be ≥ 0, got {seed}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be ≥ 1, got {chunk_size}")


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
