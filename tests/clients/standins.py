"""Stand-ins for api.anthropic.com and api.openai.com on 127.0.0.1, strict like the real APIs, for
the real-client tests (Claude Code, the official SDKs, a TypeScript ElizaOS agent).

    with AnthropicAPI() as anthropic_api, OpenAIAPI() as openai_api:
        ... anthropic_api.base_url, anthropic_api.received[-1].headers ...

Each serves every path its clients use, and nothing else: an unknown path gets 404 and a known
path with the wrong method 405, each in its API's error shape (`{"type":"error","error":{...}}`
for Anthropic, `{"error":{"message","type","param","code"}}` for OpenAI); a request without a key
gets 401. Every request is kept in `received` (method, path, query, headers, body as sent), so a
test can check exactly what the proxy forwarded. What the model says is `upstream_model.reply`.

    Anthropic  POST /v1/messages (JSON, SSE), POST /v1/messages/count_tokens, GET /v1/models[/{id}],
               GET|POST /v1/messages/batches, GET|DELETE /v1/messages/batches/{id}
    OpenAI     POST /v1/chat/completions (JSON, SSE), POST /v1/responses (JSON, SSE),
               GET|DELETE /v1/responses/{id}, POST /v1/embeddings, GET /v1/models[/{id}]
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Receive, Scope, Send

from tests.clients.upstream_model import Ask, Tool, placeholder, reply
from tests.support.served import ServedASGI

_WORD = re.compile(r"\s*\S+")
CREATED = 1764000000


@dataclass
class Received:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names; a repeated header's values joined with ", "
    body: Any  # the JSON body, the raw text when it is not JSON, None when empty
    raw: bytes = field(repr=False, default=b"")


@dataclass
class Request:
    received: Received
    params: dict[str, str]


Handler = Callable[[Request, Send], Awaitable[None]]


class _API(ServedASGI):
    """Routing by (path pattern, method), recording, and the API's error shape."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._routes: list[tuple[re.Pattern[str], dict[str, Handler]]] = []
        super().__init__(self._asgi)

    def route(self, pattern: str, **methods: Handler) -> None:
        self._routes.append((re.compile(pattern + "$"), methods))

    def paths(self, method: str) -> list[Received]:
        return [r for r in self.received if r.method == method]

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("latin-1")
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            key = name.decode("latin-1").lower()
            headers[key] = f"{headers[key]}, {value.decode('latin-1')}" if key in headers else value.decode("latin-1")
        received = Received(scope["method"], scope["path"], scope["query_string"].decode(), headers, body, raw)
        self.received.append(received)
        for pattern, methods in self._routes:
            matched = pattern.match(received.path)
            if matched is None:
                continue
            handler = methods.get(received.method)
            if handler is None:
                allow = ", ".join(sorted(methods))
                await self.error(send, 405, self.method_not_allowed(received), {"allow": allow})
                return
            if not self.authorized(headers):
                await self.error(send, 401, self.unauthorized())
                return
            await handler(Request(received, matched.groupdict()), send)
            return
        await self.error(send, 404, self.not_found(received))

    # -- per API ---------------------------------------------------------------------------

    def authorized(self, headers: dict[str, str]) -> bool:
        raise NotImplementedError

    def unauthorized(self) -> tuple[str, str]:
        raise NotImplementedError

    def not_found(self, received: Received) -> tuple[str, str]:
        raise NotImplementedError

    def method_not_allowed(self, received: Received) -> tuple[str, str]:
        raise NotImplementedError

    async def error(
        self, send: Send, status: int, what: tuple[str, str], headers: dict[str, str] | None = None
    ) -> None:
        raise NotImplementedError

    # -- wire helpers ----------------------------------------------------------------------

    @staticmethod
    async def respond(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        head = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        head += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        await send({"type": "http.response.start", "status": status, "headers": head})
        await send({"type": "http.response.body", "body": data})

    @staticmethod
    async def stream(send: Send, events: AsyncIterator[bytes], headers: dict[str, str] | None = None) -> None:
        head = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]
        head += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        await send({"type": "http.response.start", "status": 200, "headers": head})
        async for event in events:
            await send({"type": "http.response.body", "body": event, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def _count(*texts: str) -> int:
    return max(1, sum(len(words(t)) for t in texts))


def _cut(text: str, stops: list[str], max_tokens: int | None) -> tuple[str, str | None, bool]:
    """The text cut at the first stop sequence, then at max_tokens: (text, stop hit, cut short)."""
    hits = sorted((text.find(s), s) for s in stops if s and s in text)
    hit = hits[0][1] if hits else None
    if hit is not None:
        text = text[: hits[0][0]]
    pieces = words(text)
    if max_tokens is not None and len(pieces) > max_tokens:
        return "".join(pieces[:max_tokens]), None, True
    return text, hit, False


def _anthropic_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = []
    for block in content if isinstance(content, list) else []:
        if isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
        elif isinstance(block, dict) and block.get("type") == "tool_result":
            parts.append(_anthropic_text(block.get("content")))
    return "\n".join(parts)


def _last_text(content: Any) -> str:
    """What the user said: the last text block (Claude Code puts its reminders in blocks before it)."""
    if isinstance(content, list):
        texts = [b for b in content if isinstance(b, dict) and b.get("type") in ("text", "tool_result")]
        return _anthropic_text(texts[-1:]) if texts else ""
    return _anthropic_text(content)


# -- Anthropic --------------------------------------------------------------------------------

MODELS_ANTHROPIC = [
    ("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5"),
    ("claude-opus-4-8", "Claude Opus 4.8"),
    ("claude-3-5-haiku-20241022", "Claude Haiku 3.5"),
]


class AnthropicAPI(_API):
    def __init__(self) -> None:
        super().__init__()
        self.batches: dict[str, dict[str, Any]] = {}
        self.route(r"/v1/messages", POST=self._messages)
        self.route(r"/v1/messages/count_tokens", POST=self._count_tokens)
        self.route(r"/v1/models", GET=self._models)
        self.route(r"/v1/models/(?P<id>[^/]+)", GET=self._model)
        self.route(r"/v1/messages/batches", GET=self._batches, POST=self._create_batch)
        self.route(r"/v1/messages/batches/(?P<id>[^/]+)", GET=self._batch, DELETE=self._delete_batch)

    def authorized(self, headers: dict[str, str]) -> bool:
        return bool(headers.get("x-api-key") or headers.get("authorization", "").startswith("Bearer "))

    def unauthorized(self) -> tuple[str, str]:
        return "authentication_error", "x-api-key header is required"

    def not_found(self, received: Received) -> tuple[str, str]:
        return "not_found_error", f"Not Found: {received.method} {received.path}"

    def method_not_allowed(self, received: Received) -> tuple[str, str]:
        return "invalid_request_error", f"Method {received.method} not allowed for {received.path}"

    async def error(
        self, send: Send, status: int, what: tuple[str, str], headers: dict[str, str] | None = None
    ) -> None:
        request_id = f"req_standin{len(self.received):06d}"
        body = {"type": "error", "error": {"type": what[0], "message": what[1]}, "request_id": request_id}
        await self.respond(send, status, body, {"request-id": request_id, **(headers or {})})

    async def _invalid(self, send: Send, message: str) -> None:
        await self.error(send, 400, ("invalid_request_error", message))

    # -- messages ------------------------------------------------------------------------------

    async def _messages(self, request: Request, send: Send) -> None:
        body = request.received.body
        if not isinstance(body, dict):
            await self._invalid(send, "the request body is not a JSON object")
            return
        for name in ("model", "max_tokens", "messages"):
            if name not in body:
                await self._invalid(send, f"{name}: Field required")
                return
        if not request.received.headers.get("anthropic-version"):
            await self._invalid(send, "anthropic-version: header is required")
            return
        messages = body["messages"]
        ask = self.ask(body)
        said = reply(ask)
        text, stop, short = _cut(said.text, list(body.get("stop_sequences") or []), int(body["max_tokens"]))
        tool = said.tool if not short and stop is None else None
        stop_reason = "tool_use" if tool else "stop_sequence" if stop else "max_tokens" if short else "end_turn"
        blocks: list[dict[str, Any]] = []
        if said.thinking:
            blocks.append({"type": "thinking", "thinking": said.thinking, "signature": "c3RhbmQtaW4="})
        blocks.append({"type": "text", "text": text})
        message_id = f"msg_standin{len(self.received):06d}"
        if tool:
            blocks.append({"type": "tool_use", "id": f"toolu_{message_id[4:]}", "name": tool[0], "input": tool[1]})
        system = _anthropic_text(body.get("system"))
        usage = {
            "input_tokens": _count(system, *(_anthropic_text(m.get("content")) for m in messages)),
            "output_tokens": _count(text, json.dumps(tool[1]) if tool else ""),
        }
        message = {
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": blocks,
            "stop_reason": stop_reason,
            "stop_sequence": stop,
            "usage": usage,
        }
        headers = {"request-id": f"req_{message_id[4:]}"}
        if body.get("stream"):
            await self.stream(send, self._events(message), headers)
        else:
            await self.respond(send, 200, message, headers)

    @staticmethod
    def ask(body: dict[str, Any]) -> Ask:
        messages = [m for m in body["messages"] if isinstance(m, dict)]
        users = [m for m in messages if m.get("role") == "user"]
        last = messages[-1] if messages else {}
        content = last.get("content")
        after_tool = isinstance(content, list) and any(
            isinstance(b, dict) and b.get("type") == "tool_result" for b in content
        )
        tools = tuple(
            Tool(t["name"], t.get("input_schema") or {}) for t in body.get("tools") or [] if "input_schema" in t
        )
        choice = body.get("tool_choice") or {}
        forced = (
            choice.get("name")
            if choice.get("type") == "tool"
            else (tools[0].name if choice.get("type") == "any" and tools else None)
        )
        output_format = (body.get("output_config") or {}).get("format") or {}
        return Ask(
            prompt=_last_text(users[-1].get("content")) if users else "",
            system=_anthropic_text(body.get("system")),
            tools=tools if choice.get("type") != "none" else (),
            forced_tool=forced,
            after_tool_result=after_tool,
            json_schema=output_format.get("schema") if output_format.get("type") == "json_schema" else None,
            thinking=(body.get("thinking") or {}).get("type") in ("enabled", "adaptive"),
        )

    @staticmethod
    async def _events(message: dict[str, Any]) -> AsyncIterator[bytes]:
        """Anthropic's exact order: message_start, then per block start/deltas/stop (a ping after
        the first start), message_delta with the stop reason and usage, message_stop."""

        def event(name: str, data: dict[str, Any]) -> bytes:
            return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n".encode()

        usage = message["usage"]
        start = {
            **message,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": usage["input_tokens"], "output_tokens": 1},
        }
        yield event("message_start", {"message": start})
        for index, block in enumerate(message["content"]):
            if block["type"] == "text":
                yield event("content_block_start", {"index": index, "content_block": {"type": "text", "text": ""}})
                deltas = [{"type": "text_delta", "text": w} for w in words(block["text"])]
            elif block["type"] == "thinking":
                empty = {"type": "thinking", "thinking": "", "signature": ""}
                yield event("content_block_start", {"index": index, "content_block": empty})
                deltas = [{"type": "thinking_delta", "thinking": w} for w in words(block["thinking"])]
                deltas.append({"type": "signature_delta", "signature": block["signature"]})
            else:
                yield event("content_block_start", {"index": index, "content_block": {**block, "input": {}}})
                arguments = json.dumps(block["input"])
                half = len(arguments) // 2
                deltas = [{"type": "input_json_delta", "partial_json": p} for p in (arguments[:half], arguments[half:])]
            if index == 0:
                yield event("ping", {})
            for delta in deltas:
                yield event("content_block_delta", {"index": index, "delta": delta})
            yield event("content_block_stop", {"index": index})
        delta = {"stop_reason": message["stop_reason"], "stop_sequence": message["stop_sequence"]}
        yield event("message_delta", {"delta": delta, "usage": usage})
        yield event("message_stop", {})

    async def _count_tokens(self, request: Request, send: Send) -> None:
        body = request.received.body
        if not isinstance(body, dict) or "messages" not in body or "model" not in body:
            await self._invalid(send, "messages: Field required")
            return
        texts = [_anthropic_text(m.get("content")) for m in body["messages"]]
        await self.respond(send, 200, {"input_tokens": _count(_anthropic_text(body.get("system")), *texts)})

    # -- models and batches --------------------------------------------------------------------

    @staticmethod
    def _model_object(model_id: str, name: str) -> dict[str, Any]:
        return {"type": "model", "id": model_id, "display_name": name, "created_at": "2025-09-29T00:00:00Z"}

    async def _models(self, request: Request, send: Send) -> None:
        data = [self._model_object(*m) for m in MODELS_ANTHROPIC]
        page = {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]}
        await self.respond(send, 200, page)

    async def _model(self, request: Request, send: Send) -> None:
        found = next((m for m in MODELS_ANTHROPIC if m[0] == request.params["id"]), None)
        if found is None:
            await self.error(send, 404, ("not_found_error", f"model: {request.params['id']}"))
            return
        await self.respond(send, 200, self._model_object(*found))

    async def _batches(self, request: Request, send: Send) -> None:
        data = list(self.batches.values())
        first, last = (data[0]["id"], data[-1]["id"]) if data else (None, None)
        await self.respond(send, 200, {"data": data, "has_more": False, "first_id": first, "last_id": last})

    async def _create_batch(self, request: Request, send: Send) -> None:
        body = request.received.body
        if not isinstance(body, dict) or not isinstance(body.get("requests"), list) or not body["requests"]:
            await self._invalid(send, "requests: Field required")
            return
        batch_id = f"msgbatch_standin{len(self.batches):06d}"
        counts = {"processing": len(body["requests"]), "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        self.batches[batch_id] = {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": "in_progress",
            "request_counts": counts,
            "ended_at": None,
            "created_at": "2026-12-01T00:00:00Z",
            "expires_at": "2026-12-02T00:00:00Z",
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": None,
        }
        await self.respond(send, 200, self.batches[batch_id])

    async def _batch(self, request: Request, send: Send) -> None:
        batch = self.batches.get(request.params["id"])
        if batch is None:
            await self.error(send, 404, ("not_found_error", f"message_batch: {request.params['id']}"))
            return
        await self.respond(send, 200, batch)

    async def _delete_batch(self, request: Request, send: Send) -> None:
        if self.batches.pop(request.params["id"], None) is None:
            await self.error(send, 404, ("not_found_error", f"message_batch: {request.params['id']}"))
            return
        await self.respond(send, 200, {"id": request.params["id"], "type": "message_batch_deleted"})


# -- OpenAI -----------------------------------------------------------------------------------

MODELS_OPENAI = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "text-embedding-3-small"]
EMBEDDING_DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072}


