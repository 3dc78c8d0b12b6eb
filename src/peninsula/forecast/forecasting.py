"""Turn a scenario into probabilities for forecast questions, write them, and score them.

A question's probability is the share of simulated futures in which its criterion holds, with
Wilson's 95% score interval (Monte Carlo error only; it says nothing of model error).

The engine keeps only the state at the end of a run, so questions with a ``state`` criterion
are evaluated on a run that ends at their closing month: the engine runs once per distinct
such closing month, and once more up to the latest closing month if that is later. All runs
use the same seed and the engine draws its random numbers month by month, so every run is the
same ensemble of futures cut at a different month (the first months of a longer run equal a
shorter run's).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from peninsula._version import __version__
from peninsula.analysis.intervals import wilson_interval
from peninsula.analysis.scoring import (
    LOG_SCORE_EPS,
    CalibrationBin,
    MurphyDecomposition,
    brier_score,
    calibration_table,
    log_score,
    murphy_decomposition,
)
from peninsula.engine.compiled import compile_scenario
from peninsula.errors import UserError
from peninsula.experiments.runs import run_scenario
from peninsula.forecast.criteria import Evidence, Vocabulary
from peninsula.forecast.questions import PreparedQuestion, Question, QuestionFile
from peninsula.scenario.loading import LoadedScenario

__all__ = [
    "FORECAST_COLUMNS",
    "ForecastFileError",
    "ForecastSet",
    "ForecasterScore",
    "QuestionForecast",
    "MAX_BINS",
    "ScoreReport",
    "ScoringError",
    "evaluate_questions",
    "forecast_questions",
    "plan_horizons",
    "plot_calibration",
    "read_forecasts",
    "score_forecasts",
    "write_forecasts",
]

FORECAST_COLUMNS = ["id", "probability", "low", "high", "successes", "futures", "closes",
                    "scenario", "scenario_sha256", "seed", "version"]
"""Columns of ``forecasts.csv``, and the keys of each row of ``forecasts.json``."""


MAX_BINS = 100
"""Most calibration bins a score may use."""
MAX_FORECAST_BYTES = 20 * 1024 * 1024
"""Largest forecast file read."""
MAX_JSON_DEPTH = 32
"""Deepest nesting of lists and objects in a JSON forecast file (checked before parsing)."""


class ForecastFileError(UserError):
    """A forecast file cannot be read; the message names the file and the problem."""


class ScoringError(UserError):
    """Forecasts cannot be scored as asked (no common resolved question, a bad bin count)."""


@dataclass(frozen=True)
class QuestionForecast:
    """One question's probability: the share of futures where its criterion holds."""

    id: str
    question: str
    closes: str
    probability: float
    low: float
    high: float
    successes: int
    futures: int


@dataclass
class ForecastSet:
    """Forecasts of a questions file from one scenario, with what reproduces them."""

    forecasts: list[QuestionForecast]
    scenario: str
    scenario_sha256: str
    seed: int
    futures: int
    version: str
    questions_file: str
    run_months: list[int] = field(default_factory=list)
    without_criterion: list[str] = field(default_factory=list)

    def rows(self) -> list[dict]:
        """One flat row per question, in :data:`FORECAST_COLUMNS` order."""
        meta = {"scenario": self.scenario, "scenario_sha256": self.scenario_sha256,
                "seed": self.seed, "version": self.version}
        return [{"id": f.id, "probability": f.probability, "low": f.low, "high": f.high,
                 "successes": f.successes, "futures": f.futures, "closes": f.closes, **meta}
                for f in self.forecasts]

    def metadata(self) -> dict:
        """Everything but the rows."""
        return {"scenario": self.scenario, "scenario_sha256": self.scenario_sha256,
                "seed": self.seed, "futures": self.futures, "version": self.version,
                "questions_file": self.questions_file, "run_months": self.run_months,
                "without_criterion": self.without_criterion}


# --------------------------------------------------------------------------- forecasting


def plan_horizons(prepared: Sequence[PreparedQuestion]) -> list[int]:
    """Run lengths (months) the questions need.

    One run per closing month read by a ``state`` criterion, and one up to the latest closing
    month if that is later.
    """
    state_months = sorted(set().union(*(q.criterion.state_months() for q in prepared)))
    horizons = [m + 1 for m in state_months]
    latest = max((q.last for q in prepared), default=-1)
    if latest + 1 > max(horizons, default=0):
        horizons.append(latest + 1)
    return horizons


