"""Read a scenario file into a validated :class:`~peninsula.scenario.model.Scenario`.

Nothing in a scenario file is executed: YAML is read with the safe loader only. Every problem
is reported with the file, the line and the field (``korea.yaml:41 actors[2].capabilities.nuclear:
expected a number ≥ 0, got "many"``), and all problems are listed at once.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from peninsula.errors import UserError
from peninsula.scenario.cameo import cameo_table
from peninsula.scenario.model import Scenario, month_index

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


MAX_PROBLEMS = 20
"""Problems listed at most; the rest are counted in one last line (a text file that is not a
scenario would otherwise be echoed back line by line)."""

MAX_EXCERPT = 40
"""Longest excerpt of a bad input quoted in a message."""


def excerpt(value: Any, limit: int = MAX_EXCERPT) -> str:
    r"""A short, escaped, printable excerpt of a user's value for a message.

    >>> excerpt("a" * 60)
    '"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…"'
    >>> print(excerpt(chr(0xD800) + chr(7)))
    "\ud800\x07"
    """
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool | int | float) or value is None:
        text = json.dumps(value) if not isinstance(value, int) or abs(value) < 10**30 else (
            "a very large number")
        return text if len(text) <= limit else text[: limit - 1] + "…"
    else:
        text = str(value) if not isinstance(value, dict | list | set | tuple) else (
            type(value).__name__)
    clipped = text[:limit]
    escaped = "".join(
        char if char.isprintable() and not 0xD800 <= ord(char) <= 0xDFFF
        else (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        for char in clipped)
    if len(escaped) > limit:
        escaped = escaped[: limit - 1] + "…"
    elif len(text) > limit:
        escaped = escaped[: limit - 1] + "…"
    quote = '"' if isinstance(value, str) else ""
    return f"{quote}{escaped}{quote}"


class ScenarioError(UserError):
    """A scenario could not be loaded; ``problems`` lists every reason.

    At most :data:`MAX_PROBLEMS` are kept; a last entry says how many more there were.
    """

    def __init__(self, problems: list[Problem]):
        problems = list(problems)
        if len(problems) > MAX_PROBLEMS + 1:
            extra = len(problems) - MAX_PROBLEMS
            first = problems[0]
            problems = [*problems[:MAX_PROBLEMS],
                        Problem(first.file, None, "", f"and {extra} more problems")]
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

MAX_DEPTH = 50
"""Deepest nesting of lists and mappings a scenario file may have (a scenario needs about 6)."""

MAX_NODES = 200_000
"""Most YAML nodes (values, lists, mappings) a file may have (a scenario has a few thousand)."""

_MERGE = "tag:yaml.org,2002:merge"


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.2 core schema for plain scalars.

    Only ``true``/``false`` are booleans (``yes``, ``no``, ``on``, ``off`` stay text); numbers
    are decimal, ``0x``/``0o`` or floats; ``1:30`` is text, not the sexagesimal 90.
    """


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                           "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"))
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


