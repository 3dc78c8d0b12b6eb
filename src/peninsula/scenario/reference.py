"""The scenario file format, described from the schema itself: a JSON Schema and a reference page.

Both are generated from the pydantic models of :mod:`peninsula.scenario.model` (types, defaults,
constraints, and each field's ``description``), so they cannot drift from what the loader
accepts. ``docs/scenario-reference.md`` is :func:`reference_markdown` written to disk by
:func:`write_reference`; a test holds the two equal.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from peninsula.scenario.loading import CATALOGUE_DIR, TOP_LEVEL_KEYS
from peninsula.scenario.model import Scenario
from peninsula.scenario.uncertainty import Lever, LeverOption, Uncertainty

REFERENCE_PATH = Path(__file__).resolve().parents[3] / "docs" / "scenario-reference.md"
"""Where :func:`write_reference` writes by default: ``docs/`` of a source checkout."""

REGENERATE = (
    'python -c "from peninsula.scenario.reference import write_reference; write_reference()"'
)
"""The command that rewrites ``docs/scenario-reference.md``."""

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_SUPPLEMENT: dict[type[BaseModel], dict[str, str]] = {
    Uncertainty: {
        "path": "Override path of the uncertain parameter "
                "(e.g. actors.CHN.objectives.war_aversion).",
        "id": "Column name in the experiments table (default: made from the path).",
        "low": "Lowest value.",
        "high": "Highest value.",
        "distribution": "How values are drawn between low and high.",
        "mode": "Peak of a triangular distribution (default: the middle).",
        "mean": "Mean of a normal distribution (default: the middle).",
        "sd": "Standard deviation of a normal distribution (default: a quarter of the range).",
        "rationale": "Why the range was chosen.",
    },
    Lever: {
        "id": "Identifier; the lever's column in the experiments table.",
        "label": "Display name.",
        "actor": "Code of the actor that makes the choice.",
        "options": "The options to choose among.",
        "rationale": "Why these options.",
    },
    LeverOption: {
        "id": "Identifier of the option within its lever.",
        "label": "Display name.",
        "overrides": "Overrides (dotted path to value) the option applies.",
        "rationale": "Why the option is defined this way.",
    },
}
"""Meanings of the exploration fields, whose models (in :mod:`peninsula.scenario.uncertainty`)
carry no descriptions yet; once they do, these entries can go."""

_CATALOGUE_MEANING = (
    "Name of a shipped action catalogue (only built-in names: a path or a file of your own is "
    "refused, so a scenario cannot pull in arbitrary files); its actions come first and the "
    "file's own actions are merged into it by id (read before validation)."
)


def builtin_catalogues() -> list[str]:
    """Names of the action catalogues shipped with the package (``standard``)."""
    folder = Path(str(files("peninsula").joinpath(CATALOGUE_DIR)))
    return sorted(path.stem for path in folder.glob("*.yaml"))


def _meaning(model: type[BaseModel], name: str, info: FieldInfo) -> str:
    return _SUPPLEMENT.get(model, {}).get(name) or info.description or ""


# --------------------------------------------------------------------------- JSON Schema


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file, as it is written (before catalogue merge).

    It is :class:`Scenario`'s schema plus the ``catalogue`` key the loader reads first: with a
    catalogue, ``actions`` may be left out or hold only the file's own actions. Cross-field
    rules (known actor codes, unique ids, ``do_nothing`` first) are checked by the loader only.
    """
    schema = Scenario.model_json_schema()
    for model, meanings in _SUPPLEMENT.items():
        properties = schema["$defs"][model.__name__]["properties"]
        for name, text in meanings.items():
            properties[name].setdefault("description", text)
    properties = schema["properties"]
    properties["catalogue"] = {"type": "string", "enum": builtin_catalogues(),
                               "description": _CATALOGUE_MEANING}
    min_actions = properties["actions"].pop("minItems")
    schema["required"] = [name for name in schema["required"] if name != "actions"]
    schema["anyOf"] = [
        {"required": ["catalogue"]},
        {"required": ["actions"], "properties": {"actions": {"minItems": min_actions}}},
    ]
    return {"$schema": SCHEMA_DIALECT, **schema}


# --------------------------------------------------------------------------- types in words

_SCALARS = {bool: "true/false", int: "integer", float: "number", str: "text"}
_SIGNS = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}


def _constraints(metadata: list[Any]) -> list[Any]:
    """Flatten ``Field(...)`` objects inside ``Annotated`` into their constraints."""
    flat: list[Any] = []
    for item in metadata:
        flat.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return flat


def _with_constraints(text: str, metadata: list[Any]) -> str:
    bounds = {key: getattr(item, key) for item in _constraints(metadata)
              for key in ("ge", "gt", "le", "lt", "min_length", "pattern")
              if getattr(item, key, None) is not None}
    low = next((key for key in ("ge", "gt") if key in bounds), None)
    high = next((key for key in ("le", "lt") if key in bounds), None)
    if low and high:
        text += (f" in {'[' if low == 'ge' else '('}{bounds[low]:g}, "
                 f"{bounds[high]:g}{']' if high == 'le' else ')'}")
    elif low or high:
        key = low or high
        text += f" {_SIGNS[key]} {bounds[key]:g}"
    if "pattern" in bounds:
        text += f" matching `{bounds['pattern']}`"
    if "min_length" in bounds:
        count = bounds["min_length"]
        if text == "text":
            text = "non-empty text" if count == 1 else f"text of at least {count} characters"
        else:
            text += f" (at least {count})"
    return text


