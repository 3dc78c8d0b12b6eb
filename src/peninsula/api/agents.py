"""Agents from Python: compare them with the quantal rule, read a run's transcripts.

``pn.run(sc, agents={...})`` plays actors with agents (:mod:`peninsula.agents`);
:func:`compare_agents` runs the same futures, on the same random draws, once with the quantal
rule and once with the agents, and sets their escalation and outcomes side by side with paired
differences; :func:`transcript` reads one future's story back from a saved run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from peninsula.agents.records import Story, read_story
from peninsula.analysis.outcomes import Comparison, compare_paired_runs, compare_runs
from peninsula.api.runs import Progress, RunResult, _scenario, run
from peninsula.scenario.loading import LoadedScenario

__all__ = ["AgentComparison", "compare_agents", "transcript"]

VIOLENT_RUNG = 6
"""Acts from this rung up are violent: a deadly clash, a strike, war, intervention, nuclear use."""
ESCALATORY_RUNG = 4
"""Choices from this rung up count as escalatory: a show of force or worse."""

BEHAVIOUR = [
    ("highest_rung", "Highest rung reached in the future", "continuous"),
    ("reached_clash", f"Future reaches rung {VIOLENT_RUNG}+ (a deadly clash or worse)", "binary"),
    ("violent_months", f"Share of months with a violent act (rung {VIOLENT_RUNG}+)",
     "continuous"),
    ("played_mean_rung", "Mean rung of the played actors' choices (doing nothing = 0)",
     "continuous"),
    ("played_escalatory", f"Share of the played actors' choices at rung {ESCALATORY_RUNG}+",
     "continuous"),
]
"""The behaviour measures compared, one value per future each: id, label, kind."""


def behaviour(result: RunResult, played: list[str]) -> np.ndarray:
    """``(futures, 5)``: the :data:`BEHAVIOUR` measures of each future of a run (needs events)."""
    model, res = result.run.model, result.run.result
    n, months, a = res.n_futures, model.horizon, model.n_actors
    values = np.zeros((n, len(BEHAVIOUR)))
    highest = res.quarter_rung.max(axis=1).astype(np.float64)
    values[:, 0] = highest
    values[:, 1] = highest >= VIOLENT_RUNG
    ev = res.events
    if ev is None:
        raise ValueError("comparing agents needs the runs' events")
    rung = model.rung[ev.action.astype(np.intp)]
    violent = np.zeros((n, months), dtype=bool)
    hit = rung >= VIOLENT_RUNG
    violent[ev.future[hit], ev.month[hit]] = True
    values[:, 2] = violent.mean(axis=1)
    codes = np.array(model.actors)
    by_played = np.isin(codes[ev.source.astype(np.intp)], played) & (ev.source != ev.target)
    slots = months * (a - 1) * max(len(played), 1)
    values[:, 3] = np.bincount(ev.future[by_played], weights=rung[by_played], minlength=n) / slots
    escalatory = by_played & (rung >= ESCALATORY_RUNG)
    values[:, 4] = np.bincount(ev.future[escalatory], minlength=n) / slots
    return values


@dataclass
class AgentComparison:
    """The same futures played by the quantal rule (``quantal``) and by agents (``agents``)."""

    quantal: RunResult
    agents: RunResult
    played: list[str]
    behaviour: list[Comparison]
    outcomes: list[Comparison]

    def table(self) -> pd.DataFrame:
        """One row per measure: behaviour first, then the scenario's outcomes.

        Columns ``section`` (``behaviour`` or ``outcome``), ``measure``, ``label``, ``kind``,
        ``quantal``, ``agents``, ``difference`` (agents minus quantal, paired over futures),
        ``low``, ``high`` (its 95% interval) and ``significant`` (the interval excludes 0).
        """
        return pd.DataFrame([{
            "section": section, "measure": c.id, "label": c.label, "kind": c.kind,
            "quantal": c.baseline.value, "agents": c.counterfactual.value,
            "difference": c.difference.value, "low": c.difference.low,
            "high": c.difference.high, "significant": c.difference.excludes_zero(),
        } for section, rows in (("behaviour", self.behaviour), ("outcome", self.outcomes))
            for c in rows])


def compare_agents(scenario: LoadedScenario | str | Path, agents: Mapping[str, Any], *,
                   futures: int = 20, seed: int = 2024, months: int | None = None,
                   progress: Progress = None) -> AgentComparison:
    """Run the same futures with the quantal rule and with ``agents``; compare them paired.

    Both runs use the same seed, so the same random draws: only the played actors' choices
    (and what follows from them) differ.

    >>> import peninsula as pn
    >>> cmp = pn.compare_agents("south-asia-2019", {"PAK": pn.agents.Quantal()}, futures=4,
    ...                         months=2, progress=False)
    >>> float(cmp.table()["difference"].abs().max())
    0.0
    """
    loaded = _scenario(scenario)
    base = run(loaded, futures=futures, seed=seed, months=months, events=True, progress=progress)
    played = run(loaded, futures=futures, seed=seed, months=months, events=True,
                 progress=progress, agents=agents)
    codes = [code for code in played.run.model.actors if code in agents]
    ids, labels, kinds = (list(x) for x in zip(*BEHAVIOUR, strict=True))
    measured = compare_runs(ids, labels, kinds, behaviour(base, codes), behaviour(played, codes))
    return AgentComparison(base, played, codes, measured,
                           compare_paired_runs(base.run, played.run))


def transcript(run_folder: str | Path, future: int, actor: str | None = None) -> Story:
    """One future of a saved run with agents: each decision, its reasons and what was applied.

    ``actor`` keeps only that actor's decisions (the events of every actor stay).

    >>> import peninsula as pn, tempfile
    >>> folder = tempfile.mkdtemp() + "/run"
    >>> _ = pn.run("south-asia-2019", futures=2, months=2, progress=False,
    ...            agents={"IND": pn.agents.Quantal()}).save(folder)
    >>> story = pn.transcript(folder, future=1, actor="IND")
    >>> sorted(set(story.decisions["status"]))
    ['answer']
    """
    return read_story(Path(run_folder), future, actor)
