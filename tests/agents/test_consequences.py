"""The engine's consequences do not depend on who chose: agents, the quantal rule, no hook."""

from __future__ import annotations

import io

import numpy as np
import pytest
from agent_helpers import same_results

import peninsula as pn
from peninsula.agents import AgentError, Human, Quantal, Scripted
from peninsula.engine.compiled import compile_scenario
from peninsula.engine.draws import ChunkDraws
from peninsula.engine.vectorised import simulate_chunk
from peninsula.experiments.ensemble import run_ensemble

FUTURES, MONTHS, SEED = 5, 4, 21


def plain(korea, **kw) -> pn.RunResult:
    return pn.run(korea, futures=FUTURES, months=MONTHS, seed=SEED, progress=False, **kw)


def test_agents_answering_the_quantal_choice_give_identical_results(korea):
    echo = Scripted(lambda s: (s.quantal_ids, "as the engine would"), name="echo")
    played = plain(korea, agents={"PRK": Quantal(), "USA": Quantal(), "KOR": echo})
    assert same_results(played, plain(korea))
    assert played.agents.decisions == 3 * FUTURES * MONTHS
    assert set(played.decisions()["status"]) == {"answer"}


def test_the_quantal_only_path_is_the_engine_without_the_hook(korea):
    """``pn.run`` without agents equals the engine run directly, and an identity hook too."""
    model = compile_scenario(korea.scenario, horizon=MONTHS)
    engine = run_ensemble(model, FUTURES, SEED, record_events=True)
    run = plain(korea, agents=None)
    assert run.agents is None and "agents" not in run.to_dict()
    for name in ("first_month", "count", "value", "quarter_rung", "final_relation",
                 "final_rung", "final_arms", "final_nuclear", "action_totals"):
        assert np.array_equal(getattr(run.run.result, name), getattr(engine, name)), name
    assert np.array_equal(run.run.result.events.action, engine.events.action)
    seen = []

    def identity(month, state, government, choice):
        seen.append(month)
        return choice

    hooked = simulate_chunk(model, ChunkDraws(SEED, model.n_actors, FUTURES), decide=identity)
    assert seen == list(range(MONTHS))
    assert np.array_equal(hooked.final_relation, engine.final_relation)
    assert np.array_equal(hooked.first_month, engine.first_month)


def test_a_scripted_pick_is_what_the_engine_applies(korea):
    def pressure(s):
        return {t: ("military_exercise" if "military_exercise" in s.admissible_ids(t)
                    else "do_nothing") for t in s.targets}

    run = plain(korea, agents={"PRK": pressure})
    events = run.events()
    prk = events[(events.source == "PRK") & (events.target == "KOR")]
    assert len(prk) == FUTURES * MONTHS and set(prk.action) == {"military_exercise"}
    assert set(prk.rung) == {4}
    decisions = run.decisions()
    assert (decisions[decisions.target == "KOR"]["action"] == "military_exercise").all()
    # the engine's own rule would have chosen otherwise somewhere: the agent did decide
    assert (decisions["action"] != decisions["quantal"]).any()
    assert not same_results(run, plain(korea))


def test_a_scripted_inadmissible_pick_falls_back(korea):
    run = plain(korea, agents={"PRK": lambda s: {t: "full_scale_war" for t in s.targets}})
    decisions = run.decisions()
    assert set(decisions["status"]) == {"fallback"}
    assert decisions["reason"].str.contains("'full_scale_war' is not admissible toward").all()
    assert same_results(run, plain(korea))


def test_a_human_at_the_prompt(korea):
    # month 1: KOR, CHN, RUS, USA, JPN, why; 'foo' is refused and all are asked again
    answers = io.StringIO("threaten\nconsult\n\nthreaten\nfoo\nshow resolve\n"
                          "military_exercise\nconsult\n\nthreaten\nthreaten\nagain\n")
    shown = io.StringIO()
    run = pn.run(korea, futures=1, months=2, seed=SEED, progress=False,
                 agents={"PRK": Human(input=answers, output=shown)})
    decisions = run.decisions()
    first = decisions[decisions.month == 0].set_index("target")
    assert first.loc["KOR", "action"] == "military_exercise"
    assert first.loc["RUS", "action"] == "do_nothing"  # an empty line
    assert set(first["status"]) == {"retried"}  # 'foo' refused, asked again
    assert first.loc["JPN", "action"] == "threaten"
    assert first.loc["KOR", "rationale"] == "again"
    assert "toward JPN" in shown.getvalue() and "'foo' is not an option" in shown.getvalue()
    # the input ran out in the second month: the quantal rule decided
    second = decisions[decisions.month == 1]
    assert set(second["status"]) == {"fallback"}
    assert second["reason"].str.contains("end of input").all()


def test_unknown_actors_and_oversized_runs_are_refused(korea):
    with pytest.raises(AgentError, match="unknown actor 'XYZ'"):
        plain(korea, agents={"XYZ": Quantal()})
    with pytest.raises(AgentError, match="more than the 20,000 a run with agents allows"):
        pn.run(korea, futures=1000, seed=1, progress=False, agents={"PRK": Quantal()})
    with pytest.raises(AgentError, match="decide\\(\\) method"):
        plain(korea, agents={"PRK": 42})