def _type_text(annotation: Any, metadata: list[Any] | None = None) -> str:
    """An annotation in words: ``number in [0, 1]``, ``list of [Actor](#actor)``."""
    metadata = list(metadata or [])
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_text(args[0], [*metadata, *args[1:]])
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_text(arg) for arg in args)
    if annotation is type(None):
        return "null"
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{arg}`" for arg in args)
    if origin is list:
        return _with_constraints(f"list of {_type_text(args[0])}", metadata)
    if origin is tuple:
        return "pair [" + ", ".join(_type_text(arg) for arg in args) + "]"
    if origin is dict:
        return f"mapping of {_type_text(args[0])} to {_type_text(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return _with_constraints(_SCALARS.get(annotation, getattr(annotation, "__name__", "?")),
                             metadata)


def _default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    default = info.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        return "its defaults"
    return f"`{json.dumps(default)}`"


# --------------------------------------------------------------------------- markdown


def _sections() -> list[tuple[type[BaseModel], list[str]]]:
    """Every model reachable from :class:`Scenario`, depth first, with the paths it sits at."""
    found: dict[type[BaseModel], list[str]] = {}

    def models_in(annotation: Any) -> list[tuple[type[BaseModel], str]]:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return [(annotation, "")]
        suffix = "[]" if typing.get_origin(annotation) is list else ""
        return [(model, suffix + rest) for arg in typing.get_args(annotation)
                for model, rest in models_in(arg)]

    def visit(model: type[BaseModel], path: str) -> None:
        first = model not in found
        found.setdefault(model, []).append(path)
        if not first:
            return
        for name, info in model.model_fields.items():
            for child, suffix in models_in(info.annotation):
                visit(child, f"{path}.{name}{suffix}" if path else f"{name}{suffix}")

    visit(Scenario, "")
    return list(found.items())


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(model: type[BaseModel]) -> list[str]:
    lines = ["| field | type | default | meaning |", "|---|---|---|---|"]
    rows = [(name, _type_text(info.annotation, info.metadata), _default_text(info),
             _meaning(model, name, info)) for name, info in model.model_fields.items()]
    if model is Scenario:  # a catalogue may supply every action (see scenario_json_schema)
        rows = [(name, kind, "required without a `catalogue`" if name == "actions" else default,
                 meaning) for name, kind, default, meaning in rows]
        rows += [(key, "one of " + ", ".join(f"`{c}`" for c in builtin_catalogues()), "none",
                  _CATALOGUE_MEANING) for key in TOP_LEVEL_KEYS]
    lines += [f"| `{name}` | {_cell(kind)} | {_cell(default)} | {_cell(meaning)} |"
              for name, kind, default, meaning in rows]
    return lines


_INTRO = f"""# Scenario file reference

<!-- Generated by peninsula.scenario.reference from the schema in peninsula.scenario.model:
do not edit by hand. Regenerate with:
{REGENERATE}
-->

A scenario is a YAML file read with the safe loader and validated against the schema below; an
unknown field is an error (with the nearest valid name suggested). Every type, default and
meaning here comes from the models in `src/peninsula/scenario/model.py` (and
`uncertainty.py`), so this page is regenerated, never edited. The same schema as JSON Schema:
`peninsula.scenario.reference.scenario_json_schema()`.

Besides the schema, the loader checks what one field cannot see: actor codes and action ids
that are referred to must exist, ids and actor codes are unique, the first action is
`do_nothing` (no CAMEO code, rung 0) and every other action has a known CAMEO code, a `rung`
outcome has `pairs` and `min_rung`, an `action` outcome an `action`, and every claim's
`when_off` overrides must apply cleanly.

Types: *text*, *number*, *integer*, *true/false*; in a range `[a, b]` the square bracket
includes the end and `(a, b]` excludes it; a pattern is a regular expression the text must
match. A default of "its defaults" means the section may be
left out and then takes the defaults listed in its own table.
"""


def reference_markdown() -> str:
    """The scenario reference page: every section, every field, its type, default and meaning."""
    lines = [_INTRO]
    for model, paths in _sections():
        where = ", ".join(f"`{path}`" for path in paths if path) or "the top level of the file"
        doc = inspect.cleandoc(model.__doc__ or "").replace("``", "`")
        lines += [f"## {model.__name__}", "", f"At {where}.", "", doc, "", *_table(model), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_reference(path: str | Path | None = None) -> Path:
    """Write :func:`reference_markdown` to ``path`` (default: ``docs/scenario-reference.md``)."""
    target = Path(path) if path is not None else REFERENCE_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(reference_markdown(), encoding="utf-8")
    return target
