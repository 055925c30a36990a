"""Pass-through: a request goes to an upstream untouched, its answer comes back as it arrives.

Requests no rule routes, and routed requests that fall back, end here. The client's bytes go to
`proxy.anthropic_upstream` (or `openai_upstream`) with its own headers, less hop-by-hop ones and
with credentials as `security.Guard` decides; the upstream's status, headers and body come back
chunk by chunk, never buffered, plus `x-reasoning-role` / `x-reasoning-reason`. A stream the
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

from runtime.proxy import answers
from runtime.proxy.asgi import decision, send_chunk, send_end, send_start, send_whole
from runtime.proxy.call import Call, Outcome
from runtime.proxy.errors import error_body
from runtime.proxy.upstream import FAILURES
from runtime.translate import encode_sse

if TYPE_CHECKING:
    from runtime.proxy.services import Services

#: The most of a fallback's answer kept for its sample; a longer one is relayed but not sampled.
KEEP_BYTES = 4 * 1024 * 1024


async def relay(services: Services, call: Call, *, fallback: str | None = None) -> None:
    """Answer `call` from its API's upstream; `fallback` says why a routed request ended here."""
    settings = services.settings
    base = settings.anthropic_upstream if call.api == "anthropic" else settings.openai_upstream
    role_header, reason_header = "upstream", f"fallback: {fallback}" if fallback else call.reason
    head = decision(role_header, reason_header)
    if base is None:
        if fallback:
            status, message = 503, f"role {call.role} cannot answer ({fallback}) and proxy.openai_upstream is not set"
        else:
            model = call.body.get("model")
            status, message = (
                404,
                (f"model {model!r} is not routed to a role (proxy.model_map) and proxy.openai_upstream is not set"),
            )
        await send_whole(call.send, status, error_body(call.api, status, message), head)
        services.finish(call, "error", fallback=fallback)
        return
    url = base.rstrip("/") + call.url_path
    try:
        response = await services.client.send(url, call.raw, services.guard.upstream_headers(call.api, call.headers))
    except FAILURES as error:
        message = f"the upstream {base} could not be reached ({type(error).__name__})"
        await send_whole(call.send, 502, error_body(call.api, 502, message), head)
        services.finish(call, "error", fallback=fallback)
        return
    keep = call.role is not None
    kept: list[bytes] = []
    size = 0
    outcome: Outcome = "fallback" if fallback else "ok"
    try:
        headers = [(n.lower(), v) for n, v in response.raw_headers]
        await send_start(call.send, response.status, [h for h in headers if h[0] not in _DROP] + head)
        try:
            async for chunk in response.content.iter_any():
                call.mark_first_byte()
                await send_chunk(call.send, chunk)
                if keep:
                    size += len(chunk)
                    keep = size <= KEEP_BYTES
                    kept.append(chunk)
        except (*FAILURES, asyncio.CancelledError) as error:
            if isinstance(error, asyncio.CancelledError):
                raise
            outcome = "error"
            if response.content_type == "text/event-stream":
                await send_chunk(
                    call.send, _stream_error(call, f"the upstream broke off its answer ({type(error).__name__})")
                )
        await send_end(call.send)
    finally:
        response.close()
    answer = None
    if keep and kept and response.status == 200:
        body = answers.decoded(b"".join(kept), response.headers.get("content-encoding"))
        if body is not None:
            answer = answers.read(call.api, body, stream=response.content_type == "text/event-stream")
    services.finish(call, outcome if response.status < 400 else "error", fallback=fallback, answer=answer)


_DROP = frozenset(
    {b"connection", b"keep-alive", b"transfer-encoding", b"proxy-authenticate", b"trailer", b"upgrade", b"te"}
)


def _stream_error(call: Call, message: str) -> bytes:
    if call.api == "anthropic":
        return encode_sse("error", {"type": "error", "error": {"type": "api_error", "message": message}})
    body = json.loads(error_body("openai", 502, message))
    return b"data: " + json.dumps(body).encode() + b"\n\n"
