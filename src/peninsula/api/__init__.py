"""The Python face of Peninsula; ``import peninsula as pn`` re-exports it.

The CLI and the web app call these same functions, so every face shows the same numbers.
"""

from peninsula.api import executors
from peninsula.api.estimation import (
    BaselineBacktest,
    Fit,
    HistoryError,
    HistorySummary,
    ModelBacktest,
    Posterior,
    backtest,
    baseline_backtest,
    fit,
    history_summary,
    load_fit,
    load_posterior,
)
from peninsula.api.explorations import (
    Analysis,
    Exploration,
    explore,
    open_exploration,
    plan,
    write_report,
)
from peninsula.api.runs import Counterfactual, RunResult, counterfactual, run, run_chunked

__all__ = [
    "Analysis",
    "BaselineBacktest",
    "Fit",
    "HistoryError",
    "ModelBacktest",
    "backtest",
    "fit",
    "load_fit",
    "HistorySummary",
    "Posterior",
    "baseline_backtest",
    "history_summary",
    "load_posterior",
    "Counterfactual",
    "Exploration",
    "RunResult",
    "counterfactual",
    "executors",
    "explore",
    "open_exploration",
    "plan",
    "write_report",
    "run",
    "run_chunked",
]
