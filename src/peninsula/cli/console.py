"""The one place the CLI prints: consoles, user errors, percentages and install hints.

Every command renders through these helpers so that a probability reads the same in ``run``,
``analyze`` and ``forecast``, data from a scenario is never read as Rich markup, and every user
error is one line per problem on stderr with exit code 2.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import typer
from rich.console import Console
from rich.markup import escape

from peninsula.errors import UserError

out = Console()
err = Console(stderr=True)

EXTRAS = {
    "analysis": "Sobol sensitivity and PRIM scenario discovery",
    "report": "HTML reports",
    "plot": "PNG charts",
    "nlp": "the news coder",
    "dask": "Dask executors",
    "data": "pandas DataFrames and Parquet export",
}


def fail(messages: Iterable[str] | str) -> typer.Exit:
    """Print each message as ``error: …`` on stderr; return the exit (code 2) to raise."""
    for message in [messages] if isinstance(messages, str) else messages:
        err.print(f"[red]error:[/red] {escape(str(message))}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def interrupted(kept: str = "nothing was written") -> typer.Exit:
    """Ctrl-C: one line saying what is kept; return the exit (code 130) to raise.

    Typer turns an uncaught ``KeyboardInterrupt`` into a silent exit 130, so a long command
    catches it and says this instead.
    """
    err.print(f"interrupted: {kept}", highlight=False, markup=False)
    return typer.Exit(130)


def user_error(exc: BaseException) -> typer.Exit:
    """A library error as CLI output, one line per problem.

    Every problem of a :class:`UserError`; the first line of any other expected error (a bad
    number, a missing executor).
    """
    if isinstance(exc, UserError):
        return fail(str(p) for p in exc.problems)
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return fail(text.splitlines()[0] if text else type(exc).__name__)


def install_hint(extra: str) -> str:
    """The exact command that installs an optional part (brackets survive Rich)."""
    return f"pip install 'peninsula[{extra}]'"


def missing_extra(extra: str, what: str, exc: BaseException | None = None) -> typer.Exit:
    """A one-line error naming the extra to install for ``what``."""
    detail = f" ({exc})" if exc is not None else ""
    return fail(f"{what} needs the '{extra}' extra: {install_hint(extra)}{detail}")


def pct(x: float) -> str:
    """A probability as a percentage: two decimals below 1%, one above."""
    return f"{100 * x:.2f}%" if 0 < abs(x) < 0.01 else f"{100 * x:.1f}%"


def signed(x: float) -> str:
    """A continuous value with its sign and three decimals."""
    return f"{x:+.3f}"


def interval(low: float, high: float, show: Callable[[float], str] = signed, *,
             between: str = " .. ", unit: str = "") -> str:
    """An interval as text, or ``none (one future)`` when it does not exist.

    Its bounds are not finite when it would need the spread of a single future.
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return "none (one future)"
    return f"{show(low)}{between}{show(high)}{unit}"


def points(x: float) -> str:
    """A difference of probabilities in percentage points, signed, without the unit."""
    return f"{100 * x:+.1f}"


def say(text: str) -> None:
    """Print plain text (never read as markup) to stdout."""
    out.print(escape(text), highlight=False, soft_wrap=True)


def note(text: str) -> None:
    """Print plain text (never read as markup) to stderr."""
    err.print(escape(text), highlight=False, soft_wrap=True)
