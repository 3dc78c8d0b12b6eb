"""A tiny OpenAI-compatible ``/v1/chat/completions`` server on 127.0.0.1, answering from a script.

Started by the tests on port 0 in a thread (stdlib ``ThreadingHTTPServer``); every request is
kept, with its headers, so a test can count them and see what was sent. The default script,
:func:`policy_answer`, reads the options out of the prompt and answers with valid JSON: toward
an actor it is hostile or tense with, the highest-rung option up to rung 4; toward the others,
talks if listed. Run it by hand to try the commands without a model: ``python
tests/agents/scripted_llm_server.py 8765`` (add ``--inadmissible 2024-04`` to see a refused
answer and its fallback that month).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_TARGET = re.compile(r"^Toward ([A-Z]{3}) \(")
_OPTION = re.compile(r"^- ([a-z][a-z0-9_]*): .*\(rung (\d)")
_RELATION = re.compile(r"^- ([A-Z]{3}) .*?: relation ([+-]\d+\.\d)")
_DATE = re.compile(r"^Date: (\d{4}-\d{2})", re.MULTILINE)
_ACTOR = re.compile(r"^You play .*? \(([A-Z]{3})\)")


def options_in(prompt: str) -> dict[str, list[tuple[str, int]]]:
    """``{target: [(option id, rung), …]}`` as listed in the prompt."""
    found: dict[str, list[tuple[str, int]]] = {}
    current = None
    for line in prompt.splitlines():
        if m := _TARGET.match(line):
            current = m.group(1)
            found[current] = []
        elif current and (m := _OPTION.match(line)):
            found[current].append((m.group(1), int(m.group(2))))
        elif not line.strip():
            current = None
    return found


def relations_in(prompt: str) -> dict[str, float]:
    """The actor's relation with each other actor, as stated in the prompt."""
    return {m.group(1): float(m.group(2)) for line in prompt.splitlines()
            if (m := _RELATION.match(line))}


def date_of(body: dict[str, Any]) -> str:
    """The month a request is about (``YYYY-MM``)."""
    m = _DATE.search(body["messages"][1]["content"])
    return m.group(1) if m else ""


def actor_of(body: dict[str, Any]) -> str:
    """The actor a request plays."""
    m = _ACTOR.match(body["messages"][0]["content"])
    return m.group(1) if m else ""


def policy_answer(body: dict[str, Any]) -> dict[str, Any]:
    """A valid answer to a request: a fixed, legible policy (this is no model).

    Toward an actor the prompt calls hostile or tense (relation -2 or lower): the option of the
    highest rung up to 4 (a show of force, short of the grey zone); toward the others: consult,
    else negotiate, else do nothing.
    """
    prompt = body["messages"][1]["content"]
    relations = relations_in(prompt)
    choices, notes = {}, []
    for target, options in options_in(prompt).items():
        if relations.get(target, 0.0) <= -2.0:
            top = max(o[1] for o in options if o[1] <= 4)
            choices[target] = next(o[0] for o in options if o[1] == top)  # first listed
            notes.append(f"pressure {target} (relation {relations[target]:+.1f}) short of "
                         "the grey zone")
        else:
            ids = [o[0] for o in options]
            choices[target] = next((t for t in ("consult", "negotiate") if t in ids),
                                   "do_nothing")
            notes.append(f"keep talking to {target}")
    return {"choices": choices, "rationale": "Scripted test answer: " + "; ".join(notes) + "."}


@dataclass
class Response:
    """What the script answers: a status, a body (text or JSON), a delay, headers."""

    status: int = 200
    content: str | None = None  # the assistant's message (status 200)
    body: str | None = None  # a raw body (any status: replaces the chat completion)
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


Script = Callable[[dict[str, Any], int], Response]
"""``script(request body, how many times this exact request (conversation and seed) was asked
before)``."""


def valid(body: dict[str, Any], _seen: int = 0) -> Response:
    """The default script: a valid answer from :func:`policy_answer`."""
    return Response(content=json.dumps(policy_answer(body)))


class ScriptedServer:
    """The server; ``script`` may be replaced between runs, ``requests`` holds every body and
    ``headers`` every request's headers (names in lower case)."""

    def __init__(self, script: Script = valid):
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall per answer
            wbufsize = 1 << 16  # headers and body leave in one write

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                headers = {name.lower(): value for name, value in self.headers.items()}
                reply = owner.answer(self.path, body, headers)
                time.sleep(reply.delay)
                if reply.status == 200 and reply.body is None:
                    text = reply.content or ""
                    prompt = json.dumps(body.get("messages"))
                    payload = json.dumps({
                        "id": "chatcmpl-test", "object": "chat.completion",
                        "model": body.get("model"),
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": text}}],
                        "usage": {"prompt_tokens": len(prompt) // 4,
                                  "completion_tokens": len(text) // 4,
                                  "total_tokens": len(prompt) // 4 + len(text) // 4}})
                else:
                    payload = reply.body or json.dumps({"error": {"message": "scripted"}})
                data = payload.encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout under test)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def answer(self, path: str, body: dict[str, Any],
               headers: dict[str, str] | None = None) -> Response:
        """Record the request and ask the script."""
        key = hashlib.sha256(json.dumps([body.get("messages"), body.get("seed")],
                                        sort_keys=True).encode()).hexdigest()
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers or {})
            seen = self._seen.get(key, 0)
            self._seen[key] = seen + 1
        if path != "/v1/chat/completions":
            return Response(status=404, body='{"error": "not found"}')
        return self.script(body, seen)

    def reset(self, script: Script = valid) -> None:
        """A new script and an empty request log."""
        with self._lock:
            self.script = script
            self.requests.clear()
            self.headers.clear()
            self._seen.clear()

    def start(self) -> ScriptedServer:
        """Serve in a thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


def inadmissible_in(month: str) -> Script:
    """Valid answers, except that in ``month`` PRK always names nuclear use toward KOR."""
    def script(body: dict[str, Any], seen: int) -> Response:
        answer = policy_answer(body)
        if date_of(body) == month and actor_of(body) == "PRK":
            answer["choices"]["KOR"] = "nuclear_use"
        return Response(content=json.dumps(answer))
    return script


if __name__ == "__main__":  # python scripted_llm_server.py [PORT] [--inadmissible YYYY-MM]
    args = sys.argv[1:]
    script = valid
    if "--inadmissible" in args:
        at = args.index("--inadmissible")
        script = inadmissible_in(args[at + 1])
        del args[at:at + 2]
    srv = ScriptedServer(script)
    srv.httpd.server_close()
    port = int(args[0]) if args else 8765
    srv.httpd = ThreadingHTTPServer(("127.0.0.1", port), srv.httpd.RequestHandlerClass)
    print(f"scripted test server (no model) at http://127.0.0.1:{port}/v1", flush=True)
    srv.httpd.serve_forever()
