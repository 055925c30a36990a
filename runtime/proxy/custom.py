"""A routed request answered by its role's custom model, or sent on to the fallback in time.

    routed request ─► gate: role up? budget reserved? circuit's turn? ─► model's first token in time?
                               │ no (the reason)                              │ no (or 5xx, 429, unreachable)
                               ▼                                              ▼
                    relay to the fallback upstream, `x-reasoning-reason: fallback: <why>`

The gate (`runtime.gate`) decides whether the model may be asked and settles what it answered:
this module is the proxy's transport and wire format. Until the first token, the client has seen
nothing, so any failure still goes to the fallback. The custom model is always asked to stream,
whatever the client asked: that is what makes "slow to first token" measurable, and a
non-streaming client gets the whole answer assembled (a failure anywhere in it still falls back, as
nothing was sent). Once a streaming client has bytes, a failure ends its stream with the API's own
error event (Anthropic's `error`, an OpenAI chunk carrying `error`). Anthropic requests are
translated (`runtime.wire`) both ways; OpenAI requests go to Together as they came, with the model
replaced, and their stream is relayed byte for byte once its first token is in.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from controlplane import clock
from runtime.errors import ModelCallFailed, UpstreamFormatError
from runtime.gate import Admission, Declined
from runtime.model_client import TRANSPORT_ERRORS, counts_against
from runtime.proxy.asgi import SSE, decision, send_chunk, send_end, send_start, send_whole
from runtime.proxy.errors import error_body
from runtime.proxy.exchange import Exchange
from runtime.proxy.relay import relay
from runtime.proxy.upstream import Response
from runtime.wire import PING_SSE, AnthropicStream, OpenAIStreamDecoder, answers, encode_sse, message_id
from runtime.wire.responses import ResponsesStream

if TYPE_CHECKING:
    from runtime.proxy.context import ProxyContext

_COMPACT = json.JSONEncoder(separators=(",", ":")).encode  # ASCII: a lone surrogate stays an escape
#: Output tokens reserved for an OpenAI request that sets no limit of its own.
DEFAULT_MAX_OUTPUT = 4096
#: What breaks a custom model's answer once it has begun: the connection, a timeout, an unusable payload.
BROKEN = (*TRANSPORT_ERRORS, UpstreamFormatError)


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

    def __init__(
        self, model: str, input_tokens: int, stop_sequences: tuple[str, ...] = (), *, streamed: bool = True
    ) -> None:
        self.decoder = OpenAIStreamDecoder()
        self.stream = AnthropicStream(model, message_id(None), input_tokens, stop_sequences)
        self._pinged = False
        #: False: the client gets the whole message (`whole()`), so no event is encoded as SSE
        self.streamed = streamed

    def _encode(self, events: list[tuple[str, dict[str, Any]]]) -> bytes:
        if not self.streamed:
            return b""
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
        if self.stream.stopped:  # a stop sequence matched: the answer is whole, the model's rest unwanted
            return self._encode(events) + self.end()
        self.started = self.stream.started
        self.ended = self.decoder.done
        return self._encode(events)

    def end(self) -> bytes:
        if self.stream.finished:  # a stop sequence ended it: what the model sent after is not read
            self.ended = True
            return b""
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


class _ResponsesReader(_Reader):
    """Chat-completion chunks in, the Responses API's events out (`runtime.wire.responses`)."""

    def __init__(self, request: dict[str, Any], input_tokens: int) -> None:
        self.decoder = OpenAIStreamDecoder()
        self.stream = ResponsesStream(request, input_tokens, int(clock.now().timestamp()))

    @staticmethod
    def _encode(events: list[tuple[str, dict[str, Any]]]) -> bytes:
        return b"".join(encode_sse(name, data) for name, data in events)

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
        if not self.stream.started:
            raise UpstreamFormatError("the custom model's stream ended without an answer")
        self.ended = True
        return self._encode(events + self.stream.finish())

    def error(self, message: str) -> bytes:
        name, data = self.stream.error(message)
        return encode_sse(name, data)

    def whole(self) -> bytes:
        return json.dumps(self.stream.response()).encode()

    def answer(self) -> answers.Answer:
        stream = self.stream
        return answers.Answer(stream.text, stream.tool_calls(), stream.input_tokens, stream.output_tokens)


