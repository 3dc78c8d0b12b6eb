"""Forecast questions: criteria over simulated futures, probabilities, and scores against reality.

:mod:`~peninsula.forecast.criteria` is the criterion language, :mod:`~peninsula.forecast.questions`
the questions file, :mod:`~peninsula.forecast.forecasting` probabilities, forecast files and
scoring, and :mod:`peninsula.cli.forecast` the ``forecast`` and ``score`` commands.
"""

from __future__ import annotations

from peninsula.forecast.criteria import Evidence, Vocabulary, resolve
from peninsula.forecast.forecasting import (
    ForecastSet,
    QuestionForecast,
    ScoreReport,
    forecast_questions,
    read_forecasts,
    score_forecasts,
    write_forecasts,
)
from peninsula.forecast.questions import Question, QuestionError, QuestionFile, load_questions

__all__ = [
    "Evidence",
    "ForecastSet",
    "Question",
    "QuestionError",
    "QuestionFile",
    "QuestionForecast",
    "ScoreReport",
    "Vocabulary",
    "forecast_questions",
    "load_questions",
    "read_forecasts",
    "resolve",
    "score_forecasts",
    "write_forecasts",
]
