"""The proxy's ASGI callable: four paths, one decision per request, errors in the API's shape.

    POST /v1/messages           Anthropic Messages  ─┐   route ─► custom.answer (a role)
    POST /v1/chat/completions   OpenAI chat         ─┘         └► relay (the upstream)
    GET  /healthz               liveness, no auth
    GET  /metrics               Prometheus text
    anything else under /v1/    relayed to the Anthropic upstream (count_tokens, models...)

Bare ASGI, no framework: the four paths are compared as strings, and everything else the hot
path does is what the request needs. Lifespan start-up opens the upstream client's pool in the
server's loop and starts the background refresh of availability and budget baselines; shutdown
(after uvicorn has finished the requests in flight) closes the client and drains the recorder,
so nothing answered goes unrecorded.

Every answer carries `x-reasoning-role` and `x-reasoning-reason`; answers the proxy makes itself
(a malformed request, a missing token) say `x-reasoning-role: proxy`. With
`x-reasoning-dry-run: 1` the decision comes back as JSON and no model is called.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from typing import Any

from starlette.types import Receive, Scope, Send

from controlplane import clock
from runtime.errors import TranslationError, UnsupportedContent
from runtime.proxy import custom
from runtime.proxy.asgi import ClientGone, decision, read_body, send_whole
from runtime.proxy.context import ProxyContext
from runtime.proxy.errors import Refusal, error_body
from runtime.proxy.exchange import Exchange
from runtime.proxy.metrics import CONTENT_TYPE
from runtime.proxy.relay import relay
from runtime.wire import Api, anthropic_to_openai

log = logging.getLogger(__name__)

_PATHS: dict[str, Api] = {"/v1/messages": "anthropic", "/v1/chat/completions": "openai"}


class ProxyApp:
    def __init__(self, context: ProxyContext, *, freeze_gc: bool = False) -> None:
        self.context = context
        #: set when the proxy owns its process (not when a test or a script hosts it in a thread)
        self.freeze_gc = freeze_gc

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.context.start()
                except Exception as error:  # uvicorn reports it and exits non-zero
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                # ~110k long-lived objects (modules, manifest, pools) would otherwise be walked by
                # every full collection: ~1 per second under load, the bulk of the p99 at 64
                # connections (bench/proxy_overhead.py). Freezing moves them out of the GC's sight.
                if self.freeze_gc:
                    gc.collect()
                    gc.freeze()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.context.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.context.inflight += 1
        try:
            await self._request(scope, receive, send)
        finally:
            self.context.inflight -= 1

    async def _request(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        api = _PATHS.get(path)
        if api is None:
            if path == "/healthz":
                await send_whole(send, 200, b'{"status":"ok"}', [])
                return
            api = "openai" if path.startswith("/v1/chat/") else "anthropic"
        try:
            if not self.context.guard.allows(scope["headers"]):
                raise Refusal(401, "missing or wrong proxy token: send it as `Authorization: Bearer <token>` or "
                              "`x-api-key: <token>`")  # fmt: skip
            if path == "/metrics":
                # the budget's gauge reads the store: off the loop
                body = await asyncio.to_thread(self.context.metrics.render)
                await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", CONTENT_TYPE)]})
                await send({"type": "http.response.body", "body": body})
                return
            if path in _PATHS:
                if scope["method"] != "POST":
                    raise Refusal(405, f"{path} takes POST")
                await self._api(api, scope, receive, send)
            elif path.startswith("/v1/"):
                await self._other(scope, receive, send)
            else:
                raise Refusal(404, f"no route {scope['method']} {path}")
        except Refusal as refusal:
            reason = {401: "unauthorized", 404: "not found", 405: "method not allowed", 413: "body too large"}
            head = decision("proxy", reason.get(refusal.status, "invalid request"))
            body = error_body(api, refusal.status, refusal.message, code=refusal.code, param=refusal.param)
            await send_whole(send, refusal.status, body, head)
        except ClientGone:
            return

    async def _api(self, api: Api, scope: Scope, receive: Receive, send: Send) -> None:
        context = self.context
        raw = await read_body(scope, receive, context.settings.max_body_bytes)
        body = _parse(api, raw)
        headers = scope["headers"]
        exchange = Exchange(api, context.project, scope, send, headers, raw, body, clock.now(), clock.monotonic())
        exchange.role, exchange.reason, exchange.score = context.route(api, body, headers)
        if _dry_run(headers):
            await self._dry_run(exchange)
            return
        if exchange.role is None:
            await relay(context, exchange)
            return
        if api == "openai":
            payload = {**body, "model": context.model_for(exchange.role)}
            exchange.prompt = _prompt(body)
            limit = body.get("max_completion_tokens") or body.get("max_tokens")
            await custom.answer(
                context, exchange, payload, limit if isinstance(limit, int) else custom.DEFAULT_MAX_OUTPUT
            )
            return
        try:
            payload = anthropic_to_openai(body, context.model_for(exchange.role))
        except UnsupportedContent as error:
            exchange.meta["unsupported"] = str(error)
            await relay(context, exchange, fallback="unsupported content")
            return
        except TranslationError as error:
            raise Refusal(400, str(error), param=error.field) from None
        exchange.prompt = _prompt(payload)
        await custom.answer(context, exchange, payload, body["max_tokens"])

    async def _dry_run(self, exchange: Exchange) -> None:
        why = self.context.unavailable(exchange.role) if exchange.role is not None else None
        answered_by = "upstream" if exchange.role is None or why else exchange.role
        reason = f"fallback: {why}" if why else exchange.reason
        body = {
            "api": exchange.api,
            "model": exchange.body.get("model"),
            "role": exchange.role,
            "reason": exchange.reason,
            "score": exchange.score,
            "answered_by": answered_by,
            "fallback": why,
        }
        await send_whole(exchange.send, 200, json.dumps(body).encode(), decision(answered_by, reason))

    async def _other(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Another Anthropic path (count_tokens, models...): the upstream's, untouched."""
        context = self.context
        raw = await read_body(scope, receive, context.settings.max_body_bytes)
        exchange = Exchange(
            "anthropic", context.project, scope, send, scope["headers"], raw, {}, clock.now(), clock.monotonic()
        )
        exchange.reason = "not a messages call"
        await relay(context, exchange)


def _dry_run(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name == b"x-reasoning-dry-run" and value.strip() in (b"1", b"true") for name, value in headers)


def _prompt(body: dict[str, Any]) -> dict[str, Any]:
    """The request as a training sample keeps it: the chat-completions body, minus transport."""
    return {k: v for k, v in body.items() if k not in ("model", "stream", "stream_options")}


def _parse(api: Api, raw: bytes) -> dict[str, Any]:
    """The body as a JSON object with the fields every request of `api` needs; else a 400."""
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise Refusal(400, f"the request body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise Refusal(400, "the request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise Refusal(400, "model: Field required" if model is None else "model: Input should be a string",
                      param="model")  # fmt: skip
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        problem = "Field required" if messages is None else "Input should be a non-empty list"
        raise Refusal(400, f"messages: {problem}", param="messages")
    if api == "anthropic":
        max_tokens = body.get("max_tokens")
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
            problem = "Field required" if max_tokens is None else "Input should be a positive integer"
            raise Refusal(400, f"max_tokens: {problem}", param="max_tokens")
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise Refusal(400, "stream: Input should be a boolean", param="stream")
    return body
