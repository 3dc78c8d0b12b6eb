"""Two stored explorations side by side: each shared policy and outcome, with B minus A."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from peninsula.analysis.intervals import Estimate, mean_interval
from peninsula.analysis.policies import pooled_probability
from peninsula.store.explorations import ExplorationResults, ResultsError

__all__ = ["Comparison", "compare_explorations"]


@dataclass(frozen=True)
class Comparison:
    """An outcome under one policy in two explorations."""

    policy: str
    outcome: str
    label: str
    kind: str
    a: Estimate
    b: Estimate
    difference: Estimate
    paired: bool


def compare_explorations(a: ExplorationResults, b: ExplorationResults,
                         level: float = 0.95) -> list[Comparison]:
    """Outcomes of the policies and outcomes two explorations share, with B minus A.

    When both ran the same samples on the same seeds the difference is paired sample by sample
    (common random numbers); otherwise the two means are treated as independent.
    """
    same_design = (a.samples.shape == b.samples.shape and np.array_equal(a.samples, b.samples)
                   and np.array_equal(a.seeds, b.seeds))
    z = float(norm.ppf(0.5 + level / 2.0))
    b_policies = {label: i for i, label in enumerate(b.policy_labels)}
    b_outcomes = {o["id"]: i for i, o in enumerate(b.outcomes)}
    rows = []
    for pa, label in enumerate(a.policy_labels):
        if label not in b_policies:
            continue
        pb = b_policies[label]
        for oa, outcome in enumerate(a.outcomes):
            if outcome["id"] not in b_outcomes:
                continue
            ob = b_outcomes[outcome["id"]]
            ya, yb = a.value[pa, :, oa], b.value[pb, :, ob]
            if outcome["kind"] == "binary":
                ea, _ = pooled_probability(ya, a.futures, level)
                eb, _ = pooled_probability(yb, b.futures, level)
            else:
                ea, eb = mean_interval(ya, level), mean_interval(yb, level)
            if same_design:
                diff = mean_interval(yb - ya, level) if ya.size > 1 else Estimate(
                    float(yb.mean() - ya.mean()), -np.inf, np.inf, 1)
            else:
                def var(y: np.ndarray) -> float:
                    return float(y.var(ddof=1)) / y.size if y.size > 1 else np.inf

                d = float(yb.mean() - ya.mean())
                half = z * np.sqrt(var(ya) + var(yb))
                diff = Estimate(d, d - half, d + half, ya.size + yb.size)
            rows.append(Comparison(label, outcome["id"], outcome["label"], outcome["kind"],
                                   ea, eb, diff, same_design))
    if not rows:
        raise ResultsError("the two explorations share no policy and outcome")
    return rows
