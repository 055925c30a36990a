"""Request: an Anthropic Messages body as a chat-completions body for a role's endpoint.

The proxy calls `anthropic_to_openai` for a `POST /v1/messages` that routing sent to a role; the
result goes to Together. Malformed input raises `TranslationError` naming the field the way
Anthropic's own 400s do; input with no equivalent raises `UnsupportedContent` (the proxy sends it
to the fallback instead). What maps to what, and what is dropped, is in `docs/translation.md`.
"""

from __future__ import annotations

import json
from typing import Any

from runtime.errors import TranslationError, UnsupportedContent
from runtime.wire.api import JSON

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


def _text(block: JSON, i: int, j: int) -> str:
    """A text block's text, in turn `i` at block `j`."""
    text = block.get("text")
    if not isinstance(text, str):
        raise _missing_or("a string", text, "messages", i, "content", j, "text")
    return text


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
        raise UnsupportedContent(
            _path((*path, "source", "type")), f"image source {kind!r} has no equivalent", feature=f"image source {kind}"
        )
    return {"type": "image_url", "image_url": {"url": url}}


def _document_text(block: JSON, *path: object) -> str:
    citations = block.get("citations")
    if isinstance(citations, dict) and citations.get("enabled") is True:
        raise UnsupportedContent(
            _path((*path, "citations")), "citations have no chat-completions equivalent", feature="citations"
        )
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
    raise UnsupportedContent(
        _path((*path, "source", "type")),
        f"document source {kind!r} has no equivalent",
        feature=f"document source {kind}",
    )


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
                    _path((*path, "content", j, "type")),
                    f"{kind!r} in a tool result has no equivalent",
                    feature=f"{kind} in tool results",
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
            text = _text(block, i, j)
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
            raise UnsupportedContent(
                f"messages.{i}.content.{j}.type", f"{kind!r} blocks have no equivalent", feature=f"{kind} blocks"
            )
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
            texts.append(_text(block, i, j))
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
            raise UnsupportedContent(
                f"messages.{i}.content.{j}.type", f"{kind!r} blocks have no equivalent", feature=f"{kind} blocks"
            )
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
            raise UnsupportedContent(
                f"tools.{i}.type",
                f"server tool {kind!r} has no chat-completions equivalent",
                feature=f"server tool {kind}",
            )
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


def _mid_system(content: Any, i: int) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise _missing_or("a string or a list", content, "messages", i, "content")
    texts = []
    for j, block in enumerate(content):
        kind = _kind(block, "messages", i, "content", j)
        if kind != "text":
            raise UnsupportedContent(
                f"messages.{i}.content.{j}.type",
                f"{kind!r} in a system message has no equivalent",
                feature=f"{kind} blocks",
            )
        texts.append(_text(block, i, j))
    return "\n".join(texts)


def _unfaithful(body: JSON) -> None:
    """`UnsupportedContent` for a request field whose meaning the custom route would lose.

    Dropped instead (docs/translation.md): hints and bookkeeping whose absence leaves a valid
    answer (`thinking` adaptive or disabled, `output_config.effort`, `cache_control`,
    `context_management`, `service_tier`, ...)."""
    thinking = body.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") == "enabled":
        # The client expects thinking blocks, signed by Anthropic: only the upstream can give them.
        raise UnsupportedContent(
            "thinking", "thinking blocks cannot be produced by the custom model", feature="thinking"
        )
    output = body.get("output_config")
    if (isinstance(output, dict) and output.get("format") is not None) or body.get("output_format") is not None:
        field = "output_config.format" if body.get("output_format") is None else "output_format"
        raise UnsupportedContent(
            field, "structured output is not enforced on the custom model", feature="structured output"
        )
    for field in ("mcp_servers", "container"):
        if body.get(field):
            raise UnsupportedContent(field, f"{field} run on Anthropic's servers", feature=field)


def anthropic_to_openai(body: dict[str, Any], model: str) -> dict[str, Any]:
    """An Anthropic Messages request as a chat-completions request for `model` (the endpoint).

    Raises `TranslationError` naming the field for malformed input, `UnsupportedContent` for
    input with no equivalent; the module docstring lists what is mapped how and what is dropped.
    Strings are shared with `body`, not copied.
    """
    if not isinstance(body, dict):
        raise TranslationError("body", "Input should be a JSON object")
    _unfaithful(body)
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
        elif role == "system":  # the mid-conversation-system beta (Claude Code sends it): a system message there
            text = _mid_system(message.get("content"), i)
            if text:
                messages.append({"role": "system", "content": text})
        else:
            problem = (
                "Field required" if role is None else f"Input should be 'user', 'assistant' or 'system', got {role!r}"
            )
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


def openai_for_endpoint(body: dict[str, Any], model: str) -> dict[str, Any]:
    """An OpenAI chat-completions request as the role's Together endpoint should get it: `model`
    the endpoint, `max_completion_tokens` as `max_tokens` (Together's name), the rest as it came.

    Raises `UnsupportedContent` for what the custom route cannot answer faithfully: several
    choices (`n` > 1), `logprobs`, structured output (`response_format` other than text), audio
    and web search; the proxy hands those to the upstream before the first byte.
    """
    n = body.get("n")
    if n is not None and n != 1:
        raise UnsupportedContent("n", "several choices are not asked of the custom model", feature="n")
    if body.get("logprobs") or body.get("top_logprobs"):
        raise UnsupportedContent("logprobs", "the custom route gives no logprobs", feature="logprobs")
    response_format = body.get("response_format")
    if response_format is not None and not (
        isinstance(response_format, dict) and response_format.get("type") == "text"
    ):
        raise UnsupportedContent(
            "response_format", "structured output is not enforced on the custom model", feature="response_format"
        )
    modalities = body.get("modalities")
    if body.get("audio") is not None or (isinstance(modalities, list) and "audio" in modalities):
        raise UnsupportedContent("audio", "the custom model answers text", feature="audio")
    if body.get("web_search_options") is not None:
        raise UnsupportedContent("web_search_options", "web search runs on OpenAI's servers", feature="web search")
    out = {**body, "model": model}
    limit = out.pop("max_completion_tokens", None)
    if limit is not None and out.get("max_tokens") is None:
        out["max_tokens"] = limit
    return out
