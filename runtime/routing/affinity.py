"""Conversation affinity: once a conversation is routed, its later turns go where its first one went.

A conversation that switches models mid-way loses the model's cache and, worse, its tool loop: an
agent whose first turn went to the custom model sends a turn of only `tool_result` blocks next, which
says little about coding, and would land on another model that never made the call (issue 11). So the
router remembers each conversation's route, and the turns after the first take it (reason
"affinity: ...").

A conversation is known by what clients give, in this order: Claude Code's `x-claude-code-session-id`
header, the Anthropic API's `metadata.user_id` (Claude Code puts its session there too), or nothing;
and within that, by a hash of the requested model and the conversation's first user turn (a client
that switches models mid-way is routed afresh, as rules may name models). The first turn is part of the key
even when a session is known: a Claude Code session's side calls (a title, a topic check) share its
session id but open with their own turn, and a user's other conversations with theirs.

The table is bounded (`SIZE` conversations, least recently used go first) and each entry expires
`TTL_SECONDS` after its last use, on `controlplane.clock`'s monotonic clock. It lives in the process:
a restarted proxy, or another replica, routes a conversation's next turn afresh.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from controlplane import clock

SESSION_HEADER = "x-claude-code-session-id"
SIZE = 10_000
TTL_SECONDS = 3600.0
# How much of the first turn the key reads: enough to tell conversations apart, bounded in cost.
FIRST_TURN_CHARS = 4096


class Affinity:
    """Where each known conversation was routed: key -> (role or None, reason), bounded, expiring."""

    def __init__(self, size: int = SIZE, ttl_seconds: float = TTL_SECONDS) -> None:
        if size < 1 or ttl_seconds <= 0:
            raise ValueError("affinity: size must be at least 1 and ttl_seconds positive")
        self.size = size
        self.ttl = ttl_seconds
        self._entries: OrderedDict[str, tuple[str | None, str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def key(api: str, body: Mapping[str, Any], headers: Mapping[str, str]) -> str | None:
        """The conversation's key, or None when the body has no user turn to know it by."""
        first = _first_user_turn(body)
        if first is None:
            return None
        scope = ""
        session = headers.get(SESSION_HEADER)
        if isinstance(session, str) and session.strip():
            scope = "session:" + session.strip()[:200]
        else:
            metadata = body.get("metadata")
            user = metadata.get("user_id") if isinstance(metadata, dict) else None
            if isinstance(user, str) and user:
                scope = "user:" + user[:400]
        model = body.get("model")
        digest = hashlib.blake2b(digest_size=16)
        digest.update(f"{api}\0{model if isinstance(model, str) else ''}\0{scope}\0".encode("utf-8", "replace"))
        digest.update(first.encode("utf-8", "replace"))
        return digest.hexdigest()

    def get(self, key: str) -> tuple[str | None, str] | None:
        """The route `key` took, if it is known and has not expired (a use renews it)."""
        now = clock.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            role, reason, last = entry
            if now - last > self.ttl:
                del self._entries[key]
                return None
            self._entries[key] = (role, reason, now)
            self._entries.move_to_end(key)
            return role, reason

    def put(self, key: str, role: str | None, reason: str) -> None:
        now = clock.monotonic()
        with self._lock:
            self._entries[key] = (role, reason, now)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
            # Expired entries at the old end go too, so a quiet proxy does not hold them until full.
            while self._entries:
                oldest = next(iter(self._entries))
                if now - self._entries[oldest][2] <= self.ttl:
                    break
                del self._entries[oldest]


def _first_user_turn(body: Mapping[str, Any]) -> str | None:
    """The text of the conversation's first user message (tool blocks by their kind), bounded."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return None
    for message in messages[:8]:
        if isinstance(message, dict) and message.get("role") == "user":
            return _text(message.get("content"))[:FIRST_TURN_CHARS]
    return None


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    parts = []
    for block in content[:32]:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict):
            text = block.get("text")
            parts.append(text if isinstance(text, str) else f"<{block.get('type')}>")
    return "\n".join(parts)
