"""Anthropic Messages <-> OpenAI chat completions: how the proxy speaks to a custom model.

Where it sits: the proxy (`runtime/proxy/`) takes a `POST /v1/messages`, routing sends it to a
custom role, and this module turns the Anthropic request into a chat-completions request for the
role's Together endpoint (`anthropic_to_openai`), then the answer back: whole
(`openai_to_anthropic`) or streamed (`OpenAIStreamDecoder` turns the upstream's bytes into chunks,
`AnthropicStream` turns chunks into Anthropic events, `encode_sse` turns events into bytes). It is
pure: values in, values out, no I/O and no clock, so the proxy's hot path pays for nothing else
and the tests can drive it with the official SDKs on both sides.

Three errors, because the proxy answers each differently:
- `TranslationError` (a `ValueError`): the client's request is malformed; the message names the
  field the way Anthropic's own 400s do (`messages.1.content.0.tool_use_id: Field required`).
  The proxy answers 400 `invalid_request_error`.
- `UnsupportedContent` (a `TranslationError`): well-formed, but it has no chat-completions
  equivalent (server tools such as `web_search_*`, PDF or file-id documents, file-id images).
  Answering 400 is correct; sending the request to the fallback upstream is kinder.
- `UpstreamFormatError` (a `ValueError`, not a `TranslationError`): the custom model's answer is
  not something a client can use (no choices, broken JSON, an error payload in the stream, tool
  arguments that are not a JSON object). It is an upstream failure: fall back before the first
  byte, an `error` event after it.

Decisions where the two APIs do not line up:
- Text blocks of one turn (and of `system`) are joined with "\\n" into one string: Together's
  assistant, system and tool messages take strings only, and a string reads the same under every
  chat template. A user turn with images becomes a list of `text` / `image_url` parts.
- `tool_result` blocks become `tool` messages placed before the rest of their user turn (chat
  completions needs them right after the assistant's `tool_calls`; Anthropic requires them
  first anyway). Their content is flattened to text, prefixed with "Error: " when `is_error`;
  images inside a tool result move to the user message that follows the tool messages.
- `thinking` / `redacted_thinking` blocks in assistant turns are dropped: they are another
  model's reasoning, signed for Anthropic only. The other way, an upstream's separate
  `reasoning` / `reasoning_content` is dropped too (a thinking block needs Anthropic's
  signature); reasoning a model writes inline (`<think>...</think>`) stays in the text.
- A conversation ending in an assistant turn (Anthropic's prefill) is sent as it is; whether the
  model continues that turn or starts a new one is up to the server's chat template.
- Request fields dropped knowingly (no chat-completions equivalent, or Anthropic-only
  bookkeeping): `thinking`, `service_tier`, `speed`, `container`, `mcp_servers`,
  `context_management`, `cache_control` (top level and on blocks), `citations`, `output_config`,
  `inference_geo`, `diagnostics`, `user_profile_id`, `workspace_id`, `betas`, `model` (the
  proxy names the endpoint). `top_k` is kept: Together accepts it.
- `tool_choice`: auto -> "auto", any -> "required", tool -> {"type": "function", ...}, none ->
  "none"; `disable_parallel_tool_use: true` -> `parallel_tool_calls: false`.
- `finish_reason`: stop/eos -> end_turn, length -> max_tokens, tool_calls/function_call ->
  tool_use, content_filter -> refusal, anything else -> end_turn. A finish with tool calls is
  tool_use whatever the server said. It is stop_sequence, naming the sequence, when the server
  says which stop string matched (vLLM's `stop_reason`, SGLang's `matched_stop`, when a string);
  OpenAI itself never says, so there it stays end_turn.
- Ids: `msg_<completion id>` and `toolu_<call id>` (without `chatcmpl-` / `call_`), with any
  character outside `[A-Za-z0-9_-]` replaced by `_`: a conversation that continues on the real
  Anthropic API (a fallback) echoes these ids back, and Anthropic checks that pattern.
- Tool arguments that are not a JSON object (after "" and "null" count as {}) are a model
  failure, not a tool call (see `UpstreamFormatError`); a streamed call is checked when the stream
  finishes, and ends it with an `error` event. When the answer was cut by `max_tokens`, a
  truncated argument string is expected: the non-streaming input becomes {}.
- `usage.input_tokens` is the upstream's `prompt_tokens` whole (no cache split); when the
  upstream reports no usage, streamed `output_tokens` is estimated at 4 characters a token.

JSON is the standard library's, its encoders built once. Measured on this project's 2-core
machine: a 162 KiB agent request (51 messages, 20 tools) translates in ~140 µs (parsing it takes
~180 µs), a one-line request in ~1 µs, a response back in ~1.5 µs; a streamed token costs ~9 µs
from upstream bytes to client bytes, half of it `json.loads` and the encoder. orjson would save
~4 µs of that (0.25 µs instead of 1.9 µs to encode an event, 0.7 µs instead of 2.1 µs to parse a
chunk): noise beside the tens of milliseconds a model takes per token, so not worth a dependency
here. (The proxy's own body parsing and serialising of large requests is where orjson can pay.)
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = [
    "PING_SSE",
    "AnthropicStream",
    "OpenAIStreamDecoder",
    "SSEDecoder",
    "TranslationError",
    "UnsupportedContent",
    "UpstreamFormatError",
    "anthropic_to_openai",
    "encode_sse",
    "message_id",
    "openai_chunks",
    "openai_to_anthropic",
    "ping_event",
    "tool_use_id",
]

JSON = dict[str, Any]
Event = tuple[str, JSON]


class TranslationError(ValueError):
    """The client's request cannot be translated; `field` is the path Anthropic would name."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class UnsupportedContent(TranslationError):
    """Well-formed Anthropic input with no chat-completions equivalent."""


