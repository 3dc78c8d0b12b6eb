"""CAMEO reference tables shipped with the package: Goldstein values and PLOVER types.

The Goldstein values are GDELT's published lookup (``goldstein`` column); ICEWS's table differs
on a few codes (``goldstein_icews`` column) and can be chosen with ``table="icews"``. CAMEO codes
are always strings: ``"010"`` is not ``"10"``.

References
----------
Goldstein, J. S. (1992). A conflict-cooperation scale for WEIS events data.
*Journal of Conflict Resolution*, 36(2), 369-385.

"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Literal

GoldsteinTable = Literal["gdelt", "icews"]


@dataclass(frozen=True)
class CameoCode:
    """One CAMEO event code with its reference values."""

    code: str
    description: str
    root_code: str
    quad_class: int
    goldstein: float
    goldstein_icews: float
    plover_type: str | None


def _data_path(name: str):
    return files("peninsula").joinpath("data", name)


@lru_cache(maxsize=1)
def _plover_map() -> dict[str, str]:
    with _data_path("cameo_to_plover.csv").open(encoding="utf-8") as handle:
        return {row["cameo_code"]: row["plover_type"] for row in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def cameo_table() -> dict[str, CameoCode]:
    """All CAMEO codes keyed by their string code."""
    plover = _plover_map()
    table: dict[str, CameoCode] = {}
    with _data_path("cameo_goldstein.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["code"]
            table[code] = CameoCode(
                code=code,
                description=row["description"],
                root_code=row["root_code"],
                quad_class=int(row["quad_class"]),
                goldstein=float(row["goldstein"]),
                goldstein_icews=float(row["goldstein_icews"]),
                plover_type=plover_type_for(code, plover),
            )
    return table


def plover_type_for(code: str, plover: dict[str, str] | None = None) -> str | None:
    """PLOVER event type of a CAMEO code, falling back to its parent codes (``0234`` → ``023``)."""
    mapping = _plover_map() if plover is None else plover
    candidate = code
    while candidate:
        if candidate in mapping:
            return mapping[candidate]
        if len(candidate) <= 2:
            break
        candidate = candidate[:-1]
    return _plover_by_root().get(code[:2])


@lru_cache(maxsize=1)
def _plover_by_root() -> dict[str, str]:
    """CAMEO root code → PLOVER type, from the ``cameo_roots`` column of the PLOVER types."""
    roots: dict[str, str] = {}
    with _data_path("plover_event_types.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["mode"]:
                continue
            for token in re.findall(r"\b\d{2}\b", row["cameo_roots"]):
                roots.setdefault(token, row["event_type"])
    return roots


def goldstein(code: str, table: GoldsteinTable = "gdelt") -> float:
    """Goldstein value of a CAMEO code from the chosen published table."""
    entry = cameo_table()[code]
    return entry.goldstein if table == "gdelt" else entry.goldstein_icews