def evaluate_questions(prepared: Sequence[PreparedQuestion],
                       evidence: Mapping[int, Evidence]) -> list[QuestionForecast]:
    """Probability and Wilson interval of each question from evidence keyed by run length.

    A question with a ``state`` criterion is evaluated on the run that ends at its closing
    month, any other on the longest run.
    """
    longest = evidence[max(evidence)]
    forecasts = []
    for q in prepared:
        source = evidence[q.last + 1] if q.needs_state else longest
        holds = q.criterion.evaluate(source)
        successes = int(np.count_nonzero(holds))
        estimate = wilson_interval(successes, source.n_futures)
        forecasts.append(QuestionForecast(
            id=q.question.id, question=q.question.question, closes=q.question.closes.isoformat(),
            probability=estimate.value, low=estimate.low, high=estimate.high,
            successes=successes, futures=source.n_futures))
    return forecasts


def forecast_questions(
    loaded: LoadedScenario,
    questions: QuestionFile,
    *,
    futures: int,
    seed: int,
    on_progress: Callable[[int], None] | None = None,
    on_run: Callable[[int], None] | None = None,
) -> ForecastSet:
    """Forecast every question of ``questions`` that has a criterion from ``loaded``.

    Raises :class:`~peninsula.forecast.questions.QuestionError` if a criterion names an actor,
    action or outcome the scenario does not know (before anything is simulated).
    ``on_run(months)`` is called before each engine run, ``on_progress`` with the number of
    futures x months done.
    """
    vocab = Vocabulary.from_model(compile_scenario(loaded.scenario))
    prepared, skipped = questions.prepare(vocab)
    evidence: dict[int, Evidence] = {}
    sha = loaded.sha256
    horizons = plan_horizons(prepared)
    for months in horizons:
        if on_run is not None:
            on_run(months)
        run = run_scenario(loaded, futures=futures, seed=seed, months=months,
                           record_events=True, on_progress=on_progress)
        evidence[months] = Evidence.from_run(run)
        sha = run.metadata.scenario_sha256
    forecasts = evaluate_questions(prepared, evidence) if prepared else []
    return ForecastSet(forecasts=forecasts, scenario=loaded.scenario.name, scenario_sha256=sha,
                       seed=seed, futures=futures, version=__version__,
                       questions_file=questions.label, run_months=horizons,
                       without_criterion=[q.id for q in skipped])


