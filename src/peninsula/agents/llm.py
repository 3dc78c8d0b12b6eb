"""A language model plays an actor through an OpenAI-compatible chat-completions endpoint.

Works with a local Ollama (``http://127.0.0.1:11434/v1``), vLLM or llama.cpp server, or a hosted
one. Requests for different futures and actors run concurrently (asyncio and one
``httpx.AsyncClient``, at most ``concurrency`` at a time); timeouts, 429 and 5xx answers are
retried with exponential backoff, a refused connection once; each call's latency and token
counts (``usage``) are kept. Temperature and a seed derived from ``seed``, the future, the
month, the actor and the attempt are sent with every request; JSON output is asked for with
``response_format`` and dropped if the server refuses it. Responses are cached on disk
(:mod:`peninsula.agents.cache`), so a rerun replays them without a request.

An endpoint that cannot be used at all stops the run with one line instead of letting every
decision fall back: when every call of the first month that goes to the network finds no server
(a refused connection, an unknown host) or is turned away (HTTP 401, 403 or 404). The API key
is sent as a bearer token and a ``user:password@`` in the url as basic authentication; neither
is recorded anywhere (settings, transcripts, cache, summary). Proxy variables of the
environment are ignored (``trust_env=False``), so loopback traffic stays on the machine.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peninsula.agents.cache import (
    Cached,
    Entry,
    ResponseCache,
    cache_key,
    default_cache_dir,
    prompt_sha256,
)
from peninsula.agents.protocol import AgentError, Reply, Request

MAX_RETRY_AFTER = 30.0
"""Longest wait a server's ``Retry-After`` may impose, in seconds."""
CONNECT_RETRIES = 1
"""Retries of a call whose connection failed (refused, unknown host): a server that is not
there is not worth the backoff a busy one (timeouts, 429, 5xx) gets."""
TURNED_AWAY = (401, 403, 404)
"""HTTP statuses that mean the endpoint will never answer as asked (key, path or model)."""
MAX_TOKENS_COUNT = 2**31 - 1
"""Largest token count kept from a server's ``usage`` (a stored 32-bit integer)."""

_CREDENTIALS = re.compile(r"(?<=//)[^/?#]*@")


def redact(url: str) -> str:
    """``url`` without a ``user:password@`` part.

    >>> redact("https://me:secret@example.org/v1")
    'https://example.org/v1'
    """
    return _CREDENTIALS.sub("", url, count=1)


def parse_endpoint(url: str) -> tuple[str, tuple[str, str] | None]:
    """The API base without credentials, and the ``(user, password)`` the url named, if any.

    Raises :class:`AgentError` (one line, never showing a password) unless ``url`` is an
    ``http://`` or ``https://`` url with a host.

    >>> parse_endpoint("http://127.0.0.1:11434/v1/")
    ('http://127.0.0.1:11434/v1', None)
    """
    import httpx

    text = url.strip() if isinstance(url, str) else ""
    shown = redact(text)
    try:
        parsed = httpx.URL(text)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        detail = f" ({exc})" if shown == text else ""
        raise AgentError(f"the model's url {shown!r} is not a valid url{detail}; give one like "
                         "http://127.0.0.1:11434/v1") from None
    if parsed.scheme not in ("http", "https"):
        raise AgentError(f"the model's url must start with http:// or https://, got {shown!r}")
    if not parsed.host:
        raise AgentError(f"the model's url {shown!r} names no host; give one like "
                         "http://127.0.0.1:11434/v1")
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise AgentError(f"the model's url {shown!r} has port {parsed.port}, outside "
                         "1..65535")
    credentials = (parsed.username, parsed.password) if parsed.userinfo else None
    return shown.rstrip("/"), credentials


