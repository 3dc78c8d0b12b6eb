"""Peninsula: simulate an interstate crisis system and explore it under uncertainty.

>>> import peninsula as pn
>>> sc = pn.load_scenario("korea-2024")
>>> run = pn.run(sc, futures=500, seed=7, progress=False)
>>> run.summary().columns[:4].tolist()
['outcome', 'label', 'kind', 'probability']

Everything not re-exported here is internal and may change.
"""

from __future__ import annotations

from peninsula import agents
from peninsula._version import __version__
from peninsula.api import (
    Analysis,
    BaselineBacktest,
    Counterfactual,
    Exploration,
    Fit,
    HistorySummary,
    ModelBacktest,
    Posterior,
    RunResult,
    backtest,
    baseline_backtest,
    counterfactual,
    executors,
    explore,
    fit,
    history_summary,
    load_fit,
    load_posterior,
    open_exploration,
    plan,
    run,
    run_chunked,
    write_report,
)
from peninsula.api.agents import AgentComparison, compare_agents, transcript
from peninsula.errors import UserError
from peninsula.scenario.loading import (
    LoadedScenario,
    ScenarioError,
    builtin_scenarios,
    load_scenario,
)

__all__ = [
    "AgentComparison",
    "Analysis",
    "BaselineBacktest",
    "Counterfactual",
    "Exploration",
    "Fit",
    "HistorySummary",
    "ModelBacktest",
    "Posterior",
    "LoadedScenario",
    "RunResult",
    "ScenarioError",
    "UserError",
    "__version__",
    "agents",
    "backtest",
    "baseline_backtest",
    "builtin_scenarios",
    "compare_agents",
    "counterfactual",
    "executors",
    "explore",
    "fit",
    "history_summary",
    "load_fit",
    "load_posterior",
    "load_scenario",
    "open_exploration",
    "plan",
    "write_report",
    "run",
    "run_chunked",
    "transcript",
]