def _openai_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = []
    for part in content if isinstance(content, list) else []:
        if isinstance(part, dict) and part.get("type") in ("text", "input_text", "output_text"):
            parts.append(str(part.get("text", "")))
    return "\n".join(parts)


class OpenAIAPI(_API):
    def __init__(self) -> None:
        super().__init__()
        self.responses: dict[str, dict[str, Any]] = {}
        self.route(r"/v1/chat/completions", POST=self._chat)
        self.route(r"/v1/responses", POST=self._responses)
        self.route(r"/v1/responses/(?P<id>[^/]+)", GET=self._response, DELETE=self._delete_response)
        self.route(r"/v1/embeddings", POST=self._embeddings)
        self.route(r"/v1/models", GET=self._models)
        self.route(r"/v1/models/(?P<id>[^/]+)", GET=self._model)

    def authorized(self, headers: dict[str, str]) -> bool:
        return headers.get("authorization", "").startswith("Bearer ")

    def unauthorized(self) -> tuple[str, str]:
        return "invalid_request_error", "You didn't provide an API key."

    def not_found(self, received: Received) -> tuple[str, str]:
        return "invalid_request_error", f"Invalid URL ({received.method} {received.path})"

    def method_not_allowed(self, received: Received) -> tuple[str, str]:
        return "invalid_request_error", f"Invalid method for URL ({received.method} {received.path})"

    async def error(
        self, send: Send, status: int, what: tuple[str, str], headers: dict[str, str] | None = None, **fields: Any
    ) -> None:
        error = {"message": what[1], "type": what[0], "param": fields.get("param"), "code": fields.get("code")}
        await self.respond(
            send, status, {"error": error}, {"x-request-id": f"req_{len(self.received):06d}", **(headers or {})}
        )

    async def _required(self, body: Any, send: Send, *names: str) -> bool:
        if not isinstance(body, dict):
            await self.error(send, 400, ("invalid_request_error", "We could not parse the JSON body of your request."))
            return False
        for name in names:
            if name not in body:
                await self.error(
                    send,
                    400,
                    ("invalid_request_error", f"Missing required parameter: '{name}'."),
                    param=name,
                    code="missing_required_parameter",
                )
                return False
        return True

    # -- chat completions ----------------------------------------------------------------------

    async def _chat(self, request: Request, send: Send) -> None:
        body = request.received.body
        if not await self._required(body, send, "model", "messages"):
            return
        messages = [m for m in body["messages"] if isinstance(m, dict)]
        users = [m for m in messages if m.get("role") == "user"]
        tools = tuple(
            Tool(t["function"]["name"], t["function"].get("parameters") or {}) for t in body.get("tools") or []
        )
        choice = body.get("tool_choice")
        forced = (choice.get("function") or {}).get("name") if isinstance(choice, dict) else None
        if choice == "required" and tools:
            forced = tools[0].name
        response_format = body.get("response_format") or {}
        ask = Ask(
            prompt=_openai_text(users[-1].get("content")) if users else "",
            system="\n".join(
                _openai_text(m.get("content")) for m in messages if m.get("role") in ("system", "developer")
            ),
            tools=tools if choice != "none" else (),
            forced_tool=forced,
            after_tool_result=bool(messages) and messages[-1].get("role") == "tool",
            json_schema=(response_format.get("json_schema") or {}).get("schema")
            if response_format.get("type") == "json_schema"
            else None,
            json_mode=response_format.get("type") == "json_object",
        )
        said = reply(ask)
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        stops = [body["stop"]] if isinstance(body.get("stop"), str) else list(body.get("stop") or [])
        text, stop, short = _cut(said.text, stops, limit)
        call = None
        if said.tool and not short and stop is None:
            call = {
                "id": f"call_standin{len(self.received):06d}",
                "type": "function",
                "function": {"name": said.tool[0], "arguments": json.dumps(said.tool[1])},
            }
        finish = "tool_calls" if call else "length" if short else "stop"
        n = int(body.get("n") or 1)
        logprobs = bool(body.get("logprobs"))
        top = int(body.get("top_logprobs") or 0)
        prompt_tokens = _count(*(_openai_text(m.get("content")) for m in messages))
        completion_tokens = _count(text) * n
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        completion_id = f"chatcmpl-standin{len(self.received):06d}"
        base = {"id": completion_id, "created": CREATED, "model": body["model"], "system_fingerprint": "fp_standin"}
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            chunks = self._chunks(base, text, call, finish, n, logprobs, top, usage if include_usage else None)
            await self.stream(send, chunks)
            return
        choices = []
        for index in range(n):
            message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
            if call:
                message["tool_calls"] = [call]
            choices.append(
                {
                    "index": index,
                    "message": message,
                    "finish_reason": finish,
                    "logprobs": self._logprobs(text, top) if logprobs else None,
                }
            )
        await self.respond(send, 200, {**base, "object": "chat.completion", "choices": choices, "usage": usage})

    @staticmethod
    def _logprobs(text: str, top: int) -> dict[str, Any]:
        def entry(token: str, logprob: float) -> dict[str, Any]:
            return {"token": token, "logprob": logprob, "bytes": list(token.encode())}

        content = [
            {**entry(w, -0.01), "top_logprobs": [entry(w, -0.01 * (k + 1)) for k in range(top)]} for w in words(text)
        ]
        return {"content": content, "refusal": None}

    async def _chunks(
        self,
        base: dict[str, Any],
        text: str,
        call: dict[str, Any] | None,
        finish: str,
        n: int,
        logprobs: bool,
        top: int,
        usage: dict[str, int] | None,
    ) -> AsyncIterator[bytes]:
        def chunk(choices: list[dict[str, Any]], **extra: Any) -> bytes:
            data = {**base, "object": "chat.completion.chunk", "choices": choices, **extra}
            return b"data: " + json.dumps(data).encode() + b"\n\n"

        for index in range(n):
            yield chunk(
                [
                    {
                        "index": index,
                        "delta": {"role": "assistant", "content": "", "refusal": None},
                        "logprobs": None,
                        "finish_reason": None,
                    }
                ]
            )
            for word in words(text):
                probs = self._logprobs(word, top) if logprobs else None
                yield chunk([{"index": index, "delta": {"content": word}, "logprobs": probs, "finish_reason": None}])
            if call:
                delta = {"tool_calls": [{"index": 0, **call}]}
                yield chunk([{"index": index, "delta": delta, "logprobs": None, "finish_reason": None}])
            yield chunk([{"index": index, "delta": {}, "logprobs": None, "finish_reason": finish}])
        if usage is not None:
            yield chunk([], usage=usage)
        yield b"data: [DONE]\n\n"

    # -- responses -----------------------------------------------------------------------------

    async def _responses(self, request: Request, send: Send) -> None:
        body = request.received.body
        if not await self._required(body, send, "model"):
            return
        items = body.get("input")
        items = [{"role": "user", "content": items}] if isinstance(items, str) else list(items or [])
        users = [i for i in items if isinstance(i, dict) and i.get("role") == "user"]
        tools = tuple(
            Tool(t["name"], t.get("parameters") or {}) for t in body.get("tools") or [] if t.get("type") == "function"
        )
        choice = body.get("tool_choice")
        forced = (
            choice.get("name")
            if isinstance(choice, dict)
            else (tools[0].name if choice == "required" and tools else None)
        )
        text_format = (body.get("text") or {}).get("format") or {}
        system = "\n".join(
            [str(body.get("instructions") or "")]
            + [
                _openai_text(i.get("content"))
                for i in items
                if isinstance(i, dict) and i.get("role") in ("system", "developer")
            ]
        )
        ask = Ask(
            prompt=_openai_text(users[-1].get("content")) if users else "",
            system=system,
            tools=tools,
            forced_tool=forced,
            after_tool_result=bool(items)
            and isinstance(items[-1], dict)
            and items[-1].get("type") == "function_call_output",
            json_schema=text_format.get("schema") if text_format.get("type") == "json_schema" else None,
            json_mode=text_format.get("type") == "json_object",
        )
        said = reply(ask)
        text, _, short = _cut(said.text, [], body.get("max_output_tokens"))
        number = len(self.received)
        output: list[dict[str, Any]] = []
        if said.tool and not short:
            output.append(
                {
                    "type": "function_call",
                    "id": f"fc_standin{number:06d}",
                    "call_id": f"call_standin{number:06d}",
                    "name": said.tool[0],
                    "arguments": json.dumps(said.tool[1]),
                    "status": "completed",
                }
            )
        else:
            output.append(
                {
                    "type": "message",
                    "id": f"msg_standin{number:06d}",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
                }
            )
        input_tokens = _count(system, *(_openai_text(i.get("content")) for i in items if isinstance(i, dict)))
        output_tokens = _count(text)
        response = {
            "id": f"resp_standin{number:06d}",
            "object": "response",
            "created_at": CREATED,
            "status": "incomplete" if short else "completed",
            "model": body["model"],
            "output": output,
            "incomplete_details": {"reason": "max_output_tokens"} if short else None,
            "error": None,
            "instructions": body.get("instructions"),
            "metadata": body.get("metadata") or {},
            "parallel_tool_calls": True,
            "temperature": body.get("temperature", 1.0),
            "top_p": body.get("top_p", 1.0),
            "tool_choice": choice or "auto",
            "tools": body.get("tools") or [],
            "max_output_tokens": body.get("max_output_tokens"),
            "previous_response_id": body.get("previous_response_id"),
            "reasoning": {"effort": None, "summary": None},
            "text": {"format": text_format or {"type": "text"}},
            "truncation": "disabled",
            "store": body.get("store", True),
            "usage": {
                "input_tokens": input_tokens,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": output_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": input_tokens + output_tokens,
            },
        }
        if response["store"]:
            self.responses[response["id"]] = response
        if body.get("stream"):
            await self.stream(send, self._response_events(response))
        else:
            await self.respond(send, 200, response)

    @staticmethod
    async def _response_events(response: dict[str, Any]) -> AsyncIterator[bytes]:
        sequence = 0

        def event(name: str, **data: Any) -> bytes:
            nonlocal sequence
            sequence += 1
            payload = {"type": name, "sequence_number": sequence - 1, **data}
            return f"event: {name}\ndata: {json.dumps(payload)}\n\n".encode()

        pending = {**response, "status": "in_progress", "output": [], "usage": None}
        yield event("response.created", response=pending)
        yield event("response.in_progress", response=pending)
        for index, item in enumerate(response["output"]):
            if item["type"] == "function_call":
                yield event(
                    "response.output_item.added",
                    output_index=index,
                    item={**item, "arguments": "", "status": "in_progress"},
                )
                yield event(
                    "response.function_call_arguments.delta",
                    item_id=item["id"],
                    output_index=index,
                    delta=item["arguments"],
                )
                yield event(
                    "response.function_call_arguments.done",
                    item_id=item["id"],
                    output_index=index,
                    arguments=item["arguments"],
                )
            else:
                part = item["content"][0]
                yield event(
                    "response.output_item.added",
                    output_index=index,
                    item={**item, "status": "in_progress", "content": []},
                )
                yield event(
                    "response.content_part.added",
                    item_id=item["id"],
                    output_index=index,
                    content_index=0,
                    part={**part, "text": ""},
                )
                for word in words(part["text"]):
                    yield event(
                        "response.output_text.delta",
                        item_id=item["id"],
                        output_index=index,
                        content_index=0,
                        delta=word,
                        logprobs=[],
                    )
                yield event(
                    "response.output_text.done",
                    item_id=item["id"],
                    output_index=index,
                    content_index=0,
                    text=part["text"],
                    logprobs=[],
                )
                yield event(
                    "response.content_part.done", item_id=item["id"], output_index=index, content_index=0, part=part
                )
            yield event("response.output_item.done", output_index=index, item=item)
        yield event(
            "response.completed" if response["status"] == "completed" else "response.incomplete", response=response
        )

    async def _response(self, request: Request, send: Send) -> None:
        found = self.responses.get(request.params["id"])
        if found is None:
            await self.error(
                send,
                404,
                ("invalid_request_error", f"Response with id '{request.params['id']}' not found."),
                param="response_id",
            )
            return
        await self.respond(send, 200, found)

    async def _delete_response(self, request: Request, send: Send) -> None:
        if self.responses.pop(request.params["id"], None) is None:
            await self.error(
                send,
                404,
                ("invalid_request_error", f"Response with id '{request.params['id']}' not found."),
                param="response_id",
            )
            return
        await self.respond(send, 200, {"id": request.params["id"], "object": "response.deleted", "deleted": True})

    # -- embeddings and models -----------------------------------------------------------------

    async def _embeddings(self, request: Request, send: Send) -> None:
        body = request.received.body
        if not await self._required(body, send, "model", "input"):
            return
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        dimensions = int(body.get("dimensions") or EMBEDDING_DIMENSIONS.get(body["model"], 1536))
        data = []
        for index, text in enumerate(inputs):
            vector = _vector(str(text), dimensions)
            encoded: Any = vector
            if body.get("encoding_format") == "base64":
                encoded = base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = _count(*(str(t) for t in inputs))
        await self.respond(
            send,
            200,
            {
                "object": "list",
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )

    async def _models(self, request: Request, send: Send) -> None:
        data = [{"id": m, "object": "model", "created": CREATED, "owned_by": "openai"} for m in MODELS_OPENAI]
        await self.respond(send, 200, {"object": "list", "data": data})

    async def _model(self, request: Request, send: Send) -> None:
        if request.params["id"] not in MODELS_OPENAI:
            await self.error(
                send,
                404,
                ("invalid_request_error", f"The model '{request.params['id']}' does not exist"),
                param="model",
                code="model_not_found",
            )
            return
        await self.respond(
            send, 200, {"id": request.params["id"], "object": "model", "created": CREATED, "owned_by": "openai"}
        )


def _vector(text: str, dimensions: int) -> list[float]:
    """A deterministic unit-ish vector: the same text always embeds the same."""
    seed = hashlib.sha256(text.encode()).digest()
    return [((seed[i % 32] + i) % 251) / 251.0 - 0.5 for i in range(dimensions)]


__all__ = ["AnthropicAPI", "OpenAIAPI", "Received", "placeholder"]