class _Loader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,
              yaml.composer.Composer, yaml.constructor.SafeConstructor, _Resolver):
    """The safe loader with YAML 1.2 scalars and duplicate keys collected in ``duplicates``."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)
        self.duplicates: list[tuple[str, int, int]] = []

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE or not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = self.construct_object(key_node)
                try:
                    first = seen.get(key)
                except TypeError:
                    continue
                line = key_node.start_mark.line + 1
                if first is not None:
                    self.duplicates.append((str(key), first, line))
                else:
                    seen[key] = line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.Node) -> int:
        value = str(self.construct_scalar(node)).replace("_", "")
        try:
            if value[:1] in "+-" and value[1:3] in ("0x", "0o"):
                sign, value = (-1 if value[0] == "-" else 1), value[1:]
            else:
                sign = 1
            if value.startswith("0x"):
                return sign * int(value[2:], 16)
            if value.startswith("0o"):
                return sign * int(value[2:], 8)
            return sign * int(value, 10)
        except ValueError:
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a whole number, got {excerpt(value)}",
                node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


_BRACKET_RUN = re.compile(rf"(?:[\[{{][ \t\r\n]*){{{MAX_DEPTH + 1}}}")


def _check_shape(text: str, label: str) -> None:
    """Refuse too deep, too big, too many aliases, before anything recursive runs.

    Only the parser's events are walked: no objects are built.
    """
    run = _BRACKET_RUN.search(text)
    if run is not None:  # the scanner is slow on these: refuse them before it starts
        line = text.count("\n", 0, run.start()) + 1
        raise ScenarioError([Problem(label, line, "", f"lists and mappings nested more than "
                                     f"{MAX_DEPTH} deep")])
    loader = _Loader(text)
    depth = aliases = nodes = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark else None
                    raise ScenarioError([Problem(label, line, "", f"lists and mappings nested "
                                                 f"more than {MAX_DEPTH} deep")])
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if nodes > MAX_NODES:
                    raise ScenarioError([Problem(label, None, "", f"more than {MAX_NODES} YAML "
                                                 "values; a scenario has a few thousand")])
    finally:
        loader.dispose()
    if aliases > MAX_ALIASES:
        raise ScenarioError([Problem(label, None, "", f"{aliases} YAML aliases; a scenario "
                                     f"may use at most {MAX_ALIASES}")])


def _compose(text: str, label: str) -> tuple[Any, yaml.Node | None]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        try:
            data = loader.construct_document(node) if node is not None else None
        except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:
            # an explicit tag with a value it cannot take (``!!float abc``, a bad timestamp)
            reason = excerpt(str(exc), 80).strip('"')
            raise ScenarioError([Problem(label, None, "", f"YAML error: could not read a "
                                         f"value ({reason})")]) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise ScenarioError([
            Problem(label, second, excerpt(key).strip('"'),
                    f"duplicate key: already given on line {first}; give each field once")
            for key, first, second in loader.duplicates])
    return data, node


def _parse_yaml(text: str, label: str) -> tuple[Any, yaml.Node | None]:
    try:
        _check_shape(text, label)
        data, node = _compose(text, label)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = exc.problem or str(exc)
        if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
            # where the unclosed bracket or block began, not only where parsing gave up
            reason += f" ({exc.context} started on line {exc.context_mark.line + 1})"
        reason = excerpt(reason, 200).strip('"')
        raise ScenarioError([Problem(label, line, "", f"YAML syntax error: {reason}")]) from None
    except yaml.YAMLError as exc:
        reason = excerpt(str(exc), 200).strip('"')
        raise ScenarioError([Problem(label, None, "", f"YAML error: {reason}")]) from None
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
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            name = excerpt(str(part)).strip('"')
            text += f".{name}" if text else name
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
    "string_unicode": "expected valid Unicode text (a lone surrogate cannot be stored)",
    "list_type": "expected a list",
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping",
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
    "too_short": "expected at least {min_length} item(s)",
}


TOP_LEVEL_KEYS: tuple[str, ...] = ("catalogue",)
"""Keys a scenario file may have besides :class:`Scenario`'s fields (read before validation)."""


def _clean_loc(loc: Iterable[Any]) -> list[Any]:
    """``loc`` without the union branch and validator names pydantic adds: real fields only."""
    return [part for part in loc
            if not (isinstance(part, str) and ("[" in part or part.startswith(
                ("function-", "constrained-"))))]


def _unwrap(annotation: Any) -> Any:
    """``X`` from ``Annotated[X, ...]`` or ``X | None``; other types as they are."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def _section_at(root: type[BaseModel], loc: Sequence[Any]) -> type[BaseModel] | None:
    """The model whose field the last part of ``loc`` names, walking ``root``'s fields."""
    current: Any = root
    for part in loc[:-1]:
        current = _unwrap(current)
        if isinstance(part, int):
            if typing.get_origin(current) is not list:
                return None
            current = typing.get_args(current)[0]
        elif isinstance(current, type) and issubclass(current, BaseModel):
            if part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unknown_field(root: type[BaseModel], loc: Sequence[Any]) -> str | None:
    """``unknown field; did you mean 'horizon_months'?``, or the valid names when none is close.

    ``None`` where the section cannot be found (the caller then says only "unknown field").
    """
    section = _section_at(root, loc)
    if section is None or not loc or not isinstance(loc[-1], str):
        return None
    name = loc[-1]
    valid = list(section.model_fields)
    if len(loc) == 1 and root is Scenario:
        valid += TOP_LEVEL_KEYS
    lowered = {field.lower(): field for field in valid}
    close = difflib.get_close_matches(name.lower(), lowered, n=1, cutoff=0.6)
    if not close:  # a part of a longer name (``months``) or a longer form of one
        close = [key for key in lowered if len(name) >= 3 and (name.lower() in key
                                                                 or key in name.lower())][:1]
    if close:
        return f"unknown field; did you mean {lowered[close[0]]!r}?"
    return f"unknown field; valid fields here: {', '.join(valid)}"