class _OpenAIReader(_Reader):
    """The model's chunks as the client asked for them: each names the model the client named (as
    the whole answer does), and the usage the proxy always asks for is removed unless the client
    asked for it too (`stream_options.include_usage`). Nothing goes out before the first token."""

    def __init__(self, model: str, include_usage: bool = True) -> None:
        self.decoder = OpenAIStreamDecoder()
        self.model = model
        self.include_usage = include_usage
        self.kept: list[bytes] = []  # the model's own bytes, read for the usage record
        self.pending: list[bytes] = []  # chunks for the client, until the first token
        self.failed = False
        self._done_sent = False

    def _chunks(self, chunks: list[dict[str, Any]]) -> list[bytes]:
        out = []
        for chunk in chunks:
            if not self.started:
                for choice in chunk.get("choices") or []:
                    delta = choice.get("delta") or {}
                    if delta.get("content") or delta.get("tool_calls") or choice.get("finish_reason"):
                        self.started = True
            if "model" in chunk:
                chunk["model"] = self.model
            if not self.include_usage and "usage" in chunk:
                if not chunk.get("choices"):
                    continue  # the usage-only chunk nobody asked for
                del chunk["usage"]
            out.append(b"data: " + _COMPACT(chunk).encode() + b"\n\n")
        if self.decoder.done and not self._done_sent:
            self._done_sent = True
            out.append(b"data: [DONE]\n\n")
        return out

    def _out(self, out: list[bytes]) -> bytes:
        if not self.started:
            self.pending += out
            return b""
        if self.pending:
            out, self.pending = self.pending + out, []
        return b"".join(out)

    def feed(self, piece: bytes) -> bytes:
        self.kept.append(piece)
        out = self._chunks(self.decoder.feed(piece))
        self.ended = self.decoder.done
        return self._out(out)

    def end(self) -> bytes:
        self.ended = True
        out = self._chunks(self.decoder.flush())
        if not self.started:
            raise UpstreamFormatError("the custom model's stream ended without an answer")
        return self._out(out)

    def error(self, message: str) -> bytes:
        return b"data: " + error_body("openai", 502, message) + b"\n\n"

    def answer(self) -> answers.Answer:
        return answers.read("openai", b"".join(self.kept), stream=True)

    def whole(self) -> bytes:
        answer = self.answer()
        if not answer.finish_reason:
            raise UpstreamFormatError("the custom model's stream ended without a finish reason")
        body = answers.completion(answer, "chatcmpl-" + message_id(None)[4:], int(clock.now().timestamp()), self.model)
        return json.dumps(body).encode()


async def answer(
    context: ProxyContext,
    exchange: Exchange,
    payload: dict[str, Any],
    max_output: int,
    *,
    responses_request: dict[str, Any] | None = None,
) -> None:
    """Answer a routed `exchange` from its role's custom model; `payload` is the chat-completions body,
    and `responses_request` the Responses API request it was translated from (answered in kind)."""
    role = exchange.role
    assert role is not None
    input_tokens = exchange.input_tokens()
    admitted = await context.gate.admit_async(role, input_tokens=input_tokens, max_output_tokens=max_output)
    if isinstance(admitted, Declined):
        await relay(context, exchange, fallback=admitted.reason)
        return
    with admitted as admission:
        reader: _Reader
        if responses_request is not None:
            reader = _ResponsesReader(responses_request, input_tokens)
        elif exchange.api == "anthropic":
            stops = payload.pop("stop", None) or ()  # applied by the reader (the stream says which matched)
            reader = _AnthropicReader(
                str(exchange.body.get("model")), input_tokens, tuple(stops), streamed=exchange.stream
            )
        else:
            options = exchange.body.get("stream_options")
            include = isinstance(options, dict) and options.get("include_usage") is True
            reader = _OpenAIReader(str(exchange.body.get("model")), include_usage=include or not exchange.stream)
        started = await _first_token(context, exchange, admission, reader, payload)
        if started is None:
            return
        response, first, whole = started
        head = decision(role, exchange.reason)
        if whole is not None:
            response.close()
            exchange.mark_first_byte()
            await send_whole(exchange.send, 200, whole, head)
            _succeeded(context, exchange, admission, reader.answer())
            return
        await _relay_stream(context, exchange, admission, reader, response, first, head)


