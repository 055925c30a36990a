"""A routed request answered by its role's custom model, or sent on to the fallback in time.

    routed call ─► role up? ─► budget reserved? ─► circuit closed? ─► model's first token in time?
                      │ no          │ no                 │ no                   │ no (or 5xx, 429,
                      ▼             ▼                    ▼                      ▼  unreachable)
                    relay to the fallback upstream, `x-reasoning-reason: fallback: <why>`

Until the first token, the client has seen nothing, so any failure still goes to the fallback.
The custom model is always asked to stream, whatever the client asked: that is what makes "slow
to first token" measurable, and a non-streaming client gets the whole answer assembled (a
failure anywhere in it still falls back, as nothing was sent). Once a streaming client has
bytes, a failure ends its stream with the API's own error event (Anthropic's `error`, an OpenAI
chunk carrying `error`).

Anthropic requests are translated (`runtime.translate`) both ways; OpenAI requests go to
Together as they came, with the model replaced, and their stream is relayed byte for byte once
its first token is in. The reservation made against the budget is settled with the real usage.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING, Any

import aiohttp

from runtime.budget import OverBudget
from runtime.proxy import answers
from runtime.proxy.asgi import SSE, decision, send_chunk, send_end, send_start, send_whole
from runtime.proxy.call import Call
from runtime.proxy.errors import error_body
from runtime.proxy.relay import relay
from runtime.proxy.upstream import Unanswered
from runtime.translate import (
    PING_SSE,
    AnthropicStream,
    OpenAIStreamDecoder,
    UpstreamFormatError,
    encode_sse,
    message_id,
)

if TYPE_CHECKING:
    from runtime.proxy.services import Services

#: Output tokens reserved for an OpenAI request that sets no limit of its own.
DEFAULT_MAX_OUTPUT = 4096
#: What breaks a custom model's answer: the connection, a timeout, or an unusable payload.
BROKEN = (aiohttp.ClientError, OSError, TimeoutError, UpstreamFormatError)


class _Reader:
    """The custom model's stream as the client will get it; `started` once a token is in."""

    started = False
    ended = False
    failed = False  # the answer ended in an error after it started

    def feed(self, piece: bytes) -> bytes:
        raise NotImplementedError

    def end(self) -> bytes:
        raise NotImplementedError

    def error(self, message: str) -> bytes:
        raise NotImplementedError

    def whole(self) -> bytes:
        raise NotImplementedError

    def answer(self) -> answers.Answer:
        raise NotImplementedError


class _AnthropicReader(_Reader):
    """Chat-completion chunks in, Anthropic's events out, with the ping Anthropic sends early."""

    def __init__(self, model: str, input_tokens: int) -> None:
        self.decoder = OpenAIStreamDecoder()
        self.stream = AnthropicStream(model, message_id(None), input_tokens)
        self._pinged = False

    def _encode(self, events: list[tuple[str, dict[str, Any]]]) -> bytes:
        if self._pinged or not events:
            return b"".join(encode_sse(name, data) for name, data in events)
        # Anthropic's own order: message_start, content_block_start, ping, then the deltas.
        names = [name for name, _ in events]
        after = names.index("content_block_start") if "content_block_start" in names else names.index("message_start")
        self._pinged = True
        return b"".join(
            encode_sse(name, data) + (PING_SSE if index == after else b"") for index, (name, data) in enumerate(events)
        )

    def feed(self, piece: bytes) -> bytes:
        events: list[tuple[str, dict[str, Any]]] = []
        for chunk in self.decoder.feed(piece):
            events += self.stream.feed(chunk)
        self.started = self.stream.started
        self.ended = self.decoder.done
        return self._encode(events)

    def end(self) -> bytes:
        events: list[tuple[str, dict[str, Any]]] = []
        for chunk in self.decoder.flush():
            events += self.stream.feed(chunk)
        self.ended = True
        events += self.stream.finish()
        if events and events[-1][0] == "error":
            if not self.started:
                raise UpstreamFormatError(events[-1][1]["error"]["message"])
            self.failed = True
        self.started = True
        return self._encode(events)

    def error(self, message: str) -> bytes:
        name, data = self.stream.error(message)
        return encode_sse(name, data)

    def whole(self) -> bytes:
        return json.dumps(self.stream.message()).encode()

    def answer(self) -> answers.Answer:
        calls = [answers.tool_call(c["id"], c["name"], c["arguments"]) for c in self.stream.tool_calls]
        return answers.Answer(self.stream.text, calls, self.stream.input_tokens, self.stream.output_tokens)


