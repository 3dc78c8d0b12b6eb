"""The one type of error that means "what you gave me is wrong", whatever the layer.

Every error a user can cause (a bad scenario, question or event file, a number out of range,
an unusable output folder, a damaged store) is a :class:`UserError`. Each face renders it once:
the CLI as one line per problem on stderr with exit code 2, the Python API by raising it, the
web app as a 4xx answer. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from typing import Any


class UserError(ValueError):
    """A problem with the user's input or files; ``problems`` lists one entry per problem."""

    _problems: list[Any] | None = None

    @property
    def problems(self) -> list[Any]:
        """One entry per problem (its ``str`` is one line); the message's lines by default."""
        if self._problems is not None:
            return self._problems
        text = str(self.args[0]) if self.args else type(self).__name__
        return [line for line in text.splitlines() if line.strip()] or [text]

    @problems.setter
    def problems(self, value: list[Any]) -> None:
        self._problems = list(value)