def _message(error: Mapping[str, Any], root: type[BaseModel] | None = None) -> str:
    """The expectation an error breaks, in words.

    ``root``: the model the whole document was validated against; with it, an unknown field
    comes with the nearest valid name of its section.
    """
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = error.get("input")
    if kind == "extra_forbidden" and root is not None:
        hint = _unknown_field(root, _clean_loc(error["loc"]))
        if hint is not None:
            return hint
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
    elif kind in ("finite_number",):
        text = "expected a finite number"
    elif kind in ("string_too_long",):
        text = f"expected text of at most {ctx.get('max_length')} characters"
    elif kind in ("too_long",):
        text = f"expected at most {ctx.get('max_length')} item(s)"
    else:
        text = str(error["msg"]).removeprefix("Value error, ")
    if kind not in ("missing", "string_too_long") and not isinstance(got, dict | list):
        text += f", got {excerpt(got)}"
    return text


def _validation_problems(
    exc: ValidationError, label: str, node: yaml.Node | None, origins: _Origins
) -> list[Problem]:
    problems = []
    for error in exc.errors():
        loc = _clean_loc(error["loc"])
        file_label, file_node, file_loc = origins.resolve(label, node, loc)
        line = _line_at(file_node, file_loc)
        problems.append(Problem(file_label, line, _field_name(loc), _message(error, Scenario)))
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
    path = excerpt(path, 80).strip('"')
    current: Any = raw
    for depth, part in enumerate(parts[:-1]):
        if isinstance(current, list):
            matches = [item for item in current if _list_key(item) == part]
            if not matches:
                known = ", ".join(str(_list_key(item)) for item in current)
                where = ".".join(parts[:depth])
                raise OverrideError(f"{path}: no element {str(part)[:MAX_EXCERPT]!r} in {where} "
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


_MISSING = object()


def _is_fit_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a fit's ``fit.json`` (False, not an error, if unreadable)."""
    try:
        return (folder / "fit.json").is_file()
    except OSError:
        return False


def _walk(data: Any, path: str) -> Any:
    current: Any = data
    for part in path.split("."):
        if isinstance(current, list):
            current = next((item for item in current if _list_key(item) == part), _MISSING)
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            return _MISSING
        if current is _MISSING:
            return _MISSING
    return current


def has_path(raw: dict[str, Any], path: str) -> bool:
    """Whether ``path`` (as :func:`apply_override` reads it) names a value the file has."""
    return _walk(raw, path) is not _MISSING


def value_at(loaded: LoadedScenario, path: str) -> Any:
    """The value at ``path`` (as :func:`apply_override` reads it) in the resolved scenario.

    Catalogue values and defaults included; a ``KeyError`` naming the path when there is none.
    """
    value = _walk(loaded.scenario.model_dump(mode="json"), path)
    if value is _MISSING:
        raise KeyError(f"{loaded.label}: no value at {path}")
    return value


# --------------------------------------------------------------------------- references


def _duplicates(values: list[str]) -> set[str]:
    seen: set[str] = set()
    twice: set[str] = set()
    for value in values:
        (twice if value in seen else seen).add(value)
    return twice


Found = list[tuple[list[Any], str]]


class _References:
    """Checks of codes and ids that point elsewhere in the scenario; problems collect here."""

    def __init__(self, scenario: Scenario):
        self.codes = scenario.actor_codes
        self.actions = set(scenario.action_ids)
        self.found: Found = []

    def actor(self, loc: list[Any], code: str) -> None:
        if code not in self.codes:
            self.found.append((loc, f"unknown actor code {code!r}; expected one of {self.codes}"))

    def actors(self, loc: list[Any], codes: list[str] | None) -> None:
        for j, code in enumerate(codes or []):
            self.actor([*loc, j], code)

    def action(self, loc: list[Any], action_id: str | None) -> None:
        if action_id is not None and action_id not in self.actions:
            self.found.append((loc, f"unknown action {action_id!r}"))


def _duplicate_ids(scenario: Scenario) -> Found:
    found: Found = []
    sections = (("actors", "code", scenario.actor_codes, "duplicate actor code"),
                ("actions", "id", scenario.action_ids, "duplicate action id"),
                ("events", "id", [e.id for e in scenario.events], "duplicate id"),
                ("claims", "id", [c.id for c in scenario.claims], "duplicate id"),
                ("outcomes", "id", [o.id for o in scenario.outcomes], "duplicate id"))
    for name, key, values, what in sections:
        twice = _duplicates(values)
        found.extend(([name, i, key], f"{what} {value!r}") for i, value in enumerate(values)
                     if value in twice and values.index(value) != i)
    return found


def _dyad_problems(scenario: Scenario, refs: _References) -> None:
    seen_pairs: set[tuple[str, str]] = set()
    relations: dict[frozenset, float] = {}
    for i, dyad in enumerate(scenario.dyads):
        refs.actor(["dyads", i, "source"], dyad.source)
        refs.actor(["dyads", i, "target"], dyad.target)
        if dyad.source == dyad.target:
            refs.found.append((["dyads", i, "target"], "a dyad needs two different actors"))
        pair = (dyad.source, dyad.target)
        if pair in seen_pairs:
            refs.found.append((["dyads", i], f"duplicate dyad {dyad.source}>{dyad.target}"))
        seen_pairs.add(pair)
        if dyad.relation is None:
            continue
        key = frozenset(pair)
        if key in relations and relations[key] != dyad.relation:
            refs.found.append((["dyads", i, "relation"],
                               f"relation of {dyad.source}-{dyad.target} given twice with "
                               f"different values ({relations[key]} and {dyad.relation})"))
        relations[key] = dyad.relation


def _action_problems(scenario: Scenario, refs: _References) -> None:
    cameo = cameo_table()
    if not scenario.actions or scenario.actions[0].id != "do_nothing":
        refs.found.append((["actions", 0, "id"], "the first action must be 'do_nothing'"))
    for i, action in enumerate(scenario.actions):
        if action.id == "do_nothing":
            if action.cameo is not None or action.rung != 0:
                refs.found.append((["actions", i], "'do_nothing' has no CAMEO code and rung 0"))
            continue
        if action.cameo is None:
            refs.found.append((["actions", i, "cameo"],
                               "expected a CAMEO code (a string such as '042')"))
        elif action.cameo not in cameo:
            refs.found.append((["actions", i, "cameo"], f"unknown CAMEO code {action.cameo!r}"))
        pre = action.preconditions
        refs.actors(["actions", i, "preconditions", "sources"], pre.sources)
        refs.actors(["actions", i, "preconditions", "targets"], pre.targets)
        for j, prior in enumerate(pre.requires_prior):
            refs.action(["actions", i, "preconditions", "requires_prior", j], prior)
        for j, paused in enumerate(action.pauses.actions if action.pauses else ()):
            refs.action(["actions", i, "pauses", "actions", j], paused)


def _event_problems(scenario: Scenario, refs: _References) -> None:
    for i, event in enumerate(scenario.events):
        for j, unlock in enumerate(event.unlocks):
            refs.action(["events", i, "unlocks", j, "action"], unlock.action)
            refs.actor(["events", i, "unlocks", j, "source"], unlock.source)
            refs.actor(["events", i, "unlocks", j, "target"], unlock.target)


def _outcome_problems(scenario: Scenario, refs: _References) -> None:
    outcome_ids = [o.id for o in scenario.outcomes]
    if scenario.default_outcome is not None and scenario.default_outcome not in outcome_ids:
        refs.found.append((["default_outcome"], f"unknown outcome {scenario.default_outcome!r}; "
                                                f"expected one of {outcome_ids}"))
    for i, outcome in enumerate(scenario.outcomes):
        loc = ["outcomes", i]
        for part in ("sources", "targets", "actors"):
            refs.actors([*loc, part], getattr(outcome, part))
        for j, (first, second) in enumerate(outcome.pairs or []):
            refs.actor([*loc, "pairs", j, 0], first)
            refs.actor([*loc, "pairs", j, 1], second)
        if outcome.kind == "action":
            if outcome.action is None:
                refs.found.append(([*loc, "action"], "an 'action' outcome needs an action id"))
            refs.action([*loc, "action"], outcome.action)
        if outcome.kind == "rung" and (not outcome.pairs or outcome.min_rung is None):
            refs.found.append((loc, "a 'rung' outcome needs 'pairs' and 'min_rung'"))
        if outcome.kind == "arms_growth":
            military = {a.code: a.capabilities.military for a in scenario.actors}
            watched = outcome.actors or scenario.actor_codes
            if all(code in military for code in watched) and not sum(
                    military[code] for code in watched) > 0:
                refs.found.append(([*loc, "actors"] if outcome.actors else loc,
                                   "an 'arms_growth' outcome is growth relative to the "
                                   "actors' summed capabilities.military, which is 0: give "
                                   "one of them a military above 0"))


def _politics_problems(scenario: Scenario, refs: _References) -> None:
    """Elections name known actors and candidates; the domestic action exists if needed."""
    domestic = [i for i, a in enumerate(scenario.actions) if a.domestic]
    for i in domestic[1:]:
        refs.found.append((["actions", i, "domestic"], "only one action may be domestic"))
    unstable = [i for i, a in enumerate(scenario.actors) if a.instability > 0]
    if unstable and not domestic:
        refs.found.append((["actors", unstable[0], "instability"],
                           "an actor with instability needs an action with 'domestic: true' "
                           "to record its crises (the standard catalogue's domestic_crisis)"))
    seen: set[tuple[str, str]] = set()
    for i, election in enumerate(scenario.elections):
        loc = ["elections", i]
        refs.actor([*loc, "actor"], election.actor)
        total = sum(c.probability for c in election.candidates)
        if abs(total - 1.0) > 1e-6:
            refs.found.append(([*loc, "candidates"],
                               f"candidate probabilities sum to {total:g}, expected 1"))
        ids = [c.id for c in election.candidates]
        refs.found.extend(([*loc, "candidates", j, "id"], f"duplicate candidate {c!r}")
                          for j, c in enumerate(ids) if ids.index(c) != j)
        if month_index(scenario.start, election.month) < 0:
            refs.found.append(([*loc, "month"], f"{election.month} is before the scenario's "
                                                f"start {scenario.start}"))
        if (election.actor, election.month) in seen:
            refs.found.append(([*loc, "month"], f"a second election of {election.actor} in "
                                                f"{election.month}"))
        seen.add((election.actor, election.month))


def _election_outcome_problems(scenario: Scenario, refs: _References) -> None:
    elections = {e.id: e for e in scenario.elections}
    for i, outcome in enumerate(scenario.outcomes):
        if outcome.kind != "election":
            continue
        loc = ["outcomes", i]
        election = elections.get(outcome.election or "")
        if election is None:
            refs.found.append(([*loc, "election"], f"unknown election {outcome.election!r}; "
                                                   f"expected one of {sorted(elections)}"))
        elif outcome.candidate not in [c.id for c in election.candidates]:
            refs.found.append(([*loc, "candidate"],
                               f"unknown candidate {outcome.candidate!r} of {election.id}; "
                               f"expected one of {[c.id for c in election.candidates]}"))


def reference_problems(scenario: Scenario) -> Found:
    """Cross-field checks pydantic cannot see: unknown codes, duplicates, dangling ids."""
    refs = _References(scenario)
    refs.found.extend(_duplicate_ids(scenario))
    _dyad_problems(scenario, refs)
    _action_problems(scenario, refs)
    _event_problems(scenario, refs)
    _outcome_problems(scenario, refs)
    _politics_problems(scenario, refs)
    _election_outcome_problems(scenario, refs)
    return refs.found


# --------------------------------------------------------------------------- entry points


BUILTIN_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
"""What a built-in scenario or catalogue name looks like (it is never a path)."""


def _builtin_path(kind: str, name: str) -> Path:
    if not BUILTIN_NAME.fullmatch(name):
        raise ValueError(f"not a built-in name: {name!r}")
    return Path(str(files("peninsula").joinpath(kind, f"{name}.yaml")))


def builtin_scenarios() -> list[str]:
    """Names of the scenarios shipped with the package.

    >>> builtin_scenarios()
    ['korea-2024', 'south-asia-2019']
    """
    folder = Path(str(files("peninsula").joinpath(BUILTIN_DIR)))
    return sorted(path.stem for path in folder.glob("*.yaml"))


def builtin_catalogues() -> list[str]:
    """Names of the action catalogues shipped with the package.

    >>> builtin_catalogues()
    ['standard']
    """
    folder = Path(str(files("peninsula").joinpath(CATALOGUE_DIR)))
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
    path: Path | None = None
    """The file it was read from (a built-in scenario's file inside the package)."""

    @property
    def sha256(self) -> str:
        """Hash of the resolved scenario (after catalogue merge and overrides)."""
        text = json.dumps(self.scenario.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def fit_folder(self) -> Path | None:
        """The scenario's ``fit:`` folder (None: it declares none).

        Beside its file, else a built-in fit of that name (a copy of the flagship keeps its fit).
        """
        if self.scenario.fit is None:
            return None
        base = self.path.parent if self.path is not None else Path.cwd()
        beside = base / self.scenario.fit
        if _is_fit_folder(beside) or not BUILTIN_NAME.fullmatch(self.scenario.fit):
            return beside
        builtin = Path(str(files("peninsula").joinpath("scenarios", self.scenario.fit)))
        return builtin if _is_fit_folder(builtin) else beside

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
                        f"{_field_name(error['loc'])}: {_message(error, Scenario)}")
                for error in exc.errors()
            ]
            raise ScenarioError(_unique(problems)) from None
        refs = reference_problems(scenario)
        if refs:
            raise ScenarioError(
                [Problem(self.label, None, why, f"{_field_name(loc)}: {msg}") for loc, msg in refs]
            )
        return LoadedScenario(scenario=scenario, raw=raw, label=self.label, path=self.path)


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
    line_node = _node_at(node, ["catalogue"])
    line = line_node.start_mark.line + 1 if line_node is not None else None
    if not isinstance(name, str) or not BUILTIN_NAME.fullmatch(name):
        return [Problem(label, line, "catalogue",
                        f"expected the name of a built-in catalogue (lower case letters, digits, "
                        f"'_' and '-', not a path; one of {builtin_catalogues()}), got "
                        f"{excerpt(name)}")]
    path = _builtin_path(CATALOGUE_DIR, name)
    if not path.is_file():
        return [Problem(label, line, "catalogue", f"unknown catalogue {excerpt(name)}; expected "
                                                  f"one of {builtin_catalogues()}")]
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
    """Load, merge with its catalogue, and validate a scenario; raise :class:`ScenarioError`.

    ``name_or_path`` is a built-in scenario's name or a YAML file. Every problem is listed at
    once, each as ``file:line field: expected …``.

    >>> sc = load_scenario("korea-2024")
    >>> sc.scenario.actor_codes
    ['PRK', 'KOR', 'CHN', 'RUS', 'USA', 'JPN']
    >>> sc.with_overrides({"actors.USA.objectives.war_aversion": 0.8}).sha256 != sc.sha256
    True
    """
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
        for dotted, value in overrides.items():
            try:
                apply_override(data, str(dotted), value)
            except OverrideError as exc:
                line_node = _node_at(node, ["overrides", dotted])
                line = line_node.start_mark.line + 1 if line_node is not None else None
                field = excerpt(str(dotted), 200).strip('"')
                problems.append(Problem(label, line, f"overrides.{field}",
                                        str(exc.args[0])))
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
    loaded = LoadedScenario(scenario=scenario, raw=raw, label=label, path=path)
    if scenario.fit is not None and not _is_fit_folder(loaded.fit_folder):
        problems.append(Problem(label, _line_at(node, ["fit"]), "fit",
                                f"no folder {scenario.fit!r} beside the scenario file or among "
                                "the built-in fits (expected a folder written by `peninsula "
                                "fit`)"))
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
    if not problems and (scenario.uncertainties or scenario.levers):
        problems.extend(_exploration_check(loaded, node))
    if problems:
        # drop exact repeats only: one field may have several distinct problems
        raise ScenarioError(list(dict.fromkeys(problems)))
    return loaded


def _exploration_check(loaded: LoadedScenario, node: yaml.Node | None) -> list[Problem]:
    """The scenario's uncertainties and levers checked against it, as ``explore`` uses them.

    Unknown paths, duplicate or reserved ids, ranges a field does not allow.
    """
    from peninsula.scenario.exploration import _spec_from, exploration_problems

    try:
        spec = _spec_from(loaded.raw, loaded.label, node, [])
    except ScenarioError as exc:
        return list(exc.problems)
    return exploration_problems(loaded, spec, loaded.label, node)
