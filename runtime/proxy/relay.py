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

import json
from typing import TYPE_CHECKING

from controlplane.values import Outcome
from runtime.model_client import TRANSPORT_ERRORS
from runtime.proxy.asgi import HOP_BY_HOP, decision, send_chunk, send_end, send_last, send_start, send_whole
from runtime.proxy.errors import error_body
from runtime.proxy.exchange import Exchange
from runtime.wire import answers, encode_sse, responses

if TYPE_CHECKING:
    from runtime.proxy.context import ProxyContext

#: The most of a fallback's answer kept for its sample; a longer one is relayed but not sampled.
KEEP_BYTES = 4 * 1024 * 1024


async def relay(context: ProxyContext, exchange: Exchange, *, fallback: str | None = None) -> None:
    """Answer `exchange` from its API's upstream; `fallback` says why a routed request ended here."""
    base, origin = context.upstreams[exchange.api], context.origins[exchange.api]
    role_header, reason_header = "upstream", f"fallback: {fallback}" if fallback else exchange.reason
    head = decision(role_header, reason_header)
    if origin is None:
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
    try:
        response = await context.pool.send(
            origin,
            exchange.scope["method"],
            exchange.target,
            context.guard.upstream_headers(exchange.api, exchange.headers),
            exchange.raw,
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
    send = exchange.send
    ended = False
    try:
        # uvicorn writes the one `Date` (RFC 9110 allows one), so the upstream's is not relayed.
        relayed = [h for h in response.headers if h[0] not in HOP_BY_HOP and h[0] != b"date"]
        relayed += head
        await send_start(send, response.status, relayed)
        try:
            while chunk := await response.readany():
                exchange.mark_first_byte()
                if response.complete:  # the last piece (for a short answer, the only one): one send
                    ended = True
                    await send_last(send, chunk)
                else:
                    await send_chunk(send, chunk)
                if keep:
                    size += len(chunk)
                    keep = size <= KEEP_BYTES
                    kept.append(chunk)
                if ended:  # the answer is whole: no read for the b"" that says so
                    break
        except TRANSPORT_ERRORS as error:
            outcome = "error"
            if response.content_type == "text/event-stream":
                message = f"the upstream broke off its answer ({type(error).__name__})"
                await send_chunk(send, _stream_error(exchange, message))
        if not ended:
            await send_end(send)
    finally:
        response.close()
    answer = None
    if keep and kept and response.status == 200:
        encoding = response.header(b"content-encoding")
        body = answers.decoded(b"".join(kept), encoding.decode("latin-1") if encoding is not None else None)
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
