"""What an agent is shown, how its answer is read, and the agents' documented examples."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import numpy as np
import pytest

import peninsula as pn
from peninsula.agents import AgentError, Answer, AnswerError, Situation, llm, prompts, scripted
from peninsula.agents.answers import check_answer, parse_answer
from peninsula.agents.llm import request_seed
from peninsula.api import agents as api_agents
from peninsula.engine.compiled import compile_scenario
from peninsula.engine.vectorised import Government, admissible, initial_state


@pytest.fixture(scope="module")
def month_one(korea) -> tuple[Situation, np.ndarray]:
    """PRK's situation in the second month of one future, and the month's admissible mask."""
    seen: list[Situation] = []

    def keep(s: Situation) -> dict[str, str]:
        if s.month == 1:
            seen.append(s)
        return s.quantal_ids

    pn.run(korea, futures=1, months=2, seed=4, progress=False, agents={"PRK": keep})
    s = seen[0]
    return s, s.model


def test_the_prompt_holds_briefing_state_calendar_and_admissible_options(month_one):
    s, model = month_one
    system, user = (m["content"] for m in prompts.messages(s))
    assert "You play North Korea (PRK)" in system and '"choices"' in system
    assert "Date: 2024-03 (month 2 of 2)" in user
    assert "regime survival 1.5" in user and "war aversion 2" in user
    claim = next(c for c in model.scenario.claims if c.id == "S1")
    assert f'S1 {claim.title}. Source: "{claim.source}"' in user
    assert "- KOR South Korea: relation" in user and "you designate it hostile" in user
    assert "Last month:" in user
    did = [(model.actors[k], model.actions[int(a)]) for k, a in enumerate(s.last[0]) if a > 0]
    assert did and all(f"you did to {code}: {act} (" in user for code, act in did)
    assert "Scheduled ahead:" in user and "2025-01: US presidential election" in user
    # exactly the admissible options are listed toward each target, with id and rung
    for t in s.options:
        code = model.actors[t.target]
        block = user.split(f"Toward {code} (")[1].split("\nToward ")[0].split("\n\n")[0]
        listed = [line[2:].split(":")[0] for line in block.splitlines()[1:]]
        assert listed == [model.actions[k] for k in t.options]
    assert "- nuclear_use:" not in user
    assert "- military_exercise: Military exercise or show of force (rung 4" in user


def test_situations_list_only_admissible_options(korea):
    model = compile_scenario(korea.scenario, horizon=2)
    state = initial_state(model, 2)
    ok = admissible(model, state, 0)
    from peninsula.agents.situation import build_situations
    choice = np.zeros((2, model.n_actors, model.n_actors), dtype=np.int64)
    found = build_situations(model, state, Government.start(model, 2), ok, choice, None, 0, 0,
                             100)
    assert [s.future for s in found] == [100, 101]
    for t in found[0].options:
        assert list(t.options) == list(np.flatnonzero(ok[0, 0, t.target]))
        assert t.options[0] == 0 and t.target != 0


def test_answers_are_parsed_and_checked(month_one):
    s, _ = month_one
    ok = {t: s.admissible_ids(t)[-1] for t in s.targets}
    fenced = parse_answer("```json\n" + Answer(choices=ok, rationale="r").model_dump_json()
                          + "\n```")
    picks = check_answer(fenced, s)
    assert sorted(picks) == sorted(t.target for t in s.options)
    lower = Answer(choices={t.lower(): o for t, o in ok.items()})
    assert check_answer(lower, s) == picks
    itself = Answer(choices=dict(ok) | {s.actor: "do_nothing"})  # harmless: ignored
    assert check_answer(itself, s) == picks
    with pytest.raises(AnswerError, match="Invalid JSON"):
        parse_answer('{"choices": ')
    with pytest.raises(AnswerError, match="choices: Field required"):
        parse_answer('{"rationale": "no picks"}')
    bad = dict(ok) | {"KOR": "nuclear_use", "XYZ": "consult"}
    del bad["USA"]
    with pytest.raises(AnswerError) as err:
        check_answer(Answer(choices=bad), s)
    message = str(err.value)
    assert "'XYZ' is not a target this month" in message
    assert "no option chosen toward USA" in message
    assert "'nuclear_use' is not admissible toward KOR this month (admissible: do_nothing" \
        in message
    with pytest.raises(AnswerError, match="'launch' is not an option toward KOR"):
        check_answer(Answer(choices=dict(ok) | {"KOR": "launch"}), s)


def test_llm_settings_are_checked_and_seeds_differ_per_decision():
    with pytest.raises(AgentError) as err:
        pn.agents.LLM(url="localhost:11434", model="", concurrency=0, cache=None)
    assert len(err.value.problems) == 3
    seeds = {request_seed(7, f, m, "PRK", a) for f in range(20) for m in range(12)
             for a in (0, 1)}
    assert len(seeds) == 20 * 12 * 2 and max(seeds) < 2**31
    agent = pn.agents.LLM(url="http://127.0.0.1:1/v1/", model="m", cache=None)
    assert agent.completions_url == "http://127.0.0.1:1/v1/chat/completions"


@pytest.mark.parametrize("module", [api_agents, scripted, llm], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_no_test_module_imports_conftest():
    """Shared helpers live in ``agent_helpers``: ``from conftest import …`` finds whichever
    folder's conftest was imported first when several test folders run together."""
    here = Path(__file__).parent
    offenders = [p.name for p in sorted(here.glob("*.py"))
                 if re.search(r"^\s*(from|import) conftest\b", p.read_text(), re.MULTILINE)]
    assert offenders == []
