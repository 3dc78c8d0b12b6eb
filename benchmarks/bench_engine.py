"""Engine speed: futures x months per second, peak memory, and speed-up over the reference.

Run: ``python benchmarks/bench_engine.py`` (add ``--quick`` to skip 100,000 futures).
Each measurement runs in a fresh subprocess so its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import json
import subprocess
import sys

from rich.console import Console
from rich.table import Table

MEASURE = r"""
import json, resource, sys, time
from peninsula.engine.compiled import compile_scenario
from peninsula.scenario.loading import load_scenario
from peninsula.experiments.ensemble import run_ensemble
from peninsula.engine.reference import simulate_reference
futures, months, engine = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
model = compile_scenario(load_scenario("korea-2024").scenario, horizon=months)
start = time.perf_counter()
if engine == "reference":
    simulate_reference(model, futures, seed=1)
else:
    run_ensemble(model, futures, seed=1)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "peak_mib": peak}))
"""


def measure(futures: int, months: int, engine: str = "vectorised") -> dict:
    done = subprocess.run([sys.executable, "-c", MEASURE, str(futures), str(months), engine],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    quick = "--quick" in sys.argv
    console = Console()
    table = Table(title="korea-2024, vectorised engine (one process)")
    for column in ("futures", "months", "seconds", "futures x months / s", "peak MiB"):
        table.add_column(column, justify="right")
    sizes = [(1_000, 24), (10_000, 24)] + ([] if quick else [(100_000, 24)])
    sizes += [(10_000, 12), (10_000, 48)]
    rates = {}
    for futures, months in sizes:
        m = measure(futures, months)
        rate = futures * months / m["seconds"]
        rates[(futures, months)] = rate
        table.add_row(f"{futures:,}", str(months), f"{m['seconds']:.2f}", f"{rate:,.0f}",
                      f"{m['peak_mib']:.0f}")
    console.print(table)
    ref = measure(30, 24, "reference")
    ref_rate = 30 * 24 / ref["seconds"]
    speedup = rates[(10_000, 24)] / ref_rate
    console.print(f"Reference engine: 30 futures x 24 months in {ref['seconds']:.1f} s "
                  f"({ref_rate:,.0f} futures x months / s); vectorised at 10,000 futures is "
                  f"{speedup:,.0f}x faster.")


if __name__ == "__main__":
    main()