class _OpenAIReader(_Reader):
    """Chunks are parsed only until the first token; after that the bytes go through as they are."""

    def __init__(self, model: str) -> None:
        self.decoder = OpenAIStreamDecoder()
        self.model = model
        self.kept: list[bytes] = []
        self.failed = False

    def feed(self, piece: bytes) -> bytes:
        self.kept.append(piece)
        if self.started:
            return piece
        for chunk in self.decoder.feed(piece):
            for choice in chunk.get("choices") or []:
                delta = choice.get("delta") or {}
                if delta.get("content") or delta.get("tool_calls") or choice.get("finish_reason"):
                    self.started = True
        self.ended = self.decoder.done
        return b"".join(self.kept) if self.started else b""

    def end(self) -> bytes:
        self.ended = True
        if not self.started:
            self.decoder.flush()
            raise UpstreamFormatError("the custom model's stream ended without an answer")
        return b""

    def error(self, message: str) -> bytes:
        return b"data: " + error_body("openai", 502, message) + b"\n\n"

    def answer(self) -> answers.Answer:
        return answers.read("openai", b"".join(self.kept), stream=True)

    def whole(self) -> bytes:
        answer = self.answer()
        if not answer.finish_reason:
            raise UpstreamFormatError("the custom model's stream ended without a finish reason")
        body = answers.completion(answer, "chatcmpl-" + message_id(None)[4:], int(time.time()), self.model)
        return json.dumps(body).encode()


async def answer(services: Services, call: Call, payload: dict[str, Any], max_output: int) -> None:
    """Answer a routed `call` from its role's custom model; `payload` is the chat-completions body."""
    role = call.role
    assert role is not None
    why = services.unavailable(role)
    if why is not None:
        await relay(services, call, fallback=why)
        return
    estimated_input = len(call.raw) // 4
    reservation = services.reserve(role, estimated_input, max_output)
    if isinstance(reservation, OverBudget):
        await relay(services, call, fallback=reservation.reason)
        return
    breaker = services.breaker(role)
    if not breaker.allow():
        services.release(reservation)
        await relay(services, call, fallback="circuit open")
        return

    reader: _Reader
    if call.api == "anthropic":
        reader = _AnthropicReader(str(call.body.get("model")), estimated_input)
    else:
        reader = _OpenAIReader(str(call.body.get("model")))
    payload = {**payload, "stream": True, "stream_options": {"include_usage": True}}
    url, headers = services.custom_endpoint()
    response: aiohttp.ClientResponse | None = None
    first = b""
    phase = "first byte timeout"
    try:
        async with asyncio.timeout(services.settings.first_byte_timeout_seconds):
            response = await services.client.open_custom(url, json.dumps(payload).encode(), headers)
            while not reader.started:
                piece = await response.content.readany()
                first += reader.end() if not piece else reader.feed(piece)
        phase = "custom model read timeout"
        if not call.stream:  # nothing is sent yet: read it all, and a failure still falls back
            while not reader.ended:
                piece = await response.content.readany()
                if not piece:
                    break
                reader.feed(piece)
            reader.end()
            if reader.failed:
                raise UpstreamFormatError("the custom model's answer is not usable")
            body = reader.whole()
    except (Unanswered, *BROKEN) as error:
        if response is not None:
            response.close()
        if isinstance(error, Unanswered):
            reason, counts = error.reason, error.counts_against
        elif isinstance(error, TimeoutError):
            reason, counts = phase, True
        elif isinstance(error, UpstreamFormatError):
            reason, counts = "custom model answered badly", True
        else:
            reason, counts = f"custom model failed ({type(error).__name__})", True
        if counts:
            breaker.record_failure()
        services.release(reservation)
        await relay(services, call, fallback=reason)
        return

    assert response is not None
    head = decision(role, call.reason)
    if not call.stream:
        response.close()
        call.mark_first_byte()
        await send_whole(call.send, 200, body, head)
        breaker.record_success()
        services.finish_custom(call, reservation, reader.answer(), failure=None)
        return

    failure: str | None = None
    try:
        await send_start(call.send, 200, [*SSE, *head])
        call.mark_first_byte()
        await send_chunk(call.send, first)
        try:
            while not reader.ended:
                piece = await response.content.readany()
                if not piece:
                    break
                out = reader.feed(piece)
                if out:
                    await send_chunk(call.send, out)
            out = reader.end()
            if out:
                await send_chunk(call.send, out)
        except BROKEN as error:
            failure = f"custom model broke off its answer ({type(error).__name__})"
            await send_chunk(call.send, reader.error(failure))
        await send_end(call.send)
    finally:
        response.close()
    if failure is None and reader.failed:
        failure = "custom model answered badly"
    if failure is None:
        breaker.record_success()
    else:
        breaker.record_failure()
    services.finish_custom(call, reservation, reader.answer(), failure=failure)
