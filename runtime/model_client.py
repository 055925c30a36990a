"""The hooks' HTTP client for the custom models and their fallback upstreams (whole chat
completions), and what any of the runtime's connections can fail with.

aiohttp, not httpx: at 64 concurrent requests on this project's machines httpx's async pool does
130-200 req/s where aiohttp's `ClientSession` does 3,250-4,670. One session per client, opened in
the event loop that uses it, keeps a keep-alive pool per host; responses are not decompressed,
aiohttp adds none of its default headers, and no cookie is ever kept. (The proxy, whose hot path
is nothing but relaying, has a leaner client of its own: `runtime.proxy.upstream`.)

Failures are classified here and nowhere else: `TRANSPORT_ERRORS` is what a connection can fail
with (aiohttp's errors, and the `OSError`s and `TimeoutError`s the proxy's client raises), and a
model that gave no usable answer is a `ModelCallFailed` with its reason."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from runtime.errors import ModelCallFailed
from runtime.wire.answers import decoded

#: What a connection to a model or an upstream can fail with: aiohttp's errors (its timeouts
#: included), the socket's, and a timeout around the call.
TRANSPORT_ERRORS = (aiohttp.ClientError, OSError, TimeoutError)


def counts_against(status: int) -> bool:
    """Whether an error status trips the role's circuit: 5xx and 429 are the model's trouble,
    another 4xx is about the request and the model is fine."""
    return status >= 500 or status == 429


class ModelClient:
    def __init__(self, *, connect_timeout: float | None = None, read_timeout: float | None = None) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("the model client is used before it was started")
        return self._session

    async def start(self) -> None:
        """Open the pool, in the event loop that will use it."""
        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300, keepalive_timeout=30, enable_cleanup_closed=False)
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.connect_timeout, sock_read=self.read_timeout),
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(
        self, url: str, body: bytes, headers: Sequence[tuple[str, str]], method: str = "POST"
    ) -> aiohttp.ClientResponse:
        """Send `method` (POST unless told) and return once the response head is in; the body is
        still to be read. An empty body is sent as none. Raises what `TRANSPORT_ERRORS` lists."""
        return await self.session.request(method, url, data=body or None, headers=headers, allow_redirects=False)

    async def open_stream(self, url: str, body: bytes, headers: Sequence[tuple[str, str]]) -> aiohttp.ClientResponse:
        """Call a custom model; its response once the head is in, if the status is 200.

        Raises `ModelCallFailed` with the reason to fall back otherwise: no connection, or another
        status (`counts_against` says whether it trips the circuit). The caller bounds the wait
        for the first token.
        """
        try:
            response = await self.send(url, body, headers)
        except (aiohttp.ClientError, OSError) as error:
            raise ModelCallFailed(f"custom model unreachable ({type(error).__name__})") from None
        if response.status != 200:
            response.close()
            status = response.status
            raise ModelCallFailed(f"custom model answered {status}", counts_against=counts_against(status))
        return response

    async def complete(self, url: str, headers: Mapping[str, str], body: dict[str, Any]) -> Any:
        """POST a whole (not streamed) chat-completions request; the answer's JSON.

        Raises `ModelCallFailed`: the error's type when there was no answer, `HTTP <status>
        <code>` for an error status, or that the answer is not JSON. The caller bounds the wait.
        """
        head = [("content-type", "application/json"), *headers.items()]
        try:
            async with self.session.post(url, data=json.dumps(body).encode(), headers=head) as response:
                status, raw = response.status, await response.read()
                encoding = response.headers.get("content-encoding")
        except (aiohttp.ClientError, OSError) as error:
            raise ModelCallFailed(type(error).__name__) from None
        text = decoded(raw, encoding)
        if status >= 400:
            raise ModelCallFailed(f"HTTP {status}{_error_code(text)}", counts_against=counts_against(status))
        if text is None:
            raise ModelCallFailed(f"the answer is {encoding}-encoded")
        try:
            return json.loads(text)
        except ValueError:
            raise ModelCallFailed("the answer is not JSON") from None


def _error_code(body: bytes | None) -> str:
    """` <code>` from an OpenAI/Together error body, or nothing."""
    try:
        error = json.loads(body).get("error") if body is not None else None
    except (ValueError, AttributeError):
        return ""
    code = error.get("code") or error.get("type") if isinstance(error, dict) else None
    return f" {code}" if isinstance(code, str) and code else ""
