"""The few ASGI moves every handler makes: read a bounded body, send a response, shape headers.

The proxy is a bare ASGI callable (no framework: routing four paths needs no router, and every
microsecond on the hot path is the agent's), so these helpers and its connections' protocol
(`protocol`: uvicorn's, with its own request cycle and a fast path for pass-through) are the
whole of its HTTP layer.
Header names are lower-case bytes, as ASGI hands them over and as uvicorn writes them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import lru_cache

from starlette.types import Receive, Scope, Send

from runtime.proxy.errors import Refusal
from runtime.proxy.protocol import BODY

Headers = list[tuple[bytes, bytes]]

#: Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are never relayed; `host`
#: and `content-length` are rewritten by whoever sends the message on.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
JSON = (b"content-type", b"application/json")
SSE = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]


class ClientGone(Exception):
    """The client hung up before its request body arrived."""


async def read_body(scope: Scope, receive: Receive, limit: int, timeout: float | None = None) -> bytes:
    """The whole request body; a `Refusal` 413 as soon as it is known to exceed `limit` (from
    `content-length`, else as it arrives: never more than `limit` bytes are kept), 408 when it has
    not arrived whole within `timeout` seconds."""
    # One content-length at most: the HTTP parser refuses a repeated one.
    value = dict(scope["headers"]).get(b"content-length")
    if value is not None:
        if not value.isdigit():
            raise Refusal(400, "content-length is not a number")
        if int(value) > limit:
            # A client that waits for `100 Continue` never sends the body: nothing to drop.
            waits = any(n == b"expect" and v.lower() == b"100-continue" for n, v in scope["headers"])
            raise Refusal(
                413, f"request body is {int(value)} bytes; this proxy accepts at most {limit}", unread=not waits
            )
    whole: bytes | None = scope.get(BODY)  # it came with the head (`protocol.Cycle`): read already
    if whole is not None:
        if len(whole) > limit:
            raise Refusal(413, f"request body is over {limit} bytes, the most this proxy accepts")
        return whole
    if timeout is None:
        return await _read(receive, limit)
    # `asyncio.timeout` would do, at ~10 µs a request: a timer that cancels this task is ~1 µs,
    # and a body that is there at once (nearly every one) never sees it.
    task = asyncio.current_task()
    assert task is not None
    expired: list[bool] = []

    def expire() -> None:
        expired.append(True)
        task.cancel()

    timer = asyncio.get_running_loop().call_later(timeout, expire)
    try:
        return await _read(receive, limit)
    except asyncio.CancelledError:
        if not expired or task.uncancel() > 0:  # not ours, or cancelled from outside as well
            raise
        raise Refusal(408, f"the request body did not arrive within {timeout:g} seconds", close=True) from None
    finally:
        timer.cancel()


async def _read(receive: Receive, limit: int) -> bytes:
    message = await receive()
    body: bytes = message.get("body", b"")
    more = bool(message.get("more_body"))
    if len(body) > limit:  # a chunked body (no content-length) may arrive whole in one message
        raise Refusal(413, f"request body is over {limit} bytes, the most this proxy accepts", unread=more)
    if not more:
        if message["type"] == "http.disconnect":
            raise ClientGone
        return body
    chunks, size = [body], len(body)
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        more = bool(message.get("more_body"))
        size += len(chunk)
        if size > limit:
            raise Refusal(413, f"request body is over {limit} bytes, the most this proxy accepts", unread=more)
        chunks.append(chunk)
    return b"".join(chunks)


#: How long a refused body may pause before the proxy stops waiting for the rest (nginx's
#: `lingering_timeout` is 5 s): a client that declared a body it never sends is let go soon.
LINGER_IDLE_SECONDS = 2.0


async def discard_body(receive: Receive, seconds: float, idle: float = LINGER_IDLE_SECONDS) -> None:
    """Read and drop the rest of a refused body, for at most `seconds`, and `idle` seconds without
    a byte (a lingering close, as nginx does): a client still sending when the connection closed
    with its bytes unread would get a TCP reset, which destroys the answer it has not read yet."""
    try:
        async with asyncio.timeout(seconds):
            while True:
                message = await asyncio.wait_for(receive(), idle)
                if message["type"] == "http.disconnect" or not message.get("more_body"):
                    return
    except TimeoutError:
        return


@lru_cache(maxsize=4096)  # a proxy says a few dozen phrases: each is cleaned once
def header_value(text: str) -> bytes:
    """A header value from free text: one line, latin-1, no control characters, not too long."""
    cleaned = "".join(c if " " <= c <= "~" else "?" for c in text[:200])
    return cleaned.encode("latin-1")


def decision(role: str, reason: str) -> Headers:
    """`x-reasoning-role` and `x-reasoning-reason`: the two headers every response carries."""
    return [(b"x-reasoning-role", header_value(role)), (b"x-reasoning-reason", header_value(reason))]


async def send_start(send: Send, status: int, headers: Headers) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})


async def send_whole(
    send: Send, status: int, body: bytes, headers: Iterable[tuple[bytes, bytes]], *, more: bool = False
) -> None:
    """A JSON answer with its length; `more`: the exchange is not over yet (`send_end` ends it)."""
    head = [JSON, (b"content-length", str(len(body)).encode()), *headers]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body, "more_body": more})


async def send_chunk(send: Send, body: bytes) -> None:
    await send({"type": "http.response.body", "body": body, "more_body": True})


async def send_last(send: Send, body: bytes) -> None:
    await send({"type": "http.response.body", "body": body})


async def send_end(send: Send) -> None:
    await send({"type": "http.response.body", "body": b""})
