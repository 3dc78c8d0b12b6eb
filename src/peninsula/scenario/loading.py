"""Read a scenario file into a validated :class:`~peninsula.scenario.model.Scenario`.

Nothing in a scenario file is executed: YAML is read with the safe loader only. Every problem
is reported with the file, the line and the field (``korea.yaml:41 actors[2].capabilities.nuclear:
expected a number ≥ 0, got "many"``), and all problems are listed at once.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from peninsula.scenario.cameo import cameo_table
from peninsula.scenario.model import Scenario

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Scenario files above this size are refused before parsing (a scenario is a few kB)."""

BUILTIN_DIR = "scenarios"
CATALOGUE_DIR = "catalogues"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where it is and what was expected."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where} {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ScenarioError(ValueError):
    """A scenario could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


# --------------------------------------------------------------------------- YAML with lines


def _read_text(path: Path) -> str:
    label = path.name
    if not path.exists():
        raise ScenarioError([Problem(label, None, "", "file not found")])
    if not path.is_file():
        raise ScenarioError([Problem(label, None, "", "not a file")])
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError(
            [
                Problem(
                    label,
                    None,
                    "",
                    f"file is {size / 1e6:.1f} MB; a scenario must be under "
                    f"{MAX_FILE_BYTES // (1024 * 1024)} MB",
                )
            ]
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(label, None, "", f"not UTF-8 text ({exc.reason})")]) from None


MAX_ALIASES = 100
"""YAML aliases allowed in a scenario file; more is refused (an alias bomb expands exponentially
when validated)."""


def _parse_yaml(text: str, label: str) -> tuple[Any, yaml.Node | None]:
    try:
        aliases = sum(isinstance(event, yaml.AliasEvent)
                      for event in yaml.parse(text, Loader=yaml.SafeLoader))
        if aliases > MAX_ALIASES:
            raise ScenarioError([Problem(label, None, "", f"{aliases} YAML aliases; a scenario "
                                         f"may use at most {MAX_ALIASES}")])
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = exc.problem or str(exc)
        if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
            # where the unclosed bracket or block began, not only where parsing gave up
            reason += f" ({exc.context} started on line {exc.context_mark.line + 1})"
        raise ScenarioError([Problem(label, line, "", f"YAML syntax error: {reason}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(label, None, "", f"YAML error: {exc}")]) from None
    if data is None:
        raise ScenarioError(
            [Problem(label, None, "", "file is empty; expected a scenario mapping")]
        )
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem(label, 1, "",
                     f"expected a mapping of scenario fields, got {type(data).__name__}")]
        )
    return data, node


def _node_at(node: yaml.Node | None, loc: Iterable[Any]) -> yaml.Node | None:
    """The deepest YAML node that exists along ``loc``."""
    current = node
    for part in loc:
        if isinstance(current, yaml.MappingNode):
            nxt = None
            for key, value in current.value:
                if key.value == str(part):
                    nxt = value if not isinstance(value, yaml.ScalarNode) else value
                    break
            if nxt is None:
                return current
            current = nxt
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(current.value):
                return current
            current = current.value[part]
        else:
            return current
    return current


def _line_at(node: yaml.Node | None, loc: Iterable[Any]) -> int | None:
    """Line of the field at ``loc``: the line of its key where it has one, else of its value.

    (A block value starts on the line after its key: ``extra:`` then ``  - item``.)
    """
    loc = list(loc)
    found = _node_at(node, loc)
    if found is None:
        return None
    if loc and not isinstance(loc[-1], int):
        parent = _node_at(node, loc[:-1])
        if isinstance(parent, yaml.MappingNode):
            for key, value in parent.value:
                if value is found and key.value == str(loc[-1]):
                    return key.start_mark.line + 1
    return found.start_mark.line + 1


def _field_name(loc: Iterable[Any]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


# --------------------------------------------------------------------------- messages

_EXPECT = {
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "list_type": "expected a list",
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping",
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
    "too_short": "expected at least {min_length} item(s)",
}


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = error.get("input")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        symbol = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤",
                  "less_than": "<"}[kind]
        bound = next(iter(ctx.values())) if ctx else "?"
        text = f"expected a number {symbol} {bound}"
    elif kind == "string_pattern_mismatch":
        text = f"expected text matching {ctx.get('pattern')}"
    elif kind == "literal_error":
        text = f"expected one of {ctx.get('expected')}"
    elif kind in _EXPECT:
        text = _EXPECT[kind].format(**ctx)
    else:
        text = error["msg"]
    if kind not in ("missing",) and not isinstance(got, dict | list):
        text += f", got {json.dumps(got, default=str)}"
    return text


def _validation_problems(
    exc: ValidationError, label: str, node: yaml.Node | None, origins: _Origins
) -> list[Problem]:
    problems = []
    for error in exc.errors():
        loc = [part for part in error["loc"] if not (isinstance(part, str) and "[" in part)]
        # pydantic adds union branch names to the loc; keep real field names only
        loc = [part for part in loc if not (isinstance(part, str) and part.startswith("function-"))]
        file_label, file_node, file_loc = origins.resolve(label, node, loc)
        line = _line_at(file_node, file_loc)
        problems.append(Problem(file_label, line, _field_name(loc), _message(error)))
    return _unique(problems)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple] = set()
    kept = []
    for problem in problems:
        key = (problem.file, problem.line, problem.field)
        if key not in seen:
            seen.add(key)
            kept.append(problem)
    return kept


class _Origins:
    """Where each merged action came from (the scenario file or a catalogue)."""

    def __init__(self) -> None:
        self.actions: list[tuple[str, yaml.Node | None, list[Any]]] = []

    def resolve(
        self, label: str, node: yaml.Node | None, loc: list[Any]
    ) -> tuple[str, yaml.Node | None, list[Any]]:
        if len(loc) >= 2 and loc[0] == "actions" and isinstance(loc[1], int):
            if loc[1] < len(self.actions):
                file_label, file_node, prefix = self.actions[loc[1]]
                return file_label, file_node, [*prefix, *loc[2:]]
        return label, node, loc


# --------------------------------------------------------------------------- overrides


class OverrideError(KeyError):
    """An override path does not name a field of the scenario."""


def _list_key(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    if "id" in item:
        return str(item["id"])
    if "code" in item:
        return str(item["code"])
    if "source" in item and "target" in item:
        return f"{item['source']}>{item['target']}"
    return None


def apply_override(raw: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` (``actors.CHN.objectives.war_aversion``, ``dyads.CHN>PRK.commitment``) in place.

    List elements are addressed by their ``id``, ``code`` or ``SOURCE>TARGET``. The last part
    may be a field the file left at its default; pydantic then checks that the field exists.
    """
    parts = path.split(".")
    current: Any = raw
    for depth, part in enumerate(parts[:-1]):
        if isinstance(current, list):
            matches = [item for item in current if _list_key(item) == part]
            if not matches:
                known = ", ".join(str(_list_key(item)) for item in current)
                raise OverrideError(f"{path}: no element {part!r} in {'.'.join(parts[:depth])} "
                                    f"(known: {known})")
            current = matches[0]
        elif isinstance(current, dict):
            if part not in current:
                current[part] = {}
            current = current[part]
        else:
            raise OverrideError(f"{path}: {'.'.join(parts[:depth])} is a value, not a section")
    last = parts[-1]
    if isinstance(current, list):
        raise OverrideError(f"{path}: cannot replace a whole list element")
    if not isinstance(current, dict):
        raise OverrideError(f"{path}: {'.'.join(parts[:-1])} is a value, not a section")
    current[last] = value


