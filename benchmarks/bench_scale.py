"""Scale-out speed: executors, parallel efficiency, per-chunk overhead, and how cost grows.

Run: ``python benchmarks/bench_scale.py`` (``--quick`` for a smaller ensemble; ``--futures``,
``--months``, ``--chunk`` to choose). Prints:

1. One table for the flagship (korea-2024) on the local, processes and Dask executors at 1
   and 2 workers: futures x months per second, parallel efficiency, peak memory (summed over
   the process tree), executor start-up, and overhead per chunk. Each row runs in a fresh
   child process. A row "processes x2 + store" also commits every chunk to a chunk store.
2. The vectorised engine against the scalar reference (from ``bench_engine.py``).
3. How time grows with futures, months, actors (south-asia-2019, 3 actors, vs korea-2024, 6)
   and actions (korea-2024 with its action catalogue duplicated), with fitted exponents.
4. The cluster size a 10,000-sample x 1,000-future sweep would need, with the arithmetic.

Definitions: *efficiency* at 2 workers = time at 1 worker / (2 x time at 2 workers), same
executor. *Overhead per chunk* = (run time at 1 worker - local run time) / chunks: what
shipping a chunk to a worker and its result back costs beyond the computation itself.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent


class TreeMemory:
    """Samples the summed RSS of this process and all its descendants; keeps the peak."""

    def __init__(self, every: float = 0.05):
        import psutil

        self.root = psutil.Process()
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        total = 0
        for proc in [self.root, *self.root.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except Exception:  # noqa: BLE001 - a process may end while we look
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.every)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def measure_child(kind: str, workers: int, futures: int, months: int, chunk: int,
                  store: bool) -> dict:
    """One executor run in this (fresh) process; prints a JSON line."""
    from peninsula.engine.compiled import compile_scenario
    from peninsula.experiments.executors import make_executor
    from peninsula.experiments.parallel import run_ensemble_parallel, run_identity
    from peninsula.scenario.loading import load_scenario
    from peninsula.store.chunks import ChunkStore

    loaded = load_scenario("korea-2024")
    model = compile_scenario(loaded.scenario, horizon=months)
    with TreeMemory() as memory, tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with make_executor(kind, workers) as executor:
            ready = time.perf_counter()
            if store:
                ident = run_identity(scenario_sha256=loaded.sha256, seed=1, futures=futures,
                                     months=months, chunk_size=chunk, record_events=False)
                with ChunkStore(Path(tmp) / "chunks.duckdb", ident) as chunk_store:
                    run_ensemble_parallel(model, futures, 1, executor=executor,
                                          chunk_size=chunk, store=chunk_store)
            else:
                run_ensemble_parallel(model, futures, 1, executor=executor, chunk_size=chunk)
            ran = time.perf_counter()
        closed = time.perf_counter()
    return {"startup": ready - started, "run": ran - ready, "close": closed - ran,
            "total": closed - started, "peak_mib": memory.peak / 2**20}


def measure(kind: str, workers: int, futures: int, months: int, chunk: int,
            store: bool = False) -> dict:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--measure", kind, str(workers),
         str(futures), str(months), str(chunk), "1" if store else "0"],
        capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def executor_table(console: Console, futures: int, months: int, chunk: int) -> dict:
    from peninsula.experiments.ensemble import plan_chunks

    n_chunks = len(plan_chunks(futures, chunk))
    rows = [("local", 1, False), ("processes", 1, False), ("processes", 2, False),
            ("dask", 1, False), ("dask", 2, False), ("processes", 2, True)]
    results = {}
    for kind, workers, store in rows:
        results[(kind, workers, store)] = measure(kind, workers, futures, months, chunk, store)
    local = results[("local", 1, False)]["run"]
    table = Table(title=f"korea-2024, {futures:,} futures x {months} months, chunks of {chunk} "
                        f"({n_chunks} chunks), no event stream")
    for column in ("executor", "workers", "start-up s", "run s", "futures x months / s",
                   "efficiency", "peak MiB", "overhead / chunk", "overhead % of run"):
        table.add_column(column, justify="right" if column != "executor" else "left")
    for (kind, workers, store), m in results.items():
        rate = futures * months / m["run"]
        one = results.get((kind, 1, store)) or results.get((kind, 1, False))
        efficiency = "-" if workers == 1 else f"{one['run'] / (workers * m['run']):.0%}"
        if workers == 1 and kind != "local":
            per_chunk = (m["run"] - local) / n_chunks
            overhead = f"{1000 * per_chunk:+.1f} ms"
            share = f"{(m['run'] - local) / local:+.1%}"
        else:
            overhead = share = "-"
        label = kind + (" + store" if store else "")
        table.add_row(label, str(workers), f"{m['startup']:.2f}", f"{m['run']:.2f}",
                      f"{rate:,.0f}", efficiency, f"{m['peak_mib']:.0f}", overhead, share)
    console.print(table)
    return results


def _time(model, futures: int, repeats: int = 1) -> float:
    from peninsula.experiments.ensemble import run_ensemble

    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        run_ensemble(model, futures, 1)
        best = min(best, time.perf_counter() - started)
    return best


def _exponent(xs: list[float], ts: list[float]) -> float:
    return float(np.polyfit(np.log(xs), np.log(ts), 1)[0])


def growth_table(console: Console, quick: bool) -> dict:
    from peninsula.engine.compiled import compile_scenario
    from peninsula.scenario.loading import load_scenario

    korea = load_scenario("korea-2024").scenario
    asia = load_scenario("south-asia-2019").scenario
    base_f = 5_000 if quick else 10_000
    table = Table(title="How single-process time grows (vectorised engine, chunks of 2,000)")
    for column in ("dimension", "scenario", "futures", "months", "actors", "actions", "seconds",
                   "futures x months / s"):
        table.add_column(column, justify="right" if column not in ("dimension", "scenario")
                         else "left")
    exponents = {}

    def row(dim: str, name: str, scenario, futures: int, months: int) -> float:
        model = compile_scenario(scenario, horizon=months)
        seconds = _time(model, futures)
        table.add_row(dim, name, f"{futures:,}", str(months), str(model.n_actors),
                      str(model.n_actions), f"{seconds:.2f}", f"{futures * months / seconds:,.0f}")
        return seconds

    fs = [base_f // 2, base_f, 2 * base_f, 4 * base_f]
    ts = [row("futures", "korea-2024", korea, f, 24) for f in fs]
    exponents["futures"] = _exponent(fs, ts)
    ms = [12, 24, 48]
    ts = [row("months", "korea-2024", korea, base_f, m) for m in ms]
    exponents["months"] = _exponent(ms, ts)
    t3 = row("actors", "south-asia-2019", asia, base_f, 24)
    t6 = row("actors", "korea-2024", korea, base_f, 24)
    exponents["actors"] = math.log(t6 / t3) / math.log(6 / 3)
    ks, ts = [], []
    for copies in (1, 2, 3):
        extra = [a.model_copy(update={"id": f"{a.id}_{c}"})
                 for c in range(1, copies) for a in korea.actions[1:]]
        variant = korea.model_copy(update={"actions": list(korea.actions) + extra})
        ks.append(len(variant.actions))
        ts.append(row("actions", f"korea-2024 x{copies} actions", variant, base_f, 24))
    exponents["actions"] = _exponent(ks, ts)
    console.print(table)
    console.print("Fitted exponents (time ~ x^b): " + ", ".join(
        f"{k} b = {v:.2f}" for k, v in exponents.items())
        + "  (actors: two points, 3 vs 6; the two scenarios also differ in behaviour)")
    return exponents


def reference_line(console: Console, local_rate: float) -> None:
    sys.path.insert(0, str(HERE))
    from bench_engine import measure as engine_measure

    ref = engine_measure(30, 24, "reference")
    ref_rate = 30 * 24 / ref["seconds"]
    console.print(f"Scalar reference engine: 30 futures x 24 months in {ref['seconds']:.1f} s "
                  f"({ref_rate:,.0f} futures x months / s); the vectorised engine on the local "
                  f"executor is {local_rate / ref_rate:,.0f}x faster.")


def cluster_estimate(console: Console, rate_1: float, efficiency: float) -> None:
    from peninsula.engine.compiled import compile_scenario
    from peninsula.scenario.loading import load_scenario

    loaded = load_scenario("korea-2024")
    started = time.perf_counter()
    for i in range(20):
        compile_scenario(loaded.with_overrides({"shocks.enabled": bool(i % 2)}).scenario,
                         horizon=24)
    compile_s = (time.perf_counter() - started) / 20
    samples, futures, months, policies = 10_000, 1_000, 24, 12
    work = samples * policies * futures * months
    core_s = work / rate_1 + samples * policies * compile_s
    eff = max(min(efficiency, 1.0), 0.5)
    lines = [
        f"Sweep: {samples:,} samples x {policies} policies x {futures:,} futures x {months} "
        f"months = {work:.3g} futures x months.",
        f"At {rate_1:,.0f} futures x months / s per core (measured, 1 worker) plus "
        f"{1000 * compile_s:.1f} ms to apply a sample and compile, per experiment: "
        f"{work:.3g} / {rate_1:,.0f} + {samples * policies:,} x {compile_s:.4f} s = "
        f"{core_s:,.0f} core-seconds = {core_s / 3600:,.1f} core-hours.",
        f"At the measured 2-worker efficiency ({efficiency:.0%}; {eff:.0%} used):",
    ]
    for hours in (8, 1, 0.25):
        cores = core_s / (hours * 3600 * eff)
        lines.append(f"  within {hours:g} h: {cores:,.0f} cores "
                     f"(about {math.ceil(cores / 16):,} 16-core machines)")
    console.print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--futures", type=int, default=None)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--measure", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        kind, workers, futures, months, chunk, store = args.measure
        print(json.dumps(measure_child(kind, int(workers), int(futures), int(months),
                                       int(chunk), store == "1")))
        return
    futures = args.futures or (20_000 if args.quick else 60_000)
    console = Console(width=150)
    console.print(f"{os.cpu_count()} CPU cores; load average "
                  f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} at start")
    results = executor_table(console, futures, args.months, args.chunk)
    local_rate = futures * args.months / results[("local", 1, False)]["run"]
    reference_line(console, local_rate)
    growth_table(console, args.quick)
    best = max(results[(k, 1, False)]["run"] / (2 * results[(k, 2, False)]["run"])
               for k in ("processes", "dask"))
    cluster_estimate(console, local_rate, best)
    console.print(f"load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
