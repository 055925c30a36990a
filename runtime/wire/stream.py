"""Streaming: chat-completion chunks from a role's endpoint in, Anthropic's events out.

The proxy feeds `AnthropicStream` the chunks `chunks.OpenAIStreamDecoder` parses from the model's
bytes and sends what it returns through `sse.encode_sse`; the stream says nothing until the model
does, so the proxy may still fall back while nothing has been sent. It also keeps the answer's
text, tool calls and token counts, for the usage record and the training sample.
"""

from __future__ import annotations

import json
from typing import Any

from runtime.errors import UpstreamFormatError
from runtime.tokens import chars_to_tokens
from runtime.wire.api import JSON
from runtime.wire.ids import tool_use_id
from runtime.wire.response import anthropic_stop, matched_stop, tool_arguments, usage_counts

Event = tuple[str, JSON]


class _ToolCall:
    """One streamed tool call: what arrived of it, and the content block it became."""

    __slots__ = ("arguments", "block", "id", "name")

    def __init__(self) -> None:
        self.id: str | None = None
        self.name: str | None = None
        self.arguments: list[str] = []
        self.block = -1  # the Anthropic content block index, once opened


_TEXT, _TOOL = 1, 2


class AnthropicStream:
    """One streamed answer: chat-completion chunks in (`feed`), Anthropic events out.

    `feed` says nothing (returns []) until the upstream does: a chunk carrying only the role
    emits no event, so the proxy may still fall back while the model has produced nothing.
    `message_start` goes out with the first text, tool call or finish; a text block opens lazily;
    a tool call opens a `tool_use` block once its name is known and streams its arguments as
    `input_json_delta`; a new block closes the open one. Call `finish` when the upstream ended
    cleanly (`[DONE]`, or the end of the body after a finish reason): it closes the open block and
    sends `message_delta` (stop reason, output tokens, and input tokens when the upstream reported
    them) and `message_stop`. Call `error` when it broke after bytes were sent. After either,
    `feed` and `finish` return [].
    """

    __slots__ = (
        "_blocks",
        "_calls",
        "_finish_reason",
        "_finished",
        "_held",
        "_id",
        "_input_tokens",
        "_matched",
        "_model",
        "_next",
        "_open",
        "_open_kind",
        "_output_tokens",
        "_prompt_tokens",
        "_started",
        "_started_input",
        "_stops",
        "_text",
        "_text_block",
    )

    def __init__(
        self, model: str, message_id: str, input_tokens: int = 0, stop_sequences: tuple[str, ...] = ()
    ) -> None:
        self._model = model
        #: applied here, not by the model: only then is it known which one matched
        self._stops = tuple(s for s in stop_sequences if s)
        self._held = ""  # text that may be the start of a stop sequence, not sent yet
        self._started_input = input_tokens  # what message_start said; every later event says the same
        self._id = message_id
        self._input_tokens = input_tokens
        self._started = False
        self._finished = False
        self._open = -1  # index of the open content block
        self._open_kind = 0
        self._next = 0  # index of the next content block
        self._text: list[str] = []  # every text fragment, for `text`
        self._text_block: list[str] = []  # the open text block's fragments
        self._blocks: list[
            list[str] | _ToolCall
        ] = []  # the content blocks in order: a text block's fragments, or a call
        self._calls: dict[int, _ToolCall] = {}  # by the upstream's tool-call index
        self._finish_reason: str | None = None
        self._matched: Any = None
        self._prompt_tokens: int | None = None
        self._output_tokens: int | None = None

    # -- what the recorder and the proxy read

    @property
    def started(self) -> bool:
        """Whether `message_start` has been emitted (bytes are committed to this answer)."""
        return self._started

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def stopped(self) -> bool:
        """Whether a stop sequence ended the answer: the rest of the model's stream is not needed."""
        return self._matched is not None and self._finish_reason == "stop" and bool(self._stops)

    @property
    def input_tokens(self) -> int:
        """The upstream's `prompt_tokens` once reported, else the estimate given at construction."""
        return self._prompt_tokens if self._prompt_tokens is not None else self._input_tokens

    @property
    def output_tokens(self) -> int:
        """The upstream's `completion_tokens` once reported, else estimated from the text (`runtime.tokens`)."""
        if self._output_tokens is not None:
            return self._output_tokens
        chars = sum(map(len, self._text)) + sum(len(p) for c in self._calls.values() for p in c.arguments)
        return chars_to_tokens(chars)

    @property
    def text(self) -> str:
        """The assistant's text so far, all text blocks joined."""
        return "".join(self._text)

    @property
    def tool_calls(self) -> list[dict[str, str]]:
        """The tool calls so far, in block order: `id` (the `toolu_` id sent), `name`, raw `arguments`."""
        return [
            {"id": self._call_id(b), "name": b.name or "", "arguments": "".join(b.arguments)}
            for b in self._blocks
            if isinstance(b, _ToolCall)
        ]

    @property
    def stop_reason(self) -> str:
        return anthropic_stop(self._finish_reason, self._matched, bool(self._calls))[0]

    def message(self) -> dict[str, Any]:
        """The whole answer as a non-streaming Anthropic message: what the SDK assembles from the
        events, except that a tool call cut short by `max_tokens` has the input {} here."""
        content: list[JSON] = []
        truncated = self._finish_reason == "length"
        for block in self._blocks:
            if isinstance(block, list):
                content.append({"type": "text", "text": "".join(block)})
                continue
            try:
                arguments = tool_arguments("".join(block.arguments), "tool_calls", truncated)
            except UpstreamFormatError:
                arguments = {}
            content.append({"type": "tool_use", "id": self._call_id(block), "name": block.name, "input": arguments})
        stop_reason, stop_sequence = anthropic_stop(self._finish_reason, self._matched, bool(self._calls))
        return {
            "id": self._id,
            "type": "message",
            "role": "assistant",
            "model": self._model,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": stop_sequence,
            "usage": {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens},
        }

    # -- events

    def feed(self, chunk: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """The Anthropic events one parsed chat-completion chunk makes (often none or one)."""
        events: list[Event] = []
        if self._finished or self.stopped:
            return events
        usage = chunk.get("usage")
        if usage:
            prompt, completion = usage_counts(usage)
            if prompt is not None:
                self._prompt_tokens = prompt
            if completion is not None:
                self._output_tokens = completion
        choices = chunk.get("choices")
        if not choices:
            return events
        choice = choices[0]
        if len(choices) > 1 or choice.get("index", 0) != 0:  # n > 1 is never asked for; keep choice 0
            choice = next((c for c in choices if c.get("index", 0) == 0), None)
            if choice is None:
                return events
        delta = choice.get("delta")
        if delta:
            text = delta.get("content")
            if text:
                self._on_text(text, events)
            calls = delta.get("tool_calls")
            if calls or delta.get("function_call"):
                self._flush(events)
            if calls:
                for call in calls:
                    self._on_tool_call(call, events)
            elif delta.get("function_call"):
                self._on_tool_call({"index": 0, "function": delta["function_call"]}, events)
        reason = choice.get("finish_reason")
        if reason and not self.stopped:
            self._flush(events)
            self._finish_reason = reason
            self._matched = matched_stop(choice)
        return events

    def finish(self) -> list[tuple[str, dict[str, Any]]]:
        """The closing events: the open block's stop, `message_delta`, `message_stop`."""
        events: list[Event] = []
        if self._finished:
            return events
        self._flush(events)
        self._start(events)
        self._close(events)
        truncated = self._finish_reason == "length"
        for index, call in self._calls.items():
            if call.block < 0:
                events.append(self.error(f"tool call {index} streamed without a function name"))
                return events
            try:
                tool_arguments("".join(call.arguments), f"tool_calls.{index}.function.arguments", truncated)
            except UpstreamFormatError as error:
                events.append(self.error(f"the model's {call.name} call is not usable: {error}"))
                return events
        stop_reason, stop_sequence = anthropic_stop(self._finish_reason, self._matched, bool(self._calls))
        # The input figure message_start gave (the model's, when it reported it before its first
        # token; else the estimate): one figure per stream, as Anthropic's own streams have.
        usage: JSON = {"input_tokens": self._started_input, "output_tokens": self.output_tokens}
        events.append(
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": stop_sequence},
                    "usage": usage,
                },
            )
        )
        events.append(("message_stop", {"type": "message_stop"}))
        self._finished = True
        return events

    def error(self, message: str, type: str = "api_error") -> tuple[str, dict[str, Any]]:
        """The `error` event that ends a stream which broke after bytes were sent.

        `type` is one of Anthropic's error types: api_error, overloaded_error, rate_limit_error,
        invalid_request_error, ...
        """
        self._finished = True
        return ("error", {"type": "error", "error": {"type": type, "message": message}})

    # -- internals

    def _start(self, events: list[Event]) -> None:
        if self._started:
            return
        self._started = True
        if self._prompt_tokens is not None:
            self._started_input = self._prompt_tokens
        events.append(
            (
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": self._id,
                        "type": "message",
                        "role": "assistant",
                        "model": self._model,
                        "content": [],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": {"input_tokens": self._started_input, "output_tokens": 0},
                    },
                },
            )
        )

    def _close(self, events: list[Event]) -> None:
        if self._open >= 0:
            events.append(("content_block_stop", {"type": "content_block_stop", "index": self._open}))
            self._open = -1
            self._open_kind = 0

    def _open_block(self, kind: int, block: JSON, events: list[Event]) -> None:
        self._start(events)
        self._close(events)
        index = self._next
        self._next += 1
        events.append(("content_block_start", {"type": "content_block_start", "index": index, "content_block": block}))
        self._open = index
        self._open_kind = kind

    def _on_text(self, text: str, events: list[Event]) -> None:
        if not self._stops:
            self._emit_text(text, events)
            return
        text = self._held + text
        found = [(i, stop) for stop in self._stops if (i := text.find(stop)) >= 0]
        if found:
            index, stop = min(found)
            self._held = ""
            if index:
                self._emit_text(text[:index], events)
            self._finish_reason, self._matched = "stop", stop
            return
        # Hold back the longest end of the text that could begin a stop sequence.
        hold = 0
        for size in range(min(len(text), max(map(len, self._stops)) - 1), 0, -1):
            tail = text[-size:]
            if any(stop.startswith(tail) for stop in self._stops):
                hold = size
                break
        self._held = text[len(text) - hold :]
        if len(text) > hold:
            self._emit_text(text[: len(text) - hold], events)

    def _flush(self, events: list[Event]) -> None:
        """Send the text held back for a stop sequence that did not come."""
        if self._held:
            held, self._held = self._held, ""
            self._emit_text(held, events)

    def _emit_text(self, text: str, events: list[Event]) -> None:
        if self._open_kind != _TEXT:
            self._open_block(_TEXT, {"type": "text", "text": ""}, events)
            self._text_block = []
            self._blocks.append(self._text_block)
        self._text_block.append(text)
        self._text.append(text)
        events.append(
            (
                "content_block_delta",
                {"type": "content_block_delta", "index": self._open, "delta": {"type": "text_delta", "text": text}},
            )
        )

    def _call_id(self, call: _ToolCall) -> str:
        return tool_use_id(call.id, f"{self._id.removeprefix('msg_')}_{call.block}")

    def _on_tool_call(self, delta: JSON, events: list[Event]) -> None:
        index = delta.get("index")
        if not isinstance(index, int):
            # No index (a few servers): a new id is a new call, anything else continues the last one.
            new = delta.get("id") and all(c.id != delta["id"] for c in self._calls.values())
            index = len(self._calls) if new or not self._calls else len(self._calls) - 1
        call = self._calls.get(index)
        if call is None:
            call = self._calls[index] = _ToolCall()
        if call.id is None and delta.get("id"):
            call.id = delta["id"]
        function = delta.get("function") or {}
        if call.name is None and function.get("name"):
            call.name = function["name"]
        fragment = function.get("arguments")
        if isinstance(fragment, dict):  # a few servers send the object itself, whole
            fragment = json.dumps(fragment, ensure_ascii=False)
        if fragment:
            call.arguments.append(fragment)
        if call.block < 0:
            if call.name is None:
                return  # a block cannot start without its name; keep what came until it does
            call.block = self._next  # before the id: a call the server gave no id is named by its block
            self._open_block(
                _TOOL, {"type": "tool_use", "id": self._call_id(call), "name": call.name, "input": {}}, events
            )
            self._blocks.append(call)
            fragment = "".join(call.arguments)
        if fragment:
            # A server that interleaves calls sends fragments for a block already stopped; the
            # SDKs assemble by index, so they still land where they belong.
            events.append(
                (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": call.block,
                        "delta": {"type": "input_json_delta", "partial_json": fragment},
                    },
                )
            )
