"""A custom model whose answers cost what a test says: Together's OpenAI-compatible chat
completions (`POST /v1/chat/completions`, JSON or SSE with usage in the last chunk, as
`StandInOpenAI`), answering `output_tokens(request)` tokens ("ok" each, never more than the
request's `max_tokens`) after `delay` seconds, and reporting `input_tokens` prompt tokens.

    with MeteredModel(delay=0.1) as model:
        ... provider: {type: simulator, base_url: model.base_url} ...

The delay is the model's own (an asyncio sleep in its server), so concurrent requests overlap as
they do against a real endpoint; a test asserts on what was spent, never on how long it took.
A request may ask for its size: a last user message `size N` gets N tokens.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.types import Receive, Scope, Send

from tests.support.served import ServedASGI

_SIZE = re.compile(r"\bsize (\d+)\b")


def asked_size(request: dict[str, Any], default: int = 13) -> int:
    """`size N` in the last user message, else `default`."""
    for message in reversed(request.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            text = content if isinstance(content, str) else json.dumps(content)
            found = _SIZE.search(text)
            return int(found.group(1)) if found else default
    return default


class MeteredModel(ServedASGI):
    def __init__(
        self,
        *,
        delay: float = 0.0,
        input_tokens: int = 4,
        output_tokens: Callable[[dict[str, Any]], int] = asked_size,
    ) -> None:
        self.delay = delay
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens
        self.answered = 0
        super().__init__(self._asgi, backlog=1024)

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["path"] != "/v1/chat/completions":
            await _json(send, 404, {"error": {"message": "Not found", "type": "invalid_request_error"}})
            return
        if scope["method"] != "POST":
            await _json(send, 405, {"error": {"message": "Method not allowed", "type": "invalid_request_error"}})
            return
        request = json.loads(raw)
        tokens = self.output_tokens(request)
        if request.get("max_tokens") is not None:
            tokens = min(tokens, int(request["max_tokens"]))
        if self.delay:
            await asyncio.sleep(self.delay)
        usage = {"prompt_tokens": self.input_tokens, "completion_tokens": tokens,
                 "total_tokens": self.input_tokens + tokens}  # fmt: skip
        model = str(request.get("model"))
        self.answered += 1
        if not request.get("stream"):
            message = {"role": "assistant", "content": " ".join(["ok"] * tokens)}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            body = {"id": "chatcmpl-metered", "object": "chat.completion", "created": 1764000000, "model": model,
                    "choices": [choice], "usage": usage}  # fmt: skip
            await _json(send, 200, body)
            return
        head = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
        await send({"type": "http.response.start", "status": 200, "headers": head})
        async for piece in _chunks(model, tokens, usage):
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


async def _chunks(model: str, tokens: int, usage: dict[str, int]) -> AsyncIterator[bytes]:
    def chunk(delta: dict[str, Any], finish: str | None = None, last: dict[str, int] | None = None) -> bytes:
        body = {"id": "chatcmpl-metered", "object": "chat.completion.chunk", "created": 1764000000, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], "usage": last}  # fmt: skip
        return b"data: " + json.dumps(body).encode() + b"\n\n"

    yield chunk({"role": "assistant", "content": ""})
    yield chunk({"content": " ".join(["ok"] * tokens)})
    yield chunk({}, "stop", usage)
    yield b"data: [DONE]\n\n"


async def _json(send: Send, status: int, body: Any) -> None:
    data = json.dumps(body).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": data})
