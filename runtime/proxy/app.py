"""The proxy's ASGI callable: four paths, one decision per request, errors in the API's shape.

    POST /v1/messages           Anthropic Messages  ─┐   route ─► custom.answer (a role)
    POST /v1/chat/completions   OpenAI chat         ─┤         └► relay (the upstream)
    POST /v1/responses          OpenAI Responses    ─┘   (translated for a role: runtime.wire.responses)
    GET  /healthz               liveness, no auth
    GET  /metrics               Prometheus text
    anything else under /v1/    relayed to its API's upstream as it came, any method (`api_of`)

Bare ASGI, no framework: the four paths are compared as strings, and everything else the hot
path does is what the request needs. Lifespan start-up opens the upstream client's pool in the
server's loop and starts the background refresh of availability and budget baselines; shutdown
(after uvicorn has finished the requests in flight) closes the client and drains the recorder,
so nothing answered goes unrecorded.

Pass-through on the two chat paths does not come through ASGI at all: the connection's protocol
(`runtime.proxy.protocol`) reads the request, asks `decide` (parsed and routed as `_api` would),
and has `pass_through` relay one that goes upstream untouched, writing the answer straight to the
connection. Whatever else it read (a role's request, a dry run, a refusal) arrives here as usual,
with the body and what was decided in the scope (`BODY`, `DECIDED`), so nothing is done twice.

Every answer carries `x-reasoning-role` and `x-reasoning-reason`; answers the proxy makes itself
(a malformed request, a missing token) say `x-reasoning-role: proxy`. With
`x-reasoning-dry-run: 1` the decision comes back as JSON and no model is called.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.types import Receive, Scope, Send

from controlplane import clock
from runtime.errors import TranslationError, UnsupportedContent
from runtime.proxy import custom
from runtime.proxy.asgi import (
    ClientGone,
    Headers,
    decision,
    discard_body,
    header_value,
    read_body,
    send_end,
    send_whole,
)
from runtime.proxy.context import HeaderView, ProxyContext
from runtime.proxy.errors import Refusal, error_body
from runtime.proxy.exchange import Exchange
from runtime.proxy.heap import settle_heap
from runtime.proxy.metrics import CONTENT_TYPE
from runtime.proxy.protocol import BODY, DECIDED
from runtime.proxy.relay import relay
from runtime.wire import Api, anthropic_to_openai, openai_for_endpoint, responses

log = logging.getLogger(__name__)

RESPONSES = "/v1/responses"
_PATHS: dict[str, Api] = {"/v1/messages": "anthropic", "/v1/chat/completions": "openai", RESPONSES: "openai"}
#: Paths only one of the two APIs has (prefixes). Others (`/v1/models`, `/v1/files`, unknown
#: ones) are both APIs': the `anthropic-version` header, which Anthropic requires on every
#: request and OpenAI clients never send, says whose.
_ANTHROPIC_ONLY = ("/v1/messages", "/v1/skills", "/v1/organizations/")
_OPENAI_ONLY = (
    "/v1/chat/", "/v1/completions", "/v1/responses", "/v1/embeddings", "/v1/audio/", "/v1/images/",
    "/v1/moderations", "/v1/fine_tuning/", "/v1/assistants", "/v1/threads", "/v1/vector_stores",
    "/v1/uploads", "/v1/batches", "/v1/realtime", "/v1/conversations", "/v1/evals", "/v1/containers",
    "/v1/videos", "/v1/organization/",
)  # fmt: skip


def api_of(path: str, headers: list[tuple[bytes, bytes]]) -> Api:
    """Whose API a path is: decided by the path, and for a path both have by `anthropic-version`."""
    if path.startswith(_ANTHROPIC_ONLY) or path == "/v1/complete":
        return "anthropic"
    if path.startswith(_OPENAI_ONLY):
        return "openai"
    return "anthropic" if any(name == b"anthropic-version" for name, _ in headers) else "openai"


class Answer(Protocol):
    """The fast path's `send` (`protocol._Answer`): ASGI's, and the status it was given."""

    status: int | None

    async def __call__(self, message: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class Decided:
    """A request parsed and routed. The protocol's fast path decides before any ASGI (`ProxyApp.decide`)
    and hands what it does not answer itself to the ASGI path in the scope (`DECIDED`), so the body
    is not parsed, nor the request routed (a decision recorded, an affinity kept), twice."""

    body: dict[str, Any]
    role: str | None
    reason: str
    score: float | None
    dry_run: bool

    @property
    def passes(self) -> bool:
        """To the upstream as it came: no role, not a dry run."""
        return self.role is None and not self.dry_run


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
                if self.freeze_gc:
                    settle_heap()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.context.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        context = self.context
        context.inflight += 1
        access = context.access
        if not access.on:
            try:
                await self._request(scope, receive, send)
            finally:
                context.inflight -= 1
            return
        started = clock.monotonic()
        answered, watched = _watching(send)
        try:
            await self._request(scope, receive, watched)
        finally:
            ms = (clock.monotonic() - started) * 1000
            access.line(scope["method"], scope["path"], answered[0], answered[1], answered[2], ms)
            context.inflight -= 1

    async def _request(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        api = _PATHS.get(path)
        if api is None:
            if path == "/healthz":
                await send_whole(send, 200, b'{"status":"ok"}', [])
                return
            api = api_of(path, scope["headers"])
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
                if path == RESPONSES:
                    await self._responses(scope, receive, send)
                else:
                    await self._api(api, scope, receive, send)
            elif path.startswith("/v1/"):
                await self._other(api, scope, receive, send)
            else:
                raise Refusal(404, f"no route {scope['method']} {path}")
        except Refusal as refusal:
            await self._refuse(api, refusal, receive, send)
        except ClientGone:
            return
        except Exception:  # a bug: the client still gets an answer in its API's shape, not a bare 500
            await _internal_error(api, send, scope["method"], path)

    async def _refuse(self, api: Api, refusal: Refusal, receive: Receive, send: Send) -> None:
        """The proxy's own answer; a body still arriving is read and dropped after it (bounded)."""
        reason = {401: "unauthorized", 404: "not found", 405: "method not allowed", 408: "body timeout",
                  413: "body too large"}.get(refusal.status, "invalid request")  # fmt: skip
        head = decision("proxy", reason)
        if refusal.close:
            head.append((b"connection", b"close"))
        body = error_body(api, refusal.status, refusal.message, code=refusal.code, param=refusal.param)
        if not refusal.unread:
            await send_whole(send, refusal.status, body, head)
            return
        # The whole answer first (its content-length lets the client read it while still
        # sending), then the rest of the body dropped, then the end of the exchange.
        await send_whole(send, refusal.status, body, head, more=True)
        await discard_body(receive, self.context.settings.body_timeout_seconds)
        await send_end(send)

    async def _api(self, api: Api, scope: Scope, receive: Receive, send: Send) -> None:
        context = self.context
        headers = scope["headers"]
        decided: Decided | None = scope.get(DECIDED)  # by the protocol's fast path: not done twice
        if decided is None:
            raw = await read_body(
                scope, receive, context.settings.max_body_bytes, context.settings.body_timeout_seconds
            )
            decided = self._decide(api, headers, raw)
        else:
            raw = scope[BODY]
        body = decided.body
        exchange = Exchange(api, context.project, scope, send, headers, raw, body, clock.now(), clock.monotonic())
        exchange.role, exchange.reason, exchange.score = decided.role, decided.reason, decided.score
        if decided.dry_run:
            await self._dry_run(exchange)
            return
        if exchange.role is None:
            await relay(context, exchange)
            return
        # What the custom route cannot answer faithfully is the upstream's to answer, before the
        # first byte: never a silent drop, never a proxy 400 for a request the upstream would take.
        try:
            if api == "openai":
                payload = openai_for_endpoint(body, context.model_for(exchange.role))
            else:
                payload = anthropic_to_openai(body, context.model_for(exchange.role))
        except UnsupportedContent as error:
            exchange.meta["unsupported"] = str(error)
            await relay(context, exchange, fallback=f"unsupported {error.feature}")
            return
        except TranslationError as error:  # malformed as Anthropic's own validation would say
            raise Refusal(400, str(error), param=error.field) from None
        if api == "openai":
            exchange.prompt = _prompt(body)
            limit = payload.get("max_tokens")
            limit = limit if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 else None
            await custom.answer(context, exchange, payload, limit or custom.DEFAULT_MAX_OUTPUT)
            return
        exchange.prompt = _prompt(payload)
        await custom.answer(context, exchange, payload, body["max_tokens"])

    def _decide(self, api: Api, headers: Headers, raw: bytes) -> Decided:
        """The request parsed and routed; a `Refusal` for a malformed one or an unknown role."""
        context = self.context
        body = _parse(api, raw)
        view = HeaderView(headers)  # what is absent (nearly always) costs no walk of the headers
        unknown = context.unknown_role(headers) if view.has(b"x-reasoning-role") else None
        if unknown is not None:
            valid = sorted(context.role_values | context.role_labels)
            raise Refusal(
                400,
                f"x-reasoning-role: {unknown!r} is not a role of this proxy; use one of {', '.join(valid)}",
                param="x-reasoning-role",
            )
        role, reason, score = context.route(api, body, view)
        return Decided(body, role, reason, score, view.has(b"x-reasoning-dry-run") and _dry_run(headers))

    # -- the protocol's fast path (`runtime.proxy.protocol`) ------------------------------------

    #: the paths the fast path may take, as request targets (no query), and their API
    FAST_PATHS: dict[bytes, Api] = {b"/v1/messages": "anthropic", b"/v1/chat/completions": "openai"}

    @property
    def max_body_bytes(self) -> int:
        return self.context.settings.max_body_bytes

    def decide(self, target: bytes, headers: Headers, raw: bytes) -> Decided | None:
        """A POST to a `FAST_PATHS` target whose whole body is in, parsed and routed as `_api`
        would; None where the proxy refuses it (the ASGI path then says why)."""
        if not self.context.guard.allows(headers):
            return None
        try:
            return self._decide(self.FAST_PATHS[target], headers, raw)
        except Refusal:
            return None

    async def pass_through(self, target: bytes, headers: Headers, raw: bytes, decided: Decided, send: Answer) -> None:
        """A decided request that goes to its upstream as it came (`decided.passes`), answered
        through `send` (the protocol's, straight to the connection), as `_http` and `_api` would:
        counted in flight, relayed, logged."""
        context = self.context
        context.inflight += 1
        started = clock.monotonic()
        path = target.decode("latin-1")
        api = self.FAST_PATHS[target]
        scope = {"type": "http", "method": "POST", "path": path, "raw_path": target, "query_string": b"",
                 "headers": headers}  # fmt: skip
        exchange = Exchange(api, context.project, scope, send, headers, raw, decided.body, clock.now(), started)
        exchange.reason, exchange.score = decided.reason, decided.score
        said = (b"upstream", header_value(decided.reason))  # what relay's answers say, whichever it gives
        try:
            await relay(context, exchange)
        except Exception:  # a bug: as `_request` answers it
            said = (b"proxy", b"internal error")
            await _internal_error(api, send, "POST", path)
        finally:
            if context.access.on:
                ms = (clock.monotonic() - started) * 1000
                context.access.line("POST", path, send.status, said[0], said[1], ms)
            context.inflight -= 1

    async def _responses(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The Responses API: routed on its chat-completions translation, answered by a role in
        Responses events (or whole), relayed to the OpenAI upstream untouched otherwise."""
        context = self.context
        raw = await read_body(scope, receive, context.settings.max_body_bytes)
        request = _parse_object("openai", raw)
        unsupported: str | None = None
        try:
            chat = responses.to_chat(request)
        except UnsupportedContent as error:
            unsupported, chat = str(error), {k: v for k, v in request.items() if k in ("model", "stream")}
        except TranslationError as error:
            raise Refusal(400, str(error), param=error.field) from None
        headers = scope["headers"]
        exchange = Exchange("openai", context.project, scope, send, headers, raw, chat, clock.now(), clock.monotonic())
        exchange.role, exchange.reason, exchange.score = context.route(
            "openai", request if unsupported else chat, HeaderView(headers)
        )
        if _dry_run(headers):
            await self._dry_run(exchange)
            return
        if exchange.role is None:
            await relay(context, exchange)
            return
        if unsupported is not None:
            exchange.meta["unsupported"] = unsupported
            await relay(context, exchange, fallback="unsupported content")
            return
        exchange.prompt = _prompt(chat)
        limit = chat.get("max_tokens")
        payload = {**chat, "model": context.model_for(exchange.role)}
        await custom.answer(
            context,
            exchange,
            payload,
            limit if isinstance(limit, int) else custom.DEFAULT_MAX_OUTPUT,
            responses_request=request,
        )

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

    async def _other(self, api: Api, scope: Scope, receive: Receive, send: Send) -> None:
        """Any other path of either API (count_tokens, models, batches, embeddings, responses...):
        its upstream's, untouched, whatever the method."""
        context = self.context
        raw = await read_body(scope, receive, context.settings.max_body_bytes, context.settings.body_timeout_seconds)
        exchange = Exchange(
            api, context.project, scope, send, scope["headers"], raw, {}, clock.now(), clock.monotonic()
        )
        exchange.reason = "not a messages call"
        await relay(context, exchange)


async def _internal_error(api: Api, send: Send, method: str, path: str) -> None:
    """A bug while answering, logged; the client gets a 500 in its API's shape if it can still be
    told (`x-reasoning-role: proxy`, reason `internal error`)."""
    log.exception("proxy: %s %s failed", method, path)
    body = error_body(api, 500, "the proxy failed on this request; it is logged")
    with contextlib.suppress(Exception):  # the answer may have begun: nothing more can be said
        await send_whole(send, 500, body, decision("proxy", "internal error"))


def _watching(send: Send) -> tuple[list[Any], Send]:
    """`send`, watched for the access log: the list gets the status, `x-reasoning-role` and
    `x-reasoning-reason` the client is sent (None, b"", b"" until the answer starts)."""
    answered: list[Any] = [None, b"", b""]

    async def watched(message: Any) -> None:
        if message["type"] == "http.response.start":
            answered[0] = message["status"]
            # From the end, where the proxy puts its two (after any the upstream sent): the
            # last of each is what the client reads.
            role = reason = None
            for name, value in reversed(message["headers"]):
                if name == b"x-reasoning-role":
                    role = value if role is None else role
                elif name == b"x-reasoning-reason":
                    reason = value if reason is None else reason
                else:
                    continue
                if role is not None and reason is not None:
                    break
            answered[1], answered[2] = role or b"", reason or b""
        await send(message)

    return answered, watched


def _dry_run(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name == b"x-reasoning-dry-run" and value.strip() in (b"1", b"true") for name, value in headers)


def _prompt(body: dict[str, Any]) -> dict[str, Any]:
    """The request as a training sample keeps it: the chat-completions body, minus transport."""
    return {k: v for k, v in body.items() if k not in ("model", "stream", "stream_options")}


#: How deep a request body may nest. Real requests (tool schemas included) stay far below; deeper
#: ones would exhaust the stack of whatever walks them (routing, redaction), so they get a 400.
MAX_DEPTH = 1000


def _too_deep(raw: bytes, body: Any) -> bool:
    """Whether `body` nests deeper than MAX_DEPTH; without recursion, and without a walk at all
    when the body has too few brackets to get there (counted in C)."""
    if len(raw) <= MAX_DEPTH or (len(raw) < 1 << 20 and raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH):
        return False  # a large body is walked instead: its containers are few beside its bytes
    level: list[Any] = [body]
    for _ in range(MAX_DEPTH):
        deeper: list[Any] = []
        for value in level:
            if isinstance(value, dict):
                deeper.extend(v for v in value.values() if isinstance(v, dict | list))
            elif isinstance(value, list):
                deeper.extend(v for v in value if isinstance(v, dict | list))
        if not deeper:
            return False
        level = deeper
    return True


_DECODE = json.JSONDecoder().decode  # what `json.loads` calls for a str


def _loads(raw: bytes) -> Any:
    """`json.loads(raw)`. A body that opens an object is decoded as UTF-8 straight away (nearly
    every one; `json.loads` first guesses the encoding in Python); any other, or one that fails
    so, goes to `json.loads`, which says why."""
    if raw[:1] == b"{":
        try:
            return _DECODE(raw.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError too: UTF-16 or -32, or not JSON at all
            pass
    return json.loads(raw)


def _parse_object(api: Api, raw: bytes) -> dict[str, Any]:
    """The body as a JSON object with a `model`, nested at most MAX_DEPTH deep; else a 400."""
    try:
        body = _loads(raw)
    except ValueError as error:
        raise Refusal(400, f"the request body is not valid JSON: {error}") from None
    except RecursionError:
        body = None  # deeper than the parser goes, so deeper than MAX_DEPTH: said below
    if body is None or _too_deep(raw, body):
        if body is None and raw.strip() == b"null":
            raise Refusal(400, "the request body must be a JSON object")
        raise Refusal(400, f"the request body is nested more than {MAX_DEPTH} levels deep")
    if not isinstance(body, dict):
        raise Refusal(400, "the request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise Refusal(400, "model: Field required" if model is None else "model: Input should be a string",
                      param="model")  # fmt: skip
    return body


def _parse(api: Api, raw: bytes) -> dict[str, Any]:
    """The body as a JSON object with the fields every request of `api` needs; else a 400."""
    body = _parse_object(api, raw)
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