class UpstreamFormatError(ValueError):
    """The upstream's answer cannot be turned into an Anthropic message."""


# -- ids -----------------------------------------------------------------------------------------

_NOT_ID = re.compile(r"[^A-Za-z0-9_-]")


def _safe(raw: str) -> str:
    return _NOT_ID.sub("_", raw) if _NOT_ID.search(raw) else raw


def message_id(completion_id: str | None) -> str:
    """`msg_...` for a completion id (`chatcmpl-abc` -> `msg_abc`); a fresh one without it."""
    if not completion_id:
        return "msg_" + uuid.uuid4().hex[:24]
    return "msg_" + _safe(completion_id.removeprefix("chatcmpl-"))


def tool_use_id(call_id: str | None, fallback: str) -> str:
    """`toolu_...` for an OpenAI call id (`call_abc` -> `toolu_abc`; `toolu_` ids are kept);
    `fallback` names a call the server gave no id."""
    if not call_id:
        return "toolu_" + _safe(fallback)
    if call_id.startswith("toolu_"):
        return _safe(call_id)
    return "toolu_" + _safe(call_id.removeprefix("call_"))


# -- request: Anthropic -> chat completions ------------------------------------------------------

_TOOL_CHOICES = {"auto": "auto", "any": "required", "none": "none"}
# Models emit `{"a": 1}` with these spaces; the prompt should read like their own output.
_ARGUMENTS = json.JSONEncoder(ensure_ascii=False).encode

# Paths in errors are built only when there is an error: the hot path checks types inline and
# calls these with the pieces of the path.


def _path(parts: tuple[object, ...]) -> str:
    return ".".join(map(str, parts))


def _missing_or(expected: str, value: Any, *path: object) -> TranslationError:
    problem = "Field required" if value is None else f"Input should be {expected}, got {type(value).__name__}"
    return TranslationError(_path(path), problem)


def _str(value: Any, *path: object) -> str:
    if not isinstance(value, str):
        raise _missing_or("a string", value, *path)
    return value


def _dict(value: Any, *path: object) -> JSON:
    if not isinstance(value, dict):
        raise _missing_or("an object", value, *path)
    return value


