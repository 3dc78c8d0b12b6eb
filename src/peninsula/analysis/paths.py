"""Escalation paths and the actor network of a stored exploration, as plotted by the report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from peninsula.store.explorations import ExplorationResults

__all__ = ["fan_quantiles", "network"]


def fan_quantiles(res: ExplorationResults, quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75,
                                                                          0.95)) -> np.ndarray:
    """Quantiles over samples of the per-quarter mean rung: shape ``(P, len(quantiles), Q)``."""
    return np.quantile(res.rung, np.asarray(quantiles), axis=1).transpose(1, 0, 2)


def network(res: ExplorationResults, policy: int | None = None) -> dict[str, Any]:
    """Relations and commitments at the start and at the horizon (mean over samples/policies)."""
    pick = slice(None) if policy is None else [policy]
    return {
        "actors": list(res.actors),
        "start": {"relation": res.dyads["relation_start"][pick].mean(axis=0),
                  "commitment": res.dyads["commitment_start"][pick].mean(axis=0)},
        "end": {"relation": res.dyads["relation_end"][pick].mean(axis=0),
                "commitment": res.dyads["commitment_end"][pick].mean(axis=0)},
    }
