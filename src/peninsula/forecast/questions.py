"""Forecast questions: the schema of a questions file, reading it, and resolving its criteria.

A questions file is a YAML list of questions (or a mapping with a ``questions`` list and an
optional ``description``)::

    - id: putin-visits-dprk-2024
      question: Will Vladimir Putin visit North Korea by the end of 2024?
      opens: 2024-02-15
      closes: 2024-12-31
      resolution: true            # optional; true / false once known
      resolved_on: 2024-06-19     # optional
      source: https://...         # optional
      notes: ...                  # optional
      community: 0.35             # optional: a community forecast to compare against
      criterion: {kind: outcome, outcome: putin_kim_summit_pyongyang}

The criterion language is described in :mod:`peninsula.forecast.criteria`. A question without a
criterion is kept (it can still be scored from a forecast file) but cannot be forecast. Every
problem is reported with the file, the line, the question and the field, and all problems are
listed at once. Nothing in the file is executed (YAML safe loader).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from peninsula.errors import UserError
from peninsula.forecast.criteria import (
    KINDS,
    CompiledCriterion,
    Criterion,
    Vocabulary,
    resolve,
)
from peninsula.scenario.loading import Problem, _field_name, _line_at, _message
from peninsula.scenario.model import month_index

__all__ = [
    "PreparedQuestion",
    "Question",
    "QuestionError",
    "QuestionFile",
    "builtin_question_files",
    "load_questions",
    "resolve_questions_path",
]

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_YAML_DEPTH = 64
"""Deepest nesting of lists and mappings a questions file may have (checked before parsing)."""
MAX_CRITERION_DEPTH = 16
"""Deepest nesting of criteria (``all`` / ``any`` / ``not``) in one question."""
MAX_CRITERION_NODES = 1000
"""Most values (mappings, lists and scalars, aliases expanded) one criterion may hold."""
MAX_HORIZON_MONTHS = 240
"""Latest closing month, counted from the scenario's start: a scenario's largest horizon."""
QUESTION_FIELDS = ("id", "question", "opens", "closes", "resolution", "resolved_on", "source",
                   "notes", "community", "criterion")
DATA_DIR = "data"
QuestionId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Probability = Annotated[float, Field(ge=0, le=1)]


class QuestionError(UserError):
    """A questions file cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class Question(BaseModel):
    """One forecast question with its closing date and, once known, its resolution."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: QuestionId
    question: str
    opens: date | None = None
    closes: date
    resolution: bool | None = None
    resolved_on: date | None = None
    source: str | None = None
    notes: str | None = None
    community: Probability | None = None
    criterion: Criterion | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Question:
        if self.opens is not None and self.opens > self.closes:
            raise ValueError(f"opens ({self.opens}) is after closes ({self.closes})")
        return self

    @property
    def closing_month(self) -> str:
        """The closing date's month, ``YYYY-MM``."""
        return f"{self.closes.year:04d}-{self.closes.month:02d}"


@dataclass(frozen=True)
class PreparedQuestion:
    """A question whose criterion is resolved against a scenario; ``last`` is its month index."""

    question: Question
    last: int
    criterion: CompiledCriterion

    @property
    def needs_state(self) -> bool:
        """Whether the criterion reads the state at the closing month."""
        return bool(self.criterion.state_months())


# --------------------------------------------------------------------------- YAML


