"""What a simulation returns: per-future outcome records and, optionally, the event stream."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass
class EventStream:
    """Every action taken (doing nothing excluded), one row per event, as parallel arrays."""

    future: np.ndarray  # int32, index within the whole ensemble
    month: np.ndarray  # int16, 0 = the scenario's start month
    source: np.ndarray  # int8, actor index
    target: np.ndarray  # int8
    action: np.ndarray  # int16, action index

    @classmethod
    def empty(cls) -> EventStream:
        """A stream with no events."""
        types = (np.int32, np.int16, np.int8, np.int8, np.int16)
        return cls(*(np.zeros(0, dtype=t) for t in types))

    def in_future_order(self) -> EventStream:
        """Events sorted by future, then month, source and target (a canonical order)."""
        order = np.argsort(self.future, kind="stable")  # months are already in order
        return EventStream(*(getattr(self, f.name)[order] for f in fields(self)))

    def __len__(self) -> int:
        return int(self.future.size)

    @classmethod
    def concatenate(cls, parts: list[EventStream]) -> EventStream:
        """Join streams of consecutive chunks."""
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))


@dataclass
class SimulationResult:
    """Outcomes of an ensemble of futures; rows are futures, in ensemble order.

    ``first_month[f, o]`` is the first month (0-based) binary outcome ``o`` occurred, -1 if never;
    ``count[f, o]`` counts qualifying events (action outcomes) or months at the rung (rung
    outcomes); ``value[f, c]`` holds continuous outcomes; ``quarter_rung[f, q]`` the highest
    escalation rung held by any dyad in quarter ``q``.
    """

    first_month: np.ndarray  # (n, n_binary) int16
    count: np.ndarray  # (n, n_binary) int32
    value: np.ndarray  # (n, n_continuous) float64
    quarter_rung: np.ndarray  # (n, n_quarters) int8
    final_relation: np.ndarray  # (n, A, A)
    final_rung: np.ndarray  # (n, A, A)
    final_commitment: np.ndarray  # (n, A, A)
    final_arms: np.ndarray  # (n, A)
    final_nuclear: np.ndarray  # (n, A)
    action_totals: np.ndarray  # (A, K, A) int64, summed over futures
    shocks_inflame: int
    shocks_calm: int
    events: EventStream | None

    @property
    def n_futures(self) -> int:
        """Number of futures."""
        return int(self.first_month.shape[0])

    @classmethod
    def concatenate(cls, parts: list[SimulationResult]) -> SimulationResult:
        """Join the results of consecutive chunks into one ensemble result."""
        stacked = {
            name: np.concatenate([getattr(p, name) for p in parts])
            for name in ("first_month", "count", "value", "quarter_rung", "final_relation",
                         "final_rung", "final_commitment", "final_arms", "final_nuclear")
        }
        events = None
        if all(p.events is not None for p in parts):
            events = EventStream.concatenate([p.events for p in parts])  # type: ignore[misc]
        return cls(
            **stacked,
            action_totals=np.sum([p.action_totals for p in parts], axis=0),
            shocks_inflame=sum(p.shocks_inflame for p in parts),
            shocks_calm=sum(p.shocks_calm for p in parts),
            events=events,
        )