def _number(body: JSON, field: str) -> float | int | None:
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TranslationError(field, f"Input should be a number, got {type(value).__name__}")
    return value


def _kind(block: Any, *path: object) -> str:
    """A content block's `type`."""
    if not isinstance(block, dict):
        raise TranslationError(_path(path), f"Input should be a content block object, got {type(block).__name__}")
    kind = block.get("type")
    if not isinstance(kind, str):
        raise _missing_or("a string", kind, *path, "type")
    return kind


def _system(system: Any) -> str:
    if isinstance(system, str):
        return system
    if not isinstance(system, list):
        raise TranslationError("system", "Input should be a string or a list of text blocks")
    texts = []
    for i, block in enumerate(system):
        kind = _kind(block, "system", i)
        if kind != "text":
            raise TranslationError(f"system.{i}.type", f"Input should be 'text', got {kind!r}")
        texts.append(_str(block.get("text"), "system", i, "text"))
    return "\n".join(texts)


def _image_url(block: JSON, *path: object) -> JSON:
    source = _dict(block.get("source"), *path, "source")
    kind = source.get("type")
    if kind == "base64":
        media_type = _str(source.get("media_type"), *path, "source", "media_type")
        data = _str(source.get("data"), *path, "source", "data")
        url = f"data:{media_type};base64,{data}"
    elif kind == "url":
        url = _str(source.get("url"), *path, "source", "url")
    else:
        raise UnsupportedContent(_path((*path, "source", "type")), f"image source {kind!r} has no equivalent")
    return {"type": "image_url", "image_url": {"url": url}}


def _document_text(block: JSON, *path: object) -> str:
    source = _dict(block.get("source"), *path, "source")
    kind = source.get("type")
    if kind == "text":
        return _str(source.get("data"), *path, "source", "data")
    if kind == "content":
        content = source.get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return "\n".join(
                _str(part.get("text"), *path, "source", "content", j, "text")
                for j, part in enumerate(content)
                if _kind(part, *path, "source", "content", j) == "text"
            )
        raise TranslationError(_path((*path, "source", "content")), "Input should be a string or a list of blocks")
    raise UnsupportedContent(_path((*path, "source", "type")), f"document source {kind!r} has no equivalent")


def _tool_result(block: JSON, images: list[JSON], *path: object) -> JSON:
    call_id = block.get("tool_use_id")
    if not isinstance(call_id, str) or not call_id:
        raise _missing_or("a non-empty string", call_id, *path, "tool_use_id")
    content = block.get("content")
    if content is None:
        text = ""
    elif isinstance(content, str):
        text = content
    elif isinstance(content, list):
        texts = []
        for j, part in enumerate(content):
            kind = _kind(part, *path, "content", j)
            if kind == "text":
                texts.append(_str(part.get("text"), *path, "content", j, "text"))
            elif kind == "image":
                images.append(_image_url(part, *path, "content", j))
            elif kind == "document":
                texts.append(_document_text(part, *path, "content", j))
            else:
                raise UnsupportedContent(
                    _path((*path, "content", j, "type")), f"{kind!r} in a tool result has no equivalent"
                )
        text = "\n".join(texts)
    else:
        raise TranslationError(_path((*path, "content")), "Input should be a string or a list of blocks")
    if block.get("is_error") is True:
        text = "Error: " + text
    return {"role": "tool", "tool_call_id": call_id, "content": text}