def write_forecasts(forecasts: ForecastSet, folder: Path) -> tuple[Path, Path]:
    """Write ``forecasts.csv`` and ``forecasts.json`` into ``folder``; return both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = folder / "forecasts.csv", folder / "forecasts.json"
    rows = forecasts.rows()
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FORECAST_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    payload = {"metadata": forecasts.metadata(),
               "forecasts": [{**row, "question": f.question}
                             for row, f in zip(rows, forecasts.forecasts, strict=True)]}
    json_path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return csv_path, json_path


def _probability(value: object, where: str, text: bool) -> float:
    """A probability in [0, 1]: a JSON number (not a boolean), or its text in a CSV."""
    if isinstance(value, bool) or not isinstance(value, str if text else int | float):
        raise ForecastFileError(f"{where}: probability {value!r} is not a number"[:300])
    try:
        p = float(value)
    except (ValueError, OverflowError):
        raise ForecastFileError(f"{where}: probability {value!r} is not a number"[:300]) from None
    if not math.isfinite(p) or not 0.0 <= p <= 1.0:
        raise ForecastFileError(f"{where}: probability {p} is outside [0, 1]")
    return p


def _json_depth(text: str) -> int:
    """Deepest nesting of ``[`` and ``{`` outside strings (without recursion)."""
    skeleton = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
    brackets = np.frombuffer(re.sub(r"[^\[\]{}]", "", skeleton).encode("ascii"), dtype=np.uint8)
    if not brackets.size:
        return 0
    steps = np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


def _reject_constant(token: str) -> float:
    raise ValueError(f"{token} is not a number JSON allows")


def _read_json_rows(text: str, label: str) -> list[tuple[str, dict]]:
    if _json_depth(text) > MAX_JSON_DEPTH:
        raise ForecastFileError(f"{label}: lists and objects nested deeper than "
                                f"{MAX_JSON_DEPTH} levels")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ForecastFileError(f"{label} line {exc.lineno}: cannot be read as JSON "
                                f"({exc.msg})") from None
    except (ValueError, RecursionError) as exc:
        raise ForecastFileError(f"{label}: cannot be read as JSON ({exc})") from None
    rows = data.get("forecasts") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ForecastFileError(f"{label}: expected a list of forecasts (or a mapping "
                                "with a 'forecasts' list)")
    return [(f"{label} entry {i}", row) for i, row in enumerate(rows, start=1)]


def _read_csv_rows(text: str, label: str) -> list[tuple[str, dict]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        missing = {"id", "probability"} - set(reader.fieldnames or [])
        if missing:
            raise ForecastFileError(f"{label}: missing column(s) {', '.join(sorted(missing))}")
        rows = []
        for row in reader:
            rows.append((f"{label} line {reader.line_num}", row))
    except csv.Error as exc:
        raise ForecastFileError(f"{label} line {reader.line_num + 1}: not readable as CSV "
                                f"({exc})") from None
    return rows


def read_forecasts(path: Path) -> dict[str, float]:
    """Probabilities by question id from a ``forecasts.csv`` or ``forecasts.json``.

    Any CSV with ``id`` and ``probability`` columns will do, as will JSON holding such rows
    (a list, or a mapping with a ``forecasts`` list). A UTF-8 byte order mark is ignored.
    Raises :class:`ForecastFileError` naming the file, the line (CSV) or entry (JSON) and the
    field of the first problem.
    """
    path = Path(path)
    label = path.name
    if not path.is_file():
        raise ForecastFileError(f"{label}: file not found")
    try:
        if path.stat().st_size > MAX_FORECAST_BYTES:
            raise ForecastFileError(f"{label}: file is over "
                                    f"{MAX_FORECAST_BYTES // (1024 * 1024)} MB")
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ForecastFileError(f"{label}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ForecastFileError(f"{label}: cannot be read ({exc.strerror or exc})") from None
    if path.suffix.lower() == ".json":
        rows = _read_json_rows(text, label)
    else:
        rows = _read_csv_rows(text, label)
    result: dict[str, float] = {}
    for where, row in rows:
        qid = row.get("id")
        if isinstance(qid, int) and not isinstance(qid, bool):
            qid = str(qid)
        if not isinstance(qid, str) or not qid:
            raise ForecastFileError(f"{where} id: expected a question id, got {qid!r}"[:300])
        if qid in result:
            raise ForecastFileError(f"{where} id: duplicate id {qid!r}"[:300])
        result[qid] = _probability(row.get("probability"), f"{where} ({qid})"[:200],
                                   text=path.suffix.lower() != ".json")
    if not result:
        raise ForecastFileError(f"{label}: no forecasts")
    return result


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class ForecasterScore:
    """Scores of one forecaster on the scored questions."""

    name: str
    probabilities: list[float]
    brier: float
    log: float
    decomposition: MurphyDecomposition
    calibration: tuple[CalibrationBin, ...]
    baseline: bool = False

    def as_dict(self) -> dict:
        """A JSON-ready dict; an undefined value (an empty bin's mean) is ``None``."""
        return _finite({"name": self.name, "baseline": self.baseline, "brier": self.brier,
                        "log": self.log, "decomposition": asdict(self.decomposition),
                        "calibration": [asdict(row) for row in self.calibration],
                        "probabilities": self.probabilities})


@dataclass(frozen=True)
class ScoreReport:
    """Several forecasters and the two baselines scored on the same resolved questions."""

    ids: list[str]
    outcomes: list[int]
    forecasters: list[ForecasterScore]
    baselines: list[ForecasterScore]
    notes: list[str]
    bins: int
    eps: float = LOG_SCORE_EPS

    def as_dict(self) -> dict:
        """A JSON-ready dict (strict JSON: undefined values are ``None``, never NaN)."""
        return _finite({"questions": self.ids, "outcomes": self.outcomes, "bins": self.bins,
                "log_score_eps": self.eps, "notes": self.notes,
                "forecasters": [f.as_dict() for f in self.forecasters],
                "baselines": [b.as_dict() for b in self.baselines]})


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float (numpy's too) replaced by ``None``."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


def _score(name: str, probabilities: np.ndarray, outcomes: np.ndarray, bins: int,
           baseline: bool = False) -> ForecasterScore:
    return ForecasterScore(
        name=name, probabilities=[float(p) for p in probabilities],
        brier=brier_score(probabilities, outcomes), log=log_score(probabilities, outcomes),
        decomposition=murphy_decomposition(probabilities, outcomes, bins=bins),
        calibration=calibration_table(probabilities, outcomes, bins=bins), baseline=baseline)


def score_forecasts(forecasters: Mapping[str, Mapping[str, float]], questions: Sequence[Question],
                    *, bins: int = 10, community: bool = True) -> ScoreReport:
    """Score forecasters (name → probabilities by question id) on the resolved questions.

    Every forecaster is scored on the same questions: the resolved ones that all of them
    forecast. The question file's ``community`` column is added as a forecaster when
    ``community`` is true and some question carries it. The two baselines are always 0.5 and
    the base rate of the scored questions (in sample: it knows how many resolved yes).

    Raises :class:`ScoringError` (a ``ValueError``) when ``bins`` is outside 1 to
    :data:`MAX_BINS`, when a forecaster is named ``community`` while the community column is
    scored, or when no resolved question is forecast by every forecaster.
    """
    if isinstance(bins, bool) or not isinstance(bins, int | np.integer) \
            or not 1 <= bins <= MAX_BINS:
        raise ScoringError(f"calibration bins: expected a whole number from 1 to {MAX_BINS}, "
                           f"got {bins!r}")
    bins = int(bins)
    named = dict(forecasters)
    notes: list[str] = []
    if community and any(q.community is not None for q in questions):
        if "community" in named:
            raise ScoringError("a forecaster is named 'community', the name of the question "
                               "file's community column; rename it or leave the community "
                               "column out")
        named["community"] = {q.id: q.community for q in questions if q.community is not None}
    resolved = [q for q in questions if q.resolution is not None]
    unresolved = len(questions) - len(resolved)
    if unresolved:
        notes.append(f"{unresolved} question(s) not resolved: not scored")
    known = {q.id for q in questions}
    for name, probs in named.items():
        stray = sorted(set(probs) - known)
        if stray:
            notes.append(f"{name}: {len(stray)} forecast(s) for questions not in the file "
                         f"ignored ({', '.join(stray[:5])}{', ...' if len(stray) > 5 else ''})")
    scored = [q for q in resolved if all(q.id in probs for probs in named.values())]
    for name, probs in named.items():
        missing = [q.id for q in resolved if q.id not in probs]
        if missing:
            notes.append(f"{name} has no forecast for {len(missing)} resolved question(s) "
                         f"({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}): "
                         "left out for every forecaster")
    if not scored:
        raise ScoringError("no resolved question is forecast by every forecaster")
    outcomes = np.array([1.0 if q.resolution else 0.0 for q in scored])
    ids = [q.id for q in scored]
    results = [_score(name, np.array([probs[i] for i in ids]), outcomes, bins)
               for name, probs in named.items()]
    base_rate = float(outcomes.mean())
    baselines = [
        _score("always 0.5", np.full(outcomes.shape, 0.5), outcomes, bins, baseline=True),
        _score(f"base rate {base_rate:.2f}", np.full(outcomes.shape, base_rate),
               outcomes, bins, baseline=True),
    ]
    return ScoreReport(ids=ids, outcomes=[int(o) for o in outcomes], forecasters=results,
                       baselines=baselines, notes=notes, bins=bins)


def plot_calibration(report: ScoreReport, path: Path) -> Path:
    """Write a reliability diagram (observed frequency against mean forecast per bin).

    The file is a PNG unless ``path`` ends with another format matplotlib writes (``.svg``,
    ``.pdf``); ``.png`` is added to any other name, and a folder gets ``calibration.png``.
    Returns the path written. Needs matplotlib (``pip install peninsula[plot]``); raises
    ``ImportError`` without it.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if path.is_dir():
        path = path / "calibration.png"
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    if path.suffix.lower().lstrip(".") not in fig.canvas.get_supported_filetypes():
        path = path.with_name(path.name + ".png")
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
    for forecaster in report.forecasters:
        rows = [r for r in forecaster.calibration if r.count]
        ax.plot([r.mean_forecast for r in rows], [r.observed_frequency for r in rows],
                marker="o", label=f"{forecaster.name} (Brier {forecaster.brier:.3f})")
        for r in rows:
            ax.annotate(str(r.count), (r.mean_forecast, r.observed_frequency),
                        textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("forecast probability (bin mean)")
    ax.set_ylabel("observed frequency")
    ax.set_title(f"Calibration on {len(report.ids)} resolved questions")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
