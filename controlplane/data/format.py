"""A sample as one line of Together's conversational fine-tuning format, or why it cannot be one.

Pure: a `TrainingTuple` (the plain tuple the store streams, or a `TrainingRow`) in, a line (a
dict) or a `Refused` reason out; no store, no files. Together's SDK 3.1.1 `check_file` only
checks structure (a JSON object per line) and validates the rest on its servers after upload, so
the rules are enforced here, twice: `line()` builds a line that keeps them (a plain conversation
in one pass that checks them as it copies, anything else converted and then checked with
`violations()`), and `violations()` checks any line against them independently (the tests run it
on every line they read, and on every line the one-pass path makes against the general path's).

The rules (the legacy 1.x `check_file`'s, which Together's server applies):
- one object per line: `messages`, and `tools` when the prompt offered tools; no other key;
- every message has a `role` in system, user, assistant, tool and a string `content`; the
  assistant's `tool_calls` are OpenAI's `{id, type: "function", function: {name, arguments}}`
  with `arguments` a JSON string; a `tool` message names its `tool_call_id`;
- no two messages in a row with the same role (parallel tool results, `tool` after `tool`, are
  the one exception), the first is system or user, and the last is the assistant's answer: the
  loss is on assistant turns.

The user turns are the prompt as it was served: nothing is merged, trimmed or reworded. A prompt
that would need that (two user turns in a row, an assistant prefill, an image) is skipped, and
the skip says why. Anthropic Messages prompts are converted: `system` to a system message, text
blocks to strings, `tool_use` to `tool_calls`, `tool_result` to `tool` messages.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from controlplane.values.data import TrainingTuple

ROLES = ("system", "user", "assistant", "tool")
_PLAIN_ROLES = frozenset(("system", "user", "assistant"))
#: keys a plain message may have; `name` is dropped (Together takes no other key)
_PLAIN_KEYS = frozenset(("role", "content", "name"))
#: Characters per token, for the length estimate (Together counts with the base model's tokenizer).
CHARS_PER_TOKEN = 4


class Refused(Exception):
    """A sample that cannot be a training line; the message is the reason, the same for every
    sample refused for it (the export report groups by it)."""


def line(row: TrainingTuple, *, max_seq_length: int | None = None) -> dict[str, Any]:
    """The training line for `row`; raises `Refused` with the reason it cannot be one.

    Most samples are plain-text conversations already in Together's shape (every hooks sample
    is one user turn): `_plain` takes those in one pass that checks the rules as it copies, and
    builds only lines `violations` passes (tests check it does). Everything else (tools, parts,
    Anthropic blocks, anything odd) is converted, then checked with `violations`."""
    _, fmt, prompt_json, answer, _ = row
    prompt = _decode(prompt_json)
    if not isinstance(prompt, dict):
        raise Refused("the stored prompt is not a JSON object")
    plain = _plain(prompt) if fmt == "openai" else None
    if plain is not None and answer.strip() and not answer.startswith('{"content"'):
        plain.append({"role": "assistant", "content": answer})
        out: dict[str, Any] = {"messages": plain}
    else:
        out = _converted(fmt, prompt, answer)
    if max_seq_length is not None and estimated_tokens(out) > max_seq_length:
        raise Refused(f"longer than max_seq_length {max_seq_length} tokens (estimated)")
    return out


def encode(out: dict[str, Any]) -> bytes:
    """A line as UTF-8 JSON bytes, newline included: orjson, about five times the standard
    library's speed, and what a million rows spend most of their time on. What orjson cannot
    encode (an integer past 64 bits) goes through the standard library; text that is no valid
    Unicode (a lone surrogate) is refused, as Together would refuse the file."""
    try:
        return orjson.dumps(out, option=orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:
        try:
            return (json.dumps(out, ensure_ascii=False) + "\n").encode("utf-8")
        except (UnicodeEncodeError, ValueError):
            raise Refused("text that is not valid Unicode (a lone surrogate)") from None


def _decode(text: str) -> Any:
    """The stored prompt's JSON: orjson, or the standard library for what orjson refuses and it
    takes (integers past 64 bits, NaN)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        try:
            return json.loads(text)
        except ValueError:
            raise Refused("the stored prompt is not JSON") from None


def _converted(fmt: str, prompt: dict[str, Any], answer: str) -> dict[str, Any]:
    messages, tools = _from_anthropic(prompt) if fmt == "anthropic" else _from_openai(prompt)
    out: dict[str, Any] = {"messages": [*_merge_systems(messages), _answer(answer)]}
    if tools:
        out["tools"] = tools
    problems = violations(out)
    if problems:  # without the message's index: the report counts samples per reason
        raise Refused(re.sub(r"^messages\[\d+\]: ", "", problems[0]))
    return out