def _user(content: Any, i: int, out: list[JSON]) -> None:
    if isinstance(content, str):
        out.append({"role": "user", "content": content})
        return
    if not isinstance(content, list):
        raise _missing_or("a string or a list", content, "messages", i, "content")
    parts: list[JSON] = []
    texts: list[str] = []
    images: list[JSON] = []  # from tool results: they can only travel in a user message
    for j, block in enumerate(content):
        kind = _kind(block, "messages", i, "content", j)
        if kind == "text":
            text = block.get("text")
            if not isinstance(text, str):
                raise _missing_or("a string", text, "messages", i, "content", j, "text")
            parts.append({"type": "text", "text": text})
            texts.append(text)
        elif kind == "tool_result":
            out.append(_tool_result(block, images, "messages", i, "content", j))
        elif kind == "image":
            parts.append(_image_url(block, "messages", i, "content", j))
        elif kind == "document":
            text = _document_text(block, "messages", i, "content", j)
            parts.append({"type": "text", "text": text})
            texts.append(text)
        elif kind == "tool_use":
            raise TranslationError(f"messages.{i}.content.{j}.type", "tool_use blocks belong in assistant turns")
        else:
            raise UnsupportedContent(f"messages.{i}.content.{j}.type", f"{kind!r} blocks have no equivalent")
    if images:
        parts.extend(images)
    if len(parts) > len(texts):  # an image among them: only a list of parts can carry it
        out.append({"role": "user", "content": parts})
    elif texts or not content:
        out.append({"role": "user", "content": "\n".join(texts)})


def _assistant(content: Any, i: int, out: list[JSON]) -> None:
    if isinstance(content, str):
        out.append({"role": "assistant", "content": content})
        return
    if not isinstance(content, list):
        raise _missing_or("a string or a list", content, "messages", i, "content")
    texts: list[str] = []
    calls: list[JSON] = []
    for j, block in enumerate(content):
        kind = _kind(block, "messages", i, "content", j)
        if kind == "text":
            text = block.get("text")
            if not isinstance(text, str):
                raise _missing_or("a string", text, "messages", i, "content", j, "text")
            texts.append(text)
        elif kind == "tool_use":
            call_id = _str(block.get("id"), "messages", i, "content", j, "id")
            name = _str(block.get("name"), "messages", i, "content", j, "name")
            arguments = _dict(block.get("input"), "messages", i, "content", j, "input")
            calls.append(
                {"id": call_id, "type": "function", "function": {"name": name, "arguments": _ARGUMENTS(arguments)}}
            )
        elif kind == "thinking" or kind == "redacted_thinking":
            continue
        else:
            raise UnsupportedContent(f"messages.{i}.content.{j}.type", f"{kind!r} blocks have no equivalent")
    message: JSON = {"role": "assistant", "content": "\n".join(texts) if texts or not calls else None}
    if calls:
        message["tool_calls"] = calls
    out.append(message)


def _tools(tools: Any) -> list[JSON]:
    if not isinstance(tools, list):
        raise TranslationError("tools", "Input should be a list")
    functions = []
    for i, tool in enumerate(tools):
        tool = _dict(tool, "tools", i)
        kind = tool.get("type")
        if kind is not None and kind != "custom":
            raise UnsupportedContent(f"tools.{i}.type", f"server tool {kind!r} has no chat-completions equivalent")
        function: JSON = {
            "name": _str(tool.get("name"), "tools", i, "name"),
            "parameters": _dict(tool.get("input_schema"), "tools", i, "input_schema"),
        }
        description = tool.get("description")
        if description is not None:
            function["description"] = _str(description, "tools", i, "description")
        if tool.get("strict") is True:
            function["strict"] = True
        functions.append({"type": "function", "function": function})
    return functions


def _tool_choice(choice: Any, tools: list[JSON] | None, out: JSON) -> None:
    choice = _dict(choice, "tool_choice")
    kind = choice.get("type")
    if kind == "tool":
        name = _str(choice.get("name"), "tool_choice", "name")
        if not tools or all(t["function"]["name"] != name for t in tools):
            raise TranslationError("tool_choice.name", f"no tool named {name!r} in tools")
        out["tool_choice"] = {"type": "function", "function": {"name": name}}
    elif kind in _TOOL_CHOICES:
        if not tools:
            if kind == "none":
                return
            raise TranslationError("tool_choice", f"tool_choice {kind!r} needs tools")
        out["tool_choice"] = _TOOL_CHOICES[kind]
    else:
        raise TranslationError("tool_choice.type", f"Input should be 'auto', 'any', 'tool' or 'none', got {kind!r}")
    if choice.get("disable_parallel_tool_use") is True and kind != "none":
        out["parallel_tool_calls"] = False


