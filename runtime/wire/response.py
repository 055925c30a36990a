"""Response: a whole chat completion from a role's endpoint as the Anthropic message a client of
the proxy expects (`openai_to_anthropic`), and the mappings the streamed form shares with it: stop
reasons, tool arguments, usage. An answer a client cannot use raises `UpstreamFormatError`, a model
failure: the proxy falls back. `docs/translation.md` lists the decisions.
"""

from __future__ import annotations

import json
from typing import Any

from runtime.errors import UpstreamFormatError
from runtime.wire.api import JSON
from runtime.wire.ids import message_id, tool_use_id

_STOP_REASONS = {
    "stop": "end_turn",
    "eos": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}


def anthropic_stop(finish_reason: Any, matched: Any, has_calls: bool) -> tuple[str, str | None]:
    """Anthropic's `stop_reason` and `stop_sequence` for a chat completion's finish."""
    reason = _STOP_REASONS.get(finish_reason, "end_turn") if isinstance(finish_reason, str) else "end_turn"
    if reason == "end_turn":
        if has_calls:
            return "tool_use", None
        if isinstance(matched, str) and matched:
            return "stop_sequence", matched
    return reason, None


def matched_stop(choice: JSON) -> Any:
    """The stop string a server says matched (vLLM's `stop_reason`, SGLang's `matched_stop`)."""
    matched = choice.get("stop_reason")
    return matched if matched is not None else choice.get("matched_stop")


def tool_arguments(raw: Any, where: str, truncated: bool) -> JSON:
    """A tool call's arguments as an object; {} for a call cut short by `max_tokens`."""
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


def usage_counts(usage: Any) -> tuple[int | None, int | None]:
    """`prompt_tokens` and `completion_tokens` of a chat completion's `usage`, where they are ints."""
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
                "input": tool_arguments(function.get("arguments"), f"{where}.function.arguments", truncated),
            }
        )
    stop_reason, stop_sequence = anthropic_stop(finish_reason, matched_stop(choice), bool(calls))
    prompt, completion = usage_counts(response.get("usage"))
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
