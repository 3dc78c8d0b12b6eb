"""The LLM agent against a real OpenAI-compatible server on loopback, answering from a script.

Valid answers, malformed JSON, an inadmissible option, a timeout, 429 then success, and 500:
each is retried or falls back as the issue says, and counted in the run summary.
"""

from __future__ import annotations

import json

import pytest
from scripted_llm_server import Response, date_of, policy_answer

import peninsula as pn
from conftest import same_results
from peninsula.agents.answers import AnswerError, parse_answer

FUTURES, MONTHS, SEED = 3, 2, 11


def llm(server, **kw) -> pn.agents.LLM:
    options = {"cache": None, "backoff": 0.01, "seed": 5, "temperature": 0.3} | kw
    return pn.agents.LLM(url=server.url, model="scripted-test", **options)


def play(korea, agent, **kw) -> pn.RunResult:
    return pn.run(korea, futures=FUTURES, months=MONTHS, seed=SEED, progress=False,
                  agents={"PRK": agent}, **kw)


def test_valid_answers_are_applied_and_counted(korea, server):
    result = play(korea, llm(server))
    report = result.agents
    decisions = result.decisions()
    assert report.decisions == FUTURES * MONTHS == report.calls == report.requests
    assert len(server.requests) == report.requests
    assert (report.retries, report.fallbacks, report.errors, report.cache_hits) == (0, 0, 0, 0)
    assert report.prompt_tokens > 1000 * report.calls and report.completion_tokens > 0
    assert set(decisions["status"]) == {"answer"}
    # what the engine applied is the server's pick, as the event stream records it
    events = result.events()
    first = decisions[(decisions.future == 0) & (decisions.month == 0)].set_index("target")
    body = next(b for b in server.requests if date_of(b) == korea.scenario.start)
    picks = policy_answer(body)["choices"]
    assert first["action"].to_dict() == picks
    month0 = events[(events.future == 0) & (events.month == korea.scenario.start)
                    & (events.source == "PRK")].set_index("target")["action"].to_dict()
    assert month0 == {t: a for t, a in picks.items() if a != "do_nothing"}
    # sampling parameters reach the server; the seed differs per future
    assert {b["temperature"] for b in server.requests} == {0.3}
    assert all(b["response_format"] == {"type": "json_object"} for b in server.requests)
    assert len({b["seed"] for b in server.requests}) == len(server.requests)
    assert result.to_dict()["agents"]["calls"] == report.calls


def test_malformed_json_is_retried_with_the_exact_error(korea, server):
    broken = '{"choices": {"KOR": "criticise", '

    def script(body, seen):
        if len(body["messages"]) == 2 and date_of(body) == "2024-03":
            return Response(content=broken)
        return Response(content=json.dumps(policy_answer(body)))

    server.reset(script)
    result = play(korea, llm(server))
    with pytest.raises(AnswerError) as exact:
        parse_answer(broken)
    retries = [b for b in server.requests if len(b["messages"]) == 4]
    assert len(retries) == FUTURES
    assert all(str(exact.value) in b["messages"][-1]["content"] for b in retries)
    assert all(b["messages"][2] == {"role": "assistant", "content": broken} for b in retries)
    report = result.agents
    assert (report.retries, report.invalid, report.fallbacks) == (FUTURES, FUTURES, 0)
    assert report.calls == FUTURES * MONTHS + FUTURES
    statuses = result.decisions().groupby("month")["status"].agg(set).to_dict()
    assert statuses == {0: {"answer"}, 1: {"retried"}}


def test_inadmissible_option_is_retried_then_falls_back_to_the_quantal_rule(korea, server):
    def script(body, seen):
        answer = policy_answer(body)
        answer["choices"]["KOR"] = "nuclear_use"  # never admissible at the start
        return Response(content=json.dumps(answer))

    server.reset(script)
    result = play(korea, llm(server))
    plain = pn.run(korea, futures=FUTURES, months=MONTHS, seed=SEED, progress=False)
    retries = [b for b in server.requests if len(b["messages"]) == 4]
    assert len(retries) == FUTURES * MONTHS
    assert all("'nuclear_use' is not admissible toward KOR this month (admissible: do_nothing"
               in b["messages"][-1]["content"] for b in retries)
    decisions = result.decisions()
    assert set(decisions["status"]) == {"fallback"}
    assert decisions["reason"].str.startswith("refused twice: 'nuclear_use'").all()
    assert (decisions["action"] == decisions["quantal"]).all()
    report = result.agents
    assert report.fallbacks == report.retries == FUTURES * MONTHS
    assert same_results(result, plain)  # every choice fell back: the quantal run itself


def test_a_timeout_is_retried(korea, server):
    def script(body, seen):
        if seen == 0:
            return Response(content=json.dumps(policy_answer(body)), delay=0.6)
        return Response(content=json.dumps(policy_answer(body)))

    server.reset(script)
    result = play(korea, llm(server, timeout=0.2))
    report = result.agents
    assert report.requests == 2 * report.calls == 2 * FUTURES * MONTHS
    assert (report.errors, report.fallbacks) == (0, 0)
    assert set(result.decisions()["status"]) == {"answer"}


def test_429_then_success(korea, server):
    def script(body, seen):
        if seen == 0:
            return Response(status=429, body='{"error": "slow down"}',
                            headers={"Retry-After": "0"})
        return Response(content=json.dumps(policy_answer(body)))

    server.reset(script)
    result = play(korea, llm(server))
    report = result.agents
    assert report.requests == 2 * report.calls and len(server.requests) == report.requests
    assert (report.errors, report.fallbacks) == (0, 0)


def test_500_is_retried_then_falls_back(korea, server):
    server.reset(lambda body, seen: Response(status=500, body='{"error": "boom"}'))
    result = play(korea, llm(server, max_retries=2))
    report = result.agents
    assert report.requests == 3 * report.calls == 3 * FUTURES * MONTHS
    assert report.errors == report.fallbacks == FUTURES * MONTHS
    assert report.retries == 0  # no answer to correct: nothing is re-asked with an error
    reasons = result.decisions()["reason"]
    assert reasons.str.contains("no answer: HTTP 500").all()
    assert reasons.str.contains("gave up after 3 requests").all()
    plain = pn.run(korea, futures=FUTURES, months=MONTHS, seed=SEED, progress=False)
    assert same_results(result, plain)


def test_a_server_without_json_mode_is_asked_without_it(korea, server):
    def script(body, seen):
        if "response_format" in body:
            return Response(status=400, body='{"error": "unknown field response_format"}')
        return Response(content=json.dumps(policy_answer(body)))

    server.reset(script)
    result = play(korea, llm(server))
    assert result.agents.fallbacks == 0
    refused = [b for b in server.requests if "response_format" in b]
    assert 1 <= len(refused) <= FUTURES and {date_of(b) for b in refused} == {"2024-02"}
    assert not any("response_format" in b for b in server.requests if date_of(b) == "2024-03")