class _Loader(yaml.SafeLoader):
    """Safe loader that leaves dates as text, so that pydantic reports a bad date clearly."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def builtin_question_files() -> list[str]:
    """Names of the question files shipped with the package."""
    folder = files("peninsula.forecast").joinpath(DATA_DIR)
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".yaml"))


def resolve_questions_path(name_or_path: str | Path) -> Path:
    """A questions file: a path, or the name of a shipped file (with or without ``.yaml``)."""
    path = Path(name_or_path)
    if path.exists():
        return path
    name = str(name_or_path)
    for candidate in (name, f"{name}.yaml"):
        if candidate in builtin_question_files():
            return Path(str(files("peninsula.forecast").joinpath(DATA_DIR, candidate)))
    return path


def _cleaned_loc(loc: tuple[Any, ...]) -> list[Any]:
    """Drop the union tags pydantic adds after ``criterion`` / ``of`` (``criterion.action.x``)."""
    kept: list[Any] = []
    for i, part in enumerate(loc):
        prev = loc[i - 1] if i else None
        prev2 = loc[i - 2] if i > 1 else None
        after_slot = prev in ("criterion", "of") or (isinstance(prev, int) and prev2 == "of")
        if part in KINDS and after_slot:
            continue
        kept.append(part)
    return kept


def _error_message(error: dict[str, Any]) -> str:
    kind = error["type"]
    got = error.get("input")
    if kind == "union_tag_invalid":
        tag = (error.get("ctx") or {}).get("tag")
        return f"unknown criterion kind {tag!r}; expected one of {', '.join(KINDS)}"
    if kind == "union_tag_not_found":
        return f"a criterion needs a 'kind': one of {', '.join(KINDS)}"
    if kind.startswith("date_"):
        return f"expected a date YYYY-MM-DD, got {got!r}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "model_attributes_type":
        return f"expected a mapping, got {got!r}"
    if kind in ("greater_than_equal", "less_than_equal") and error["loc"][-1] == "community":
        return f"expected a probability in [0, 1], got {got}"
    if kind == "string_pattern_mismatch" and error["loc"][-1] == "since":
        return f"expected a month YYYY-MM, got {got!r}"
    return _message(error)


@dataclass
class QuestionFile:
    """A validated questions file, with what is needed to point at its lines."""

    questions: list[Question]
    label: str
    path: Path
    description: str | None = None
    node: yaml.Node | None = None
    prefix: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)

    def line_of(self, loc: list[Any]) -> int | None:
        """Line of the field at ``loc`` (relative to the question list)."""
        return _line_at(self.node, [*self.prefix, *loc])

    def by_id(self) -> dict[str, Question]:
        """Questions keyed by id."""
        return {q.id: q for q in self.questions}

    def prepare(self, vocab: Vocabulary) -> tuple[list[PreparedQuestion], list[Question]]:
        """Resolve every criterion against a scenario.

        Returns the prepared questions and those without a criterion; raises
        :class:`QuestionError` listing every unknown actor, action or outcome and every
        closing date before the scenario's start.
        """
        prepared, skipped, problems = [], [], []
        for i, q in enumerate(self.questions):
            if q.criterion is None:
                skipped.append(q)
                continue
            last = month_index(vocab.start, q.closing_month)
            if last < 0:
                problems.append(Problem(self.label, self.line_of([i, "closes"]),
                                        f"question {q.id} closes",
                                        f"closes ({q.closes}) before the scenario starts "
                                        f"({vocab.start})"))
                continue
            if last >= MAX_HORIZON_MONTHS:
                problems.append(Problem(self.label, self.line_of([i, "closes"]),
                                        f"question {q.id} closes",
                                        f"closes ({q.closes}) {last + 1} months after the "
                                        f"scenario starts ({vocab.start}); at most "
                                        f"{MAX_HORIZON_MONTHS} months can be simulated"))
                continue
            compiled, found = resolve(q.criterion, vocab, last)
            for p in found:
                loc = [i, "criterion", *p.loc]
                problems.append(Problem(self.label, self.line_of(loc),
                                        f"question {q.id} {_field_name(loc[1:])}", p.message))
            prepared.append(PreparedQuestion(q, last, compiled))
        if problems:
            raise QuestionError(problems)
        return prepared, skipped


def _fail(label: str, message: str, line: int | None = None) -> QuestionError:
    return QuestionError([Problem(label, line, "", message)])


def _check_nesting(text: str, label: str) -> None:
    """Refuse YAML nested deeper than :data:`MAX_YAML_DEPTH` before building anything.

    The parser is iterative (the composer and constructor are not), so its events can be
    counted safely whatever the depth.
    """
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                mark = event.start_mark
                raise _fail(label, f"lists and mappings nested deeper than {MAX_YAML_DEPTH} "
                                   "levels", mark.line + 1 if mark is not None else None)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _criterion_size(value: Any) -> str | None:
    """Why a raw criterion is too deep or too large, or ``None`` (aliases and loops are safe)."""
    count = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > MAX_CRITERION_NODES:
            return f"criterion holds more than {MAX_CRITERION_NODES} values"
        if isinstance(item, dict):
            if depth > MAX_CRITERION_DEPTH:
                return f"criteria nested deeper than {MAX_CRITERION_DEPTH} levels"
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth) for v in item)
    return None


def _parse_yaml(text: str, label: str) -> tuple[Any, yaml.Node | None]:
    """The data and node tree of a questions file's text (depth bounded first)."""
    try:
        _check_nesting(text, label)
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise _fail(label, f"YAML syntax error: {exc.problem or exc}",
                    mark.line + 1 if mark is not None else None) from None
    except yaml.YAMLError as exc:
        raise _fail(label, f"YAML error: {exc}") from None
    except RecursionError:  # pragma: no cover - _check_nesting bounds the depth first
        raise _fail(label, "lists and mappings nested too deeply") from None
    return data, node


