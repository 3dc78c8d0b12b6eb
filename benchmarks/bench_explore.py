"""Benchmark of the exploratory analysis: explore, analyze and report on korea-2024.

Times ``explore korea-2024 --samples S --futures F`` over all twelve lever combinations
(the issue's target: S = 500, F = 200, i.e. 1.2 million futures x 24 months, under 5 minutes
on the 2-core machine), then ``analyze`` (every figure the command prints) and ``report``
(render and write the HTML), each in a fresh child process so peak memory (max RSS) is its
own. With fewer samples than 500 the explore time is also extrapolated linearly to 500
(time grows with samples x policies x futures; analysis and report barely grow).

Run: python benchmarks/bench_explore.py [--samples 500] [--futures 200] [--workers 1]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table


def _explore(out: str, samples: int, futures: int, months: int | None, workers: int,
             sampler: str, queue: mp.Queue) -> None:
    from peninsula.experiments.explore import plan_exploration, run_exploration
    from peninsula.scenario.exploration import load_exploration
    from peninsula.scenario.loading import load_scenario

    started = time.perf_counter()
    loaded = load_scenario("korea-2024")
    spec = load_exploration("korea-2024", loaded)
    plan = plan_exploration(loaded, spec, samples=samples, futures=futures, seed=2024,
                            sampler=sampler, months=months)
    summary = run_exploration(plan, Path(out), workers=workers)
    elapsed = time.perf_counter() - started
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    queue.put({"seconds": elapsed, "rss_kb": rss, "experiments": summary.experiments,
               "futures": summary.experiments * futures, "months": plan.months,
               "samples": summary.samples, "policies": summary.policies})


def _analyze(out: str, queue: mp.Queue) -> None:
    started = time.perf_counter()
    from peninsula.analysis.discovery import discover
    from peninsula.analysis.policies import policy_probabilities
    from peninsula.analysis.robustness import robustness_of
    from peninsula.analysis.sensitivity import sensitivity
    from peninsula.store.explorations import open_results

    res = open_results(out)
    policy_probabilities(res)
    robustness_of(res, outcome="war_on_peninsula")
    robustness_of(res, objective="war_on_peninsula=3,limited_clash=1,+inter_korean_talks=1")
    for o in res.outcomes:
        sensitivity(res, o["id"])
    discover(res, "war_on_peninsula", 0.05)
    queue.put({"seconds": time.perf_counter() - started,
               "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})


def _report(out: str, queue: mp.Queue) -> None:
    started = time.perf_counter()
    from peninsula.report.html import render_exploration_report, write_report
    from peninsula.store.explorations import open_results

    html = render_exploration_report(open_results(out))
    write_report(html, Path(out) / "report.html")
    queue.put({"seconds": time.perf_counter() - started,
               "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               "mb": len(html) / 1e6})


def _child(target, *args) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--futures", type=int, default=200)
    parser.add_argument("--months", type=int, default=None)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--sampler", default="lhs")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        explored = _child(_explore, tmp, args.samples, args.futures, args.months, args.workers,
                          args.sampler)
        analyzed = _child(_analyze, tmp)
        reported = _child(_report, tmp)
    table = Table(title=f"korea-2024: {explored['samples']} samples x {explored['policies']} "
                        f"policies x {args.futures} futures x {explored['months']} months "
                        f"({explored['futures']:,} futures, {args.workers} worker(s))")
    for column in ("step", "seconds", "peak RSS (MiB)", "note"):
        table.add_column(column, justify="left" if column in ("step", "note") else "right")
    rate = explored["futures"] / explored["seconds"]
    table.add_row("explore", f"{explored['seconds']:.1f}", f"{explored['rss_kb'] / 1024:.0f}",
                  f"{rate:,.0f} futures/s")
    table.add_row("analyze", f"{analyzed['seconds']:.1f}", f"{analyzed['rss_kb'] / 1024:.0f}",
                  "probabilities, robustness x2, Sobol/screening, PRIM")
    table.add_row("report", f"{reported['seconds']:.1f}", f"{reported['rss_kb'] / 1024:.0f}",
                  f"{reported['mb']:.1f} MB HTML")
    console.print(table)
    target = 500 * explored["policies"] * 200
    if explored["futures"] == target and explored["months"] == 24:
        return
    if args.futures < 100 or explored["months"] != 24:
        console.print("No extrapolation to 500 x 200 x 24 months: with fewer than 100 futures "
                      "or another horizon the per-run overhead dominates the rate.")
        return
    console.print(f"Extrapolated explore for 500 samples x 200 futures ({target:,} futures x 24 "
                  f"months): {target / rate:,.0f} s ({target / rate / 60:.1f} min) at "
                  f"{rate:,.0f} futures/s")


if __name__ == "__main__":
    main()
