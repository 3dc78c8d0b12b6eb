"""Helpers of the agents' tests (a uniquely named module, not conftest: ``from conftest import``
finds whichever folder's conftest was imported first when several test folders run together)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

import peninsula as pn


def same_results(a: pn.RunResult, b: pn.RunResult) -> bool:
    """Whether two runs' outcome arrays, final states and event streams are identical."""
    ra, rb = a.run.result, b.run.result
    names = ["first_month", "count", "value", "quarter_rung", "final_relation", "final_rung",
             "final_commitment", "final_arms", "final_nuclear", "action_totals"]
    arrays = all(np.array_equal(getattr(ra, n), getattr(rb, n)) for n in names)
    events = (ra.events is None and rb.events is None) or all(
        np.array_equal(getattr(ra.events, f), getattr(rb.events, f))
        for f in ("future", "month", "source", "target", "action"))
    return arrays and events


@contextmanager
def closed_port() -> Iterator[str]:
    """The url of a port on 127.0.0.1 that refuses connections (bound, never listening)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    finally:
        sock.close()
