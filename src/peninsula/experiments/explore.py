"""Run every policy (lever combination) over every sampled parameter set and store the results.

An exploration is planned first (:func:`plan_exploration`: the design, the policies, the
metadata that makes it reproducible), then run (:func:`run_exploration`). Each experiment is
one (sample, policy) pair: the sample's values and the policy's overrides are applied to the
scenario, which is compiled and simulated for ``futures`` futures on the sample's seed. The
seed depends on the root seed and the sample index only, so every policy of a sample meets the
same random draws (common random numbers) and differences between policies are not noise of
the draws. Each run is reduced at once to per-outcome probabilities and means, the per-quarter
mean escalation rung and the mean final relations, and streamed to the store in batches: no
run is kept.

Samples can be spread over worker processes; results are written in sample order, so the file
holds the same numbers with any number of workers.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from peninsula._version import __version__
from peninsula.engine.compiled import CompiledScenario, compile_scenario
from peninsula.engine.draws import FUTURES_PER_BLOCK
from peninsula.experiments.ensemble import DEFAULT_CHUNK, run_ensemble
from peninsula.experiments.executors import make_executor
from peninsula.experiments.runs import SizeError, available_memory, check_memory, check_size
from peninsula.experiments.sampling import Design, sample, sample_seed
from peninsula.scenario.exploration import ExplorationSpec, exploration_problems
from peninsula.scenario.loading import LoadedScenario, Problem, ScenarioError
from peninsula.store.explorations import (
    FILE_NAME,
    ExplorationWriter,
    discard_if_empty,
    finished_samples,
)

BATCH_EXPERIMENTS = 240
"""Experiments per write batch (and roughly per worker task): memory stays flat."""


@dataclass(frozen=True)
class ExplorationPlan:
    """Everything an exploration will run, decided before anything runs."""

    loaded: LoadedScenario
    spec: ExplorationSpec
    design: Design
    policies: list[dict[str, str]]
    futures: int
    months: int
    seed: int
    chunk_size: int
    samples_requested: int
    header: dict[str, Any] = field(repr=False)

    @property
    def n_experiments(self) -> int:
        """Samples x policies."""
        return self.design.n_samples * len(self.policies)

    @property
    def total_work(self) -> int:
        """Futures x months over the whole exploration (the progress bar's total)."""
        return self.n_experiments * self.futures * self.months


@dataclass(frozen=True)
class ExplorationSummary:
    """What a finished exploration wrote and how long it took."""

    path: Path
    experiments: int
    samples: int
    policies: int
    futures: int
    months: int
    elapsed_seconds: float


def spec_sha256(spec: ExplorationSpec) -> str:
    """Hash of the uncertainties and levers (part of what makes results reproducible)."""
    text = json.dumps(spec.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


MAX_EXPERIMENTS = 2**31 - 1
"""Most samples, and samples x policies, of one exploration (stored as 32-bit integers)."""


def check_exploration_size(samples: int, policies: int, uncertainties: int) -> None:
    """Refuse numbers of samples and experiments the store cannot hold or memory cannot take."""
    if samples < 1:
        raise SizeError(f"samples must be ≥ 1, got {samples}")
    if samples > MAX_EXPERIMENTS:
        raise SizeError(f"samples must be ≤ {MAX_EXPERIMENTS:,} (a 32-bit count), got "
                        f"{samples:,}")
    if samples * policies > MAX_EXPERIMENTS:
        raise SizeError(f"{samples:,} samples x {policies} policies = "
                        f"{samples * policies:,} experiments, more than {MAX_EXPERIMENTS:,} "
                        "(a 32-bit count): ask for fewer samples")
    need = 8 * samples * (4 * uncertainties + 2 * policies + 8)  # the design and its seeds
    have = available_memory()
    if need > have:
        raise SizeError(f"the design of {samples:,} samples needs about {need / 2**30:,.1f} GiB "
                        f"of memory, more than the {have / 2**30:,.1f} GiB here: ask for "
                        "fewer samples")


def plan_exploration(loaded: LoadedScenario, spec: ExplorationSpec, *, samples: int,
                     futures: int, seed: int, sampler: str = "lhs", months: int | None = None,
                     chunk_size: int = DEFAULT_CHUNK) -> ExplorationPlan:
    """Check the arguments and the spec, sample the design and describe the exploration.

    Raises ``ValueError`` for a bad number or sampler and
    :class:`~peninsula.scenario.loading.ScenarioError` when the scenario has no uncertainties
    or a path of the spec does not fit the scenario.
    """
    if not spec.uncertainties:
        raise ScenarioError([Problem(loaded.label, None, "uncertainties",
                                     "the scenario declares no uncertainties to explore")])
    problems = exploration_problems(loaded, spec, loaded.label)
    if problems:
        raise ScenarioError(problems)
    check_size(futures=futures, months=months, seed=seed, chunk_size=chunk_size)
    policies = spec.policies()
    check_exploration_size(samples, len(policies), len(spec.uncertainties))
    model = compile_scenario(loaded.scenario, horizon=months)
    check_memory(model, futures, what="each experiment")
    design = sample(spec.uncertainties, samples, sampler, seed)
    horizon = loaded.scenario.horizon_months if months is None else months
    header: dict[str, Any] = {
        "scenario": loaded.scenario.name,
        "scenario_sha256": loaded.sha256,
        "exploration_sha256": spec_sha256(spec),
        "seed": seed,
        "sampler": sampler,
        "samples": design.n_samples,
        "samples_requested": samples,
        "futures": futures,
        "months": horizon,
        "policies": len(policies),
        "experiments": design.n_samples * len(policies),
        "version": __version__,
        "start_month": loaded.scenario.start,
        "default_outcome": loaded.scenario.primary_outcome,
        "n_base": design.n_base,
        "calc_second_order": design.calc_second_order,
        "futures_per_block": FUTURES_PER_BLOCK,
        "chunk_size": chunk_size,
        "sample_seeds": "SeedSequence(seed, spawn_key=(0x5A4D, sample)), same for every policy",
        "spec": spec.model_dump(mode="json"),
    }
    return ExplorationPlan(loaded=loaded, spec=spec, design=design, policies=policies,
                           futures=futures, months=horizon, seed=seed, chunk_size=chunk_size,
                           samples_requested=samples, header=header)


# --------------------------------------------------------------------------- one sample


@dataclass
class _Rows:
    """Reduced results of consecutive experiments, as column arrays."""

    experiment: list[int] = field(default_factory=list)
    sample: list[int] = field(default_factory=list)
    policy: list[int] = field(default_factory=list)
    seed: list[int] = field(default_factory=list)
    value: list[np.ndarray] = field(default_factory=list)  # (n_outcomes,)
    hits: list[np.ndarray] = field(default_factory=list)
    sd: list[np.ndarray] = field(default_factory=list)
    rung: list[np.ndarray] = field(default_factory=list)  # (n_quarters,)
    start: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    end: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def extend(self, other: _Rows) -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))

    def __len__(self) -> int:
        return len(self.experiment)


