"""Set a scenario's starting relations from real events.

For every pair of the scenario's actors, the relation is the weighted mean Goldstein value of
the events between them (both directions; joint events weighted 1/n, see
:mod:`peninsula.events.summary`) over the last ``window`` months before the scenario starts,
shrunk toward the scenario's own (prior) relation:

    relation = (W * mean + k * prior) / (W + k)

where ``W`` is the summed event weight and ``k`` the prior's weight in events. With few events
the scenario's judgement dominates; with many, the data do. Every calibrated number states the
events it came from in the dyad's ``rationale``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import yaml

from peninsula.errors import UserError
from peninsula.events.summary import weighted_events_sql
from peninsula.scenario.loading import LoadedScenario, load_scenario, resolve_scenario_path
from peninsula.scenario.model import month_label

#: Datasets left out of a calibration unless chosen with ``datasets``.
EXCLUDED_DATASETS = ("simulated", "coder")


@dataclass(frozen=True)
class DyadCalibration:
    """The calibrated relation of one pair and the evidence behind it."""

    source: str
    target: str
    rows: int
    weight: float
    mean_goldstein: float | None
    prior: float
    relation: float
    first_month: str
    last_month: str

    def rationale(self, shrinkage: float) -> str:
        """One line saying where the number came from."""
        if self.mean_goldstein is None:
            return (f"calibration: no events {self.first_month}..{self.last_month}; "
                    f"kept the prior {self.prior:g}")
        return (f"calibrated from {self.rows} events (weight {self.weight:g}) "
                f"{self.first_month}..{self.last_month}: mean Goldstein "
                f"{self.mean_goldstein:+.2f}, prior {self.prior:g} with weight {shrinkage:g} "
                f"-> {self.relation:+.2f}")


def calibrate_relations(con: duckdb.DuckDBPyConnection, loaded: LoadedScenario, *,
                        window: int = 12, shrinkage: float = 30.0, end: str | None = None,
                        table: str = "events", datasets: Sequence[str] | None = None
                        ) -> list[DyadCalibration]:
    """Calibrated relation of every pair of the scenario's actors.

    ``datasets`` names the datasets to use; by default every one but ``EXCLUDED_DATASETS``
    (simulated futures and machine-coded text are not real-event evidence). Raises
    ``UserError`` when no event between the scenario's actors falls in the window.
    """
    if window < 1:
        raise ValueError(f"window must be ≥ 1 month, got {window}")
    if shrinkage < 0:
        raise ValueError(f"prior weight must be ≥ 0, got {shrinkage}")
    scenario = loaded.scenario
    last = end or month_label(scenario.start, -1)
    first = month_label(last, -(window - 1))
    prior: dict[frozenset, float] = {}
    for dyad in scenario.dyads:
        if dyad.relation is not None:
            prior[frozenset((dyad.source, dyad.target))] = dyad.relation
    columns = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()}
    if "dataset" in columns:
        if datasets:
            chosen = ", ".join("'" + d.replace("'", "''") + "'" for d in datasets)
            table = f"(SELECT * FROM {table} WHERE dataset IN ({chosen}))"
        else:
            excluded = ", ".join(f"'{d}'" for d in EXCLUDED_DATASETS)
            table = f"(SELECT * FROM {table} WHERE dataset NOT IN ({excluded}))"
    rows = con.execute(f"""
        WITH w AS ({weighted_events_sql(table, columns)})
        SELECT least(source, target) AS a, greatest(source, target) AS b, count(*),
               sum(weight), sum(weight * goldstein) / sum(weight)
        FROM w
        WHERE goldstein IS NOT NULL AND source <> target
          AND _month BETWEEN CAST($first || '-01' AS DATE) AND CAST($last || '-01' AS DATE)
          AND source IN (SELECT unnest($codes)) AND target IN (SELECT unnest($codes))
        GROUP BY ALL
    """, {"first": first, "last": last, "codes": scenario.actor_codes}).fetchall()
    found = {frozenset((a, b)): (n, float(w), float(m)) for a, b, n, w, m in rows}
    if not found:
        which = (f"dataset {', '.join(datasets)}" if datasets
                 else f"any dataset but {' and '.join(EXCLUDED_DATASETS)}")
        raise UserError(f"no events between {', '.join(scenario.actor_codes)} in the window "
                        f"{first}..{last} ({window} months, {which}); import events of that "
                        "period, or choose the window with --end / --window")
    codes = scenario.actor_codes
    result = []
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            key = frozenset((a, b))
            p = prior.get(key, 0.0)
            n, w, m = found.get(key, (0, 0.0, None))
            relation = p if m is None else (w * m + shrinkage * p) / (w + shrinkage)
            result.append(DyadCalibration(a, b, n, w, m, p, max(-10.0, min(10.0, relation)),
                                          first, last))
    return result


def write_calibrated(name_or_path: str, calibrations: list[DyadCalibration], shrinkage: float,
                     out: Path) -> Path:
    """Write the scenario with calibrated relations to ``out`` and check that it loads."""
    source = resolve_scenario_path(name_or_path)
    raw: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
    raw["name"] = f"{raw['name']}-calibrated"
    raw["description"] = (str(raw.get("description", "")).strip()
                          + " Starting relations calibrated from real events; see each dyad's "
                            "rationale.")
    dyads = raw.setdefault("dyads", [])
    for cal in calibrations:
        entry = next((d for d in dyads if {d.get("source"), d.get("target")} ==
                      {cal.source, cal.target} and d.get("relation") is not None), None)
        if entry is None:
            entry = next((d for d in dyads if d.get("source") == cal.source
                          and d.get("target") == cal.target), None)
        if entry is None:
            entry = {"source": cal.source, "target": cal.target}
            dyads.append(entry)
        entry["relation"] = round(cal.relation, 3)
        entry["rationale"] = cal.rationale(shrinkage)
    out.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=100),
                   encoding="utf-8")
    load_scenario(out)  # raises ScenarioError if the result is not a valid scenario
    return out