# --------------------------------------------------------------------------- references


def _duplicates(values: list[str]) -> set[str]:
    seen: set[str] = set()
    twice: set[str] = set()
    for value in values:
        (twice if value in seen else seen).add(value)
    return twice


def reference_problems(scenario: Scenario) -> list[tuple[list[Any], str]]:
    """Cross-field checks pydantic cannot see: unknown codes, duplicates, dangling ids."""
    found: list[tuple[list[Any], str]] = []
    codes = scenario.actor_codes
    known_actors = set(codes)
    action_ids = scenario.action_ids
    known_actions = set(action_ids)
    cameo = cameo_table()

    for i, code in enumerate(codes):
        if code in _duplicates(codes) and codes.index(code) != i:
            found.append((["actors", i, "code"], f"duplicate actor code {code!r}"))
    for i, action_id in enumerate(action_ids):
        if action_id in _duplicates(action_ids) and action_ids.index(action_id) != i:
            found.append((["actions", i, "id"], f"duplicate action id {action_id!r}"))
    for name, items in (("events", scenario.events), ("claims", scenario.claims),
                        ("outcomes", scenario.outcomes)):
        ids = [item.id for item in items]
        for i, item_id in enumerate(ids):
            if item_id in _duplicates(ids) and ids.index(item_id) != i:
                found.append(([name, i, "id"], f"duplicate id {item_id!r}"))

    def actor_ref(loc: list[Any], code: str) -> None:
        if code not in known_actors:
            found.append((loc, f"unknown actor code {code!r}; expected one of {codes}"))

    def action_ref(loc: list[Any], action_id: str | None) -> None:
        if action_id is not None and action_id not in known_actions:
            found.append((loc, f"unknown action {action_id!r}"))

    seen_pairs: dict[tuple[str, str], int] = {}
    relations: dict[frozenset, float] = {}
    for i, dyad in enumerate(scenario.dyads):
        actor_ref(["dyads", i, "source"], dyad.source)
        actor_ref(["dyads", i, "target"], dyad.target)
        if dyad.source == dyad.target:
            found.append((["dyads", i, "target"], "a dyad needs two different actors"))
        pair = (dyad.source, dyad.target)
        if pair in seen_pairs:
            found.append((["dyads", i], f"duplicate dyad {dyad.source}>{dyad.target}"))
        seen_pairs[pair] = i
        if dyad.relation is not None:
            key = frozenset(pair)
            if key in relations and relations[key] != dyad.relation:
                found.append((["dyads", i, "relation"],
                              f"relation of {dyad.source}-{dyad.target} given twice with "
                              f"different values ({relations[key]} and {dyad.relation})"))
            relations[key] = dyad.relation

    if not scenario.actions or scenario.actions[0].id != "do_nothing":
        found.append((["actions", 0, "id"], "the first action must be 'do_nothing'"))
    for i, action in enumerate(scenario.actions):
        if action.id == "do_nothing":
            if action.cameo is not None or action.rung != 0:
                found.append((["actions", i], "'do_nothing' has no CAMEO code and rung 0"))
            continue
        if action.cameo is None:
            found.append(
                (["actions", i, "cameo"], "expected a CAMEO code (a string such as '042')")
            )
        elif action.cameo not in cameo:
            found.append((["actions", i, "cameo"], f"unknown CAMEO code {action.cameo!r}"))
        pre = action.preconditions
        for j, code in enumerate(pre.sources or []):
            actor_ref(["actions", i, "preconditions", "sources", j], code)
        for j, code in enumerate(pre.targets or []):
            actor_ref(["actions", i, "preconditions", "targets", j], code)
        for j, prior in enumerate(pre.requires_prior):
            action_ref(["actions", i, "preconditions", "requires_prior", j], prior)

    for i, event in enumerate(scenario.events):
        for j, unlock in enumerate(event.unlocks):
            action_ref(["events", i, "unlocks", j, "action"], unlock.action)
            actor_ref(["events", i, "unlocks", j, "source"], unlock.source)
            actor_ref(["events", i, "unlocks", j, "target"], unlock.target)

    for i, outcome in enumerate(scenario.outcomes):
        loc = ["outcomes", i]
        for j, code in enumerate(outcome.sources or []):
            actor_ref([*loc, "sources", j], code)
        for j, code in enumerate(outcome.targets or []):
            actor_ref([*loc, "targets", j], code)
        for j, code in enumerate(outcome.actors or []):
            actor_ref([*loc, "actors", j], code)
        for j, (first, second) in enumerate(outcome.pairs or []):
            actor_ref([*loc, "pairs", j, 0], first)
            actor_ref([*loc, "pairs", j, 1], second)
        if outcome.kind == "action":
            if outcome.action is None:
                found.append(([*loc, "action"], "an 'action' outcome needs an action id"))
            action_ref([*loc, "action"], outcome.action)
        if outcome.kind == "rung" and (not outcome.pairs or outcome.min_rung is None):
            found.append((loc, "a 'rung' outcome needs 'pairs' and 'min_rung'"))
    return found