def _overrides(plan_spec: ExplorationSpec, values: np.ndarray) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for u, x in zip(plan_spec.uncertainties, values, strict=True):
        overrides[u.path] = int(x) if u.distribution == "integer" else float(x)
    return overrides


def _reduce(model: CompiledScenario, result) -> tuple[np.ndarray, ...]:
    out = model.outcomes
    n_outcomes = len(out.ids)
    value = np.full(n_outcomes, np.nan)
    hits = np.zeros(n_outcomes, dtype=np.int64)
    sd = np.full(n_outcomes, np.nan)
    n = result.n_futures
    occurred = (result.first_month >= 0).sum(axis=0)
    for c, row in enumerate(out.binary):
        hits[row] = int(occurred[c])
        value[row] = occurred[c] / n
    for c, row in enumerate(out.continuous):
        column = result.value[:, c].astype(np.float64)
        value[row] = float(column.mean())
        sd[row] = float(column.std(ddof=1)) if n > 1 else np.nan
    rung = result.quarter_rung.astype(np.float64).mean(axis=0)
    end = (result.final_relation.astype(np.float64).mean(axis=0),
           result.final_commitment.astype(np.float64).mean(axis=0))
    return value, hits, sd, rung, end


def _run_samples(loaded: LoadedScenario, spec: ExplorationSpec, policies: list[dict[str, str]],
                 values: np.ndarray, first_sample: int, root_seed: int, futures: int,
                 months: int, chunk_size: int,
                 on_progress: Callable[[int], None] | None = None) -> _Rows:
    """Run every policy on samples ``first_sample ...`` (rows of ``values``)."""
    rows = _Rows()
    policy_overrides = [spec.policy_overrides(p) for p in policies]
    for offset, sample_values in enumerate(values):
        s = first_sample + offset
        seed = sample_seed(root_seed, s)
        base = _overrides(spec, sample_values)
        for p, extra in enumerate(policy_overrides):
            scenario = loaded.with_overrides({**base, **extra},
                                             why=f"sample {s}, policy {p}").scenario
            model = compile_scenario(scenario, horizon=months)
            result = run_ensemble(model, futures, seed, chunk_size=chunk_size,
                                  on_progress=on_progress)
            value, hits, sd, rung, end = _reduce(model, result)
            rows.experiment.append(s * len(policies) + p)
            rows.sample.append(s)
            rows.policy.append(p)
            rows.seed.append(seed)
            rows.value.append(value)
            rows.hits.append(hits)
            rows.sd.append(sd)
            rows.rung.append(rung)
            rows.start.append((model.relation.copy(), model.commitment.copy()))
            rows.end.append(end)
    return rows


