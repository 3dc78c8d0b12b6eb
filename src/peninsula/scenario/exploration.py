"""What an exploration is: uncertain parameters (ranges) and levers (policy options).

An :class:`Uncertainty` names a scenario parameter by its override path
(``actors.CHN.objectives.war_aversion``, ``dyads.CHN>PRK.commitment``) and gives it a range or
a bounded distribution; a :class:`Lever` is a named choice of a focal actor whose options are
sets of overrides. Both are plain data (pydantic schemas); how they are sampled lives in
:mod:`peninsula.experiments.sampling`, how they are run in :mod:`peninsula.experiments.explore`.

A scenario declares them under ``uncertainties:`` and ``levers:``; until the scenario schema
carries those fields, a built-in scenario may keep them in ``<name>.exploration.yaml`` (or
``.yml``) beside it. :func:`load_exploration` finds them, and :func:`exploration_problems`
checks every path against the scenario itself, so a bad path is an error before anything runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from peninsula.scenario.loading import (
    LoadedScenario,
    Problem,
    ScenarioError,
    _field_name,
    _line_at,
    _message,
    _parse_yaml,
    _read_text,
    resolve_scenario_path,
)
from peninsula.scenario.uncertainty import (  # noqa: F401  (re-exported)
    DISTRIBUTIONS,
    ExplorationSpec,
    Identifier,
    Lever,
    LeverOption,
    OverridePath,
    OverrideValue,
    Uncertainty,
    column_name,
)

EXPLORATION_SUFFIXES = (".exploration.yaml", ".exploration.yml")


def exploration_file(name_or_path: str | Path) -> Path | None:
    """The ``<name>.exploration.yaml`` (or ``.yml``) beside a scenario file, if there is one."""
    path = resolve_scenario_path(name_or_path)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    for suffix in EXPLORATION_SUFFIXES:
        candidate = path.with_name(stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def _spec_from(data: dict[str, Any], label: str, node: Any, prefix: list[Any]) -> ExplorationSpec:
    fields = {key: data[key] for key in ("uncertainties", "levers") if key in data}
    try:
        return ExplorationSpec.model_validate(fields)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = [part for part in error["loc"]
                   if not (isinstance(part, str) and ("[" in part or part.startswith("function-")))]
            message = _message(error)
            if error["type"] == "value_error":
                message = str(error["ctx"]["error"]) if "error" in error.get("ctx", {}) else (
                    error["msg"].removeprefix("Value error, "))
            if not loc:  # a check of the whole spec: point at the section it is about
                about = "levers" if "lever" in message and "uncertaint" not in message else (
                    "uncertainties")
                loc = [about] if about in fields else list(fields)[:1]
            line = _line_at(node, [*prefix, *loc]) if node is not None else None
            problems.append(Problem(label, line, _field_name(loc), message))
        raise ScenarioError(list(dict.fromkeys(problems))) from None


def load_exploration(name_or_path: str | Path, loaded: LoadedScenario) -> ExplorationSpec:
    """The uncertainties and levers of a scenario, checked against it.

    They are read from the scenario itself when it declares any, else from
    ``<name>.exploration.yaml`` beside it; a scenario with neither has an empty spec. Raises
    :class:`~peninsula.scenario.loading.ScenarioError` listing every problem (file, line, field).
    """
    scenario_path = resolve_scenario_path(name_or_path)
    declared = getattr(loaded.scenario, "uncertainties", None) or getattr(
        loaded.scenario, "levers", None)
    raw_has = any(loaded.raw.get(key) for key in ("uncertainties", "levers"))
    if declared or raw_has:
        label = loaded.label
        try:
            _, node = _parse_yaml(_read_text(scenario_path), label)
        except ScenarioError:
            node = None
        spec = _spec_from(loaded.raw, label, node, [])
    else:
        side = exploration_file(scenario_path)
        if side is None:
            return ExplorationSpec()
        label = side.name
        data, node = _parse_yaml(_read_text(side), label)
        unknown = sorted(set(data) - {"uncertainties", "levers"})
        if unknown:
            line = _line_at(node, [unknown[0]])
            raise ScenarioError([Problem(label, line, unknown[0],
                                         "unknown field; expected 'uncertainties' or 'levers'")])
        spec = _spec_from(data, label, node, [])
    problems = exploration_problems(loaded, spec, label, node)
    if problems:
        raise ScenarioError(problems)
    return spec


def _why(exc: ScenarioError) -> str:
    return "; ".join(p.message for p in exc.problems)


def _uncertainty_problems(loaded: LoadedScenario, spec: ExplorationSpec, label: str,
                          line: Callable[[list[Any]], int | None]) -> list[Problem]:
    problems = []
    for i, u in enumerate(spec.uncertainties):
        values: list[float] = [u.low, u.middle, u.high]
        if u.distribution == "integer":
            values = [int(v) for v in values]
        else:
            # a value between whole numbers: a whole-number field needs distribution: integer
            values.append(u.low + (u.high - u.low) / math.pi)
        for value in values:
            try:
                loaded.with_overrides({u.path: value}, why=f"uncertainties[{i}].path")
            except ScenarioError as exc:
                hint = ""
                if value is values[-1] and u.distribution != "integer":
                    hint = ("; a whole-number field needs 'distribution: integer' and whole "
                            "low and high")
                problems.append(Problem(label, line(["uncertainties", i, "path"]),
                                        f"uncertainties[{i}].path",
                                        f"{u.path} = {value!r} is not a valid override: "
                                        f"{_why(exc)}{hint}"))
                break
    return problems


def _lever_problems(loaded: LoadedScenario, spec: ExplorationSpec, label: str,
                    line: Callable[[list[Any]], int | None]) -> list[Problem]:
    problems = []
    uncertain = {u.path: i for i, u in enumerate(spec.uncertainties)}
    codes = loaded.scenario.actor_codes
    owner: dict[str, str] = {}
    for i, lever in enumerate(spec.levers):
        if lever.actor not in codes:
            problems.append(Problem(label, line(["levers", i, "actor"]), f"levers[{i}].actor",
                                    f"unknown actor code {lever.actor!r}; expected one of "
                                    f"{codes}"))
        for j, option in enumerate(lever.options):
            loc = ["levers", i, "options", j, "overrides"]
            field = f"levers[{i}].options[{j}].overrides"
            try:
                loaded.with_overrides(option.overrides, why=field)
            except ScenarioError as exc:
                problems.append(Problem(label, line(loc), field,
                                        f"option {option.id!r} overrides an unknown or invalid "
                                        f"field: {_why(exc)}"))
            for path in option.overrides:
                if path in uncertain:
                    problems.append(Problem(
                        label, line([*loc, path]), f"{field}.{path}",
                        f"{path} is also uncertainties[{uncertain[path]}]: a parameter is "
                        "either uncertain or a lever, not both"))
                if owner.get(path, lever.id) != lever.id:
                    problems.append(Problem(
                        label, line([*loc, path]), f"{field}.{path}",
                        f"{path} is set by both levers {owner[path]!r} and {lever.id!r}"))
                owner.setdefault(path, lever.id)
    return problems


def _combination_problems(loaded: LoadedScenario, spec: ExplorationSpec, label: str,
                          line: Callable[[list[Any]], int | None]) -> list[Problem]:
    problems = []
    policies = spec.policies()
    if len(policies) > 64:
        return problems
    for policy in policies:
        try:
            loaded.with_overrides(spec.policy_overrides(policy), why="levers")
        except ScenarioError as exc:
            combo = ", ".join(f"{k}={v}" for k, v in policy.items())
            problems.append(Problem(label, line(["levers"]), "levers",
                                    f"the combination {combo} is invalid: {_why(exc)}"))
    return problems


def exploration_problems(loaded: LoadedScenario, spec: ExplorationSpec, label: str,
                         node: Any = None) -> list[Problem]:
    """Every path of ``spec`` checked by applying it to the scenario as a test override.

    An uncertainty is tried at ``low``, the middle and ``high`` (so a range the field does not
    allow is caught); every lever option alone, and every combination of options when there are
    at most 64. A path claimed by both a lever and an uncertainty, or by two levers, is an error:
    which value would win would be arbitrary.
    """

    def line(loc: list[Any]) -> int | None:
        return _line_at(node, loc) if node is not None else None

    problems = (_uncertainty_problems(loaded, spec, label, line)
                + _lever_problems(loaded, spec, label, line))
    if not problems and spec.levers:
        problems = _combination_problems(loaded, spec, label, line)
    return list(dict.fromkeys(problems))