# --------------------------------------------------------------------------- entry points


def _builtin_path(kind: str, name: str) -> Path:
    return Path(str(files("peninsula").joinpath(kind, f"{name}.yaml")))


def builtin_scenarios() -> list[str]:
    """Names of the scenarios shipped with the package."""
    folder = Path(str(files("peninsula").joinpath(BUILTIN_DIR)))
    return sorted(path.stem for path in folder.glob("*.yaml"))


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """A built-in scenario name (``korea-2024``) or a path to a YAML file."""
    text = str(name_or_path)
    if text in builtin_scenarios():
        return _builtin_path(BUILTIN_DIR, text)
    return Path(text)


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with the raw data it came from (for overrides) and its hash."""

    scenario: Scenario
    raw: dict[str, Any]
    label: str

    @property
    def sha256(self) -> str:
        """Hash of the resolved scenario (after catalogue merge and overrides)."""
        text = json.dumps(self.scenario.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def with_overrides(self, overrides: Mapping[str, Any], why: str = "override") -> LoadedScenario:
        """A new scenario with ``path → value`` overrides applied and validated again."""
        raw = copy.deepcopy(self.raw)
        problems = []
        for path, value in overrides.items():
            try:
                apply_override(raw, path, value)
            except OverrideError as exc:
                problems.append(Problem(self.label, None, why, str(exc.args[0])))
        if problems:
            raise ScenarioError(problems)
        try:
            scenario = Scenario.model_validate(raw)
        except ValidationError as exc:
            problems = [
                Problem(self.label, None, why,
                        f"{_field_name(error['loc'])}: {_message(error)}")
                for error in exc.errors()
            ]
            raise ScenarioError(_unique(problems)) from None
        refs = reference_problems(scenario)
        if refs:
            raise ScenarioError(
                [Problem(self.label, None, why, f"{_field_name(loc)}: {msg}") for loc, msg in refs]
            )
        return LoadedScenario(scenario=scenario, raw=raw, label=self.label)


def _merge_catalogue(
    data: dict[str, Any], node: yaml.Node | None, label: str, origins: _Origins
) -> list[Problem]:
    name = data.pop("catalogue", None)
    own = data.get("actions") or []
    own_node = _node_at(node, ["actions"])
    if not isinstance(own, list):
        return []  # left as it is: validation reports "expected a list" at its line
    if name is None:
        origins.actions = [(label, own_node, [i]) for i in range(len(own))]
        return []
    path = _builtin_path(CATALOGUE_DIR, str(name))
    if not path.exists():
        line_node = _node_at(node, ["catalogue"])
        line = line_node.start_mark.line + 1 if line_node is not None else None
        return [Problem(label, line, "catalogue", f"unknown catalogue {name!r}")]
    cat_data, cat_node = _parse_yaml(_read_text(path), path.name)
    base = cat_data.get("actions") or []
    base_node = _node_at(cat_node, ["actions"])
    merged: list[Any] = []
    merged_origins: list[tuple[str, yaml.Node | None, list[Any]]] = []
    own_by_id = {item.get("id"): i for i, item in enumerate(own) if isinstance(item, dict)}
    used: set[int] = set()
    for j, item in enumerate(base):
        key = item.get("id") if isinstance(item, dict) else None
        if key in own_by_id:
            i = own_by_id[key]
            used.add(i)
            merged.append(own[i])
            merged_origins.append((label, own_node, [i]))
        else:
            merged.append(item)
            merged_origins.append((path.name, base_node, [j]))
    for i, item in enumerate(own):
        if i not in used:
            merged.append(item)
            merged_origins.append((label, own_node, [i]))
    data["actions"] = merged
    origins.actions = merged_origins
    return []


def load_scenario(name_or_path: str | Path) -> LoadedScenario:
    """Load, merge with its catalogue, and validate a scenario; raise :class:`ScenarioError`."""
    path = resolve_scenario_path(name_or_path)
    label = path.name
    text = _read_text(path)
    data, node = _parse_yaml(text, label)
    origins = _Origins()
    problems = _merge_catalogue(data, node, label, origins)
    if problems:
        raise ScenarioError(problems)
    overrides = data.get("overrides") or {}
    if isinstance(overrides, dict) and overrides:
        for path, value in overrides.items():
            try:
                apply_override(data, str(path), value)
            except OverrideError as exc:
                line_node = _node_at(node, ["overrides", path])
                line = line_node.start_mark.line + 1 if line_node is not None else None
                problems.append(Problem(label, line, f"overrides.{path}", str(exc.args[0])))
        if problems:
            raise ScenarioError(problems)
    raw = copy.deepcopy(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_validation_problems(exc, label, node, origins)) from None
    problems = []
    refs = reference_problems(scenario)
    for loc, message in refs:
        file_label, file_node, file_loc = origins.resolve(label, node, loc)
        line = _line_at(file_node, file_loc)
        problems.append(Problem(file_label, line, _field_name(loc), message))
    loaded = LoadedScenario(scenario=scenario, raw=raw, label=label)
    # problems of the scenario itself come back from every claim's check: report them once
    inherited = {f"{_field_name(loc)}: {message}" for loc, message in refs}
    for i, claim in enumerate(scenario.claims):
        try:
            loaded.with_overrides(claim.when_off, why=f"claims[{i}].when_off")
        except ScenarioError as exc:
            line = _line_at(node, ["claims", i, "when_off"])
            problems.extend(
                Problem(label, line, f"claims[{i}].when_off",
                        f"claim {claim.id} cannot be switched off: {p.message}")
                for p in exc.problems
                if p.message not in inherited
            )
    if problems:
        # drop exact repeats only: one field may have several distinct problems
        raise ScenarioError(list(dict.fromkeys(problems)))
    return loaded