# --------------------------------------------------------------------------- batches


def _sample_batches(plan: ExplorationPlan) -> list[tuple[int, int]]:
    per = max(1, BATCH_EXPERIMENTS // len(plan.policies))
    n = plan.design.n_samples
    return [(first, min(n, first + per)) for first in range(0, n, per)]


def _indexed_worker(item: tuple[int, tuple]) -> _Rows:
    return _run_samples(*item[1])


def _evaluate(plan: ExplorationPlan, workers: int,
              on_progress: Callable[[int], None] | None, executor: str = "processes",
              scheduler: str | None = None, skip: set[int] = frozenset()) -> Iterator[_Rows]:
    """Reduced rows batch by batch, in sample order, run here, in processes or on Dask.

    Batches finish in any order on a pool; they are handed on in sample order, so the stored
    file does not depend on the executor or the number of workers.
    """
    batches = _sample_batches(plan)
    if skip:  # resuming: batches are committed whole, so a stored first sample means done
        done = [(a, b) for a, b in batches if a in skip]
        if on_progress is not None and done:
            on_progress(sum((b - a) * len(plan.policies) * plan.futures * plan.months
                            for a, b in done))
        batches = [(a, b) for a, b in batches if a not in skip]
    args = [(plan.loaded, plan.spec, plan.policies, np.asarray(plan.design.values[a:b]), a,
             plan.seed, plan.futures, plan.months, plan.chunk_size) for a, b in batches]
    if executor == "local" or (executor == "processes" and workers <= 1):
        for item in args:
            yield _run_samples(*item, on_progress=on_progress)
        return
    per_batch = [(b - a) * len(plan.policies) * plan.futures * plan.months for a, b in batches]
    ready: dict[int, _Rows] = {}
    next_index = 0
    with make_executor(executor, workers, scheduler) as pool:
        for (index, _), rows in pool.map_unordered(_indexed_worker, list(enumerate(args))):
            if on_progress is not None:
                on_progress(per_batch[index])
            ready[index] = rows
            while next_index in ready:
                yield ready.pop(next_index)
                next_index += 1


def _columns(plan: ExplorationPlan, rows: _Rows) -> tuple[dict, dict, dict, dict]:
    n = len(rows)
    spec = plan.spec
    experiment = np.asarray(rows.experiment, dtype=np.int32)
    samples = np.asarray(rows.sample, dtype=np.int64)
    experiments: dict[str, np.ndarray] = {
        "experiment": experiment,
        "sample": samples.astype(np.int32),
        "policy": np.asarray(rows.policy, dtype=np.int32),
        "seed": np.asarray(rows.seed, dtype=np.int64),
    }
    values = np.asarray(plan.design.values)[samples]
    for j, u in enumerate(spec.uncertainties):
        column = values[:, j]
        experiments[u.name] = (column.astype(np.int64) if u.distribution == "integer"
                               else column.astype(np.float64))
    for lever in spec.levers:
        experiments[lever.id] = np.array([plan.policies[p][lever.id] for p in rows.policy],
                                         dtype=object)
    ids = list(plan.header["outcome_ids"])
    k = len(ids)
    outcomes = {
        "experiment": np.repeat(experiment, k),
        "outcome": np.tile(np.array(ids, dtype=object), n),
        "value": np.concatenate(rows.value),
        "hits": np.concatenate(rows.hits).astype(np.int32),
        "sd": np.concatenate(rows.sd),
    }
    q = rows.rung[0].size
    paths = {
        "experiment": np.repeat(experiment, q),
        "quarter": np.tile(np.arange(q, dtype=np.int16), n),
        "mean_rung": np.concatenate(rows.rung),
    }
    a = rows.start[0][0].shape[0]
    src, tgt = np.nonzero(~np.eye(a, dtype=bool))
    pairs = src.size
    dyads = {
        "experiment": np.repeat(experiment, pairs),
        "source": np.tile(src, n).astype(np.int16),
        "target": np.tile(tgt, n).astype(np.int16),
        "relation_start": np.concatenate([r[src, tgt] for r, _ in rows.start]),
        "commitment_start": np.concatenate([c[src, tgt] for _, c in rows.start]),
        "relation_end": np.concatenate([r[src, tgt] for r, _ in rows.end]),
        "commitment_end": np.concatenate([c[src, tgt] for _, c in rows.end]),
    }
    return experiments, outcomes, paths, dyads


def run_exploration(plan: ExplorationPlan, out_dir: Path, *, workers: int = 1,
                    on_progress: Callable[[int], None] | None = None,
                    executor: str = "processes",
                    scheduler: str | None = None, resume: bool = False) -> ExplorationSummary:
    """Run a planned exploration into ``out_dir/exploration.duckdb`` (which must not exist).

    ``on_progress`` receives the number of futures x months just simulated.
    """
    if workers < 1:
        raise ValueError(f"workers must be ≥ 1, got {workers}")
    path = Path(out_dir) / FILE_NAME
    scenario = plan.loaded.scenario
    outcome_defs = [{"id": o.id, "label": o.label,
                     "kind": "continuous" if o.kind == "arms_growth" else "binary"}
                    for o in scenario.outcomes]
    header = dict(plan.header)
    header["outcome_ids"] = [o["id"] for o in outcome_defs]
    header["workers"] = workers
    header["executor"] = executor
    header["created"] = datetime.now(UTC).isoformat(timespec="seconds")
    plan = ExplorationPlan(**{**plan.__dict__, "header": header})
    integer_columns = [u.name for u in plan.spec.uncertainties if u.distribution == "integer"]
    skip = finished_samples(path, header) if resume and path.exists() else set()
    created = not path.exists()
    try:
        return _write_exploration(plan, path, header, scenario, outcome_defs, integer_columns,
                                  workers, on_progress, executor, scheduler, resume, skip)
    except BaseException:
        if created:
            discard_if_empty(path)
        raise


def _write_exploration(plan: ExplorationPlan, path: Path, header: dict[str, Any], scenario,
                       outcome_defs: list[dict[str, str]], integer_columns: list[str],
                       workers: int, on_progress: Callable[[int], None] | None, executor: str,
                       scheduler: str | None, resume: bool, skip: set[int]
                       ) -> ExplorationSummary:
    started = time.perf_counter()
    with ExplorationWriter(
        path, header,
        uncertainties=[{"name": u.name, **u.model_dump(mode="json")}
                       for u in plan.spec.uncertainties],
        integer_columns=integer_columns,
        levers=[lever.model_dump(mode="json") for lever in plan.spec.levers],
        policies=plan.policies,
        actors=scenario.actor_codes,
        outcomes=outcome_defs,
        resume=resume,
    ) as writer:
        for rows in _evaluate(plan, workers, on_progress, executor, scheduler, skip):
            writer.append(*_columns(plan, rows))
        elapsed = time.perf_counter() - started
        writer.finish(elapsed)
    return ExplorationSummary(path=path, experiments=plan.n_experiments,
                              samples=plan.design.n_samples, policies=len(plan.policies),
                              futures=plan.futures, months=plan.months,
                              elapsed_seconds=round(elapsed, 3))


def explore(loaded: LoadedScenario, spec: ExplorationSpec, out_dir: Path, *, samples: int,
            futures: int, seed: int, sampler: str = "lhs", months: int | None = None,
            workers: int = 1, chunk_size: int = DEFAULT_CHUNK,
            on_progress: Callable[[int], None] | None = None, executor: str = "processes",
            scheduler: str | None = None, resume: bool = False) -> ExplorationSummary:
    """Plan and run an exploration (see :func:`plan_exploration` and :func:`run_exploration`)."""
    plan = plan_exploration(loaded, spec, samples=samples, futures=futures, seed=seed,
                            sampler=sampler, months=months, chunk_size=chunk_size)
    return run_exploration(plan, out_dir, workers=workers, on_progress=on_progress,
                           executor=executor, scheduler=scheduler, resume=resume)


def policy_labels(policies: Sequence[dict[str, str]]) -> list[str]:
    """Readable labels of policies: ``china_answer=mediate, us_posture=deter``."""
    return [", ".join(f"{k}={v}" for k, v in p.items()) or "as written" for p in policies]