def anthropic_to_openai(body: dict[str, Any], model: str) -> dict[str, Any]:
    """An Anthropic Messages request as a chat-completions request for `model` (the endpoint).

    Raises `TranslationError` naming the field for malformed input, `UnsupportedContent` for
    input with no equivalent; the module docstring lists what is mapped how and what is dropped.
    Strings are shared with `body`, not copied.
    """
    if not isinstance(body, dict):
        raise TranslationError("body", "Input should be a JSON object")
    max_tokens = body.get("max_tokens")
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int):
        raise TranslationError("max_tokens", "Field required" if max_tokens is None else "Input should be an integer")
    if max_tokens < 1:
        raise TranslationError("max_tokens", "Input should be greater than or equal to 1")
    conversation = body.get("messages")
    if not isinstance(conversation, list):
        raise TranslationError("messages", "Field required" if conversation is None else "Input should be a list")
    if not conversation:
        raise TranslationError("messages", "at least one message is required")

    messages: list[JSON] = []
    system = body.get("system")
    if system is not None:
        text = _system(system)
        if text:
            messages.append({"role": "system", "content": text})
    for i, message in enumerate(conversation):
        if not isinstance(message, dict):
            raise TranslationError(f"messages.{i}", f"Input should be an object, got {type(message).__name__}")
        role = message.get("role")
        if role == "user":
            _user(message.get("content"), i, messages)
        elif role == "assistant":
            _assistant(message.get("content"), i, messages)
        else:
            problem = "Field required" if role is None else f"Input should be 'user' or 'assistant', got {role!r}"
            raise TranslationError(f"messages.{i}.role", problem)

    out: JSON = {"model": model, "messages": messages, "max_tokens": max_tokens}
    tools = None
    if body.get("tools") is not None:
        tools = _tools(body["tools"])
        if tools:
            out["tools"] = tools
    if body.get("tool_choice") is not None:
        _tool_choice(body["tool_choice"], tools, out)
    for field in ("temperature", "top_p", "top_k"):
        value = _number(body, field)
        if value is not None:
            out[field] = value
    stops = body.get("stop_sequences")
    if stops is not None:
        if not isinstance(stops, list):
            raise TranslationError("stop_sequences", "Input should be a list of strings")
        for i, stop in enumerate(stops):
            _str(stop, "stop_sequences", i)
        if stops:
            out["stop"] = stops
    metadata = body.get("metadata")
    if metadata is not None:
        user = _dict(metadata, "metadata").get("user_id")
        if user is not None:
            out["user"] = _str(user, "metadata", "user_id")
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise TranslationError("stream", "Input should be a boolean")
    if stream:
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}
    return out


# -- response: chat completion -> Anthropic message ----------------------------------------------

_STOP_REASONS = {
    "stop": "end_turn",
    "eos": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}


def _stop(finish_reason: Any, matched: Any, has_calls: bool) -> tuple[str, str | None]:
    reason = _STOP_REASONS.get(finish_reason, "end_turn") if isinstance(finish_reason, str) else "end_turn"
    if reason == "end_turn":
        if has_calls:
            return "tool_use", None
        if isinstance(matched, str) and matched:
            return "stop_sequence", matched
    return reason, None


def _matched_stop(choice: JSON) -> Any:
    matched = choice.get("stop_reason")
    return matched if matched is not None else choice.get("matched_stop")


def _arguments(raw: Any, where: str, truncated: bool) -> JSON:
    if raw is None or raw == "" or raw == "null":
        return {}
    if isinstance(raw, dict):  # a few servers send the object itself
        return raw
    try:
        parsed = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        return parsed
    if truncated:
        return {}
    raise UpstreamFormatError(f"{where}: tool arguments are not a JSON object: {str(raw)[:200]!r}")


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts, as some servers answer
        return "".join(p.get("text") or "" for p in content if isinstance(p, dict))
    return ""


