"""A small load: concurrent users submit runs; each completes or is refused, none is lost."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path

from webserver_helpers import make_server

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_web_load.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_web_load", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_concurrent_users_lose_and_duplicate_nothing(tmp_path):
    bench = _bench()
    srv = make_server(tmp_path, workers=2, queue_limit=1).start()
    try:
        form = {"scenario": "folder/hostile.yaml", "futures": "20", "months": "2",
                "events_sent": "1"}
        tally = asyncio.run(bench.load(srv.url, users=4, runs=2, form=form))
        catalogue = srv.app.state.catalogue.list()
    finally:
        srv.stop()
    assert bench.check(tally) == []
    assert len(tally.accepted) + tally.refused == 8
    assert tally.refused > 0, "a queue of 1 behind 2 workers should have refused someone"
    assert sorted(j.id for j in catalogue) == sorted(tally.accepted)
    assert {j.status for j in catalogue} == {"done"}
