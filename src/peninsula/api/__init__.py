"""The Python face of Peninsula; ``import peninsula as pn`` re-exports it.

The CLI and the web app call these same functions, so every face shows the same numbers.
"""

from peninsula.api import executors
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
