"""Uncertain parameters (ranges) and levers (policy options): the schema of an exploration.

Plain pydantic data with no dependency on the rest of the package, so that the scenario schema
(:mod:`peninsula.scenario.model`) can carry ``uncertainties:`` and ``levers:`` sections. How
they are checked against a scenario is in :mod:`peninsula.scenario.exploration`, how they are
sampled in :mod:`peninsula.experiments.sampling`.
"""

from __future__ import annotations

import itertools
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
OverridePath = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_>]*(\.[A-Za-z0-9_>]+)+$",
                                    description="dotted override path")]
OverrideValue = bool | int | float | str | list[str] | None

DISTRIBUTIONS = ("uniform", "loguniform", "triangular", "normal", "integer")
"""Distributions an uncertainty may follow; every one is bounded by ``low`` and ``high``."""

MAX_MAGNITUDE = 1e6
"""Largest absolute number an uncertainty's range (low, high, mode, mean, sd) may use."""

Bounded = Annotated[float, Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)]


_BAD_CHARACTER = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Lone surrogates and control characters other than tab, newline and carriage return."""


def _bad_character(text: str) -> str | None:
    found = _BAD_CHARACTER.search(text)  # one scan in C: every scenario validation runs this
    if found is None:
        return None
    code = ord(found.group())
    if 0xD800 <= code <= 0xDFFF:
        return f"a lone surrogate (U+{code:04X}); expected valid Unicode text"
    return f"a control character (U+{code:04X}); expected printable text"


def check_text(value: Any, depth: int = 0) -> None:
    """Raise ``ValueError`` if ``value`` holds text that cannot be stored or shown.

    Text (also in a list or mapping) must be valid Unicode (a lone surrogate cannot be written
    as UTF-8) without control characters other than tab and newline.
    """
    if isinstance(value, str):
        why = _bad_character(value)
        if why is not None:
            raise ValueError(f"text contains {why}")
    elif depth < 4 and isinstance(value, list | tuple):
        for item in value:
            check_text(item, depth + 1)
    elif depth < 4 and isinstance(value, dict):
        for key, item in value.items():
            check_text(key, depth + 1)
            check_text(item, depth + 1)


class Strict(BaseModel):
    """Base for every scenario schema: unknown fields are errors, values are checked.

    Every number must be finite (no ``.nan`` or ``.inf``) and every text valid Unicode without
    control characters other than tab and newline.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _clean_text(cls, value: object) -> object:
        check_text(value)
        return value


def column_name(path: str) -> str:
    """A column name for an override path.

    ``dyads.CHN>PRK.commitment`` becomes ``dyads_chn_prk_commitment``.
    """
    return re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_")


class Uncertainty(Strict):
    """A scenario parameter whose value is not known: a bounded range or distribution.

    ``uniform`` (default) and ``loguniform`` spread over ``[low, high]``; ``triangular`` peaks at
    ``mode`` (default: the middle); ``normal`` is a normal of ``mean`` and ``sd`` truncated to
    ``[low, high]`` (defaults: the middle, a quarter of the range); ``integer`` takes every whole
    number from ``low`` to ``high`` with equal probability.
    """

    path: OverridePath
    id: Identifier | None = None
    low: Bounded
    high: Bounded
    distribution: Literal["uniform", "loguniform", "triangular", "normal", "integer"] = "uniform"
    mode: Bounded | None = None
    mean: Bounded | None = None
    sd: Annotated[float, Field(gt=0.0, le=MAX_MAGNITUDE)] | None = None
    rationale: Annotated[str, Field(min_length=1)]

    @model_validator(mode="after")
    def _range(self) -> Uncertainty:
        if not self.low < self.high:
            raise ValueError(f"empty range: low ({self.low:g}) must be below high ({self.high:g})")
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError(f"a loguniform range needs low > 0, got {self.low:g}")
        whole = self.low.is_integer() and self.high.is_integer()
        if self.distribution == "integer" and not whole:
            raise ValueError("an integer range needs whole-number low and high")
        if self.mode is not None:
            if self.distribution != "triangular":
                raise ValueError("'mode' applies to a triangular distribution only")
            if not self.low <= self.mode <= self.high:
                raise ValueError(f"mode ({self.mode:g}) must lie within [low, high]")
        if (self.mean is not None or self.sd is not None) and self.distribution != "normal":
            raise ValueError("'mean' and 'sd' apply to a normal distribution only")
        return self

    @property
    def name(self) -> str:
        """Column name of this uncertainty in the experiments table."""
        return self.id or column_name(self.path)

    @property
    def middle(self) -> float:
        """A value inside the range (used to check the path)."""
        mid = (self.low + self.high) / 2.0
        return float(round(mid)) if self.distribution == "integer" else mid


class LeverOption(Strict):
    """One policy option: a set of overrides applied to the scenario."""

    id: Identifier
    label: str = ""
    overrides: dict[OverridePath, OverrideValue] = Field(min_length=1)
    rationale: str | None = None


class Lever(Strict):
    """A policy choice of a focal actor among named options."""

    id: Identifier
    label: str
    actor: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    options: list[LeverOption] = Field(min_length=1)
    rationale: str | None = None

    @model_validator(mode="after")
    def _unique_options(self) -> Lever:
        ids = [option.id for option in self.options]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"duplicate option id {twice[0]!r}")
        return self

    @property
    def option_ids(self) -> list[str]:
        """Option ids in declaration order."""
        return [option.id for option in self.options]


class ExplorationSpec(Strict):
    """The uncertainties and levers of a scenario."""

    uncertainties: list[Uncertainty] = []
    levers: list[Lever] = []

    @model_validator(mode="after")
    def _unique(self) -> ExplorationSpec:
        names = [u.name for u in self.uncertainties]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"two uncertainties share the column name {name!r}; give one "
                                 "an 'id'")
        paths = [u.path for u in self.uncertainties]
        for path in paths:
            if paths.count(path) > 1:
                raise ValueError(f"the path {path!r} is declared as an uncertainty twice")
        ids = [lever.id for lever in self.levers]
        for lever_id in ids:
            if ids.count(lever_id) > 1:
                raise ValueError(f"duplicate lever id {lever_id!r}")
        reserved = {"experiment", "sample", "policy", "seed"}
        for name in [*names, *ids]:
            if name in reserved:
                raise ValueError(f"{name!r} is reserved for the experiments table")
        clash = sorted(set(names) & set(ids))
        if clash:
            raise ValueError(f"{clash[0]!r} names both an uncertainty and a lever")
        return self

    @property
    def names(self) -> list[str]:
        """Uncertainty column names in declaration order."""
        return [u.name for u in self.uncertainties]

    def policies(self) -> list[dict[str, str]]:
        """Every combination of one option per lever, in lever order (the first lever slowest).

        With no levers there is one policy: the scenario as written.
        """
        if not self.levers:
            return [{}]
        ids = [lever.id for lever in self.levers]
        return [dict(zip(ids, combo, strict=True))
                for combo in itertools.product(*(lever.option_ids for lever in self.levers))]

    def policy_overrides(self, policy: dict[str, str]) -> dict[str, Any]:
        """The overrides of one policy (one option id per lever)."""
        overrides: dict[str, Any] = {}
        for lever in self.levers:
            option = next(o for o in lever.options if o.id == policy[lever.id])
            overrides.update(option.overrides)
        return overrides


# --------------------------------------------------------------------------- finding and checking