def _usage(usage: Any) -> tuple[int | None, int | None]:
    if not isinstance(usage, dict):
        return None, None
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    return (prompt if isinstance(prompt, int) else None), (completion if isinstance(completion, int) else None)


def openai_to_anthropic(response: dict[str, Any], model: str) -> dict[str, Any]:
    """A chat completion as the Anthropic message a client of `model` expects.

    Raises `UpstreamFormatError` when the completion has no usable choice or a tool call's
    arguments are not a JSON object.
    """
    choices = response.get("choices") if isinstance(response, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise UpstreamFormatError("choices: the completion has no choice")
    choice = choices[0]
    message = choice.get("message")
    if not isinstance(message, dict):
        raise UpstreamFormatError("choices.0.message: missing")
    msg_id = message_id(response.get("id"))
    finish_reason = choice.get("finish_reason")
    truncated = finish_reason == "length"

    content: list[JSON] = []
    text = _text_of(message.get("content"))
    if not text and isinstance(message.get("refusal"), str):
        text = message["refusal"]
    if text:
        content.append({"type": "text", "text": text})
    calls = message.get("tool_calls") or []
    if not isinstance(calls, list):
        raise UpstreamFormatError("choices.0.message.tool_calls: not a list")
    if not calls and isinstance(message.get("function_call"), dict):
        calls = [{"id": None, "function": message["function_call"]}]
    for k, call in enumerate(calls):
        where = f"choices.0.message.tool_calls.{k}"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise UpstreamFormatError(f"{where}.function.name: missing")
        content.append(
            {
                "type": "tool_use",
                "id": tool_use_id(call.get("id"), f"{msg_id[4:]}_{k}"),
                "name": function["name"],
                "input": _arguments(function.get("arguments"), f"{where}.function.arguments", truncated),
            }
        )
    stop_reason, stop_sequence = _stop(finish_reason, _matched_stop(choice), bool(calls))
    prompt, completion = _usage(response.get("usage"))
    return {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": stop_sequence,
        "usage": {"input_tokens": prompt or 0, "output_tokens": completion or 0},
    }


# -- streaming: chat-completion chunks -> Anthropic events ---------------------------------------


class _Call:
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
        "_text",
        "_text_block",
    )

    def __init__(self, model: str, message_id: str, input_tokens: int = 0) -> None:
        self._model = model
        self._id = message_id
        self._input_tokens = input_tokens
        self._started = False
        self._finished = False
        self._open = -1  # index of the open content block
        self._open_kind = 0
        self._next = 0  # index of the next content block
        self._text: list[str] = []  # every text fragment, for `text`
        self._text_block: list[str] = []  # the open text block's fragments
        self._blocks: list[list[str] | _Call] = []  # the content blocks in order: a text block's fragments, or a call
        self._calls: dict[int, _Call] = {}  # by the upstream's tool-call index
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
    def input_tokens(self) -> int:
        """The upstream's `prompt_tokens` once reported, else the estimate given at construction."""
        return self._prompt_tokens if self._prompt_tokens is not None else self._input_tokens

    @property
    def output_tokens(self) -> int:
        """The upstream's `completion_tokens` once reported, else an estimate (4 characters a token)."""
        if self._output_tokens is not None:
            return self._output_tokens
        chars = sum(map(len, self._text)) + sum(len(p) for c in self._calls.values() for p in c.arguments)
        return (chars + 3) // 4

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
            if isinstance(b, _Call)
        ]

    @property
    def stop_reason(self) -> str:
        return _stop(self._finish_reason, self._matched, bool(self._calls))[0]

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
                arguments = _arguments("".join(block.arguments), "tool_calls", truncated)
            except UpstreamFormatError:
                arguments = {}
            content.append({"type": "tool_use", "id": self._call_id(block), "name": block.name, "input": arguments})
        stop_reason, stop_sequence = _stop(self._finish_reason, self._matched, bool(self._calls))
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
        if self._finished:
            return events
        usage = chunk.get("usage")
        if usage:
            prompt, completion = _usage(usage)
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
            if calls:
                for call in calls:
                    self._on_tool_call(call, events)
            elif delta.get("function_call"):
                self._on_tool_call({"index": 0, "function": delta["function_call"]}, events)
        reason = choice.get("finish_reason")
        if reason:
            self._finish_reason = reason
            self._matched = _matched_stop(choice)
        return events

    def finish(self) -> list[tuple[str, dict[str, Any]]]:
        """The closing events: the open block's stop, `message_delta`, `message_stop`."""
        events: list[Event] = []
        if self._finished:
            return events
        self._start(events)
        self._close(events)
        truncated = self._finish_reason == "length"
        for index, call in self._calls.items():
            if call.block < 0:
                events.append(self.error(f"tool call {index} streamed without a function name"))
                return events
            try:
                _arguments("".join(call.arguments), f"tool_calls.{index}.function.arguments", truncated)
            except UpstreamFormatError as error:
                events.append(self.error(f"the model's {call.name} call is not usable: {error}"))
                return events
        stop_reason, stop_sequence = _stop(self._finish_reason, self._matched, bool(self._calls))
        usage: JSON = {"output_tokens": self.output_tokens}
        if self._prompt_tokens is not None:
            usage["input_tokens"] = self._prompt_tokens
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
                        "usage": {"input_tokens": self._input_tokens, "output_tokens": 0},
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

    def _call_id(self, call: _Call) -> str:
        return tool_use_id(call.id, f"{self._id.removeprefix('msg_')}_{call.block}")

    def _on_tool_call(self, delta: JSON, events: list[Event]) -> None:
        index = delta.get("index")
        if not isinstance(index, int):
            # No index (a few servers): a new id is a new call, anything else continues the last one.
            new = delta.get("id") and all(c.id != delta["id"] for c in self._calls.values())
            index = len(self._calls) if new or not self._calls else len(self._calls) - 1
        call = self._calls.get(index)
        if call is None:
            call = self._calls[index] = _Call()
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


