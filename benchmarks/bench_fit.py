"""Benchmark of fits: parameter sets simulated, wall time and peak memory per method.

Two parts. The *model* fit: ``korea-2024``'s declared uncertainties fitted by ABC-SMC to the
24 months before ``--until`` of a history folder (``--history``; default ``../shared/data/
history`` when it exists, else a generated synthetic folder), ``--budget`` parameter sets of
``--replicates`` futures each; "simulated future-months" is futures x months, the engine's
unit of work. ``--backtest`` adds a five-origin backtest (one such fit per origin plus the
forecasts). The *toy* fit (``peninsula.estimation.toy``: Poisson launches with a pause chain,
3 parameters) measures the inference methods' own overhead. Each run is a fresh child
process, so its peak memory (max RSS) is its own.

Run: python benchmarks/bench_fit.py [--budget 400] [--replicates 16] [--backtest]
     [--months 120] [--abc-budget 50000] [--hm-budget 4000] [--no-toy]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time

from rich.console import Console
from rich.table import Table


def _fit(method: str, months: int, budget: int, queue: mp.Queue) -> None:
    import numpy as np

    from peninsula.estimation.inference import abc_smc, history_matching
    from peninsula.estimation.toy import TOY_BOUNDS, TOY_STATS, toy_simulator

    simulate = toy_simulator(months)
    truth = np.array([[1.5, 0.15, 0.3]])
    observed = simulate(truth, 42)[0]
    started = time.perf_counter()
    if method == "abc":
        post = abc_smc(simulate, TOY_BOUNDS, observed, stat_names=TOY_STATS, budget=budget,
                       population=500, seed=1)
    else:
        post = history_matching(simulate, TOY_BOUNDS, observed, stat_names=TOY_STATS,
                                budget=budget, waves=4, replicates=10, candidates=20_000,
                                population=500, seed=1)
    seconds = time.perf_counter() - started
    sims = post.diagnostics["simulations"] + len(post.predictive)
    ci = post.interval(0.9)
    inside = all(ci.loc[n, "lower"] <= v <= ci.loc[n, "upper"]
                 for n, v in zip(TOY_BOUNDS.names, truth[0], strict=True))
    queue.put({"seconds": seconds, "sims": sims, "months": months,
               "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               "ess": post.ess, "inside": inside})


def _history(folder: str | None) -> str:
    from pathlib import Path

    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "history"
    if folder:
        return folder
    if shared.is_dir():
        return str(shared)
    import tempfile

    from peninsula.estimation.toy import write_example_history

    return str(write_example_history(tempfile.mkdtemp()))


def _model_fit(history: str, until: str, budget: int, replicates: int,
               queue: mp.Queue) -> None:
    from peninsula.estimation.fit import fit_scenario
    from peninsula.scenario.loading import load_scenario

    loaded = load_scenario("korea-2024")
    started = time.perf_counter()
    fit = fit_scenario(loaded, history, until=until, method="abc", budget=budget,
                       replicates=replicates, seed=1)
    seconds = time.perf_counter() - started
    queue.put({"seconds": seconds, "sets": fit.meta["cost"]["parameter_sets"],
               "future_months": fit.meta["cost"]["future_months"],
               "params": len(fit.params), "stats": len(fit.meta["statistics"]),
               "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               "ess": fit.posterior.ess})


def _backtest(history: str, budget: int, replicates: int, queue: mp.Queue) -> None:
    from peninsula.estimation.backtest_model import model_backtest
    from peninsula.scenario.loading import load_scenario

    loaded = load_scenario("korea-2024")
    started = time.perf_counter()
    model_backtest(loaded, history, ["2014-01", "2016-01", "2018-01", "2020-01", "2022-01"],
                   horizon=24, budget=budget, replicates=replicates, sets=50, futures=10)
    queue.put({"seconds": time.perf_counter() - started,
               "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})


def _child(*args, target=None) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=target or _fit, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--abc-budget", type=int, default=50_000)
    parser.add_argument("--hm-budget", type=int, default=4_000)
    parser.add_argument("--history", default=None)
    parser.add_argument("--until", default="2024-01")
    parser.add_argument("--budget", type=int, default=400)
    parser.add_argument("--replicates", type=int, default=16)
    parser.add_argument("--backtest", action="store_true")
    parser.add_argument("--backtest-budget", type=int, default=200)
    parser.add_argument("--no-toy", action="store_true")
    args = parser.parse_args()
    history = _history(args.history)
    r = _child(history, args.until, args.budget, args.replicates, target=_model_fit)
    model = Table(title=f"korea-2024 ABC fit: {r['params']} parameters, {r['stats']} "
                        f"statistics, 24-month window to {args.until}, {args.replicates} "
                        f"futures per set ({history})")
    for column in ("parameter sets", "simulated future-months", "seconds", "sets/s",
                   "peak RSS (MiB)", "ESS"):
        model.add_column(column, justify="right")
    model.add_row(f"{r['sets']:,}", f"{r['future_months']:,}", f"{r['seconds']:.1f}",
                  f"{r['sets'] / r['seconds']:.1f}", f"{r['rss_kb'] / 1024:.0f}",
                  f"{r['ess']:.0f}")
    Console().print(model)
    if args.backtest:
        b = _child(history, args.backtest_budget, 8, target=_backtest)
        Console().print(f"five-origin backtest (budget {args.backtest_budget} x 8 futures per "
                        f"fit, 50 x 10 futures per forecast): {b['seconds']:.1f} s, peak RSS "
                        f"{b['rss_kb'] / 1024:.0f} MiB")
    if args.no_toy:
        return
    table = Table(title=f"Toy fit, 3 parameters, 5 statistics, {args.months} months per history")
    for column in ("method", "parameter sets", "simulated months", "seconds", "sets/s",
                   "peak RSS (MiB)", "ESS", "truth in 90%"):
        table.add_column(column, justify="left" if column == "method" else "right")
    for method, budget in (("abc", args.abc_budget), ("history-matching", args.hm_budget)):
        r = _child(method, args.months, budget)
        table.add_row(method, f"{r['sims']:,}", f"{r['sims'] * r['months']:,}",
                      f"{r['seconds']:.1f}", f"{r['sims'] / r['seconds']:,.0f}",
                      f"{r['rss_kb'] / 1024:.0f}", f"{r['ess']:.0f}",
                      "yes" if r["inside"] else "no")
    Console().print(table)


if __name__ == "__main__":
    main()
