"""Engine speed: futures x months per second, peak memory, and speed-up over the reference.

Run: ``python benchmarks/bench_engine.py`` (``--quick`` skips 100,000 futures and the growth
table; ``--json PATH`` also writes every figure). Each measurement runs in a fresh subprocess so
its peak memory (ru_maxrss) is its own. The shared machine is noisy: the ratio to the reference
engine, measured in the same run, is the figure that counts; CPU seconds are shown beside wall
seconds. Two ways to choose are timed: the fused Numba kernel (``pip install 'peninsula[fast]'``)
and the NumPy passes (``PENINSULA_KERNEL=numpy``); they give identical results.

Tables: (1) korea-2024 by futures and months, each kernel; (2) the reference engine and the
ratios; (3) growth with actors (south-asia-2019, 3 actors, vs korea-2024, 6) and actions
(korea-2024 with copies of some of its actions), with fitted exponents (time ~ x^b).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

MEASURE = r"""
import json, resource, sys, time
from peninsula.engine import kernels
from peninsula.engine.compiled import compile_scenario
from peninsula.scenario.loading import load_scenario
from peninsula.experiments.ensemble import run_ensemble
from peninsula.engine.reference import simulate_reference
futures, months, engine, name, extra = (int(sys.argv[1]), int(sys.argv[2]), sys.argv[3],
                                        sys.argv[4], int(sys.argv[5]))
scenario = load_scenario(name).scenario
if extra:  # copies of the first `extra` actions after doing nothing: a longer catalogue
    copies = [a.model_copy(update={"id": f"{a.id}_copy"}) for a in scenario.actions[1:extra + 1]]
    scenario = scenario.model_copy(update={"actions": list(scenario.actions) + copies})
model = compile_scenario(scenario, horizon=months)
warm = time.perf_counter()
if engine != "reference":
    run_ensemble(model, 100, seed=0)  # loads (or compiles) the kernel, as any first run does
warm = time.perf_counter() - warm
wall, cpu = time.perf_counter(), time.process_time()
if engine == "reference":
    simulate_reference(model, futures, seed=1)
else:
    run_ensemble(model, futures, seed=1)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": wall, "cpu_seconds": cpu, "peak_mib": peak, "warm_seconds": warm,
                  "actors": model.n_actors, "actions": model.n_actions}))
"""

KERNELS = ("fused", "numpy")


def measure(futures: int, months: int, engine: str = "fused", scenario: str = "korea-2024",
            extra_actions: int = 0) -> dict:
    """One measurement in a fresh process; ``engine``: fused, numpy or reference."""
    env = dict(os.environ, PENINSULA_KERNEL="numpy" if engine == "numpy" else "")
    done = subprocess.run([sys.executable, "-c", MEASURE, str(futures), str(months), engine,
                           scenario, str(extra_actions)],
                          capture_output=True, text=True, check=True, env=env)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["rate"] = futures * months / result["seconds"]
    result["cpu_rate"] = futures * months / result["cpu_seconds"]
    return result


def size_table(console: Console, quick: bool, kernels: tuple[str, ...]) -> dict:
    table = Table(title="korea-2024, vectorised engine (one process, one core)")
    for column in ("kernel", "futures", "months", "seconds", "CPU s", "futures x months / s",
                   "per CPU s", "peak MiB", "kernel load s"):
        table.add_column(column, justify="right")
    sizes = [(1_000, 24), (10_000, 24)] + ([] if quick else [(100_000, 24)])
    sizes += [(10_000, 12), (10_000, 48)]
    rows = {}
    for kernel in kernels:
        for futures, months in sizes:
            m = measure(futures, months, kernel)
            rows[f"{kernel} {futures}x{months}"] = m
            table.add_row(kernel, f"{futures:,}", str(months), f"{m['seconds']:.2f}",
                          f"{m['cpu_seconds']:.2f}", f"{m['rate']:,.0f}", f"{m['cpu_rate']:,.0f}",
                          f"{m['peak_mib']:.0f}", f"{m['warm_seconds']:.2f}")
    console.print(table)
    return rows


def reference_lines(console: Console, rows: dict, kernels: tuple[str, ...]) -> dict:
    ref = measure(30, 24, "reference")
    console.print(f"Reference engine: 30 futures x 24 months in {ref['seconds']:.1f} s "
                  f"({ref['rate']:,.0f} futures x months / s; {ref['cpu_rate']:,.0f} per CPU s).")
    ratios = {}
    for kernel in kernels:
        m = rows[f"{kernel} 10000x24"]
        ratios[kernel] = m["cpu_rate"] / ref["cpu_rate"]
        console.print(f"  {kernel}: 10,000 futures x 24 months at {m['rate']:,.0f} / s "
                      f"({m['cpu_rate']:,.0f} per CPU s) is {m['rate'] / ref['rate']:,.0f}x the "
                      f"reference by wall time, {ratios[kernel]:,.0f}x by CPU time.")
    aim = 240_000 / ref["cpu_rate"]
    console.print(f"The aim, 240,000 futures x months / s, is {aim:,.0f}x this run's reference "
                  "rate (CPU time).")
    return {"reference": ref, "ratios": ratios, "aim_ratio": aim}


def _exponent(xs: list[float], ts: list[float]) -> float:
    return float(np.polyfit(np.log(xs), np.log(ts), 1)[0])


def growth_table(console: Console, kernels: tuple[str, ...]) -> dict:
    table = Table(title="Growth with actors and actions (10,000 futures x 24 months)")
    for column in ("kernel", "scenario", "actors", "actions", "CPU s", "per CPU s"):
        table.add_column(column, justify="right")
    exponents = {}
    for kernel in kernels:
        asia = measure(10_000, 24, kernel, "south-asia-2019")
        korea = measure(10_000, 24, kernel)
        for name, m in (("south-asia-2019", asia), ("korea-2024", korea)):
            table.add_row(kernel, name, str(m["actors"]), str(m["actions"]),
                          f"{m['cpu_seconds']:.2f}", f"{m['cpu_rate']:,.0f}")
        exponents[f"{kernel} actors"] = (math.log(korea["cpu_seconds"] / asia["cpu_seconds"])
                                         / math.log(korea["actors"] / asia["actors"]))
        ks, ts = [korea["actions"]], [korea["cpu_seconds"]]
        for extra in (9, 18, 27):
            m = measure(10_000, 24, kernel, extra_actions=extra)
            ks.append(m["actions"])
            ts.append(m["cpu_seconds"])
            table.add_row(kernel, f"korea-2024 + {extra} copies", str(m["actors"]),
                          str(m["actions"]), f"{m['cpu_seconds']:.2f}", f"{m['cpu_rate']:,.0f}")
        exponents[f"{kernel} actions"] = _exponent(ks, ts)
    console.print(table)
    console.print("Fitted exponents (CPU time ~ x^b): " + ", ".join(
        f"{k} b = {v:.2f}" for k, v in exponents.items())
        + "  (actors: two points, 3 vs 6; the two scenarios also differ in behaviour)")
    return exponents


def main() -> None:
    quick = "--quick" in sys.argv
    console = Console(width=150)
    from peninsula.engine.kernels import numba_available

    kernels = KERNELS if numba_available() else ("numpy",)
    if not numba_available():
        console.print("numba is not installed: only the NumPy passes are timed.")
    figures: dict = {"sizes": size_table(console, quick, kernels)}
    figures.update(reference_lines(console, figures["sizes"], kernels))
    if not quick:
        figures["exponents"] = growth_table(console, kernels)
    if "--json" in sys.argv:
        Path(sys.argv[sys.argv.index("--json") + 1]).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