# -- server-sent events --------------------------------------------------------------------------


# Built once: `json.dumps` with any option builds a new encoder per call, which doubles the cost
# of a small event. ASCII output: a lone surrogate in a model's text cannot break the encoding.
_COMPACT = json.JSONEncoder(separators=(",", ":")).encode


def encode_sse(event: str, data: dict[str, Any]) -> bytes:
    """One server-sent event: `event: <name>\\ndata: <compact JSON>\\n\\n`."""
    return f"event: {event}\ndata: {_COMPACT(data)}\n\n".encode()


PING_SSE = b'event: ping\ndata: {"type":"ping"}\n\n'


def ping_event() -> tuple[str, dict[str, Any]]:
    """The keep-alive event (`PING_SSE` is the same, encoded)."""
    return ("ping", {"type": "ping"})


_BOM = b"\xef\xbb\xbf"


class SSEDecoder:
    """Server-sent events from a byte stream, as the WHATWG spec parses them.

    `feed(bytes)` returns the complete events in that piece as (event name or None, data): lines
    end in \\n, \\r\\n or \\r (also split across pieces), `data:` lines of one event are joined
    with \\n, comments (`:...`) and `id`/`retry` are skipped, one space after the colon is dropped,
    an event without data is not dispatched. `flush()` returns an event the stream left
    unterminated at its end (the spec drops it; a server that forgets the last blank line is
    common enough to be kinder).
    """

    __slots__ = ("_buffer", "_data", "_event", "_first", "_skip_lf")

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[str] = []
        self._event: str | None = None
        self._skip_lf = False
        self._first = True

    def feed(self, chunk: bytes) -> list[tuple[str | None, str]]:
        if self._first:
            # A byte-order mark opening the stream is dropped, even when it arrives in pieces.
            head = self._buffer + chunk
            if len(head) < 3 and _BOM.startswith(head):
                self._buffer = head
                return []
            self._first = False
            self._buffer = b""
            chunk = head[3:] if head.startswith(_BOM) else head
        if self._skip_lf and chunk:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        buffer = self._buffer + chunk if self._buffer else chunk
        if b"\r" in buffer:
            # A \r at the very end may be the first half of \r\n: end the line now, skip the \n.
            self._skip_lf = buffer.endswith(b"\r")
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buffer.split(b"\n")
        self._buffer = lines.pop()
        events: list[tuple[str | None, str]] = []
        data = self._data
        for line in lines:
            if line[:6] == b"data: ":  # nearly every line of a model's stream
                data.append(line[6:].decode("utf-8", "replace"))
            else:
                self._line(line, events)
        return events

    def flush(self) -> list[tuple[str | None, str]]:
        events: list[tuple[str | None, str]] = []
        if self._buffer:
            self._line(self._buffer, events)
            self._buffer = b""
        self._line(b"", events)
        return events

    def _line(self, line: bytes, events: list[tuple[str | None, str]]) -> None:
        if not line:
            if self._data:
                data = self._data
                events.append((self._event, data[0] if len(data) == 1 else "\n".join(data)))
                data.clear()
            self._event = None
            return
        if line[0] == 58:  # b":", a comment
            return
        colon = line.find(b":")
        if colon < 0:
            field, value = line, b""
        else:
            field = line[:colon]
            value = line[colon + 2 :] if line[colon + 1 : colon + 2] == b" " else line[colon + 1 :]
        if field == b"data":
            self._data.append(value.decode("utf-8", "replace"))
        elif field == b"event":
            self._event = value.decode("utf-8", "replace")


