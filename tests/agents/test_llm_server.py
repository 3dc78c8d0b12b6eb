"""The LLM agent against a real OpenAI-compatible server on loopback, answering from a script.

Valid answers, malformed JSON, an inadmissible option, a timeout, 429 then success, and 500:
each is retried or falls back as the issue says, and counted in the run summary. An endpoint
that cannot be used at all (nothing listening, every request turned away) stops the run; a
malformed url is refused when the agent is made.
"""

from __future__ import annotations

import json

import duckdb
import pytest
from agent_helpers import closed_port, same_results
from scripted_llm_server import Response, date_of, policy_answer

import peninsula as pn
from peninsula.agents.answers import AnswerError, parse_answer
from peninsula.agents.cache import CACHE_FILE

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
            return Response(content=json.dumps(policy_answer(body)), delay=3.0)
        return Response(content=json.dumps(policy_answer(body)))

    server.reset(script)
    # a timeout far above a loaded machine's answer time (0.2 s once timed out a retry too)
    result = play(korea, llm(server, timeout=1.0))
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


def test_refused_json_mode_takes_no_retry_and_is_keyed_as_such(korea, server, tmp_path):
    """With no retries allowed, a server without JSON mode is still asked again without it; the
    answer is cached under a key saying JSON mode was not used, and replayed from there."""
    def script(body, seen):
        if "response_format" in body:
            return Response(status=400, body='{"error": "unknown field response_format"}')
        return Response(content=json.dumps(policy_answer(body)))

    server.reset(script)
    result = play(korea, llm(server, max_retries=0, cache=tmp_path))
    assert (result.agents.fallbacks, result.agents.errors) == (0, 0)
    con = duckdb.connect(str(tmp_path / CACHE_FILE), read_only=True)
    modes = con.execute("SELECT DISTINCT params->>'json' FROM responses").fetchall()
    con.close()
    assert modes == [("false",)]
    server.reset(script)
    again = play(korea, llm(server, max_retries=0, cache=tmp_path))
    assert server.requests == [] and again.agents.cache_hits == FUTURES * MONTHS
    assert same_results(result, again)


@pytest.mark.parametrize("usage", ['"n/a"', '{"prompt_tokens": "many", "completion_tokens": [1]}',
                                   '{"prompt_tokens": 1e300, "completion_tokens": -5}'])
def test_a_malformed_usage_object_does_not_stop_the_run(korea, server, usage):
    def script(body, seen):
        content = json.dumps(json.dumps(policy_answer(body)))
        return Response(body='{"choices": [{"message": {"role": "assistant", "content": '
                             f'{content}}}}}], "usage": {usage}}}')

    server.reset(script)
    result = play(korea, llm(server))
    report = result.agents
    assert (report.fallbacks, report.errors) == (0, 0)
    assert report.prompt_tokens == report.completion_tokens == 0
    assert set(result.decisions()["status"]) == {"answer"}


def test_an_unreachable_endpoint_stops_the_run(korea):
    with closed_port() as url:
        agent = pn.agents.LLM(url=url, model="m", cache=None, backoff=0.01, max_retries=4)
        with pytest.raises(pn.agents.AgentError) as stop:
            play(korea, agent)
    message = str(stop.value)
    assert len(message.splitlines()) == 1
    assert message.startswith(f"cannot reach the language model at {url}/chat/completions: "
                              "connection failed (ConnectError")
    assert "(gave up after 2 requests)" in message  # a refused connection is retried once


def test_an_endpoint_that_turns_every_request_away_stops_the_run(korea, server):
    server.reset(lambda body, seen: Response(status=401, body='{"error": "bad key sk-secret"}'))
    with pytest.raises(pn.agents.AgentError, match="turned away every request of the first "
                       "month: HTTP 401") as stop:
        play(korea, llm(server, api_key="sk-secret"))
    assert "sk-secret" not in str(stop.value)  # an echoed key is masked
    assert len(server.requests) == FUTURES  # the first month only, no retry of a 401


@pytest.mark.parametrize(("url", "text"), [
    ("http://:abc/v1", "is not a valid url (Invalid port: 'abc')"),
    ("http://[::1/v1", "is not a valid url"),
    ("ftp://x/v1", "must start with http:// or https://, got 'ftp://x/v1'"),
    ("not a url", "must start with http:// or https://, got 'not a url'"),
    ("http:///v1", "names no host"),
    ("http://127.0.0.1:70000/v1", "port 70000, outside 1..65535"),
    ("http://me:hunter2@:abc/v1", "'http://:abc/v1' is not a valid url;"),
])
def test_malformed_urls_are_refused_in_one_line(url, text):
    with pytest.raises(pn.agents.AgentError) as refused:
        pn.agents.LLM(url=url, model="m", cache=None)
    assert text in str(refused.value) and len(str(refused.value).splitlines()) == 1
    assert "hunter2" not in str(refused.value)


def test_url_credentials_are_sent_but_never_recorded(korea, server):
    host = server.url.removeprefix("http://")
    agent = pn.agents.LLM(url=f"http://alice:hunter2@{host}/", model="scripted-test",
                          cache=None)
    assert agent.url == server.url and agent.completions_url == server.url + "/chat/completions"
    result = pn.run(korea, futures=1, months=1, seed=SEED, progress=False,
                    agents={"PRK": agent})
    assert {h.get("authorization") for h in server.headers} == {"Basic YWxpY2U6aHVudGVyMg=="}
    assert "hunter2" not in json.dumps(result.to_dict(), default=str)
    assert "hunter2" not in repr(agent.settings()) + repr(result.agents)