def request_seed(seed: int, future: int, month: int, actor: str, attempt: int) -> int:
    """The sampling seed of one request: fixed by the run's seed, distinct per decision."""
    digest = hashlib.sha256(f"{seed}:{future}:{month}:{actor}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1


@dataclass(frozen=True)
class _Prepared:
    messages: list[dict[str, str]]
    params: dict[str, Any]  # sampling parameters, without the JSON mode
    prompt: str
    keys: dict[bool, str]  # cache key by JSON mode used, the one asked for first
    future: int
    month: int


@dataclass(frozen=True)
class _Call:
    text: str | None = None
    failure: str | None = None
    requests: int = 0
    latency_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    json_used: bool = False
    unreachable: bool = False  # no HTTP response ever: the connection itself failed
    status: int | None = None  # the last HTTP status of a failed call


def _excerpt(text: str, limit: int = 160) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _tokens(usage: Any, name: str) -> int:
    """A token count of ``usage``; 0 when it is missing or malformed."""
    try:
        value = int(usage.get(name) or 0)
    except (AttributeError, TypeError, ValueError, OverflowError):
        return 0
    return value if 0 <= value <= MAX_TOKENS_COUNT else 0


def _run(coroutine_factory: Any) -> Any:
    """Run a coroutine to completion, also from code that already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine_factory())
    with ThreadPoolExecutor(max_workers=1) as pool:  # a notebook: its loop is busy
        return pool.submit(lambda: asyncio.run(coroutine_factory())).result()


class LLM:
    """An OpenAI-compatible chat model as an agent.

    ``url`` is the API base (``…/v1``); ``cache`` is a folder, ``True`` for the default
    (``~/.cache/peninsula``) or ``None`` / ``"off"`` for none. ``backoff`` is the first retry's
    wait in seconds, doubled on each further retry. ``api_key`` is sent as a bearer token
    (a ``user:password@`` in ``url`` as basic authentication when there is no key); neither is
    recorded.

    >>> from peninsula.agents import LLM
    >>> LLM(url="http://127.0.0.1:11434/v1", model="llama3.1", cache=None).settings()["model"]
    'llama3.1'
    """

    kind = "llm"

    def __init__(self, url: str, model: str, *, temperature: float = 0.7, seed: int = 0,
                 concurrency: int = 4, timeout: float = 120.0,
                 cache: str | Path | bool | None = True, max_retries: int = 4,
                 backoff: float = 1.0, json_mode: bool = True, max_tokens: int | None = None,
                 api_key: str | None = None):
        try:
            import httpx  # noqa: F401 - only checks that the agents extra is installed
        except ImportError:
            raise AgentError("language-model actors need the 'agents' extra: "
                             "pip install 'peninsula[agents]'") from None
        problems = []
        endpoint, credentials = "", None
        try:
            endpoint, credentials = parse_endpoint(url)
        except AgentError as exc:
            problems.append(str(exc))
        if not model:
            problems.append("name the model (e.g. llama3.1)")
        if concurrency < 1:
            problems.append(f"concurrency must be ≥ 1, got {concurrency}")
        if not timeout > 0:
            problems.append(f"timeout must be > 0 seconds, got {timeout}")
        if not 0.0 <= temperature <= 2.0:
            problems.append(f"temperature must lie in [0, 2], got {temperature}")
        if max_retries < 0 or backoff < 0:
            problems.append("max_retries and backoff must be ≥ 0")
        if problems:
            raise AgentError("\n".join(problems))
        self.url = endpoint
        self.model = model
        self.temperature = float(temperature)
        self.seed = int(seed)
        self.concurrency = int(concurrency)
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.backoff = float(backoff)
        self.json_mode = bool(json_mode)
        self.max_tokens = max_tokens
        self._api_key = api_key or None
        self._credentials = credentials
        self._json_refused = False
        self._checked = False  # whether a batch has gone to the network yet
        if cache is True:
            cache = default_cache_dir()
        self.cache = (None if cache in (None, False, "off")
                      else ResponseCache(Path(str(cache))))

    @property
    def completions_url(self) -> str:
        """Where requests are posted (without credentials)."""
        if self.url.endswith("/chat/completions"):
            return self.url
        return f"{self.url}/chat/completions"

    def settings(self) -> dict[str, Any]:
        """What the run records about this agent (never the key or a password)."""
        return {"url": self.url, "model": self.model, "temperature": self.temperature,
                "seed": self.seed, "concurrency": self.concurrency, "timeout": self.timeout,
                "json_mode": self.json_mode, "max_tokens": self.max_tokens,
                "cache": None if self.cache is None else str(self.cache.path)}

    def close(self) -> None:
        """Close the cache file."""
        if self.cache is not None:
            self.cache.close()

    def decide(self, requests: Sequence[Request]) -> list[Reply]:
        """Answer every request: from the cache, or by concurrent calls to the endpoint.

        Raises :class:`AgentError` when the first batch that goes to the network finds the
        endpoint unusable (see the module's description).
        """
        prepared = [self._prepare(r) for r in requests]
        found = (self.cache.get_many(k for p in prepared for k in p.keys.values())
                 if self.cache is not None else {})
        hits: dict[int, Cached] = {}
        for i, p in enumerate(prepared):
            key = next((k for k in p.keys.values() if k in found), None)
            if key is not None:
                hits[i] = found[key]
        todo = [i for i in range(len(prepared)) if i not in hits]
        fetched = _run(lambda: self._fetch_all([prepared[i] for i in todo])) if todo else []
        calls = dict(zip(todo, fetched, strict=True))
        if fetched and not self._checked:
            self._checked = True
            self._check_endpoint(fetched)
        if self.cache is not None:  # keyed by the JSON mode the answer was given in
            self.cache.put_many([self._entry(prepared[i], c) for i, c in calls.items()
                                 if c.text is not None])
        replies = []
        for i, p in enumerate(prepared):
            shown = json.dumps(p.messages, ensure_ascii=False)
            if i in hits:
                h = hits[i]
                replies.append(Reply(text=h.answer, prompt=shown, cached=True,
                                     prompt_tokens=h.prompt_tokens,
                                     completion_tokens=h.completion_tokens))
                continue
            c = calls[i]
            replies.append(Reply(text=c.text, failure=c.failure, prompt=shown,
                                 requests=c.requests, latency_s=c.latency_s,
                                 prompt_tokens=c.prompt_tokens,
                                 completion_tokens=c.completion_tokens))
        return replies

    def _entry(self, p: _Prepared, c: _Call) -> Entry:
        """A response to cache, keyed by the JSON mode it was given in."""
        return Entry(p.keys[c.json_used], self.completions_url, self.model, p.future, p.month,
                     p.prompt, p.params | {"json": c.json_used}, c.text or "",
                     c.prompt_tokens, c.completion_tokens)

    def _check_endpoint(self, calls: Sequence[_Call]) -> None:
        """Stop with one line if no call of the first batch reached a usable endpoint."""
        if all(c.unreachable for c in calls):
            raise AgentError(f"cannot reach the language model at {self.completions_url}: "
                             f"{calls[0].failure}; is the server running at that address?")
        if all(c.status in TURNED_AWAY for c in calls):
            raise AgentError(f"the language model at {self.completions_url} turned away every "
                             f"request of the first month: {calls[0].failure}; check the url, "
                             "the model name and the API key")

    def _prepare(self, request: Request) -> _Prepared:
        s = request.situation
        messages = request.messages()
        params = {"temperature": self.temperature,
                  "seed": request_seed(self.seed, s.future, s.month, s.actor, request.attempt),
                  "max_tokens": self.max_tokens}
        prompt = prompt_sha256(messages)
        # the key says whether the answer was given in JSON mode: one asked in JSON mode is
        # looked for first, then one a server without JSON mode gave (it refused the mode)
        keys = {json_used: cache_key(endpoint=self.completions_url, model=self.model,
                                     prompt=prompt, params=params | {"json": json_used},
                                     future=s.future, month=s.month)
                for json_used in ((True, False) if self.json_mode else (False,))}
        return _Prepared(messages, params, prompt, keys, s.future, s.month)

    async def _fetch_all(self, todo: Sequence[_Prepared]) -> list[_Call]:
        import httpx

        limits = httpx.Limits(max_connections=self.concurrency,
                              max_keepalive_connections=self.concurrency)
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        auth = (httpx.BasicAuth(*self._credentials)
                if self._credentials is not None and not self._api_key else None)
        gate = asyncio.Semaphore(self.concurrency)
        async with httpx.AsyncClient(timeout=httpx.Timeout(self.timeout), limits=limits,
                                     headers=headers, auth=auth, trust_env=False) as client:
            return list(await asyncio.gather(*(self._fetch(client, gate, p) for p in todo)))

    def _body(self, p: _Prepared) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": p.messages,
                                "temperature": self.temperature, "seed": p.params["seed"]}
        if self.json_mode and not self._json_refused:
            body["response_format"] = {"type": "json_object"}
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        return body

    def _clean(self, text: str) -> str:
        """A server's text as one short line, the API key masked should it be echoed."""
        line = _excerpt(text)
        return line.replace(self._api_key, "***") if self._api_key else line

    def _error(self, exc: Exception) -> str:
        detail = self._clean(str(exc))
        return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__

    async def _fetch(self, client: Any, gate: asyncio.Semaphore, p: _Prepared) -> _Call:
        """One call: timeouts, 429 and 5xx are retried with backoff, a failed connection once.

        A server that refuses ``response_format`` is asked again at once without it; that
        is not one of the retries.
        """
        import httpx

        started = time.perf_counter()
        sent, retries, refused, reason = 0, 0, 0, ""
        answered = no_connection = False
        status: int | None = None
        while True:
            body = self._body(p)
            response = None
            async with gate:
                sent += 1
                try:
                    response = await client.post(self.completions_url, json=body)
                except httpx.TimeoutException as exc:
                    reason = f"timed out after {self.timeout:g} s"
                    no_connection = isinstance(exc, httpx.ConnectTimeout)
                except httpx.ConnectError as exc:
                    refused += 1
                    no_connection = True
                    reason = f"connection failed ({self._error(exc)})"
                except httpx.HTTPError as exc:
                    no_connection = False
                    reason = f"connection failed ({self._error(exc)})"
            wait = self.backoff * 2**retries
            if response is not None:
                answered, no_connection = True, False
                status = response.status_code
                if status == 400 and "response_format" in body and \
                        "response_format" in response.text:
                    self._json_refused = True  # the server has no JSON mode: ask without it
                    continue
                if status != 429 and status < 500:
                    return self._read(response, sent, time.perf_counter() - started,
                                      "response_format" in body)
                reason = f"HTTP {status}: {self._clean(response.text)}"
                wait = max(wait, _retry_after(response.headers.get("retry-after")))
            if retries >= self.max_retries or refused > CONNECT_RETRIES:
                break
            retries += 1
            await asyncio.sleep(wait)
        return _Call(failure=f"{reason} (gave up after {sent} requests)", requests=sent,
                     latency_s=time.perf_counter() - started,
                     unreachable=not answered and no_connection, status=status)

    def _read(self, response: Any, sent: int, latency: float, json_used: bool) -> _Call:
        status = response.status_code
        if status >= 400:
            return _Call(failure=f"HTTP {status}: {self._clean(response.text)}", requests=sent,
                         latency_s=latency, status=status)
        try:
            data = response.json()
            text = data["choices"][0]["message"].get("content") or ""
            usage = data.get("usage") or {}
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            return _Call(failure=f"not a chat completion ({type(exc).__name__}): "
                                 f"{self._clean(response.text)}", requests=sent,
                         latency_s=latency)
        return _Call(text=str(text), requests=sent, latency_s=latency,
                     prompt_tokens=_tokens(usage, "prompt_tokens"),
                     completion_tokens=_tokens(usage, "completion_tokens"), json_used=json_used)


def _retry_after(value: str | None) -> float:
    """Seconds a ``Retry-After`` header asks for (capped; 0 when absent or a date)."""
    try:
        return min(max(float(value or 0.0), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return 0.0
