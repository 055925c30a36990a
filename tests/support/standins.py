"""Stand-ins for the real upstreams, on 127.0.0.1: Anthropic's Messages API and OpenAI's Chat
Completions, each speaking enough of its API for the official SDKs and the proxy to be tested
against it with no network.

    with StandInAnthropic() as anthropic_upstream, StandInOpenAI() as openai_upstream:
        ... anthropic_upstream.base_url, anthropic_upstream.received[-1].headers ...

Both answer deterministically ("Upstream says: <what the user said>"), count tokens as words, call
a tool when the last user turn names one, and stream with their API's exact event sequence
(Anthropic: message_start, content_block_start, ping, content_block_delta..., content_block_stop,
message_delta, message_stop; OpenAI: `data:` chunks, usage in the last, `data: [DONE]`). Every
request is kept in `received` so a test can check what the proxy forwarded. Faults are attributes
a test sets: `fail_status` answers every request with that status in the API's error shape;
`StandInOpenAI.break_after` ends a stream's connection abruptly after that many chunks, which is
how a custom model dies mid-answer.

`StandInChat` is a chat model the hooks talk to (OpenAI-compatible, answering what the test tells
it to), and `silent_port()` a server that takes the request and never answers.

Each is served by uvicorn in a background thread on a free loopback port (`ServedASGI`, on an
IPPROTO_TCP socket: without it every response waits ~40 ms on delayed ACK).
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from starlette.types import Receive, Scope, Send

from tests.support import anthropic_stream
from tests.support.served import ServedASGI

_WORD = re.compile(r"\s*\S+")


@dataclass
class Received:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any


@dataclass
class _Answer:
    text: str
    tool: dict[str, Any] | None  # {"name":..., "input": {...}}
    input_tokens: int
    output_tokens: int


class _Served(ServedASGI):
    """An ASGI app on a free loopback port in a background thread, until the block ends."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.fail_status: int | None = None
        super().__init__(self._asgi)

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
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        request = Received(scope["method"], scope["path"], scope["query_string"].decode(), headers, body)
        self.received.append(request)
        try:
            await self.handle(request, send)
        except (TypeError, KeyError, AttributeError, ValueError, IndexError):
            # A body the stand-in cannot read is malformed for the real API too, which answers 400
            # invalid_request_error (docs.anthropic.com/en/api/errors, platform.openai.com/docs/guides/error-codes).
            await self.respond(send, 400, self.malformed())

    def malformed(self) -> Any:
        return {"error": {"message": "malformed request", "type": "invalid_request_error", "param": None, "code": None}}

    async def handle(self, request: Received, send: Send) -> None:
        raise NotImplementedError

    @staticmethod
    async def respond(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        head = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        head += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        await send({"type": "http.response.start", "status": status, "headers": head})
        await send({"type": "http.response.body", "body": data})

    @staticmethod
    async def stream(send: Send, events: AsyncIterator[bytes], headers: dict[str, str] | None = None) -> None:
        head = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
        head += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        await send({"type": "http.response.start", "status": 200, "headers": head})
        async for event in events:
            await send({"type": "http.response.body", "body": event, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


def _text(content: Any) -> str:
    """Text of a message's content in either API: a string, or a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if not isinstance(part, dict):
                continue
            if part.get("type") == "text":
                parts.append(str(part.get("text", "")))
            elif part.get("type") == "tool_result":
                parts.append("tool result: " + _text(part.get("content")))
        return " ".join(parts)
    return ""


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _placeholder(schema: dict[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    return {name: "example" if (properties.get(name) or {}).get("type", "string") == "string" else 0
            for name in schema.get("required") or []}  # fmt: skip


def _compose(messages: list[Any], system: str, tools: list[tuple[str, dict[str, Any]]]) -> _Answer:
    """What the stand-in says: an echo of the last user turn, or a call of the tool it names."""
    said = ""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") in ("user", "tool"):
            said = _text(message.get("content"))
            break
    input_tokens = max(1, len(_words(system)) + sum(len(_words(_text(m.get("content")))) for m in messages))
    called = messages and messages[-1].get("role") == "user" and "tool result" not in said
    for name, schema in tools if called else []:
        if name in said.lower() or name.replace("_", " ") in said.lower():
            text = f"I will call {name}."
            tool = {"name": name, "input": _placeholder(schema)}
            return _Answer(text, tool, input_tokens, len(_words(text)) + 4)
    text = "Upstream says: " + " ".join(said.split()[:40])
    return _Answer(text, None, input_tokens, len(_words(text)))


class StandInAnthropic(_Served):
    """`POST /v1/messages` (JSON and SSE, tools) and `POST /v1/messages/count_tokens`."""

    def malformed(self) -> Any:
        return {"type": "error", "error": {"type": "invalid_request_error", "message": "malformed request"}}

    def __enter__(self) -> StandInAnthropic:
        super().__enter__()
        return self

    async def handle(self, request: Received, send: Send) -> None:
        if self.fail_status is not None:
            error = {
                "type": "api_error" if self.fail_status >= 500 else "rate_limit_error",
                "message": "stand-in fault",
            }
            await self.respond(send, self.fail_status, {"type": "error", "error": error})
            return
        if request.path == "/v1/messages/count_tokens":
            body = request.body or {}
            answer = _compose(body.get("messages") or [], _text(body.get("system")), [])
            await self.respond(send, 200, {"input_tokens": answer.input_tokens})
            return
        if request.path != "/v1/messages" or request.method != "POST" or not isinstance(request.body, dict):
            await self.respond(send, 404, {"type": "error", "error": {"type": "not_found_error", "message": "no"}})
            return
        body = request.body
        tools = [(t["name"], t.get("input_schema") or {}) for t in body.get("tools") or []]
        answer = _compose(body.get("messages") or [], _text(body.get("system")), tools)
        message_id = f"msg_standin{len(self.received):06d}"
        if body.get("stream"):
            await self.stream(send, self._events(answer, message_id, str(body.get("model"))))
            return
        content: list[dict[str, Any]] = [{"type": "text", "text": answer.text}]
        if answer.tool:
            content.append({"type": "tool_use", "id": f"toolu_{message_id}", **answer.tool})
        await self.respond(
            send,
            200,
            {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": body.get("model"),
                "content": content,
                "stop_reason": "tool_use" if answer.tool else "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": answer.input_tokens, "output_tokens": answer.output_tokens},
            },
            {"request-id": f"req_{message_id}"},
        )

    @staticmethod
    async def _events(answer: _Answer, message_id: str, model: str) -> AsyncIterator[bytes]:
        for name, data in anthropic_stream.stream(
            message_id,
            model,
            _words(answer.text),
            input_tokens=answer.input_tokens,
            output_tokens=answer.output_tokens,
            tool=answer.tool,
        ):
            yield f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


class StandInOpenAI(_Served):
    """`POST /v1/chat/completions` (JSON and SSE, tool calls): OpenAI's API, or Together's
    OpenAI-compatible one when it plays a custom model."""

    def __init__(self) -> None:
        super().__init__()
        self.break_after: int | None = None

    def __enter__(self) -> StandInOpenAI:
        super().__enter__()
        return self

    async def handle(self, request: Received, send: Send) -> None:
        if self.fail_status is not None:
            error = {"message": "stand-in fault", "type": "server_error", "param": None, "code": None}
            await self.respond(send, self.fail_status, {"error": error})
            return
        if request.path != "/v1/chat/completions" or request.method != "POST" or not isinstance(request.body, dict):
            error = {"message": "no such route", "type": "invalid_request_error", "param": None, "code": None}
            await self.respond(send, 404, {"error": error})
            return
        body = request.body
        messages = body.get("messages") or []
        system = " ".join(_text(m.get("content")) for m in messages if m.get("role") == "system")
        tools = [(t["function"]["name"], t["function"].get("parameters") or {}) for t in body.get("tools") or []]
        answer = _compose([m for m in messages if m.get("role") != "system"], system, tools)
        completion_id = f"chatcmpl-standin{len(self.received):06d}"
        if body.get("stream"):
            await self.stream(send, self._chunks(answer, completion_id, str(body.get("model"))))
            return
        message: dict[str, Any] = {"role": "assistant", "content": answer.text}
        if answer.tool:
            message["tool_calls"] = [self._call(answer.tool, completion_id)]
        await self.respond(
            send,
            200,
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": 1764000000,
                "model": body.get("model"),
                "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if answer.tool else "stop"}],
                "usage": self._usage(answer),
            },
        )

    @staticmethod
    def _call(tool: dict[str, Any], completion_id: str) -> dict[str, Any]:
        return {"id": f"call_{completion_id[-6:]}", "type": "function",
                "function": {"name": tool["name"], "arguments": json.dumps(tool["input"])}}  # fmt: skip

    @staticmethod
    def _usage(answer: _Answer) -> dict[str, int]:
        return {"prompt_tokens": answer.input_tokens, "completion_tokens": answer.output_tokens,
                "total_tokens": answer.input_tokens + answer.output_tokens}  # fmt: skip

    async def _chunks(self, answer: _Answer, completion_id: str, model: str) -> AsyncIterator[bytes]:
        def chunk(delta: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None) -> bytes:
            body = {"id": completion_id, "object": "chat.completion.chunk", "created": 1764000000, "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], "usage": usage}  # fmt: skip
            return b"data: " + json.dumps(body).encode() + b"\n\n"

        pieces: list[bytes] = [chunk({"role": "assistant", "content": ""})]
        pieces += [chunk({"content": word}) for word in _words(answer.text)]
        if answer.tool:
            call = self._call(answer.tool, completion_id)
            pieces.append(chunk({"tool_calls": [{"index": 0, **call}]}))
        pieces.append(chunk({}, "tool_calls" if answer.tool else "stop", self._usage(answer)))
        pieces.append(b"data: [DONE]\n\n")
        for sent, piece in enumerate(pieces):
            if self.break_after is not None and sent >= self.break_after:
                # uvicorn drops the connection of an app that fails mid-response: the client sees
                # a chunked body that never ends properly, as when a model's server dies.
                raise ConnectionAbortedError("stand-in: the stream breaks here")
            yield piece


class StandInChat(ServedASGI):
    """An OpenAI-compatible chat model answering `answer` (or `answer(request)`), or failing with
    `status`; what it was sent is in `received` and `headers`.

        with StandInChat("<response><action>IGNORE</action></response>") as model:
            ... model.base_url, model.received[-1]["messages"] ...
    """

    def __init__(self, answer: str | Callable[[dict[str, Any]], str] = "", *, status: int = 200) -> None:
        self.answer = answer
        self.status = status
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        super().__init__(self._asgi, backlog=64)

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = json.loads(raw)
        self.received.append(request)
        self.headers.append({k.decode(): v.decode() for k, v in scope["headers"]})
        if self.status >= 400:
            body: dict[str, Any] = {"error": {"message": "stand-in failure", "code": "standin_error"}}
        else:
            text = self.answer(request) if callable(self.answer) else self.answer
            body = {
                "id": "chatcmpl-standin",
                "object": "chat.completion",
                "model": request.get("model"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
            }
        data = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": data})


@contextmanager
def silent_port() -> Iterator[str]:
    """A base URL whose server takes the connection (the kernel's backlog does) and the request,
    and never says a word: a model that is up but too slow."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        host, port = listener.getsockname()[:2]
        yield f"http://{host}:{port}"
    finally:
        listener.close()


__all__ = ["Received", "StandInAnthropic", "StandInChat", "StandInOpenAI", "silent_port"]
