"""Reproducibility: the cache replays a run without a request; concurrency changes nothing."""

from __future__ import annotations

import hashlib
import json
import threading
import time

from agent_helpers import same_results
from scripted_llm_server import Response, policy_answer

import peninsula as pn
from peninsula.agents.cache import CACHE_FILE

FUTURES, MONTHS, SEED = 4, 3, 8


def play(korea, server, *, cache, concurrency=4) -> pn.RunResult:
    agent = pn.agents.LLM(url=server.url, model="scripted-test", cache=cache,
                          concurrency=concurrency, backoff=0.01, seed=3)
    return pn.run(korea, futures=FUTURES, months=MONTHS, seed=SEED, progress=False,
                  agents={"PRK": agent, "JPN": agent})


def test_a_rerun_replays_the_cache_without_any_request(korea, server, tmp_path):
    first = play(korea, server, cache=tmp_path / "cache")
    asked = len(server.requests)
    assert asked == first.agents.calls == 2 * FUTURES * MONTHS
    assert (tmp_path / "cache" / CACHE_FILE).is_file()
    server.reset()
    again = play(korea, server, cache=tmp_path / "cache")
    assert server.requests == []
    assert same_results(first, again)
    assert again.decisions().equals(first.decisions())
    report = again.agents
    assert (report.calls, report.requests, report.cache_hits) == (0, 0, asked)
    assert report.prompt_tokens == 0  # nothing was spent


def test_cache_off_asks_again(korea, server, tmp_path):
    play(korea, server, cache=None)
    play(korea, server, cache=None)
    assert len(server.requests) == 2 * 2 * FUTURES * MONTHS
    assert not list(tmp_path.iterdir())


def test_another_sampling_seed_is_not_served_from_the_cache(korea, server, tmp_path):
    play(korea, server, cache=tmp_path)
    server.reset()
    agent = pn.agents.LLM(url=server.url, model="scripted-test", cache=tmp_path, seed=4)
    pn.run(korea, futures=FUTURES, months=MONTHS, seed=SEED, progress=False,
           agents={"PRK": agent})
    assert len(server.requests) == FUTURES * MONTHS


def test_results_do_not_depend_on_concurrency(korea, server):
    """Answers arrive in a different order (random-looking delays); results are the same."""
    lock = threading.Lock()
    flight = {"now": 0, "most": 0}

    def script(body, seen):
        digest = hashlib.sha256(json.dumps(body["messages"]).encode()).digest()
        with lock:
            flight["now"] += 1
            flight["most"] = max(flight["most"], flight["now"])
        time.sleep(digest[0] / 25_000)  # up to 10 ms
        with lock:
            flight["now"] -= 1
        return Response(content=json.dumps(policy_answer(body)))

    def small(concurrency: int) -> pn.RunResult:
        agent = pn.agents.LLM(url=server.url, model="scripted-test", cache=None,
                              concurrency=concurrency, seed=3)
        return pn.run(korea, futures=6, months=2, seed=SEED, progress=False,
                      agents={"PRK": agent})

    server.reset(script)
    one = small(1)
    assert flight["most"] == 1
    server.reset(script)
    flight["most"] = 0
    eight = small(8)
    assert flight["most"] > 1
    assert same_results(one, eight)
    assert one.decisions().equals(eight.decisions())
