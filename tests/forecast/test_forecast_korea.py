"""Real forecasts from the flagship scenario (small ensembles, real engine)."""

from __future__ import annotations

import numpy as np
import pytest

from peninsula.experiments.runs import run_scenario
from peninsula.forecast.forecasting import forecast_questions
from peninsula.forecast.questions import load_questions
from peninsula.scenario.loading import load_scenario

FUTURES = 2_000


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2024")


@pytest.fixture(scope="module")
def shipped(korea):
    return forecast_questions(korea, load_questions("korea-2024-questions"), futures=FUTURES,
                              seed=11)


def test_every_shipped_question_gets_a_probability(shipped):
    qfile = load_questions("korea-2024-questions")
    assert [f.id for f in shipped.forecasts] == [q.id for q in qfile.questions]
    for f in shipped.forecasts:
        assert 0.0 <= f.low <= f.probability <= f.high <= 1.0
        assert f.futures == FUTURES and f.probability == f.successes / FUTURES
    assert shipped.run_months == [23]  # 2025-12 is month 22 of a run starting 2024-02
    assert len(shipped.scenario_sha256) == 64 and shipped.seed == 11


def test_event_questions_match_a_run_cut_at_the_closing_month(korea, shipped):
    # the same ensemble simulated only to 2024-12 (month 10): its outcome counts agree
    short = run_scenario(korea, futures=FUTURES, seed=11, months=11, record_events=True)
    ids = short.model.outcomes.ids
    column = [ids[r] for r in short.model.outcomes.binary].index("putin_kim_summit_pyongyang")
    expected = float(np.mean(short.result.first_month[:, column] >= 0))
    got = {f.id: f.probability for f in shipped.forecasts}
    assert got["putin-visits-dprk-2024"] == pytest.approx(expected)


def test_state_questions_run_to_their_closing_month(korea, tmp_path):
    path = tmp_path / "state.yaml"
    path.write_text("""\
- id: close-ties
  question: Will the Russia-DPRK relation be at least +5 at the end of 2024?
  closes: 2024-12-31
  criterion: {kind: state, variable: relation, dyad: [RUS, PRK], op: '>=', value: 5}
- id: armed-and-calm
  question: Will North Korea's arms be above 0.1 with no war by August 2024?
  closes: 2024-08-31
  criterion:
    kind: all
    of:
      - {kind: state, variable: arms, actor: PRK, op: '>', value: 0.1}
      - {kind: not, of: {kind: outcome, outcome: war_on_peninsula}}
- id: treaty-2025
  question: Russia-DPRK treaty by mid-2025?
  closes: 2025-06-30
  criterion: {kind: any, of: [{kind: outcome, outcome: russia_dprk_treaty}]}
- id: no-criterion
  question: Will something unmodelled happen?
  closes: 2024-12-31
""", encoding="utf-8")
    result = forecast_questions(korea, load_questions(path), futures=300, seed=4)
    assert result.run_months == [7, 11, 17]
    assert result.without_criterion == ["no-criterion"]
    direct = run_scenario(korea, futures=300, seed=4, months=11)
    rus, prk = direct.model.actors.index("RUS"), direct.model.actors.index("PRK")
    expected = float(np.mean(direct.result.final_relation[:, rus, prk] >= 5))
    got = {f.id: f.probability for f in result.forecasts}
    assert got["close-ties"] == pytest.approx(expected)
    assert all(0.0 <= p <= 1.0 for p in got.values())