_DONE = "[DONE]"


def _chunk(data: str) -> JSON | None:
    """One OpenAI stream `data:` payload as a chunk; None for `[DONE]`."""
    if data == _DONE:
        return None
    try:
        chunk = json.loads(data)
    except ValueError:
        raise UpstreamFormatError(f"stream: a chunk is not JSON: {data[:200]!r}") from None
    if not isinstance(chunk, dict):
        raise UpstreamFormatError(f"stream: a chunk is not an object: {data[:200]!r}")
    error = chunk.get("error")
    if error:
        message = error.get("message") if isinstance(error, dict) else error
        raise UpstreamFormatError(f"stream: the upstream reported an error: {message}")
    return chunk


def openai_chunks(events: Iterable[tuple[str | None, str]]) -> Iterator[dict[str, Any]]:
    """The chunks of an OpenAI chat-completions stream, from its SSE events, up to `[DONE]`.

    Raises `UpstreamFormatError` for a payload that is not a JSON object or carries `error`.
    """
    for _, data in events:
        chunk = _chunk(data)
        if chunk is None:
            return
        yield chunk


class OpenAIStreamDecoder:
    """Bytes of an OpenAI chat-completions stream in, parsed chunks out; `done` after `[DONE]`.

    The incremental form of `openai_chunks` for the proxy's read loop::

        decoder, stream = OpenAIStreamDecoder(), AnthropicStream(model, message_id(None))
        async for piece in upstream_body:
            for chunk in decoder.feed(piece):
                for name, data in stream.feed(chunk):
                    send(encode_sse(name, data))
        send(b"".join(encode_sse(n, d) for n, d in stream.finish()))
    """

    __slots__ = ("_sse", "done")

    def __init__(self) -> None:
        self._sse = SSEDecoder()
        self.done = False

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """The chunks completed by `data`; [] once `[DONE]` was seen. Raises `UpstreamFormatError`."""
        if self.done:
            return []
        return self._collect(self._sse.feed(data))

    def flush(self) -> list[dict[str, Any]]:
        """A last chunk the stream left without its blank line, at the end of the body."""
        if self.done:
            return []
        return self._collect(self._sse.flush())

    def _collect(self, events: list[tuple[str | None, str]]) -> list[JSON]:
        chunks: list[JSON] = []
        for _, data in events:
            chunk = _chunk(data)
            if chunk is None:
                self.done = True
                break
            chunks.append(chunk)
        return chunks
