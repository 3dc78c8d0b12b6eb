"""Read the app's forms into the arguments of library calls, refusing bad values clearly.

Every field is checked here with a message naming the field and what it expects; the library
checks again (sizes, memory) and its :class:`~peninsula.errors.UserError` reaches the page the
same way. Nothing here decides a number the library computes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from peninsula.errors import UserError
from peninsula.web.scenarios import Choices

__all__ = ["LIMITS", "FormError", "counterfactual_params", "explore_params", "run_params"]

LIMITS = {"futures": (1, 200_000), "months": (1, 240), "seed": (0, 2**63 - 1),
          "samples": (2, 2_000), "explore_futures": (1, 5_000)}
"""Smallest and largest accepted value of each whole-number field of the app's forms."""

SAMPLERS = ("lhs", "sobol", "mc")


class FormError(UserError):
    """A form value that is missing or out of range; ``status`` is 400."""

    status = 400


def _int(form: Mapping[str, Any], key: str, label: str, default: int | None,
         limits: tuple[int, int], problems: list[str]) -> int | None:
    text = str(form.get(key, "") or "").strip()
    if not text:
        if default is None:
            return None
        return default
    try:
        value = int(text)
    except ValueError:
        problems.append(f"{label}: expected a whole number, got {text[:30]!r}")
        return None
    lo, hi = limits
    if not lo <= value <= hi:
        problems.append(f"{label}: expected a whole number from {lo:,} to {hi:,}, got {value:,}")
        return None
    return value


def _float(text: str, label: str, lo: float, hi: float, problems: list[str]) -> float | None:
    try:
        value = float(text)
    except ValueError:
        problems.append(f"{label}: expected a number, got {text[:30]!r}")
        return None
    if not (math.isfinite(value) and lo <= value <= hi):
        problems.append(f"{label}: expected a number from {lo:g} to {hi:g}, got {text[:30]}")
        return None
    return value


def _claims_off(form: Mapping[str, Any], choices: Choices, *, present: bool) -> list[str]:
    """Claims switched off: a claim is on when its checkbox ``claim_ID`` is sent."""
    if not present:
        return []
    return [c.id for c in choices.claims if form.get(f"claim_{c.id}") is None]


def _overrides(form: Mapping[str, Any], choices: Choices,
               problems: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    overrides: dict[str, Any] = {}
    levers: dict[str, str] = {}
    for i, u in enumerate(choices.uncertainties):
        if form.get(f"set_u{i}") is None:
            continue
        value = _float(str(form.get(f"u{i}", "")), f"{u.name} ({u.path})", u.low, u.high,
                       problems)
        if value is not None:
            overrides[u.path] = round(value) if u.distribution == "integer" else value
    for lever in choices.levers:
        picked = str(form.get(f"lever_{lever.id}", "") or "")
        if not picked:
            continue
        options = {o.id: o for o in lever.options}
        if picked not in options:
            problems.append(f"{lever.label}: expected one of {', '.join(options)}, "
                            f"got {picked[:30]!r}")
            continue
        levers[lever.id] = picked
        overrides.update(options[picked].overrides)
    return overrides, levers


def _raise(problems: list[str]) -> None:
    if problems:
        raise FormError("\n".join(problems))


def run_params(form: Mapping[str, Any], choices: Choices) -> dict[str, Any]:
    """``futures, months, seed, without, overrides, levers, shocks, events`` of a run form."""
    problems: list[str] = []
    futures = _int(form, "futures", "futures", 2_000, LIMITS["futures"], problems)
    months = _int(form, "months", "months", None, LIMITS["months"], problems)
    seed = _int(form, "seed", "seed", 2024, LIMITS["seed"], problems)
    without = _claims_off(form, choices, present=form.get("claims_sent") is not None)
    overrides, levers = _overrides(form, choices, problems)
    _raise(problems)
    return {"futures": futures, "months": months, "seed": seed, "without": without,
            "overrides": overrides, "levers": levers,
            "shocks": form.get("shocks_sent") is None or form.get("shocks") is not None,
            "events": form.get("events_sent") is None or form.get("events") is not None}


def counterfactual_params(form: Mapping[str, Any], choices: Choices) -> dict[str, Any]:
    """``futures, months, seed, without`` of a counterfactual form (claims to switch off)."""
    problems: list[str] = []
    futures = _int(form, "futures", "futures", 2_000, LIMITS["futures"], problems)
    months = _int(form, "months", "months", None, LIMITS["months"], problems)
    seed = _int(form, "seed", "seed", 2024, LIMITS["seed"], problems)
    without = [c.id for c in choices.claims if form.get(f"off_{c.id}") is not None]
    if not without:
        problems.append("claims: tick at least one claim to switch off")
    _raise(problems)
    return {"futures": futures, "months": months, "seed": seed, "without": without}


def explore_params(form: Mapping[str, Any]) -> dict[str, Any]:
    """``samples, futures, sampler, months, seed`` of an exploration form."""
    problems: list[str] = []
    samples = _int(form, "samples", "samples", 20, LIMITS["samples"], problems)
    futures = _int(form, "futures", "futures per experiment", 100, LIMITS["explore_futures"],
                   problems)
    months = _int(form, "months", "months", None, LIMITS["months"], problems)
    seed = _int(form, "seed", "seed", 2024, LIMITS["seed"], problems)
    sampler = str(form.get("sampler", "lhs") or "lhs")
    if sampler not in SAMPLERS:
        problems.append(f"sampler: expected one of {', '.join(SAMPLERS)}, got {sampler[:20]!r}")
    _raise(problems)
    return {"samples": samples, "futures": futures, "months": months, "seed": seed,
            "sampler": sampler}
