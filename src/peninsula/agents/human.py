"""A human at a terminal plays an actor: the prompt is printed, the picks are typed."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, TextIO

from peninsula.agents.answers import Answer
from peninsula.agents.protocol import Reply, Request


class Human:
    """Asks a person for one option id per target and a reason, on ``input`` / ``output``.

    The streams default to the terminal (``sys.stdin``, ``sys.stdout``); tests feed a
    ``StringIO``. An empty line picks ``do_nothing``; the end of the input is a failure, and
    the engine's quantal rule then decides.
    """

    kind = "human"

    def __init__(self, input: TextIO | None = None, output: TextIO | None = None):
        self.input = input
        self.output = output

    def decide(self, requests: Sequence[Request]) -> list[Reply]:
        """Ask for each request in turn."""
        return [self._ask(r) for r in requests]

    def settings(self) -> dict[str, Any]:
        """Nothing to set."""
        return {}

    def _ask(self, request: Request) -> Reply:
        source = self.input or sys.stdin
        sink = self.output or sys.stdout
        s = request.situation
        shown = request.messages()[-1]["content"]
        sink.write(f"\n=== {s.actor}, future {s.future}, {s.date} ===\n{shown}\n")
        choices = {}
        for target in s.targets:
            sink.write(f"{s.actor} toward {target} [do_nothing]: ")
            sink.flush()
            line = source.readline()
            if not line:
                return Reply(failure="no answer (end of input)", prompt=shown)
            choices[target] = line.strip() or "do_nothing"
        sink.write("why: ")
        sink.flush()
        reason = source.readline().strip()
        return Reply(answer=Answer(choices=choices, rationale=reason), prompt=shown)
