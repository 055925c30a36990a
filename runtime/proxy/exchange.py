"""One request and its answer as the proxy's handlers see it, and what is recorded of it.

The app makes an `Exchange` for each API request: the parsed request, the routing decision and
its timing (on the one clock), carried to whichever handler answers it (a custom model through the
gate, or the relay to an upstream), so each records the same way: a `Usage` for a request routed
to a role and, when samples are collected, a `Sample`. Requests no rule routed are the upstream's
business: counted in metrics, not recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.types import Scope, Send

from controlplane import clock
from controlplane.values import Outcome, Sample, Source, Usage
from runtime.ids import fresh_hex
from runtime.proxy.asgi import Headers
from runtime.tokens import estimate_input_tokens
from runtime.wire import Api


@dataclass
class Exchange:
    api: Api
    project: str
    scope: Scope
    send: Send
    headers: Headers
    raw: bytes
    body: dict[str, Any]
    at: datetime
    started: float  # clock.monotonic()
    role: str | None = None  # the role routing chose, if any
    reason: str = ""  # why: the rule that matched
    score: float | None = None  # the content classifier's score, when it ran
    first_byte: float | None = None  # clock.monotonic() when the first body byte was sent
    prompt: dict[str, Any] | None = None  # the request in the role's (chat-completions) format
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream") is True)

    @property
    def url_path(self) -> str:
        query: bytes = self.scope.get("query_string", b"")
        path: str = self.scope["path"]
        return path + ("?" + query.decode("latin-1") if query else "")

    @property
    def target(self) -> str:
        """The request target as the client sent it (percent-escapes kept), query included."""
        query: bytes = self.scope.get("query_string", b"")
        raw: bytes | None = self.scope.get("raw_path")
        path = raw.decode("latin-1") if raw else self.scope["path"]
        return path + ("?" + query.decode("latin-1") if query else "")

    def input_tokens(self) -> int:
        """The request's input tokens, estimated as routing estimates them (`runtime.tokens`)."""
        return estimate_input_tokens(self.body, self.api)

    def mark_first_byte(self) -> None:
        if self.first_byte is None:
            self.first_byte = clock.monotonic()

    def usage(
        self, outcome: Outcome, reason: str | None, input_tokens: int, output_tokens: int, cost_usd: float
    ) -> Usage:
        assert self.role is not None
        return Usage(
            project=self.project,
            role=self.role,
            at=self.at,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_ms=round((clock.monotonic() - self.started) * 1000, 3),
            cost_usd=cost_usd,
            outcome=outcome,
            reason=reason,
            record_id=fresh_hex(),  # given here, the recorder need not copy the record to give it one
        )

    def sample(self, source: Source, answer: str, *, model: str | None, outcome: Outcome) -> Sample:
        """What is recorded: the prompt as served (the chat-completions request the custom model
        got or would have got), else the request as it came, for the fallback; `model` is who
        answered (the role's revision, or the model the client asked the fallback for)."""
        assert self.role is not None
        translated = self.prompt is not None
        agent_id, room_id = self.ids()
        return Sample(
            project=self.project,
            role=self.role,
            at=self.at,
            source=source,
            prompt=self.prompt if self.prompt is not None else self.body,
            answer=answer,
            meta={"api": self.api, "requested_model": self.body.get("model"), **self.meta},
            format="openai" if translated or self.api == "openai" else "anthropic",
            model=model,
            outcome=outcome,
            agent_id=agent_id,
            room_id=room_id,
            record_id=fresh_hex(),
        )

    def ids(self) -> tuple[str | None, str | None]:
        """The agent and room (conversation) a request came from, where the client says: the
        headers `x-reasoning-agent-id` / `x-reasoning-room-id`, else the body's `metadata`
        (`agent_id` / `room_id`; Anthropic's `metadata.user_id` as the agent) or OpenAI's `user`."""
        agent = _header(self.headers, b"x-reasoning-agent-id")
        room = _header(self.headers, b"x-reasoning-room-id")
        metadata = self.body.get("metadata")
        if isinstance(metadata, dict):
            agent = agent or _text(metadata.get("agent_id")) or _text(metadata.get("user_id"))
            room = room or _text(metadata.get("room_id"))
        return agent or _text(self.body.get("user")), room


def _header(headers: Headers, name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return _text(value.decode("latin-1"))
    return None


def _text(value: Any) -> str | None:
    """A short identifier, or None: anything else a client puts there is not an id."""
    return value.strip()[:200] or None if isinstance(value, str) else None