def _plain(prompt: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The messages of a prompt without tools whose every message is text from system, user or
    assistant, each role after another one, starting with system or user and not ending with
    the assistant; else None (the general path decides)."""
    messages = prompt.get("messages")
    if prompt.get("tools") or type(messages) is not list or not messages:
        return None
    out = []
    previous = None
    for message in messages:
        if type(message) is not dict:
            return None
        role, content = message.get("role"), message.get("content")
        if type(content) is not str or role not in _PLAIN_ROLES or role == previous:
            return None
        if len(message) != 2 and not _PLAIN_KEYS.issuperset(message):
            return None
        out.append({"role": role, "content": content})
        previous = role
    if out[0]["role"] == "assistant" or previous == "assistant":
        return None
    return out


def estimated_tokens(out: dict[str, Any]) -> int:
    """A line's length in tokens, estimated from its characters."""
    size = sum(len(m.get("content") or "") + len(json.dumps(m.get("tool_calls") or "")) for m in out["messages"])
    return (size + len(json.dumps(out.get("tools") or ""))) // CHARS_PER_TOKEN


def violations(out: Any) -> list[str]:
    """What in `out` breaks Together's conversational format (see the module docstring); [] if nothing."""
    if not isinstance(out, dict):
        return ["a line is not a JSON object"]
    problems = [f"unexpected key {key!r}" for key in out if key not in ("messages", "tools")]
    messages = out.get("messages")
    if not isinstance(messages, list) or not messages:
        return [*problems, "messages is not a non-empty list"]
    if "tools" in out and not (isinstance(out["tools"], list) and all(_is_tool(t) for t in out["tools"])):
        problems.append("tools are not OpenAI function tools")
    previous = None
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, dict):
            problems.append(f"{where} is not an object")
            continue
        role = message.get("role")
        if role not in ROLES:
            problems.append(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
        if not isinstance(message.get("content"), str):
            problems.append(f"{where}: content is not a string")
        allowed = {"role", "content"} | {"assistant": {"tool_calls"}, "tool": {"tool_call_id"}}.get(str(role), set())
        problems += [f"{where}: unexpected key {key!r}" for key in message if key not in allowed]
        if "tool_calls" in message and not (
            isinstance(message["tool_calls"], list)
            and message["tool_calls"]
            and all(map(_is_call, message["tool_calls"]))
        ):
            problems.append(f"{where}: tool_calls are not OpenAI's {{id, type: function, function{{name, arguments}}}}")
        if role == "tool" and not isinstance(message.get("tool_call_id"), str):
            problems.append(f"{where}: a tool message without tool_call_id")
        if role == previous and role != "tool":
            problems.append(f"{where}: two {role} messages in a row")
        previous = role
    first, last = messages[0], messages[-1]
    if isinstance(first, dict) and first.get("role") not in ("system", "user"):
        problems.append("the first message is neither system nor user")
    if isinstance(last, dict) and last.get("role") != "assistant":
        problems.append("the last message is not the assistant's answer")
    return problems


# -- prompts ---------------------------------------------------------------------------------------


def _from_openai(prompt: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    messages = prompt.get("messages")
    if not isinstance(messages, list):
        raise Refused("the prompt has no messages")
    out = []
    for message in messages:
        if not isinstance(message, dict):
            raise Refused("a message is not an object")
        role = message.get("role")
        if role == "developer":  # OpenAI's newer name for the system role
            role = "system"
        if role not in ROLES:
            raise Refused(f"a {role!r} message (not one of {', '.join(ROLES)})")
        converted: dict[str, Any] = {"role": role, "content": _text(message.get("content"))}
        if role == "assistant" and message.get("tool_calls"):
            converted["tool_calls"] = [_call(c) for c in message["tool_calls"]]
        if role == "tool":
            call_id = message.get("tool_call_id")
            if not isinstance(call_id, str):
                raise Refused("a tool message without tool_call_id")
            converted["tool_call_id"] = call_id
        out.append(converted)
    return out, [_tool(t) for t in prompt.get("tools") or []]


def _from_anthropic(prompt: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    out: list[dict[str, Any]] = []
    system = prompt.get("system")
    if system:
        out.append({"role": "system", "content": _text(system)})
    messages = prompt.get("messages")
    if not isinstance(messages, list):
        raise Refused("the prompt has no messages")
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise Refused("an Anthropic message whose role is neither user nor assistant")
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if not isinstance(blocks, list):
            raise Refused("an Anthropic message whose content is neither text nor blocks")
        if message["role"] == "assistant":
            texts, calls = [], []
            for block in blocks:
                kind = block.get("type") if isinstance(block, dict) else None
                if kind == "text":
                    texts.append(str(block.get("text") or ""))
                elif kind == "tool_use":
                    arguments = json.dumps(block.get("input") or {}, ensure_ascii=False)
                    calls.append(_call({"id": block.get("id"), "type": "function",
                                        "function": {"name": block.get("name"), "arguments": arguments}}))  # fmt: skip
                elif kind not in ("thinking", "redacted_thinking"):  # the reasoning is not the answer
                    raise Refused(f"an assistant {kind!r} block")
            assistant: dict[str, Any] = {"role": "assistant", "content": "".join(texts)}
            if calls:
                assistant["tool_calls"] = calls
            out.append(assistant)
            continue
        texts = []
        for block in blocks:
            kind = block.get("type") if isinstance(block, dict) else None
            if kind == "tool_result":
                call_id = block.get("tool_use_id")
                if not isinstance(call_id, str):
                    raise Refused("a tool_result without tool_use_id")
                out.append({"role": "tool", "tool_call_id": call_id, "content": _text(block.get("content") or "")})
            elif kind == "text":
                texts.append(str(block.get("text") or ""))
            else:
                raise Refused(f"a user {kind!r} block (only text and tool results are trained on)")
        if texts:
            out.append({"role": "user", "content": "".join(texts)})
    tools = []
    for tool in prompt.get("tools") or []:
        if not isinstance(tool, dict) or "input_schema" not in tool:
            raise Refused("an Anthropic server tool (only client tools with an input_schema are trained on)")
        function = {"name": tool.get("name"), "parameters": tool["input_schema"]}
        if tool.get("description"):
            function["description"] = tool["description"]
        tools.append({"type": "function", "function": function})
    return out, tools


def _merge_systems(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive system messages as one: what a chat template renders them as anyway."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if out and message["role"] == "system" and out[-1]["role"] == "system":
            out[-1] = {"role": "system", "content": out[-1]["content"] + "\n\n" + message["content"]}
        else:
            out.append(message)
    return out


def _text(content: Any) -> str:
    """Message content as a string: text parts (OpenAI's or Anthropic's) joined; anything else refused."""
    if isinstance(content, str):
        return content
    if content is None:
        return ""
    if not isinstance(content, list):
        raise Refused("message content that is neither text nor a list of parts")
    parts = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind != "text":
            raise Refused(f"a {kind!r} content part (only text is trained on)")
        parts.append(str(part.get("text") or ""))
    return "".join(parts)


def _call(call: Any) -> dict[str, Any]:
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str) or not call.get("id"):
        raise Refused("a tool call without id or function name")
    arguments = function.get("arguments")
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments if arguments is not None else {}, ensure_ascii=False)
    return {"id": str(call["id"]), "type": "function", "function": {"name": function["name"], "arguments": arguments}}


def _tool(tool: Any) -> dict[str, Any]:
    function = tool.get("function") if isinstance(tool, dict) and tool.get("type") == "function" else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise Refused("a tool that is not an OpenAI function tool")
    kept = {k: function[k] for k in ("name", "description", "parameters") if function.get(k) is not None}
    return {"type": "function", "function": kept}


def _answer(answer: str) -> dict[str, Any]:
    """The answer as the last assistant message: text, or the tool calls it made (as the proxy
    recorded them, `{"content", "tool_calls"}`)."""
    if answer.startswith('{"content"'):
        try:
            message = json.loads(answer)
        except ValueError:
            message = None
        if isinstance(message, dict) and set(message) == {"content", "tool_calls"} and message["tool_calls"]:
            return {
                "role": "assistant",
                "content": _text(message["content"]),
                "tool_calls": [_call(c) for c in message["tool_calls"]],
            }
    if not answer.strip():
        raise Refused("an empty answer")
    return {"role": "assistant", "content": answer}


def _is_call(call: Any) -> bool:
    function = call.get("function") if isinstance(call, dict) else None
    return (
        isinstance(function, dict)
        and set(call) == {"id", "type", "function"}
        and call["type"] == "function"
        and isinstance(call["id"], str)
        and isinstance(function.get("name"), str)
        and isinstance(function.get("arguments"), str)
        and _parses(function["arguments"])
    )


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _is_tool(tool: Any) -> bool:
    return isinstance(tool, dict) and tool.get("type") == "function" and isinstance(tool.get("function"), dict)
