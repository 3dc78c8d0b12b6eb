"""Load test of ``peninsula serve``: concurrent users submit small runs and poll them.

Starts the app on a free loopback port (in a thread) unless ``--url`` names a running one,
then lets ``--users`` users each submit ``--runs`` small runs with httpx and poll every job
until it is final, loading pages in between. Checks that every accepted run completes (none
lost), that no job id is handed out twice (none duplicated) and that refusals are 429s;
prints p50/p95 page latency.

    python benchmarks/bench_web_load.py --users 20 --runs 2
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np


@dataclass
class Tally:
    """What the users saw."""

    accepted: list[str] = field(default_factory=list)
    refused: int = 0
    other: list[str] = field(default_factory=list)
    final: dict[str, str] = field(default_factory=dict)
    latency: list[float] = field(default_factory=list)


async def _get(client: httpx.AsyncClient, url: str, tally: Tally) -> httpx.Response:
    start = time.perf_counter()
    response = await client.get(url)
    tally.latency.append(time.perf_counter() - start)
    return response


async def user(client: httpx.AsyncClient, runs: int, form: dict, tally: Tally,
               seed: int) -> None:
    """Submit ``runs`` runs one after another, polling each until it is final."""
    for k in range(runs):
        start = time.perf_counter()
        response = await client.post("/api/runs", data={**form, "seed": str(seed * 100 + k)})
        tally.latency.append(time.perf_counter() - start)
        if response.status_code == 429:
            tally.refused += 1
            await asyncio.sleep(0.2)
            continue
        if response.status_code != 202:
            tally.other.append(f"{response.status_code}: {response.text[:200]}")
            continue
        job_id = response.json()["id"]
        tally.accepted.append(job_id)
        while True:
            status = (await _get(client, f"/api/jobs/{job_id}", tally)).json()
            if status["status"] not in ("queued", "running"):
                tally.final[job_id] = status["status"]
                break
            await _get(client, "/jobs", tally)
            await asyncio.sleep(0.1)
        await _get(client, f"/jobs/{job_id}", tally)


async def load(url: str, users: int, runs: int, form: dict) -> Tally:
    """Run every user at once against ``url``."""
    tally = Tally()
    limits = httpx.Limits(max_connections=users * 2)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        await asyncio.gather(*(user(client, runs, form, tally, u) for u in range(users)))
    return tally


def check(tally: Tally) -> list[str]:
    """Problems: lost, duplicated or unexpected answers."""
    problems = []
    if len(set(tally.accepted)) != len(tally.accepted):
        problems.append("a job id was handed out twice")
    lost = [j for j in tally.accepted if tally.final.get(j) != "done"]
    if lost:
        problems.append(f"{len(lost)} accepted runs did not complete: "
                        + ", ".join(f"{j}={tally.final.get(j)}" for j in lost[:5]))
    if tally.other:
        problems.append(f"{len(tally.other)} answers were neither 202 nor 429: "
                        f"{tally.other[:3]}")
    return problems


def start_server(data: Path, workers: int, queue: int) -> tuple[str, object, threading.Thread]:
    """Serve the app in a thread on a free port; its URL, uvicorn server and thread."""
    import socket

    import uvicorn

    from peninsula.web.app import create_app
    from peninsula.web.config import WebConfig

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(WebConfig(data=data, port=port, workers=workers, queue_limit=queue))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(url + "/static/app.css", timeout=1)
            return url, server, thread
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def main(argv: list[str] | None = None) -> int:
    """Run the load test and print the figures; exit 1 on a lost or duplicated run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server (default: start one here)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--runs", type=int, default=2, help="runs per user")
    parser.add_argument("--futures", type=int, default=100)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queue", type=int, default=8)
    args = parser.parse_args(argv)
    server = thread = None
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url
        if url is None:
            url, server, thread = start_server(Path(tmp), args.workers, args.queue)
        form = {"futures": str(args.futures), "months": str(args.months), "events_sent": "1"}
        start = time.perf_counter()
        tally = asyncio.run(load(url, args.users, args.runs, form))
        elapsed = time.perf_counter() - start
        if server is not None:
            server.should_exit = True  # the app's shutdown stops its workers
            thread.join(timeout=30)
    ms = np.array(tally.latency) * 1000
    print(f"{args.users} users x {args.runs} runs ({args.futures} futures x {args.months} "
          f"months; {args.workers} workers, queue {args.queue}) in {elapsed:.1f} s")
    print(f"accepted {len(tally.accepted)}, completed "
          f"{sum(s == 'done' for s in tally.final.values())}, refused with 429 "
          f"{tally.refused}, other {len(tally.other)}")
    print(f"page latency over {len(ms)} requests: p50 {np.percentile(ms, 50):.0f} ms, "
          f"p95 {np.percentile(ms, 95):.0f} ms, max {ms.max():.0f} ms")
    problems = check(tally)
    for p in problems:
        print("PROBLEM:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
