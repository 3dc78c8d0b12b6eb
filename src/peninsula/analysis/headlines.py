"""The main findings of a stored exploration in words, from figures computed elsewhere."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from peninsula.analysis.discovery import Discovery
from peninsula.analysis.policies import PolicyOutcome, policy_probabilities
from peninsula.analysis.robustness import RobustnessTable
from peninsula.analysis.sensitivity import Sensitivity
from peninsula.store.explorations import ExplorationResults

__all__ = ["headlines"]


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def headlines(res: ExplorationResults, *, outcome: str | None = None, threshold: float = 0.05,
              probabilities: Sequence[PolicyOutcome] | None = None,
              table: RobustnessTable | None = None, sens: Sensitivity | None = None,
              found: Discovery | None = None) -> list[str]:
    """The main findings in words (each a sentence), from figures computed elsewhere."""
    outcome = outcome or res.default_outcome
    index = res.outcome_index(outcome)
    meta = res.outcomes[index]
    m = res.metadata
    lines = [
        f"{m['samples']:,} sampled parameter sets x {len(res.policies)} policies x "
        f"{m['futures']:,} futures x {m['months']} months of {m['scenario']} "
        f"({m['samples'] * len(res.policies) * m['futures']:,} futures in all, sampler "
        f"{m['sampler']}, seed {m['seed']})."
    ]
    probabilities = probabilities if probabilities is not None else policy_probabilities(res)
    rows = [r for r in probabilities if r.outcome == outcome]
    if rows and meta["kind"] == "binary":
        low = min(rows, key=lambda r: r.estimate.value)
        high = max(rows, key=lambda r: r.estimate.value)
        lines.append(
            f"{meta['label']}: from {_pct(low.estimate.value)} "
            f"({_pct(low.estimate.low)}-{_pct(low.estimate.high)}) under {low.policy} to "
            f"{_pct(high.estimate.value)} ({_pct(high.estimate.low)}-"
            f"{_pct(high.estimate.high)}) under {high.policy}, averaged over the sampled "
            "assumptions.")
    if table is not None:
        best = table.best("max_regret")
        rec = table[best]
        fmt = _pct if meta["kind"] == "binary" else (lambda x: f"{x:.3g}")
        lines.append(
            f"Most robust policy (smallest maximum regret): {best} - worst case "
            f"{fmt(rec.worst)}, maximum regret {fmt(rec.max_regret)}, near the best in "
            f"{_pct(rec.share_near_best)} of samples.")
        expected = table.best("expected")
        if expected != best:
            lines.append(f"The best policy on average is a different one ({expected}): "
                         "the choice depends on how much weight the bad cases get.")
    if sens is not None and sens.ST is not None:
        order = np.argsort(-sens.ST)[:2]
        top = ", ".join(f"{sens.names[j]} (total index {sens.ST[j]:.2f})" for j in order)
        lines.append(f"The assumptions that decide {meta['label'].lower()} most: {top}.")
    if found is not None and found.boxes:
        box = found.boxes[0]
        limits = "; ".join(f"{r.name} in [{r.lower:.3g}, {r.upper:.3g}]"
                           for r in box.restrictions)
        lines.append(
            f"{meta['label']} above {_pct(found.threshold)} concentrates where {limits} "
            f"(coverage {_pct(box.coverage)}, density {_pct(box.density)}).")
    elif found is not None and found.message:
        lines.append(f"Scenario discovery: {found.message}.")
    return lines
