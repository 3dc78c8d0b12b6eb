"""A language model plays an actor through an OpenAI-compatible chat-completions endpoint.

Works with a local Ollama (``http://127.0.0.1:11434/v1``), vLLM or llama.cpp server, or a hosted
one. Requests for different futures and actors run concurrently (asyncio and one
``httpx.AsyncClient``, at most ``concurrency`` at a time); timeouts, connection errors, 429 and
5xx answers are retried with exponential backoff; each call's latency and token counts
(``usage``) are kept. Temperature and a seed derived from ``seed``, the future, the month, the
actor and the attempt are sent with every request; JSON output is asked for with
``response_format`` and dropped if the server refuses it. Responses are cached on disk
(:mod:`peninsula.agents.cache`), so a rerun replays them without a request.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peninsula.agents.cache import (
    Entry,
    ResponseCache,
    cache_key,
    default_cache_dir,
    prompt_sha256,
)
from peninsula.agents.protocol import AgentError, Reply, Request

MAX_RETRY_AFTER = 30.0
"""Longest wait a server's ``Retry-After`` may impose, in seconds."""


def request_seed(seed: int, future: int, month: int, actor: str, attempt: int) -> int:
    """The sampling seed of one request: fixed by the run's seed, distinct per decision."""
    digest = hashlib.sha256(f"{seed}:{future}:{month}:{actor}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1


@dataclass(frozen=True)
class _Prepared:
    messages: list[dict[str, str]]
    params: dict[str, Any]
    prompt: str
    key: str
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


def _excerpt(text: str, limit: int = 160) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


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
    wait in seconds, doubled on each further retry.

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
        problems = []
        if not url.startswith(("http://", "https://")):
            problems.append(f"the model's url must start with http:// or https://, got {url!r}")
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
        try:
            import httpx  # noqa: F401 - only checks that the agents extra is installed
        except ImportError:
            raise AgentError("language-model actors need the 'agents' extra: "
                             "pip install 'peninsula[agents]'") from None
        self.url = url.rstrip("/")
        self.model = model
        self.temperature = float(temperature)
        self.seed = int(seed)
        self.concurrency = int(concurrency)
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.backoff = float(backoff)
        self.json_mode = bool(json_mode)
        self.max_tokens = max_tokens
        self._api_key = api_key
        self._json_refused = False
        if cache is True:
            cache = default_cache_dir()
        self.cache = (None if cache in (None, False, "off")
                      else ResponseCache(Path(str(cache))))

    @property
    def completions_url(self) -> str:
        """Where requests are posted."""
        if self.url.endswith("/chat/completions"):
            return self.url
        return f"{self.url}/chat/completions"

    def settings(self) -> dict[str, Any]:
        """What the run records about this agent (never the key)."""
        return {"url": self.url, "model": self.model, "temperature": self.temperature,
                "seed": self.seed, "concurrency": self.concurrency, "timeout": self.timeout,
                "json_mode": self.json_mode, "max_tokens": self.max_tokens,
                "cache": None if self.cache is None else str(self.cache.path)}

    def close(self) -> None:
        """Close the cache file."""
        if self.cache is not None:
            self.cache.close()

    def decide(self, requests: Sequence[Request]) -> list[Reply]:
        """Answer every request: from the cache, or by concurrent calls to the endpoint."""
        prepared = [self._prepare(r) for r in requests]
        hits = self.cache.get_many(p.key for p in prepared) if self.cache is not None else {}
        todo = [p for p in prepared if p.key not in hits]
        calls = dict(zip((p.key for p in todo), _run(lambda: self._fetch_all(todo)),
                         strict=True)) if todo else {}
        if self.cache is not None:
            self.cache.put_many([
                Entry(p.key, self.completions_url, self.model, p.future, p.month, p.prompt,
                      p.params, c.text, c.prompt_tokens, c.completion_tokens)
                for p in todo if (c := calls[p.key]).text is not None])
        replies = []
        for p in prepared:
            shown = json.dumps(p.messages, ensure_ascii=False)
            if p.key in hits:
                h = hits[p.key]
                replies.append(Reply(text=h.answer, prompt=shown, cached=True,
                                     prompt_tokens=h.prompt_tokens,
                                     completion_tokens=h.completion_tokens))
                continue
            c = calls[p.key]
            replies.append(Reply(text=c.text, failure=c.failure, prompt=shown,
                                 requests=c.requests, latency_s=c.latency_s,
                                 prompt_tokens=c.prompt_tokens,
                                 completion_tokens=c.completion_tokens))
        return replies

    def _prepare(self, request: Request) -> _Prepared:
        s = request.situation
        messages = request.messages()
        params = {"temperature": self.temperature,
                  "seed": request_seed(self.seed, s.future, s.month, s.actor, request.attempt),
                  "json": self.json_mode, "max_tokens": self.max_tokens}
        prompt = prompt_sha256(messages)
        key = cache_key(endpoint=self.completions_url, model=self.model, prompt=prompt,
                        params=params, future=s.future, month=s.month)
        return _Prepared(messages, params, prompt, key, s.future, s.month)

    async def _fetch_all(self, todo: Sequence[_Prepared]) -> list[_Call]:
        import httpx

        limits = httpx.Limits(max_connections=self.concurrency,
                              max_keepalive_connections=self.concurrency)
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        gate = asyncio.Semaphore(self.concurrency)
        async with httpx.AsyncClient(timeout=httpx.Timeout(self.timeout), limits=limits,
                                     headers=headers) as client:
            return list(await asyncio.gather(*(self._fetch(client, gate, p) for p in todo)))

    def _body(self, p: _Prepared) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": p.messages,
                                "temperature": self.temperature, "seed": p.params["seed"]}
        if self.json_mode and not self._json_refused:
            body["response_format"] = {"type": "json_object"}
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        return body

    async def _fetch(self, client: Any, gate: asyncio.Semaphore, p: _Prepared) -> _Call:
        """One call, retried on timeouts, connection errors, 429 and 5xx."""
        import httpx

        started = time.perf_counter()
        sent, reason, attempt = 0, "", 0
        while attempt <= self.max_retries:
            body = self._body(p)
            async with gate:
                sent += 1
                try:
                    response = await client.post(self.completions_url, json=body)
                except httpx.TimeoutException:
                    response, reason = None, f"timed out after {self.timeout:g} s"
                except httpx.HTTPError as exc:
                    response, reason = None, f"connection failed ({type(exc).__name__}: {exc})"
            wait = self.backoff * 2**attempt
            attempt += 1
            if response is not None:
                status = response.status_code
                if status == 400 and "response_format" in body and \
                        "response_format" in response.text:
                    self._json_refused = True  # the server has no JSON mode: ask without it
                    reason = f"HTTP 400 on response_format: {_excerpt(response.text)}"
                    continue
                if status != 429 and status < 500:
                    return self._read(response, sent, time.perf_counter() - started)
                reason = f"HTTP {status}: {_excerpt(response.text)}"
                wait = max(wait, _retry_after(response.headers.get("retry-after")))
            if attempt <= self.max_retries:
                await asyncio.sleep(wait)
        return _Call(failure=f"{reason} (gave up after {sent} requests)", requests=sent,
                     latency_s=time.perf_counter() - started)

    def _read(self, response: Any, sent: int, latency: float) -> _Call:
        status = response.status_code
        if status >= 400:
            return _Call(failure=f"HTTP {status}: {_excerpt(response.text)}", requests=sent,
                         latency_s=latency)
        try:
            data = response.json()
            text = data["choices"][0]["message"].get("content") or ""
            usage = data.get("usage") or {}
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            return _Call(failure=f"not a chat completion ({type(exc).__name__}): "
                                 f"{_excerpt(response.text)}", requests=sent, latency_s=latency)
        return _Call(text=str(text), requests=sent, latency_s=latency,
                     prompt_tokens=int(usage.get("prompt_tokens") or 0),
                     completion_tokens=int(usage.get("completion_tokens") or 0))


def _retry_after(value: str | None) -> float:
    """Seconds a ``Retry-After`` header asks for (capped; 0 when absent or a date)."""
    try:
        return min(max(float(value or 0.0), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return 0.0
