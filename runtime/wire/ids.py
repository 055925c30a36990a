"""Ids across the two APIs: `msg_`/`toolu_` ids for Anthropic clients from chat-completion ids.

A conversation that continues on the real Anthropic API (after a fallback) echoes these ids back,
and Anthropic checks their pattern, so any character outside `[A-Za-z0-9_-]` becomes `_`.
"""

from __future__ import annotations

import re

from runtime.ids import fresh_hex

_NOT_ID = re.compile(r"[^A-Za-z0-9_-]")


def _safe(raw: str) -> str:
    return _NOT_ID.sub("_", raw) if _NOT_ID.search(raw) else raw


def message_id(completion_id: str | None) -> str:
    """`msg_...` for a completion id (`chatcmpl-abc` -> `msg_abc`); a fresh one without it."""
    if not completion_id:
        return "msg_" + fresh_hex()[8:]
    return "msg_" + _safe(completion_id.removeprefix("chatcmpl-"))


def tool_use_id(call_id: str | None, fallback: str) -> str:
    """`toolu_...` for an OpenAI call id (`call_abc` -> `toolu_abc`; `toolu_` ids are kept);
    `fallback` names a call the server gave no id."""
    if not call_id:
        return "toolu_" + _safe(fallback)
    if call_id.startswith("toolu_"):
        return _safe(call_id)
    return "toolu_" + _safe(call_id.removeprefix("call_"))