def load_questions(name_or_path: str | Path) -> QuestionFile:
    """Read and validate a questions file; raise :class:`QuestionError` naming every problem."""
    path = resolve_questions_path(name_or_path)
    label = path.name
    if not path.is_file():
        raise _fail(label, "file not found" if not path.exists() else "not a file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _fail(label, f"file is over {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(label, f"not UTF-8 text ({exc.reason})") from None
    data, node = _parse_yaml(text, label)
    prefix: tuple[str, ...] = ()
    description = None
    ignored: set[str] = set()
    if isinstance(data, dict):
        unknown = sorted(str(key) for key in data if key not in ("questions", "description"))
        if unknown and "questions" not in data:
            raise _fail(label, f"unknown top-level field(s) {', '.join(unknown)}; "
                               "expected 'questions' and optionally 'description'")
        ignored.update(unknown)
        description = data.get("description")
        data, prefix = data.get("questions"), ("questions",)
    if not isinstance(data, list) or not data:
        raise _fail(label, "expected a non-empty list of questions")

    questions: list[Question] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(data):
        line = _line_at(node, [*prefix, i])
        qid = raw.get("id") if isinstance(raw, dict) else None
        name = f"question {qid}" if isinstance(qid, str) and qid else f"questions[{i}]"
        if isinstance(raw, dict):
            extra = [key for key in raw if key not in QUESTION_FIELDS]
            ignored.update(map(str, extra))
            raw = {key: value for key, value in raw.items() if key in QUESTION_FIELDS}
            too_big = _criterion_size(raw.get("criterion"))
            if too_big is not None:
                problems.append(Problem(label, _line_at(node, [*prefix, i, "criterion"]),
                                        f"{name} criterion", too_big))
                continue
        try:
            question = Question.model_validate(raw)
        except ValidationError as exc:
            for error in exc.errors():
                loc = _cleaned_loc(error["loc"])
                problems.append(Problem(label, _line_at(node, [*prefix, i, *loc]),
                                        f"{name} {_field_name(loc)}".strip(),
                                        _error_message(error)))
            continue
        if question.id in seen:
            first = seen[question.id] + 1
            problems.append(Problem(label, line, f"{name} id",
                                    f"duplicate id (first used by question {first})"))
        seen.setdefault(question.id, i)
        questions.append(question)
    if problems:
        raise QuestionError(list(dict.fromkeys(problems)))
    warnings = []
    if ignored:
        warnings.append(f"{label}: ignored unknown field(s) {', '.join(sorted(ignored))}; "
                        f"a question's fields are {', '.join(QUESTION_FIELDS)}")
    return QuestionFile(questions=questions, label=label, path=path, description=description,
                        node=node, prefix=prefix, warnings=warnings)
