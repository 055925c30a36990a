"""Anthropic's Messages API stream as Anthropic sends it, event by event: what the stand-in
upstreams answer (`tests/support/standins.py`, and `bench/anthropic_standin.py`: it imports
nothing else of the project).

    message_start, content_block_start, ping, content_block_delta..., content_block_stop,
    [a tool_use block: content_block_start, content_block_delta..., content_block_stop,]
    message_delta, message_stop

Each event is `(name, data)`, `data["type"]` being the name; the caller encodes them (`event:` and
`data:` lines). The translator's events are not quite this (no ping: the proxy adds it on the
wire; usage reported its own way); `tests/runtime/test_translate.py` spells those out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

Event = tuple[str, dict[str, Any]]


def _event(name: str, **data: Any) -> Event:
    return name, {"type": name, **data}


def stream(
    message_id: str,
    model: str,
    text: Sequence[str],
    *,
    input_tokens: int,
    output_tokens: int,
    tool: dict[str, Any] | None = None,
) -> list[Event]:
    """A streamed answer: `text` as one delta per piece, then `tool` ({"name", "input"}) as a
    tool_use block whose arguments arrive in two halves."""
    message = {"id": message_id, "type": "message", "role": "assistant", "model": model, "content": [],
               "stop_reason": None, "stop_sequence": None,
               "usage": {"input_tokens": input_tokens, "output_tokens": 1}}  # fmt: skip
    events = [
        _event("message_start", message=message),
        _event("content_block_start", index=0, content_block={"type": "text", "text": ""}),
        _event("ping"),
        *(_event("content_block_delta", index=0, delta={"type": "text_delta", "text": piece}) for piece in text),
        _event("content_block_stop", index=0),
    ]
    if tool is not None:
        block = {"type": "tool_use", "id": f"toolu_{message_id}", "name": tool["name"], "input": {}}
        arguments = json.dumps(tool["input"])
        halves = (arguments[: len(arguments) // 2], arguments[len(arguments) // 2 :])
        events += [
            _event("content_block_start", index=1, content_block=block),
            *(
                _event("content_block_delta", index=1, delta={"type": "input_json_delta", "partial_json": half})
                for half in halves
            ),
            _event("content_block_stop", index=1),
        ]
    stop = "tool_use" if tool is not None else "end_turn"
    return [
        *events,
        _event(
            "message_delta", delta={"stop_reason": stop, "stop_sequence": None}, usage={"output_tokens": output_tokens}
        ),
        _event("message_stop"),
    ]
