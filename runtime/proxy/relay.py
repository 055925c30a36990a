"""Pass-through: a request goes to an upstream untouched, its answer comes back as it arrives.

Requests no rule routes, routed requests that fall back, and every other path end here. The
client's method, path, query and bytes go to its API's upstream (`proxy.anthropic_upstream` or
`openai_upstream`, never the other: a key only reaches its own provider) with its own headers,
less hop-by-hop ones and with credentials as `security.Guard` decides; the upstream's status,
headers (less `Date`: uvicorn writes the one) and body come back chunk by chunk, never buffered,
plus `x-reasoning-role` / `x-reasoning-reason`. A stream the
upstream breaks ends with the API's own error event, as the clients expect.

A fallback keeps a copy of what it relayed, read once the client has it all, so the role it was
routed to records what the upstream answered: its usage (outcome `fallback`, with the reason:
how the control plane's idle policy knows a stopped role is wanted) and, when samples are
collected, a sample whose answer is the upstream's: training data for the role.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

from controlplane.values import Outcome
from runtime.model_client import TRANSPORT_ERRORS
from runtime.proxy.asgi import HOP_BY_HOP, decision, send_chunk, send_end, send_start, send_whole
from runtime.proxy.errors import error_body
from runtime.proxy.exchange import Exchange
from runtime.wire import answers, encode_sse, responses

if TYPE_CHECKING:
    from runtime.proxy.context import ProxyContext

#: The most of a fallback's answer kept for its sample; a longer one is relayed but not sampled.
KEEP_BYTES = 4 * 1024 * 1024


async def relay(context: ProxyContext, exchange: Exchange, *, fallback: str | None = None) -> None:
    """Answer `exchange` from its API's upstream; `fallback` says why a routed request ended here."""
    base = context.upstreams[exchange.api]
    role_header, reason_header = "upstream", f"fallback: {fallback}" if fallback else exchange.reason
    head = decision(role_header, reason_header)
    if base is None:
        if fallback:
            status, message = (
                503,
                f"role {exchange.role} cannot answer ({fallback}) and proxy.openai_upstream is not set",
            )
        elif exchange.body:
            model = exchange.body.get("model")
            status, message = (
                404,
                (f"model {model!r} is not routed to a role (proxy.model_map) and proxy.openai_upstream is not set"),
            )
        else:
            status, message = 404, f"{exchange.scope['path']} is OpenAI's and proxy.openai_upstream is not set"
        await send_whole(exchange.send, status, error_body(exchange.api, status, message), head)
        context.finish(exchange, "error", fallback=fallback)
        return
    url = base + exchange.url_path
    try:
        response = await context.client.send(
            url, exchange.raw, context.guard.upstream_headers(exchange.api, exchange.headers), exchange.scope["method"]
        )
    except TRANSPORT_ERRORS as error:
        message = f"the upstream {base} could not be reached ({type(error).__name__})"
        await send_whole(exchange.send, 502, error_body(exchange.api, 502, message), head)
        context.finish(exchange, "error", fallback=fallback)
        return
    keep = exchange.role is not None
    kept: list[bytes] = []
    size = 0
    outcome: Outcome = "fallback" if fallback else "ok"
    try:
        # uvicorn writes the one `Date` (RFC 9110 allows one), so the upstream's is not relayed.
        headers = [(n.lower(), v) for n, v in response.raw_headers]
        relayed = [h for h in headers if h[0] not in HOP_BY_HOP and h[0] != b"date"]
        await send_start(exchange.send, response.status, relayed + head)
        try:
            async for chunk in response.content.iter_any():
                exchange.mark_first_byte()
                await send_chunk(exchange.send, chunk)
                if keep:
                    size += len(chunk)
                    keep = size <= KEEP_BYTES
                    kept.append(chunk)
        except (*TRANSPORT_ERRORS, asyncio.CancelledError) as error:
            if isinstance(error, asyncio.CancelledError):
                raise
            outcome = "error"
            if response.content_type == "text/event-stream":
                await send_chunk(
                    exchange.send,
                    _stream_error(exchange, f"the upstream broke off its answer ({type(error).__name__})"),
                )
        await send_end(exchange.send)
    finally:
        response.close()
    answer = None
    if keep and kept and response.status == 200:
        body = answers.decoded(b"".join(kept), response.headers.get("content-encoding"))
        if body is not None:
            streamed = response.content_type == "text/event-stream"
            if exchange.url_path.startswith("/v1/responses"):
                answer = responses.read(body, stream=streamed)
            else:
                answer = answers.read(exchange.api, body, stream=streamed)
    context.finish(exchange, outcome if response.status < 400 else "error", fallback=fallback, answer=answer)


def _stream_error(exchange: Exchange, message: str) -> bytes:
    if exchange.api == "anthropic":
        return encode_sse("error", {"type": "error", "error": {"type": "api_error", "message": message}})
    body = json.loads(error_body("openai", 502, message))
    return b"data: " + json.dumps(body).encode() + b"\n\n"