async def _first_token(
    context: ProxyContext, exchange: Exchange, admission: Admission, reader: _Reader, payload: dict[str, Any]
) -> tuple[Response, bytes, bytes | None] | None:
    """The model's response, what it said up to its first token, and for a client that did not
    ask to stream the whole answer; None when it failed and the fallback answered instead."""
    payload = {**payload, "stream": True, "stream_options": {"include_usage": True}}
    response: Response | None = None
    first = b""
    phase = "first byte timeout"
    try:
        async with asyncio.timeout(context.settings.first_byte_timeout_seconds):
            response = await _open_stream(context, json.dumps(payload).encode())
            while not reader.started:
                piece = await response.readany()
                first += reader.end() if not piece else reader.feed(piece)
        phase = "custom model read timeout"
        whole = None
        if not exchange.stream:  # nothing is sent yet: read it all, and a failure still falls back
            while not reader.ended:
                piece = await response.readany()
                if not piece:
                    break
                reader.feed(piece)
            reader.end()
            if reader.failed:
                raise UpstreamFormatError("the custom model's answer is not usable")
            whole = reader.whole()
    except (ModelCallFailed, *BROKEN) as error:
        if response is not None:
            response.close()
        if isinstance(error, ModelCallFailed):
            reason, counts = error.reason, error.counts_against
        elif isinstance(error, TimeoutError):
            reason, counts = phase, True
        elif isinstance(error, UpstreamFormatError):
            reason, counts = "custom model answered badly", True
        else:
            reason, counts = f"custom model failed ({type(error).__name__})", True
        admission.failed(reason, counts=counts)
        await relay(context, exchange, fallback=reason)
        return None
    return response, first, whole


async def _open_stream(context: ProxyContext, body: bytes) -> Response:
    """Call the custom model; its response once the head is in, if the status is 200.

    Raises `ModelCallFailed` with the reason to fall back otherwise: no connection, or another
    status (`counts_against` says whether it trips the circuit). The caller bounds the wait.
    """
    origin, target, headers = context.custom_endpoint()
    try:
        response = await context.pool.send(origin, "POST", target, headers, body)
    except OSError as error:
        raise ModelCallFailed(f"custom model unreachable ({type(error).__name__})") from None
    if response.status != 200:
        response.close()
        status = response.status
        raise ModelCallFailed(f"custom model answered {status}", counts_against=counts_against(status))
    return response


async def _relay_stream(
    context: ProxyContext,
    exchange: Exchange,
    admission: Admission,
    reader: _Reader,
    response: Response,
    first: bytes,
    head: list[tuple[bytes, bytes]],
) -> None:
    """The rest of a streamed answer, as it comes; a break ends the client's stream with an error."""
    failure: str | None = None
    try:
        await send_start(exchange.send, 200, [*SSE, *head])
        exchange.mark_first_byte()
        await send_chunk(exchange.send, first)
        try:
            while not reader.ended:
                piece = await response.readany()
                if not piece:
                    break
                out = reader.feed(piece)
                if out:
                    await send_chunk(exchange.send, out)
            out = reader.end()
            if out:
                await send_chunk(exchange.send, out)
        except BROKEN as error:
            failure = f"custom model broke off its answer ({type(error).__name__})"
            await send_chunk(exchange.send, reader.error(failure))
        await send_end(exchange.send)
    finally:
        response.close()
    if failure is None and reader.failed:
        failure = "custom model answered badly"
    if failure is None:
        _succeeded(context, exchange, admission, reader.answer())
        return
    answer = reader.answer()
    cost = admission.cost(answer.input_tokens, answer.output_tokens)
    context.observe(exchange, "error")
    context.metrics.used(admission.role, answer.input_tokens, answer.output_tokens, cost)
    spent = exchange.usage("error", failure, answer.input_tokens, answer.output_tokens, cost)
    admission.failed(failure, spent=spent)


def _succeeded(context: ProxyContext, exchange: Exchange, admission: Admission, answer: answers.Answer) -> None:
    """The custom model answered: metrics, then the gate records the usage and sample and settles."""
    cost = admission.cost(answer.input_tokens, answer.output_tokens)
    context.observe(exchange, "ok")
    context.metrics.used(admission.role, answer.input_tokens, answer.output_tokens, cost)
    usage = exchange.usage("ok", exchange.reason, answer.input_tokens, answer.output_tokens, cost)
    revision = context.services.availability.revision(admission.role)
    admission.succeeded(usage, exchange.sample("custom", answer.sample_text(), model=revision, outcome="ok"))
